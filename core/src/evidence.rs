//! Evidence-based hysteresis: a Schmitt trigger on accumulated log-odds.
//!
//! A commit streak waits N fixes whether the ball is 10 m inside the green or
//! 30 cm from its edge. Here each fix is worth what it says:
//!
//! ```text
//! z = d / σ                         signed distance to the edge over the fix's per-axis σ
//! λ = ln Φ(z) − ln Φ(−z)            log-likelihood ratio ON vs OFF (a straight edge, flat prior)
//! w = w_accuracy · w_age            poor or stale fixes count for less
//! S ← clamp(S + w·clamp(λ, ±L), ±C) accumulated log-odds that the ball is on the green
//! committed OFF → ON when S reaches +C;  committed ON → OFF when S reaches −C
//! ```
//!
//! **The two numbers a user sets** (derivation in `docs/hysteresis.md`):
//! - `false_switch_rate` α: the chance that noise alone, from a settled
//!   state, ever walks the log-odds across the band. The band is G = ln(1/α)
//!   wide (from −C to +C, C = G/2): by Ville's inequality a likelihood-ratio
//!   martingale climbs a factor e^G with probability at most e^−G = α.
//! - `max_wait_fixes` N: a decisive fix counts at most L = G / N, so N
//!   decisive fixes always switch and no fewer ever do (N = 1: one decisive
//!   fix switches; a single wild fix then needs |z| ≳ √(2G) to do it).
//!
//! With every fix decisive this is a streak of N; with equal evidence e per
//! fix it is a streak of ⌈G / e⌉. The first fix commits at once, as streaks do.

use libm::{erfc, log, sqrt};

/// Accuracy (95 % radius, metres) up to which a fix counts fully.
pub const FULL_WEIGHT_ACCURACY_M: f64 = 20.0;
/// Accuracy at and beyond which a fix counts for nothing.
pub const ZERO_WEIGHT_ACCURACY_M: f64 = 100.0;
/// A fix this old (client time to receipt, ms) counts e^−1 as much.
pub const STALE_TIME_CONSTANT_MS: f64 = 10_000.0;

/// The band and the per-fix cap, from the two user numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvidenceParams {
    /// Half-width of the band: commit ON at +C, OFF at −C.
    pub clamp: f64,
    /// Most a single fix can move the log-odds.
    pub per_fix_cap: f64,
}

impl EvidenceParams {
    /// `false_switch_rate` in (0, 0.5), `max_wait_fixes` ≥ 1.
    pub fn new(false_switch_rate: f64, max_wait_fixes: u32) -> Option<EvidenceParams> {
        if !(false_switch_rate > 0.0 && false_switch_rate < 0.5) || max_wait_fixes == 0 {
            return None;
        }
        let band = log(1.0 / false_switch_rate);
        Some(EvidenceParams { clamp: band / 2.0, per_fix_cap: band / f64::from(max_wait_fixes) })
    }
}

/// ln Φ(−z) for z ≥ 0, accurate far into the tail.
fn ln_phi_neg(z: f64) -> f64 {
    let p = 0.5 * erfc(z / core::f64::consts::SQRT_2);
    if p > 1e-300 {
        log(p)
    } else {
        // Mills-ratio asymptote: Φ(−z) ≈ φ(z)/z.
        -0.5 * z * z - log(z * sqrt(2.0 * core::f64::consts::PI))
    }
}

/// λ = ln Φ(z) − ln Φ(−z): how much more likely ON than OFF a fix at
/// signed distance `d` (positive inside) with per-axis σ `sigma` makes it.
pub fn log_likelihood_ratio(d: f64, sigma: f64) -> f64 {
    if sigma.is_nan() || sigma <= 0.0 || !d.is_finite() {
        return 0.0;
    }
    let z = d / sigma;
    let (a, sign) = if z >= 0.0 { (z, 1.0) } else { (-z, -1.0) };
    // ln Φ(a) = ln(1 − Φ(−a)), computed without cancellation.
    let tail = 0.5 * erfc(a / core::f64::consts::SQRT_2);
    sign * (libm::log1p(-tail) - ln_phi_neg(a))
}

/// How much a fix counts: 1 when accurate and fresh, less when poor or stale.
pub fn weight(accuracy_p95_m: f64, age_ms: u64) -> f64 {
    let acc = if accuracy_p95_m <= FULL_WEIGHT_ACCURACY_M {
        1.0
    } else {
        ((ZERO_WEIGHT_ACCURACY_M - accuracy_p95_m) / (ZERO_WEIGHT_ACCURACY_M - FULL_WEIGHT_ACCURACY_M)).clamp(0.0, 1.0)
    };
    acc * libm::exp(-(age_ms as f64) / STALE_TIME_CONSTANT_MS)
}

/// The log-odds step a fix contributes (weighted and capped).
pub fn step_size(d: f64, sigma: f64, accuracy_p95_m: f64, age_ms: u64, params: &EvidenceParams) -> f64 {
    let lam = log_likelihood_ratio(d, sigma).clamp(-params.per_fix_cap, params.per_fix_cap);
    lam * weight(accuracy_p95_m, age_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llr_is_odd_monotone_and_finite_far_out() {
        assert!(log_likelihood_ratio(0.0, 2.0).abs() < 1e-12);
        let mut last = f64::NEG_INFINITY;
        for i in -400..=400 {
            let d = f64::from(i) * 0.25;
            let l = log_likelihood_ratio(d, 2.0);
            assert!(l.is_finite() && l > last, "{d}: {l}");
            assert!((l + log_likelihood_ratio(-d, 2.0)).abs() < 1e-9);
            last = l;
        }
        // 2σ inside: ln(Φ(2) / Φ(−2)) = ln(0.977250 / 0.022750) = 3.7602.
        assert!((log_likelihood_ratio(4.0, 2.0) - 3.7602).abs() < 1e-3);
    }

    #[test]
    fn the_band_follows_the_two_numbers() {
        let p = EvidenceParams::new(1e-4, 1).unwrap();
        assert!((2.0 * p.clamp - 9.2103).abs() < 1e-3 && (p.per_fix_cap - 9.2103).abs() < 1e-3);
        let p = EvidenceParams::new(1e-4, 2).unwrap();
        assert!((p.per_fix_cap - 4.6052).abs() < 1e-3);
        assert!(
            EvidenceParams::new(0.0, 1).is_none()
                && EvidenceParams::new(0.6, 1).is_none()
                && EvidenceParams::new(0.01, 0).is_none()
        );
    }

    #[test]
    fn poor_and_stale_fixes_count_less() {
        assert_eq!(weight(5.0, 0), 1.0);
        assert!((weight(60.0, 0) - 0.5).abs() < 1e-12);
        assert_eq!(weight(150.0, 0), 0.0);
        assert!((weight(5.0, 10_000) - libm::exp(-1.0)).abs() < 1e-12);
    }
}

//! Strokes gained: what each shot was worth against a baseline of expected
//! strokes to hole out, by lie and distance.
//!
//! The baseline is Mark Broadie's PGA Tour table: *Every Shot Counts*
//! (Gotham Books, 2014), the PGA Tour benchmark of expected strokes to hole
//! out from the tee, fairway, rough, sand and recovery by distance in yards,
//! and on the green by distance in feet, from ShotLink data 2003–2012 (the
//! method: M. Broadie, "Assessing golfer performance on the PGA TOUR",
//! *Interfaces* 42(2), 2012). Between the table's distances the expectation
//! is interpolated linearly; beyond its ends it is held at the end value. A
//! putt of no length takes one stroke.
//!
//! ```text
//! strokes gained of a shot = E(lie, distance before) − E(lie, distance after) − 1 − penalty strokes
//! putting on a hole        = E(green, first putt's distance) − putts
//! a hole                   = E(tee, first shot's distance) − strokes
//! ```
//!
//! With every shot seen, the shots' and putting's values add up to the
//! hole's. The categories are the PGA Tour's: off the tee (the first shot of
//! a par 4 or 5), approach (any other shot from off the green more than
//! [`AROUND_GREEN_M`] from the cup, par 3 tee shots included), around the
//! green (within it, not on the green) and putting.

use crate::classify::Surface;

/// One yard, in metres (exact, by the 1959 agreement).
pub const YARD_M: f64 = 0.9144;
/// One foot, in metres.
pub const FOOT_M: f64 = 0.3048;
/// 30 yards: within this of the cup a shot from off the green is "around the green".
pub const AROUND_GREEN_M: f64 = 30.0 * YARD_M;

/// The lies of the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lie {
    Tee,
    Fairway,
    Rough,
    Sand,
    Recovery,
    Green,
}

impl Lie {
    /// The baseline lie of a surface: fringe plays as fairway, off the hole
    /// as recovery, water and out of bounds (after the drop) as rough.
    pub fn of(surface: Surface) -> Lie {
        match surface {
            Surface::Green => Lie::Green,
            Surface::Fairway | Surface::Fringe => Lie::Fairway,
            Surface::Bunker => Lie::Sand,
            Surface::Tee => Lie::Tee,
            Surface::Rough | Surface::Water | Surface::OutOfBounds => Lie::Rough,
            Surface::OutOfHole => Lie::Recovery,
        }
    }
}

/// Expected strokes from the tee, by yards (Broadie 2014).
#[rustfmt::skip]
const TEE: &[(f64, f64)] = &[
    (100.0, 2.92),
    (120.0, 2.99),
    (140.0, 2.97),
    (160.0, 2.99),
    (180.0, 3.05),
    (200.0, 3.12),
    (220.0, 3.17),
    (240.0, 3.25),
    (260.0, 3.45),
    (280.0, 3.65),
    (300.0, 3.71),
    (320.0, 3.79),
    (340.0, 3.86),
    (360.0, 3.92),
    (380.0, 3.96),
    (400.0, 3.99),
    (420.0, 4.02),
    (440.0, 4.08),
    (460.0, 4.17),
    (480.0, 4.28),
    (500.0, 4.41),
    (520.0, 4.54),
    (540.0, 4.65),
    (560.0, 4.74),
    (580.0, 4.79),
    (600.0, 4.82),
];
/// From the fairway, by yards.
#[rustfmt::skip]
const FAIRWAY: &[(f64, f64)] = &[
    (20.0, 2.40),
    (40.0, 2.60),
    (60.0, 2.70),
    (80.0, 2.75),
    (100.0, 2.80),
    (120.0, 2.85),
    (140.0, 2.91),
    (160.0, 2.98),
    (180.0, 3.08),
    (200.0, 3.19),
    (220.0, 3.32),
    (240.0, 3.45),
    (260.0, 3.58),
    (280.0, 3.69),
    (300.0, 3.78),
    (320.0, 3.84),
    (340.0, 3.88),
    (360.0, 3.95),
    (380.0, 4.03),
    (400.0, 4.11),
    (420.0, 4.15),
    (440.0, 4.20),
    (460.0, 4.29),
    (480.0, 4.40),
    (500.0, 4.53),
    (520.0, 4.66),
    (540.0, 4.78),
    (560.0, 4.86),
    (580.0, 4.91),
    (600.0, 4.94),
];
/// From the rough, by yards.
#[rustfmt::skip]
const ROUGH: &[(f64, f64)] = &[
    (20.0, 2.59),
    (40.0, 2.78),
    (60.0, 2.91),
    (80.0, 2.96),
    (100.0, 3.02),
    (120.0, 3.08),
    (140.0, 3.15),
    (160.0, 3.23),
    (180.0, 3.31),
    (200.0, 3.42),
    (220.0, 3.53),
    (240.0, 3.64),
    (260.0, 3.74),
    (280.0, 3.83),
    (300.0, 3.90),
    (320.0, 3.95),
    (340.0, 4.02),
    (360.0, 4.11),
    (380.0, 4.21),
    (400.0, 4.30),
    (420.0, 4.34),
    (440.0, 4.39),
    (460.0, 4.48),
    (480.0, 4.59),
    (500.0, 4.70),
    (520.0, 4.81),
    (540.0, 4.92),
    (560.0, 5.02),
    (580.0, 5.05),
    (600.0, 5.04),
];
/// From sand, by yards.
#[rustfmt::skip]
const SAND: &[(f64, f64)] = &[
    (20.0, 2.53),
    (40.0, 2.82),
    (60.0, 3.15),
    (80.0, 3.24),
    (100.0, 3.23),
    (120.0, 3.21),
    (140.0, 3.22),
    (160.0, 3.28),
    (180.0, 3.40),
    (200.0, 3.55),
    (220.0, 3.70),
    (240.0, 3.84),
    (260.0, 3.93),
    (280.0, 4.00),
    (300.0, 4.04),
    (320.0, 4.12),
    (340.0, 4.26),
    (360.0, 4.41),
    (380.0, 4.55),
    (400.0, 4.69),
    (420.0, 4.73),
    (440.0, 4.78),
    (460.0, 4.87),
    (480.0, 4.98),
    (500.0, 5.09),
    (520.0, 5.20),
    (540.0, 5.31),
    (560.0, 5.41),
    (580.0, 5.44),
    (600.0, 5.43),
];
/// From a recovery lie (trees, off the hole), by yards.
#[rustfmt::skip]
const RECOVERY: &[(f64, f64)] = &[
    (100.0, 3.80),
    (120.0, 3.78),
    (140.0, 3.80),
    (160.0, 3.81),
    (180.0, 3.82),
    (200.0, 3.87),
    (220.0, 3.92),
    (240.0, 3.97),
    (260.0, 4.03),
    (280.0, 4.10),
    (300.0, 4.20),
    (320.0, 4.31),
    (340.0, 4.44),
    (360.0, 4.56),
    (380.0, 4.66),
    (400.0, 4.75),
    (420.0, 4.84),
    (440.0, 4.94),
    (460.0, 5.03),
    (480.0, 5.13),
    (500.0, 5.22),
    (520.0, 5.31),
    (540.0, 5.40),
    (560.0, 5.49),
    (580.0, 5.58),
    (600.0, 5.67),
];
/// On the green, by feet; a putt of no length is one stroke.
#[rustfmt::skip]
const GREEN: &[(f64, f64)] = &[
    (0.0, 1.00),
    (3.0, 1.04),
    (4.0, 1.13),
    (5.0, 1.23),
    (6.0, 1.34),
    (7.0, 1.42),
    (8.0, 1.50),
    (9.0, 1.56),
    (10.0, 1.61),
    (15.0, 1.78),
    (20.0, 1.87),
    (30.0, 1.98),
    (40.0, 2.06),
    (50.0, 2.14),
    (60.0, 2.21),
    (90.0, 2.40),
];

fn table(lie: Lie) -> &'static [(f64, f64)] {
    match lie {
        Lie::Tee => TEE,
        Lie::Fairway => FAIRWAY,
        Lie::Rough => ROUGH,
        Lie::Sand => SAND,
        Lie::Recovery => RECOVERY,
        Lie::Green => GREEN,
    }
}

/// Linear interpolation in a table sorted by distance, held at its ends.
fn interpolate(t: &[(f64, f64)], x: f64) -> f64 {
    let (first, last) = (t[0], t[t.len() - 1]);
    // NaN and anything short of the table read as its first distance.
    if x.partial_cmp(&first.0) != Some(core::cmp::Ordering::Greater) {
        return first.1;
    }
    if x >= last.0 {
        return last.1;
    }
    let i = t.partition_point(|p| p.0 <= x);
    let (a, b) = (t[i - 1], t[i]);
    a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0)
}

/// Expected strokes to hole out from `distance_m` metres in `lie`.
pub fn expected(lie: Lie, distance_m: f64) -> f64 {
    let unit = if lie == Lie::Green { FOOT_M } else { YARD_M };
    interpolate(table(lie), distance_m / unit)
}

/// The PGA Tour's strokes-gained categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    OffTheTee,
    Approach,
    AroundTheGreen,
    Putting,
}

/// The category of a shot from off the green: `first` on a hole of `par`,
/// from `distance_m` to the cup.
pub fn category(first: bool, par: u8, distance_m: f64) -> Category {
    if first && par >= 4 {
        Category::OffTheTee
    } else if distance_m > AROUND_GREEN_M {
        Category::Approach
    } else {
        Category::AroundTheGreen
    }
}

/// Expected putts rounded to a whole number: the estimate of putts when the
/// golfer tapped none, from the first putt's distance (at least one).
pub fn estimated_putts(distance_m: f64) -> u8 {
    let e = expected(Lie::Green, distance_m);
    // 1.0 ..= 2.40: rounds to 1 or 2.
    if e < 1.5 { 1 } else { 2 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_read_in_its_units_and_interpolated() {
        assert!((expected(Lie::Tee, 400.0 * YARD_M) - 3.99).abs() < 1e-12);
        assert!((expected(Lie::Fairway, 150.0 * YARD_M) - 2.945).abs() < 1e-12);
        assert!((expected(Lie::Green, 8.0 * FOOT_M) - 1.50).abs() < 1e-12);
        // Held at the ends; zero on the green is one stroke.
        assert_eq!(expected(Lie::Tee, 10.0), 2.92);
        assert_eq!(expected(Lie::Green, 1_000.0), 2.40);
        assert_eq!(expected(Lie::Green, 0.0), 1.0);
        assert_eq!(expected(Lie::Sand, f64::NAN), 2.53);
    }

    #[test]
    fn every_table_rises_from_its_first_distance() {
        for lie in [Lie::Tee, Lie::Fairway, Lie::Rough, Lie::Sand, Lie::Recovery, Lie::Green] {
            let t = table(lie);
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "{lie:?} distances increase");
            assert!(t.last().unwrap().1 > t[0].1, "{lie:?}");
        }
    }

    #[test]
    fn categories_follow_the_tour() {
        assert_eq!(category(true, 4, 350.0), Category::OffTheTee);
        assert_eq!(category(true, 3, 150.0), Category::Approach);
        assert_eq!(category(false, 5, 20.0), Category::AroundTheGreen);
        assert_eq!(estimated_putts(1.0), 1);
        assert_eq!(estimated_putts(8.0), 2);
    }
}

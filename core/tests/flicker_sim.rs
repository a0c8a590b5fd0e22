//! The flicker simulator (shared by `tests/flicker.rs` and `examples/flicker.rs`).
//!
//! GPS noise: a circular normal with per-axis σ from a 4.9 m 95 % radius
//! (σ = 2.0 m), around a ball placed along the inward normal of a real edge
//! of the example course's green. Every fix goes through the production
//! path (`session::set_ball`) under each hysteresis configuration.

#![allow(dead_code, clippy::unwrap_used)]

use greenside_core::api::{BallFix, StartRequest};
use greenside_core::classify::PreparedHole;
use greenside_core::course::Course;
use greenside_core::example::RIVERSIDE_COURSE_JSON;
use greenside_core::geometry::LocalXY;
use greenside_core::hysteresis::GreenState;
use greenside_core::rules::{HysteresisMode, Rules};
use greenside_core::session::{self, SessionRecord};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

pub const ACCURACY_P95_M: f64 = 4.9;
pub const SIGMA_M: f64 = 4.9 / 2.447_746_830_680_816;

/// A named hysteresis configuration.
#[derive(Debug, Clone)]
pub struct Mode {
    pub name: String,
    pub config: Rules,
    /// `None`: no hysteresis at all (the raw candidate is the decision).
    pub raw: bool,
}

pub fn modes() -> Vec<Mode> {
    let base = Rules { session_ttl_s: 30 * 86_400, ..Rules::default() };
    let mut v = vec![Mode { name: "none (raw candidate)".into(), config: base.clone(), raw: true }];
    for n in 1..=4 {
        v.push(Mode {
            name: format!("streak {n}"),
            config: Rules { commit_on_streak: n, commit_off_streak: n, ..base.clone() },
            raw: false,
        });
    }
    for (rate, wait) in [(1e-4, 1), (1e-4, 2)] {
        v.push(Mode {
            name: format!("evidence α={rate}, N={wait}"),
            config: Rules {
                hysteresis_mode: HysteresisMode::Evidence,
                evidence_false_switch_rate: rate,
                evidence_max_wait_fixes: wait,
                ..base.clone()
            },
            raw: false,
        });
    }
    v
}

#[derive(Debug)]
pub struct Scene {
    pub course: Course,
    pub hole: PreparedHole,
    /// A point on the green's edge and the inward unit normal there, hole frame.
    pub edge: LocalXY,
    pub inward: LocalXY,
}

pub fn scene() -> Scene {
    let course = Course::from_json(RIVERSIDE_COURSE_JSON).unwrap();
    let hole = course.prepare_hole(1).unwrap();
    let green = course.hole(1).unwrap().green.as_ref().unwrap().polygons("green").unwrap();
    let ring: Vec<LocalXY> = green[0].rings[0].iter().map(|p| hole.frame().to_local(*p)).collect();
    let (a, b) = (ring[7], ring[8]);
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt();
    // Counter-clockwise exterior ring: the interior is on the left.
    Scene {
        course,
        edge: LocalXY { x: (a.x + b.x) / 2.0, y: (a.y + b.y) / 2.0 },
        inward: LocalXY { x: -dy / len, y: dx / len },
        hole,
    }
}

#[derive(Debug)]
struct Run<'a> {
    scene: &'a Scene,
    mode: &'a Mode,
    rec: SessionRecord,
    now: u64,
    raw_state: GreenState,
}

impl<'a> Run<'a> {
    fn new(scene: &'a Scene, mode: &'a Mode) -> Self {
        let req = StartRequest { course_id: "riverside".into(), hole_id: 1, units: Default::default() };
        let rec = session::start(&req, "gs_00000000000000000000000000000000".into(), 1, &scene.hole, &mode.config, 0)
            .unwrap();
        Run { scene, mode, rec, now: 0, raw_state: GreenState::Unknown }
    }

    /// One noisy fix of a ball at signed distance `d` from the edge; returns the committed state.
    fn fix(&mut self, d: f64, rng: &mut SmallRng) -> GreenState {
        self.now += 1000;
        let (nx, ny) = (normal(rng) * SIGMA_M, normal(rng) * SIGMA_M);
        let s = self.scene;
        let p = LocalXY { x: s.edge.x + s.inward.x * d + nx, y: s.edge.y + s.inward.y * d + ny };
        let fix = BallFix {
            ball_wgs84: s.hole.frame().to_wgs84(p),
            accuracy_m: Some(ACCURACY_P95_M),
            accuracy_kind: None,
            seq: None,
            client_time_ms: Some(self.now),
        };
        session::set_ball(&mut self.rec, &fix, &s.hole, &self.mode.config, self.now).unwrap();
        if self.mode.raw {
            self.raw_state = self.rec.hysteresis.candidate;
            self.raw_state
        } else {
            self.rec.hysteresis.committed
        }
    }
}

/// Box–Muller.
fn normal(rng: &mut SmallRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Committed flips per 1,000 fixes of a ball that stays at `d` (every flip is false).
pub fn false_flips_per_1000(scene: &Scene, mode: &Mode, d: f64, fixes: usize, seed: u64) -> f64 {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut run = Run::new(scene, mode);
    let mut last = run.fix(d, &mut rng);
    let mut flips = 0;
    for _ in 1..fixes {
        let s = run.fix(d, &mut rng);
        if s != last {
            flips += 1;
        }
        last = s;
    }
    flips as f64 * 1000.0 / fixes as f64
}

/// Mean fixes after a real transition until the committed state is ON for
/// good: a ball `from` metres (negative: outside) that moves to `to` in
/// `steps` equal steps, one fix each, then stays for 30 fixes.
pub fn transition_delay(scene: &Scene, mode: &Mode, from: f64, to: f64, steps: usize, runs: usize, seed: u64) -> f64 {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut total = 0.0;
    for _ in 0..runs {
        let mut run = Run::new(scene, mode);
        // Settle outside first.
        for _ in 0..20 {
            run.fix(from, &mut rng);
        }
        let mut path: Vec<f64> = (1..=steps).map(|i| from + (to - from) * i as f64 / steps as f64).collect();
        path.extend(std::iter::repeat_n(to, 30));
        let crossing = path.iter().position(|d| *d > 0.0).unwrap();
        let states: Vec<GreenState> = path.iter().map(|d| run.fix(*d, &mut rng)).collect();
        // The first fix from which the state is ON through the end.
        let settled = states.iter().rposition(|s| *s != GreenState::OnGreen).map_or(0, |i| i + 1);
        total += settled.saturating_sub(crossing) as f64 + 1.0;
    }
    total / runs as f64
}

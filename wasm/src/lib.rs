//! greenside in JavaScript: the same core, compiled to wasm, for instant
//! in-browser classification and hysteresis, and offline-first tracking.
//!
//! ```js
//! const course = Course.fromJson(await (await fetch('/api/courses/riverside')).text());
//! const fix = { lat: 40.26824, lon: -111.65952, accuracyM: 4, timeMs: Date.now() };
//! course.classify(1, fix);            // { surface: 'GREEN', onGreen: true, confidence: 0.99…, … }
//! const tracker = new HoleTracker(course, 1);
//! tracker.addFix(fix).surfaceState;   // 'ON_GREEN' — the same hysteresis as the server
//! ```
//!
//! `Course` and the classification calls are the `greenside/classify`
//! entry's (`greenside-classify`, re-exported); this crate adds the tracker,
//! the outbox and the HTTP API's requests run locally. It only converts:
//! every rule is greenside-core's. Errors are JS `Error`s named
//! `GreensideError` with the HTTP API's stable `code` and `details`.
//!
//! | module | what |
//! |---|---|
//! | `tracker` | `HoleTracker`: start, `addFix`, `setCup`, `state` |
//! | `round` | `RoundTracker`: a round run locally, the round routes' requests and answers (snake_case, as the server's), GPX and CSV |
//! | `sync` | the outbox: `pendingFixes`, `sync` |
//! | `wire` | the HTTP API's requests run locally (`startWire`, …), snake_case answers |
//! | `rules` | `TrackerConfig` → core's `Rules`, through core's parser |
//! | `convert` | core's types ↔ the camelCase shapes of the idiomatic calls |
//! | `contract` | `apiContractVersion`, `errorCodes`, `gcraCheck`, `checkRunTransition` |
//! | `error` | `GreensideError` |
//! | `declarations` | the TypeScript declarations (`types.d.ts`) |

mod contract;
mod convert;
mod declarations;
mod error;
mod round;
mod rules;
mod sync;
mod tracker;
mod wire;

pub use contract::{api_contract_version, check_run_transition, error_codes, gcra_check};
pub use greenside_classify::{Course, Loaded, surface_names};
pub use round::RoundTracker;
pub use tracker::HoleTracker;

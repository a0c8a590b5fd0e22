//! greenside-core: every rule of greenside, and nothing else.
//!
//! The core is sans-IO: no networking, no files, no clock, no randomness, no
//! async. Time (`now_ms`), ids and random bytes come in as arguments; values
//! come out. The native server, the edge worker and the npm package decode,
//! call these functions, persist what they return and encode.
//!
//! ```
//! use greenside_core::{course::Course, session, rules::Rules, api};
//!
//! let course = Course::from_json(greenside_core::example::RIVERSIDE_COURSE_JSON).unwrap();
//! let hole = course.prepare_hole(1).unwrap();
//! let config = Rules::default();
//!
//! let start: api::StartRequest = api::decode(br#"{"contract_version":"0.5.0","course_id":"riverside","hole_id":1}"#).unwrap();
//! let mut rec = session::start(&start, "gs_0123456789abcdef0123456789abcdef".into(), 1, &hole, &config, 0).unwrap();
//! let fix = api::BallFix { ball_wgs84: hole.green_centroid_wgs84(), accuracy_m: Some(3.0), accuracy_kind: None, seq: None, client_time_ms: None };
//! session::set_ball(&mut rec, &fix, &hole, &config, 1_000).unwrap();
//! assert_eq!(rec.hysteresis.committed, greenside_core::hysteresis::GreenState::OnGreen);
//! ```
//!
//! # Crate features
//!
//! - `std` (default): implements `std::error::Error` for the error types.
//!   Without it the crate is `no_std` + `alloc`; CI builds it that way for
//!   `thumbv7em-none-eabihf` and for `wasm32-unknown-unknown`.
//! - `openapi`: the OpenAPI 3.1 document of the HTTP API ([`openapi::document`]),
//!   derived from the wire types with utoipa. Implies `std`.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod accuracy;
pub mod advice;
pub mod advice_call;
pub mod aim;
pub mod api;
pub mod bundle;
pub mod catalog;
pub mod classify;
pub mod contract;
pub mod cors;
pub mod course;
pub mod downstream;
pub mod error;
pub mod evidence;
pub mod example;
pub mod frame;
pub mod gcra;
pub mod geometry;
pub mod guard;
pub mod health;
pub mod hysteresis;
pub mod index;
pub mod json;
pub mod line;
pub mod listing;
pub mod locate;
pub mod mask;
pub mod measure;
pub mod metrics;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod operation;
pub mod outbox;
pub mod plan;
pub mod plot;
pub mod ratelimit;
pub mod redact;
pub mod rings;
pub mod round;
pub mod routes;
pub mod rules;
pub mod run;
pub mod runs_sql;
pub mod session;
pub mod shard;
pub mod shots;
pub mod trace;
pub mod validate;
pub mod variables;
pub mod yardage;

pub use contract::{API_CONTRACT_VERSION, MANIFEST_CONTRACT_VERSION};
pub use error::{ApiError, ErrorCode};

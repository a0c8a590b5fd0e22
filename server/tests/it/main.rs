//! The server's integration tests, one binary: each file a module, sharing
//! one build of the harness (`common`) and one link against every
//! dependency instead of one per file. Run one file's tests with a filter,
//! e.g. `cargo nextest run -p greenside-server -E 'test(/^faults::/)'`.

mod common;

mod crashes;

mod advice;
mod bad_requests;
mod cli;
mod cluster;
mod faults;
mod guards;
mod health;
mod http_vectors;
mod import_osm;
mod memory;
mod multi_instance;
mod offline;
mod openapi;
mod overload;
mod page;
mod rounds;
mod run_stores;
mod runs_and_bundles;
mod store_conformance;
mod traces;
mod worker;

//! greenside on Cloudflare Workers.
//!
//! The worker is glue, as the native server is: it decodes with core, calls
//! core, persists what core returns and encodes core's answers. Where state
//! lives:
//!
//! - one `SessionObject` Durable Object per session (named by the session id)
//!   holds the session record, JSON exactly as the native stores hold it; its
//!   single-threaded execution orders the writes of one session, and its alarm
//!   deletes everything when the sliding TTL runs out;
//! - `DIRECTORY_SHARDS` `Directory` Durable Objects hand out
//!   `session_number`, keep the totals and the index the admin listing
//!   pages through, each for the sessions whose id falls in it;
//! - `RUN_LOG_SHARDS` `RunLog` Durable Objects keep the advice runs in SQL
//!   (ordered listing merged across shards, cursors, prune); debug bundles
//!   go to R2 (`BUNDLES`);
//! - one `RateLimiter` Durable Object per client address runs core's GCRA;
//! - with `METRICS_TOKEN` set, `METRICS_SHARDS` `MetricsShard` objects keep
//!   the counters `/metrics` reports (`metrics.rs`);
//! - one `RoundObject` Durable Object per round holds its record; one more
//!   of the class keeps the rounds' listing in SQL (`rounds.rs`);
//! - course data comes from KV (`COURSES`), parsed once per isolate.

// The Durable Object structs hold `State`/`Env`, which have no `Debug`.
#![allow(missing_debug_implementations)]

mod advice;
mod calls;
mod catalog;
mod directory;
mod downstream;
mod front;
mod guards;
mod health;
mod incoming;
mod limiter;
mod metrics;
mod respond;
mod rounds;
mod runs;
mod runtime;
mod session_object;
mod settings;

use worker::worker_sys::web_sys;
use worker::{Context, Env, Response, event};

pub use directory::Directory;
pub use limiter::RateLimiter;
pub use metrics::MetricsShard;
pub use rounds::RoundObject;
pub use runs::RunLog;
pub use session_object::SessionObject;

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// The runtime's request as it is (`incoming.rs`: no `request.cf` read).
#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, ctx: Context) -> worker::Result<Response> {
    front::handle(incoming::Incoming::new(req), env, ctx).await
}

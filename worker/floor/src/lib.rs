//! The floor: what any workers-rs worker of greenside's shape costs. A
//! request goes to one Durable Object by name (as a session's does), the
//! object writes one storage record of the size greenside's session record
//! has (1,670 bytes of JSON after a few fixes on riverside's hole 1) and
//! answers the body back. So "CPU / floor" in `worker/bench/cpu.mjs` sets
//! greenside's own work against what the platform costs anyway for a
//! durable write; `scripts/build-worker` prints both sizes.

use worker::{Context, DurableObject, Env, Request, Response, Result, State, durable_object, event};

/// Bytes of the record written per request: greenside's session record.
const RECORD_BYTES: usize = 1670;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let stub = env.durable_object("ECHO")?.id_from_name("floor")?.get_stub()?;
    stub.fetch_with_request(req).await
}

#[durable_object(fetch)]
#[derive(Debug)]
pub struct Echo {
    state: State,
}

impl DurableObject for Echo {
    fn new(state: State, _env: Env) -> Self {
        Echo { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let body = req.bytes().await?;
        // A record of greenside's size made from the request (it changes
        // with every request, as a session's does), written as text.
        let mut record: String = String::from_utf8_lossy(&body).chars().filter(char::is_ascii).collect();
        if record.is_empty() {
            record.push('{');
        }
        while record.len() < RECORD_BYTES {
            record.push_str(&record.clone());
        }
        record.truncate(RECORD_BYTES);
        self.state.storage().put("rec", record).await?;
        let mut resp = Response::from_bytes(body)?;
        resp.headers_mut().set("content-type", "application/json")?;
        Ok(resp)
    }
}

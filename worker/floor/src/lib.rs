//! The floor: what any workers-rs worker of greenside's shape costs. A
//! request goes to one Durable Object by name (as a session's does) and the
//! object answers its body back. `worker/bench/cpu.mjs` measures it beside
//! greenside's worker; `scripts/build-worker` prints both sizes.

use worker::{Context, DurableObject, Env, Request, Response, Result, State, durable_object, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let stub = env.durable_object("ECHO")?.id_from_name("floor")?.get_stub()?;
    stub.fetch_with_request(req).await
}

#[durable_object]
#[derive(Debug)]
pub struct Echo;

impl DurableObject for Echo {
    fn new(_state: State, _env: Env) -> Self {
        Echo
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let body = req.bytes().await?;
        let mut resp = Response::from_bytes(body)?;
        resp.headers_mut().set("content-type", "application/json")?;
        Ok(resp)
    }
}

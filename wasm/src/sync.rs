//! The tracker's outbox (core's `Outbox`): the fixes the server has not
//! confirmed, and `sync`, which sends them through the page's `send` and
//! drops what the server's `set_ball_locations` answer confirms.

use crate::convert::to_js;
use crate::error::{bad_arg, js_error};
use crate::tracker::HoleTracker;
use greenside_core::error::ApiError;
use greenside_core::outbox::SyncAck;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// `SyncResult`: what `sync` did (its keys in the order it has always had).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct SyncResult {
    applied: u64,
    pending: u64,
    sent: u64,
    skipped_duplicates: u64,
}

#[wasm_bindgen]
impl HoleTracker {
    /// The fixes the server has not confirmed yet, oldest first, as the
    /// server takes them.
    #[wasm_bindgen(js_name = pendingFixes, unchecked_return_type = "WireFix[]")]
    pub fn pending_fixes(&self) -> JsValue {
        to_js(self.outbox.borrow().pending())
    }

    /// Sends the pending fixes, in batches of at most 500, through `send`
    /// (given the `set_ball_locations` body for session `sessionId`, it
    /// returns the server's answer or a promise of it) and drops every fix
    /// the server has accepted (`seq` up to its `last_seq`). A fix the server
    /// already had is skipped there, never counted twice, so a sync can be
    /// retried at any time. Rejects with the server's error (as a
    /// `GreensideError`) or with what `send` threw; unconfirmed fixes stay.
    #[wasm_bindgen(unchecked_return_type = "Promise<SyncResult>")]
    pub fn sync(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(body: SyncBody) => unknown")] send: js_sys::Function,
        #[wasm_bindgen(js_name = sessionId)] session_id: String,
    ) -> js_sys::Promise {
        let outbox = self.outbox.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let mut done = SyncResult::default();
            loop {
                let Some(body) = outbox.borrow().next_batch(&session_id) else { break };
                let answer = send.call1(&JsValue::NULL, &to_js(&body))?;
                let answer = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&answer)).await?;
                let answer = read_answer(&answer)?;
                let last = answer.hole_state.last_seq.ok_or_else(not_the_answer)?;
                done.sent += body.fixes.len() as u64;
                done.applied += u64::from(answer.applied);
                done.skipped_duplicates += u64::from(answer.skipped_duplicates);
                if outbox.borrow_mut().confirm(last) == 0 {
                    // The server confirmed none of them: stop rather than loop.
                    break;
                }
            }
            done.pending = outbox.borrow().pending().len() as u64;
            Ok(to_js(&done))
        })
    }
}

/// What `send` returned, as JSON text read as core's `SyncAck` (what a
/// sync needs of the server's answer): its error (`{error}`) as a
/// `GreensideError`, anything else as `invalid_request`. (Reading core's
/// whole `SetBallsResponse` would cost about 14 KB of the package's gzip in
/// deserialization code; measured with scripts/build-wasm.)
fn read_answer(answer: &JsValue) -> Result<SyncAck, JsValue> {
    // `JSON.stringify` answers `undefined` (not a string) for `undefined` or a function.
    let text = js_sys::JSON::stringify(answer)?.as_string().unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| bad_arg("send", format!("send returned something that is not JSON: {e}")))?;
    if let Some(err) = v.get("error") {
        let e: ApiError = serde_json::from_value(err.clone())
            .map_err(|_| bad_arg("send", format!("send returned an error that is not greenside's: {err}")))?;
        return Err(js_error(e));
    }
    serde_json::from_value(v).map_err(|_| not_the_answer())
}

fn not_the_answer() -> JsValue {
    bad_arg("send", "send must return the set_ball_locations answer (hole_state.last_seq)".into())
}

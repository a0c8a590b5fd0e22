//! What the Workers runtime gives the worker: randomness and log lines.

use serde_json::{Value, json};
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
}

/// 16 bytes from the runtime's cryptographic generator (Web Crypto).
pub fn random_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    get_random_values(&mut b);
    b
}

/// One JSON log line through `console` (Workers Logs / `wrangler tail`).
pub fn log(level: &str, message: &str, fields: &[(&str, Value)]) {
    let mut line = serde_json::Map::new();
    line.insert("timestamp_ms".into(), json!(system_now_ms()));
    line.insert("level".into(), json!(level));
    line.insert("message".into(), json!(message));
    for (k, v) in fields {
        line.insert((*k).into(), v.clone());
    }
    let text = Value::Object(line).to_string();
    match level {
        "warn" | "error" => worker::console_error!("{text}"),
        _ => worker::console_log!("{text}"),
    }
}

/// Wall-clock milliseconds since the epoch.
pub fn system_now_ms() -> u64 {
    worker::Date::now().as_millis()
}

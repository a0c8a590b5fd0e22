//! Debug bundles: with `DEBUG_BUNDLE_ENABLED=true`, one JSON file per run in
//! `DEBUG_BUNDLE_DIR` (`<run_id>.json`) with everything needed to replay the
//! decision offline: the session record the decision read, the rule settings,
//! the course and hole, the frames, the classification, hysteresis before and
//! after, the routing decision, the downstream request (headers with the key
//! redacted) and response, and latencies. Bundles are sensitive (positions,
//! ids): keep the directory private and prune it (runs prune removes them).
//!
//! `greenside replay <bundle.json>` recomputes the decision with the core and
//! says whether it matches.

use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub use greenside_core::bundle::{
    BUNDLE_VERSION, Bundle, BundleCourse as CourseRef, BundleDownstream as Downstream, BundleFrames as Frames, REDACTED,
};

pub fn path_for(dir: &Path, run_id: &str) -> PathBuf {
    dir.join(format!("{run_id}.json"))
}

/// Writes a bundle (creating the directory); failures are logged, never fatal to the request.
pub async fn write(dir: &Path, bundle: &Bundle) -> Result<PathBuf, String> {
    tokio::fs::create_dir_all(dir).await.map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = path_for(dir, &bundle.run.run_id);
    let text = serde_json::to_vec_pretty(bundle).map_err(|e| e.to_string())?;
    let tmp = path.with_extension("json.tmp");
    tokio::fs::write(&tmp, text).await.map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    tokio::fs::rename(&tmp, &path).await.map_err(|e| format!("cannot move {}: {e}", path.display()))?;
    Ok(path)
}

/// [`write`] when there is a bundle, its outcome logged and noted for
/// `/health` (`debug_bundle_write_failed`); the advice answer goes out
/// either way (a bundle is optional).
pub async fn write_logged(dir: &Path, bundle: Option<&Bundle>, writes: &crate::writes::Writes) {
    let Some(bundle) = bundle else { return };
    match write(dir, bundle).await {
        Ok(path) => {
            writes.record(Ok(()));
            tracing::debug!(run_id = %bundle.run.run_id, path = %path.display(), "debug bundle written");
        }
        Err(e) => {
            tracing::warn!(code = "debug_bundle_write_failed", run_id = %bundle.run.run_id, error = %e, "debug bundle not written");
            writes.record(Err(format!("debug_bundle_write_failed: {e}")));
        }
    }
}

/// Removes the bundles of pruned runs; returns how many files went. One
/// hand-off to the blocking pool for the whole list (a prune can name
/// thousands of runs; `tokio::fs` would take one per file).
pub async fn remove(dir: &Path, run_ids: &[String]) -> usize {
    let paths: Vec<PathBuf> = run_ids.iter().map(|id| path_for(dir, id)).collect();
    tokio::task::spawn_blocking(move || paths.iter().filter(|p| std::fs::remove_file(p).is_ok()).count())
        .await
        .unwrap_or(0)
}

/// One comparison of a replay.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub what: &'static str,
    pub matches: bool,
    pub recorded: Value,
    pub recomputed: Value,
}

/// Recomputes a bundle's classification and decision with today's core and
/// course data; every check must match.
pub fn replay(bundle: &Bundle, catalog: &crate::courses::CourseData) -> Result<Vec<Check>, String> {
    let hole = catalog.hole(&bundle.course.course_id, bundle.course.hole_id).map_err(|e| e.message)?;
    let rec = &bundle.session_before;
    let mut checks = Vec::new();
    if let Some(ball) = &rec.ball {
        let c = &ball.classification;
        let again = hole.classify(ball.wgs84, Some(c.accuracy_m), Some(c.accuracy_kind), &bundle.rules);
        let recomputed = serde_json::to_value(again).unwrap_or(Value::Null);
        let recorded = bundle.classification.clone().unwrap_or(Value::Null);
        checks.push(Check { what: "classification", matches: recorded == recomputed, recorded, recomputed });
    }
    let again = greenside_core::advice::request(rec, &hole, &bundle.run.run_id, bundle.now_ms);
    let (recorded, recomputed) = match (&bundle.decision, again) {
        (Some(d), Ok(a)) => {
            (serde_json::to_value(d).unwrap_or(Value::Null), serde_json::to_value(a).unwrap_or(Value::Null))
        }
        (None, Err(e)) => (bundle.run.error_code.clone().into(), Value::from(e.code.as_str())),
        (Some(d), Err(e)) => (serde_json::to_value(d).unwrap_or(Value::Null), Value::from(e.code.as_str())),
        (None, Ok(a)) => (bundle.run.error_code.clone().into(), serde_json::to_value(a).unwrap_or(Value::Null)),
    };
    checks.push(Check {
        what: "routing decision and downstream request",
        matches: recorded == recomputed,
        recorded,
        recomputed,
    });
    if let (Some(d), Some(ds)) = (&bundle.decision, &bundle.downstream) {
        let sent = serde_json::to_value(&d.request).unwrap_or(Value::Null);
        checks.push(Check {
            what: "request body sent",
            matches: sent == ds.request_body,
            recorded: ds.request_body.clone(),
            recomputed: sent,
        });
    }
    Ok(checks)
}

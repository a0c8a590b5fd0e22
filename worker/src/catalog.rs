//! Course data from KV (`COURSES`): the registry under `datasets.json` and
//! each course file under its registry path (`riverside/course.json`), as
//! `scripts/seed-kv` puts them. Parsed and prepared once per isolate by
//! core's catalogue; a changed dataset is picked up by new isolates (a
//! deploy, or an idle isolate's replacement).

use greenside_core::catalog::{Catalog, LoadError};
use greenside_core::course::Registry;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use worker::Env;

/// The KV binding and the registry's key.
pub const BINDING: &str = "COURSES";
pub const REGISTRY_KEY: &str = "datasets.json";

/// A loaded catalogue with how long the load took.
#[derive(Debug)]
pub struct Loaded {
    pub catalog: Catalog,
    pub load_ms: u64,
}

thread_local! {
    static CACHE: RefCell<Option<Rc<Loaded>>> = const { RefCell::new(None) };
}

async fn read_all(env: &Env) -> BTreeMap<String, Result<String, LoadError>> {
    let mut files = BTreeMap::new();
    let kv = match env.kv(BINDING) {
        Ok(kv) => kv,
        Err(e) => {
            let err = LoadError::new(REGISTRY_KEY, "file_unreadable", format!("no KV binding {BINDING}: {e}"));
            files.insert(REGISTRY_KEY.to_string(), Err(err));
            return files;
        }
    };
    let read = |key: String| {
        let kv = &kv;
        async move {
            match kv.get(&key).text().await {
                Ok(Some(t)) => Ok(t),
                Ok(None) => Err(LoadError::new(&key, "file_unreadable", format!("KV {BINDING} has no key {key}"))),
                Err(e) => Err(LoadError::new(&key, "file_unreadable", format!("cannot read KV key {key}: {e}"))),
            }
        }
    };
    let registry = read(REGISTRY_KEY.to_string()).await;
    if let Ok(Ok(reg)) = registry.as_ref().map(|t| Registry::from_json(t)) {
        let keys: Vec<String> = reg.datasets.iter().map(|d| d.path.clone()).collect();
        let texts = futures_util::future::join_all(keys.iter().cloned().map(read)).await;
        files.extend(keys.into_iter().zip(texts));
    }
    files.insert(REGISTRY_KEY.to_string(), registry);
    files
}

/// This isolate's catalogue, loading it from KV on first use.
pub async fn get(env: &Env) -> Rc<Loaded> {
    if let Some(c) = CACHE.with(|c| c.borrow().clone()) {
        return c;
    }
    let t0 = crate::runtime::system_now_ms();
    let files = read_all(env).await;
    let catalog = Catalog::load("", REGISTRY_KEY, |path| {
        files.get(path).cloned().unwrap_or_else(|| Err(LoadError::new(path, "file_unreadable", "not read".into())))
    });
    let loaded = Rc::new(Loaded { catalog, load_ms: crate::runtime::system_now_ms().saturating_sub(t0) });
    // A registry that failed to load is retried by the next request, not cached.
    if loaded.catalog.loaded() {
        CACHE.with(|c| *c.borrow_mut() = Some(loaded.clone()));
    }
    loaded
}

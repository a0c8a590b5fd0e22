//! Whether writes of one kind are failing, for `/health`: the run store's
//! (`runs::put_noted`) and the debug bundles' (`bundle::write_logged`).

/// Whether writes of one kind (runs, debug bundles) are failing: counted
/// since start, the last failure kept until a write succeeds (`/health`).
#[derive(Debug, Default)]
pub struct Writes {
    failures: std::sync::atomic::AtomicU64,
    last_error: std::sync::Mutex<Option<String>>,
}

impl Writes {
    /// Notes a write's outcome (`Err`: its code and why).
    pub fn record(&self, outcome: Result<(), String>) {
        let mut last = self.last_error.lock().unwrap_or_else(|p| p.into_inner());
        match outcome {
            Ok(()) => *last = None,
            Err(e) => {
                self.failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                *last = Some(e);
            }
        }
    }

    pub fn failures(&self) -> u64 {
        self.failures.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

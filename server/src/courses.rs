//! The dataset registry and course files, loaded once at start.
//!
//! A malformed registry or course file never stops the server: the catalogue
//! records the error (shown by `/health`), and routes that need the course
//! answer `course_data_unavailable`. Holes are prepared (indexed) at load.

use greenside_core::catalog::Catalog as CoreCatalog;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use greenside_core::catalog::{LoadError, LoadedCourse};

/// The course data the server serves: core's catalogue, where it came from,
/// how long it took to load, and each course file encoded once.
#[derive(Debug)]
pub struct CourseData {
    /// `files` (read from `root`) or `embedded` (the example course compiled into the binary).
    pub source: &'static str,
    pub registry_path: PathBuf,
    pub root: PathBuf,
    pub inner: CoreCatalog,
    pub load_ms: u64,
    /// Each loaded course's file as JSON, encoded once, and its ETag.
    json: std::collections::BTreeMap<String, (axum::body::Bytes, String)>,
}

impl std::ops::Deref for CourseData {
    type Target = CoreCatalog;
    fn deref(&self) -> &CoreCatalog {
        &self.inner
    }
}

fn read(path: &str) -> Result<String, LoadError> {
    std::fs::read_to_string(path)
        .map_err(|e| LoadError::new(path, "file_unreadable", format!("cannot read {path}: {e}")))
}

impl CourseData {
    /// Loads the registry and every course it lists. Never fails: errors are kept.
    pub fn load(root: &Path, registry_path: &Path) -> CourseData {
        Self::load_with(root, registry_path, "files", read)
    }

    /// The bundled courses compiled into the binary: used when no
    /// `COURSE_DATA_ROOT` is set and the repository's data folder is not there
    /// (a binary moved away from its checkout).
    pub fn embedded() -> CourseData {
        use greenside_core::example::{AUGUSTA_NATIONAL_COURSE_JSON, DATASETS_JSON, RIVERSIDE_COURSE_JSON};
        let root = PathBuf::from("<embedded>");
        Self::load_with(&root, &root.join("datasets.json"), "embedded", |p| {
            if p.ends_with("datasets.json") {
                Ok(DATASETS_JSON.to_string())
            } else if p.ends_with("riverside/course.json") {
                Ok(RIVERSIDE_COURSE_JSON.to_string())
            } else if p.ends_with("augusta_national/course.json") {
                Ok(AUGUSTA_NATIONAL_COURSE_JSON.to_string())
            } else {
                Err(LoadError::new(p, "file_unreadable", format!("{p} is not embedded")))
            }
        })
    }

    fn load_with(
        root: &Path,
        registry_path: &Path,
        source: &'static str,
        read: impl Fn(&str) -> Result<String, LoadError>,
    ) -> CourseData {
        let t0 = Instant::now();
        let inner = CoreCatalog::load(&root.display().to_string(), &registry_path.display().to_string(), read);
        match &inner.registry {
            Err(e) => tracing::error!(code = %e.code, error = %e.message, "dataset registry failed to load"),
            Ok(_) => {
                for (id, c) in &inner.courses {
                    if let Err(e) = c {
                        tracing::warn!(course_id = %id, code = %e.code, error = %e.message, "course failed to load");
                    }
                }
            }
        }
        let json = inner
            .courses
            .iter()
            .filter_map(|(id, c)| c.as_ref().ok().map(|c| (id, c)))
            .filter_map(|(id, c)| serde_json::to_vec(&c.course).ok().map(|b| (id.clone(), b)))
            .map(|(id, b)| {
                let tag = format!("\"{:016x}\"", greenside_core::shard::fnv1a(&b));
                (id, (axum::body::Bytes::from(b), tag))
            })
            .collect();
        CourseData {
            source,
            registry_path: registry_path.to_path_buf(),
            root: root.to_path_buf(),
            inner,
            load_ms: t0.elapsed().as_millis() as u64,
            json,
        }
    }

    /// A loaded course's JSON and its ETag (call after `course`, which
    /// answers the errors of a missing or broken course).
    pub fn course_json(&self, course_id: &str) -> Result<(&axum::body::Bytes, &str), greenside_core::error::ApiError> {
        self.json.get(course_id).map(|(b, t)| (b, t.as_str())).ok_or_else(|| {
            greenside_core::error::ApiError::new(
                greenside_core::error::ErrorCode::CourseNotFound,
                format!("no course `{course_id}`"),
            )
        })
    }
}

//! The dataset registry and course files, loaded once at start.
//!
//! A malformed registry or course file never stops the server: the catalogue
//! records the error (shown by `/health`), and routes that need the course
//! answer `course_data_unavailable`. Holes are prepared (indexed) at load.

use greenside_core::classify::PreparedHole;
use greenside_core::course::{self, Course, CourseError, Registry};
use greenside_core::error::{ApiError, ErrorCode};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// A loaded course with its prepared holes.
#[derive(Debug)]
pub struct LoadedCourse {
    pub course: Course,
    pub holes: HashMap<u32, Arc<PreparedHole>>,
}

/// Why a course (or the whole registry) is unavailable.
#[derive(Debug, Clone, Serialize)]
pub struct LoadError {
    pub code: String,
    pub message: String,
    pub path: String,
}

#[derive(Debug)]
pub struct Catalog {
    /// `files` (read from `root`) or `embedded` (the example course compiled into the binary).
    pub source: &'static str,
    pub registry_path: PathBuf,
    pub root: PathBuf,
    pub registry: Result<Registry, LoadError>,
    pub courses: HashMap<String, Result<Arc<LoadedCourse>, LoadError>>,
    pub load_ms: u64,
}

fn load_error(path: &Path, code: &str, message: String) -> LoadError {
    LoadError { code: code.to_string(), message, path: path.display().to_string() }
}

fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path)
        .map_err(|e| load_error(path, "file_unreadable", format!("cannot read {}: {e}", path.display())))
}

fn from_course_error(path: &Path, e: CourseError) -> LoadError {
    load_error(path, e.code(), e.to_string())
}

impl Catalog {
    /// Loads the registry and every course it lists. Never fails: errors are kept.
    pub fn load(root: &Path, registry_path: &Path) -> Catalog {
        Self::load_with(root, registry_path, "files", read)
    }

    /// The example course compiled into the binary: used when no
    /// `COURSE_DATA_ROOT` is set and the repository's data folder is not there
    /// (a binary moved away from its checkout).
    pub fn embedded() -> Catalog {
        use greenside_core::example::{DATASETS_JSON, RIVERSIDE_COURSE_JSON};
        let root = PathBuf::from("<embedded>");
        Self::load_with(&root, &root.join("datasets.json"), "embedded", |p| {
            if p.ends_with("datasets.json") {
                Ok(DATASETS_JSON.to_string())
            } else if p.ends_with("riverside/course.json") {
                Ok(RIVERSIDE_COURSE_JSON.to_string())
            } else {
                Err(load_error(p, "file_unreadable", format!("{} is not embedded", p.display())))
            }
        })
    }

    fn load_with(
        root: &Path,
        registry_path: &Path,
        source: &'static str,
        read: impl Fn(&Path) -> Result<String, LoadError>,
    ) -> Catalog {
        let t0 = Instant::now();
        let registry = read(registry_path)
            .and_then(|text| Registry::from_json(&text).map_err(|e| from_course_error(registry_path, e)));
        let mut courses = HashMap::new();
        if let Ok(reg) = &registry {
            for d in &reg.datasets {
                let path = root.join(&d.path);
                let loaded = read(&path)
                    .and_then(|text| Course::from_json(&text).map_err(|e| from_course_error(&path, e)))
                    .and_then(|c| {
                        if c.course_id != d.course_id {
                            return Err(load_error(
                                &path,
                                "course_field_invalid",
                                format!("file holds course `{}`, registry says `{}`", c.course_id, d.course_id),
                            ));
                        }
                        let holes = c.prepare_all().map_err(|e| from_course_error(&path, e))?;
                        let holes = holes.into_iter().map(|h| (h.hole_id, Arc::new(h))).collect();
                        Ok(Arc::new(LoadedCourse { course: c, holes }))
                    });
                if let Err(e) = &loaded {
                    tracing::warn!(course_id = %d.course_id, code = %e.code, error = %e.message, "course failed to load");
                }
                courses.insert(d.course_id.clone(), loaded);
            }
        } else if let Err(e) = &registry {
            tracing::error!(code = %e.code, error = %e.message, "dataset registry failed to load");
        }
        Catalog {
            source,
            registry_path: registry_path.to_path_buf(),
            root: root.to_path_buf(),
            registry,
            courses,
            load_ms: t0.elapsed().as_millis() as u64,
        }
    }

    pub fn loaded(&self) -> bool {
        self.registry.is_ok()
    }

    /// The course, or `course_not_found` / `course_data_unavailable`.
    pub fn course(&self, course_id: &str) -> Result<&Arc<LoadedCourse>, ApiError> {
        if let Err(e) = &self.registry {
            return Err(ApiError::new(
                ErrorCode::CourseDataUnavailable,
                "the dataset registry failed to load; see /health",
            )
            .with("reason", e.code.as_str()));
        }
        match self.courses.get(course_id) {
            None => Err(course::course_not_found(course_id)),
            Some(Err(e)) => Err(ApiError::new(
                ErrorCode::CourseDataUnavailable,
                format!("course `{course_id}` failed to load; see /health"),
            )
            .with("course_id", course_id)
            .with("reason", e.code.as_str())),
            Some(Ok(c)) => Ok(c),
        }
    }

    /// The prepared hole, or the course errors / `hole_not_found`.
    pub fn hole(&self, course_id: &str, hole_id: u32) -> Result<Arc<PreparedHole>, ApiError> {
        let c = self.course(course_id)?;
        c.holes.get(&hole_id).cloned().ok_or_else(|| {
            ApiError::new(ErrorCode::HoleNotFound, format!("course `{course_id}` has no hole {hole_id}"))
                .field("hole_id")
                .with("course_id", course_id)
                .with("hole_id", hole_id)
        })
    }

    pub fn counts(&self) -> (usize, usize, usize) {
        let ok: Vec<_> = self.courses.values().filter_map(|c| c.as_ref().ok()).collect();
        let failed = self.courses.len() - ok.len();
        (ok.len(), ok.iter().map(|c| c.holes.len()).sum(), failed)
    }
}

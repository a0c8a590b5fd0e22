//! The course catalogue: a dataset registry and the courses it lists, every
//! hole prepared (indexed) once. Platforms read the files (disk, KV, the
//! binary itself) and hand the text in through `read`; a malformed registry
//! or course never fails the load: the error is kept (for `/health`) and the
//! routes that need that course answer `course_data_unavailable`.

use crate::classify::PreparedHole;
use crate::course::{self, Course, CourseError, Registry};
use crate::error::{ApiError, ErrorCode};
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use serde::Serialize;

/// A loaded course with its prepared holes.
#[derive(Debug)]
pub struct LoadedCourse {
    pub course: Course,
    pub holes: BTreeMap<u32, Arc<PreparedHole>>,
}

impl LoadedCourse {
    /// The prepared holes in the course file's order (what a round plays).
    pub fn holes_in_order(&self) -> Vec<&PreparedHole> {
        self.course.holes.iter().filter_map(|h| self.holes.get(&h.hole_id).map(AsRef::as_ref)).collect()
    }
}

/// Why a course (or the whole registry) is unavailable.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct LoadError {
    pub code: String,
    pub message: String,
    pub path: String,
}

impl LoadError {
    pub fn new(path: &str, code: &str, message: String) -> LoadError {
        LoadError { code: code.to_string(), message, path: path.to_string() }
    }

    fn of(path: &str, e: CourseError) -> LoadError {
        LoadError::new(path, e.code(), e.to_string())
    }
}

#[derive(Debug)]
pub struct Catalog {
    pub registry: Result<Registry, LoadError>,
    pub courses: BTreeMap<String, Result<Arc<LoadedCourse>, LoadError>>,
}

/// `root` + `/` + a registry path (what `Path::join` gives for relative paths).
pub fn join(root: &str, path: &str) -> String {
    if root.is_empty() { path.to_string() } else { format!("{}/{path}", root.trim_end_matches('/')) }
}

impl Catalog {
    /// Loads the registry at `registry_path` and every course it lists (paths
    /// relative to `root`). Never fails: errors are kept.
    pub fn load(root: &str, registry_path: &str, read: impl Fn(&str) -> Result<String, LoadError>) -> Catalog {
        let registry = read(registry_path)
            .and_then(|text| Registry::from_json(&text).map_err(|e| LoadError::of(registry_path, e)));
        let mut courses = BTreeMap::new();
        if let Ok(reg) = &registry {
            for d in &reg.datasets {
                let path = join(root, &d.path);
                let loaded = read(&path)
                    .and_then(|text| Course::from_json(&text).map_err(|e| LoadError::of(&path, e)))
                    .and_then(|c| {
                        if c.course_id != d.course_id {
                            return Err(LoadError::new(
                                &path,
                                "course_field_invalid",
                                format!("file holds course `{}`, registry says `{}`", c.course_id, d.course_id),
                            ));
                        }
                        let holes = c.prepare_all().map_err(|e| LoadError::of(&path, e))?;
                        let holes = holes.into_iter().map(|h| (h.hole_id, Arc::new(h))).collect();
                        Ok(Arc::new(LoadedCourse { course: c, holes }))
                    });
                courses.insert(d.course_id.clone(), loaded);
            }
        }
        Catalog { registry, courses }
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

    /// (courses loaded, holes prepared, courses failed).
    pub fn counts(&self) -> (usize, usize, usize) {
        let ok = self.courses.values().filter_map(|c| c.as_ref().ok());
        let (n, holes) = ok.fold((0, 0), |(n, h), c| (n + 1, h + c.holes.len()));
        (n, holes, self.courses.len() - n)
    }

    /// The body of `GET /api/courses`.
    pub fn list_body(&self) -> Result<serde_json::Value, ApiError> {
        let reg = self.registry.as_ref().map_err(|e| {
            ApiError::new(ErrorCode::CourseDataUnavailable, "the dataset registry failed to load; see /health")
                .with("reason", e.code.as_str())
        })?;
        let courses = reg
            .datasets
            .iter()
            .map(|d| {
                let loaded = self.courses.get(&d.course_id).and_then(|c| c.as_ref().ok());
                CourseListEntry {
                    course_id: d.course_id.clone(),
                    name: d.name.clone(),
                    version: d.version.clone(),
                    available: loaded.is_some(),
                    holes: loaded.map(|c| c.course.holes.iter().map(|h| h.hole_id).collect()).unwrap_or_default(),
                    attribution: loaded.and_then(|c| c.course.attribution.clone()),
                }
            })
            .collect();
        let list = CourseList { manifest_contract_version: crate::MANIFEST_CONTRACT_VERSION.into(), courses };
        Ok(serde_json::to_value(list).unwrap_or(serde_json::Value::Null))
    }

    /// The course errors, for `/health`.
    pub fn course_errors(&self) -> Vec<CourseLoadError> {
        self.courses
            .iter()
            .filter_map(|(id, c)| {
                c.as_ref().err().map(|e| CourseLoadError {
                    course_id: id.clone(),
                    code: e.code.clone(),
                    message: e.message.clone(),
                })
            })
            .collect()
    }
}

/// `GET /api/courses`: every course in the registry.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CourseList {
    pub manifest_contract_version: String,
    pub courses: Vec<CourseListEntry>,
}

/// A course of the listing.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CourseListEntry {
    pub course_id: String,
    pub name: String,
    /// The dataset version.
    pub version: String,
    /// False when the course file failed to load (`/health` says why).
    pub available: bool,
    pub holes: Vec<u32>,
    /// Data source attribution to show with the course (ODbL for OpenStreetMap data).
    pub attribution: Option<String>,
}

/// A course that failed to load.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CourseLoadError {
    pub course_id: String,
    pub code: String,
    pub message: String,
}

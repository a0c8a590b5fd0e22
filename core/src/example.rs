//! The bundled example course `riverside` (illustrative geometry, not survey
//! data), compiled in so tests, the wasm package and the worker need no files.
//! The same files live in `data/courses/` for the native server.

/// `data/courses/datasets.json`
pub const DATASETS_JSON: &str = include_str!("../../data/courses/datasets.json");
/// `data/courses/riverside/course.json`
pub const RIVERSIDE_COURSE_JSON: &str = include_str!("../../data/courses/riverside/course.json");

//! The bundled courses, compiled in so tests, the wasm package and a server
//! moved away from its checkout need no files: `riverside` (illustrative
//! geometry, not survey data) and `augusta_national` (imported from
//! OpenStreetMap by `greenside course import-osm`; © OpenStreetMap
//! contributors, ODbL 1.0). The same files live in `data/courses/`.

/// `data/courses/datasets.json`
pub const DATASETS_JSON: &str = include_str!("../../data/courses/datasets.json");
/// `data/courses/riverside/course.json`
pub const RIVERSIDE_COURSE_JSON: &str = include_str!("../../data/courses/riverside/course.json");
/// `data/courses/augusta_national/course.json` (18 holes, OpenStreetMap, ODbL 1.0)
pub const AUGUSTA_NATIONAL_COURSE_JSON: &str = include_str!("../../data/courses/augusta_national/course.json");

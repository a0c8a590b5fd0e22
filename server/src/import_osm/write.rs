//! Writing: the course file and its entry in the dataset registry.

use greenside_core::course::{Course, DatasetEntry, Registry};
use std::path::Path;

/// Writes `<root>/<course_id>/course.json` and adds (or replaces) its entry in the registry.
pub fn write_course(course: &Course, registry_path: &Path, version: &str) -> Result<std::path::PathBuf, String> {
    let root = registry_path.parent().ok_or("the registry path has no folder")?;
    let rel = format!("{}/course.json", course.course_id);
    let path = root.join(&rel);
    std::fs::create_dir_all(path.parent().ok_or("bad course path")?).map_err(|e| format!("{}: {e}", path.display()))?;
    // Compact: coordinates pretty-printed one number per line triple the size and read no better.
    let text = serde_json::to_string(course).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reg = match std::fs::read_to_string(registry_path) {
        Ok(t) => Registry::from_json(&t).map_err(|e| format!("{}: {e}", registry_path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Registry { manifest_contract_version: greenside_core::MANIFEST_CONTRACT_VERSION.into(), datasets: vec![] }
        }
        Err(e) => return Err(format!("{}: {e}", registry_path.display())),
    };
    let entry = DatasetEntry {
        course_id: course.course_id.clone(),
        name: course.name.clone(),
        path: rel,
        version: version.into(),
        checksum: None,
    };
    match reg.datasets.iter_mut().find(|d| d.course_id == course.course_id) {
        Some(d) => *d = entry,
        None => reg.datasets.push(entry),
    }
    let text = serde_json::to_string_pretty(&reg).map_err(|e| e.to_string())? + "\n";
    std::fs::write(registry_path, text).map_err(|e| format!("{}: {e}", registry_path.display()))?;
    Ok(path)
}

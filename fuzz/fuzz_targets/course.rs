//! Course and registry parsing (polygons and raster masks): any text. A
//! course that parses must prepare and classify without a panic.
#![no_main]

use greenside_core::rules::Rules;
use greenside_core::course::{Course, Registry};
use greenside_core::geometry::LatLon;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Registry::from_json(text);
    let Ok(course) = Course::from_json(text) else { return };
    let Ok(holes) = course.prepare_all() else { return };
    let config = Rules::default();
    for h in holes {
        let c = h.green_centroid_wgs84();
        for (dlat, dlon) in [(0.0, 0.0), (1e-4, 0.0), (0.0, -1e-4), (1e-2, 1e-2)] {
            let p = LatLon::new((c.lat + dlat).clamp(-90.0, 90.0), (c.lon + dlon).clamp(-180.0, 180.0));
            let r = h.classify(p, Some(4.0), None, &config);
            assert!((0.0..=1.0).contains(&r.surface_confidence));
        }
    }
});

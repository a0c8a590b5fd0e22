//! Classifies a position on the bundled example course.
//!
//! ```sh
//! cargo run -p greenside-core --example classify -- 1 40.268240 -111.659520 [accuracy_m]
//! ```
#![allow(clippy::print_stdout)]

use greenside_core::{course::Course, example::RIVERSIDE_COURSE_JSON, geometry::LatLon, rules::Rules};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        return Err("usage: classify <hole_id> <lat> <lon> [accuracy_m]".into());
    }
    let course = Course::from_json(RIVERSIDE_COURSE_JSON)?;
    let hole = course.prepare_hole(args[0].parse()?)?;
    let fix = LatLon::new(args[1].parse()?, args[2].parse()?);
    greenside_core::validate::lat_lon("position", fix)?;
    let accuracy = args.get(3).map(|a| a.parse()).transpose()?;
    let c = hole.classify(fix, accuracy, None, &Rules::default());
    println!("{}", serde_json::to_string_pretty(&c)?);
    Ok(())
}

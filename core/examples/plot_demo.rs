//! Writes the picture `want_plot` returns for hole 1 of the example course.
//!
//! ```sh
//! cargo run -p greenside-core --example plot_demo > hole1.svg
//! ```
#![allow(clippy::print_stdout)]

use greenside_core::{course::Course, example::RIVERSIDE_COURSE_JSON, geometry::LatLon};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let course = Course::from_json(RIVERSIDE_COURSE_JSON)?;
    let hole = course.hole(1).ok_or("no hole 1")?;
    let prepared = course.prepare_hole(1)?;
    let cup = LatLon::new(40.268251, -111.659486);
    let ball = LatLon::new(40.268120, -111.659600);
    println!("{}", greenside_core::plot::hole_svg(hole, prepared.frame(), Some(cup), Some(ball), Some((ball, cup))));
    Ok(())
}

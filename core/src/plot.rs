//! An SVG picture of the situation (`want_plot: true`): the hole's surfaces,
//! the cup, the ball, the plan's line, a scale bar and a legend.
//!
//! Drawn in the hole's frame (x east, y north; SVG's y axis points down, so
//! y is negated). The view is the green, the cup and the ball with a margin.

use crate::course::{Geometry, Hole};
use crate::frame::LocalFrame;
use crate::geometry::{Aabb, LatLon};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use geo_types::Coord;

/// A polygon's rings in the hole frame.
type Rings = Vec<Vec<Coord<f64>>>;

/// Width of the picture in pixels.
pub const WIDTH_PX: f64 = 640.0;

const STYLES: [(&str, &str, &str); 7] = [
    ("rough", "#cfe3b0", "rough"),
    ("fairway", "#8fcf6a", "fairway"),
    ("tee", "#b5d98a", "tee"),
    ("fringe", "#6fbf4e", "fringe"),
    ("green", "#3fa34d", "green"),
    ("bunker", "#f1dfb1", "bunker"),
    ("water", "#5bb8e8", "water"),
];

fn fill_of(kind: &str) -> &'static str {
    STYLES.iter().find(|s| s.0 == kind).map_or("#cccccc", |s| s.1)
}

/// A round scale-bar length close to a fifth of `span` metres.
fn nice_length(span: f64) -> f64 {
    let target = span / 5.0;
    let mut best = 1.0;
    for m in [1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0] {
        if m <= target {
            best = m;
        }
    }
    best
}

/// The picture. `line` is the plan's line (from, to) in WGS84.
pub fn hole_svg(
    hole: &Hole,
    frame: &LocalFrame,
    cup: Option<LatLon>,
    ball: Option<LatLon>,
    line: Option<(LatLon, LatLon)>,
) -> String {
    let to = |p: LatLon| -> Coord<f64> { frame.to_local(p).into() };
    let polys = |g: &Geometry| -> Vec<Rings> {
        g.polygons("plot")
            .map(|ps| ps.iter().map(|p| p.rings.iter().map(|r| r.iter().map(|q| to(*q)).collect()).collect()).collect())
            .unwrap_or_default()
    };
    let mut layers: Vec<(&str, Vec<Rings>)> = Vec::new();
    let mut push = |kind: &'static str, gs: &[&Geometry]| {
        for g in gs {
            layers.push((kind, polys(g)));
        }
    };
    push("rough", &hole.rough.iter().collect::<Vec<_>>());
    push("fairway", &hole.fairways.iter().collect::<Vec<_>>());
    push("tee", &hole.tee_boxes.iter().collect::<Vec<_>>());
    push("fringe", &hole.fringe.iter().collect::<Vec<_>>());
    push("green", &hole.green.iter().collect::<Vec<_>>());
    push("bunker", &hole.bunkers.iter().collect::<Vec<_>>());
    push("water", &hole.water.iter().collect::<Vec<_>>());

    // View: the green, cup and ball, grown by 15 % (at least 8 m).
    let mut view = Aabb::EMPTY;
    for (kind, ps) in &layers {
        if *kind == "green" || *kind == "fringe" {
            for p in ps {
                for r in p {
                    for c in r {
                        view.include(*c);
                    }
                }
            }
        }
    }
    for p in [cup, ball].into_iter().flatten() {
        view.include(to(p));
    }
    if !(view.min.x.is_finite() && view.max.x.is_finite()) {
        view = Aabb { min: Coord { x: -20.0, y: -20.0 }, max: Coord { x: 20.0, y: 20.0 } };
    }
    let span = (view.max.x - view.min.x).max(view.max.y - view.min.y);
    let view = view.expanded((span * 0.15).max(8.0));
    let (w, h) = (view.max.x - view.min.x, view.max.y - view.min.y);
    let px = WIDTH_PX / w;
    let height_px = h * px;
    let sx = |c: Coord<f64>| (c.x - view.min.x) * px;
    let sy = |c: Coord<f64>| (view.max.y - c.y) * px;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_PX:.0}" height="{height_px:.0}" viewBox="0 0 {WIDTH_PX:.0} {height_px:.0}" role="img" aria-label="hole {} plan">"#,
        hole.hole_id
    );
    let _ = write!(s, r##"<rect width="100%" height="100%" fill="{}"/>"##, fill_of("rough"));
    for (kind, ps) in &layers {
        for p in ps {
            let mut d = String::new();
            for r in p {
                for (i, c) in r.iter().enumerate() {
                    let _ = write!(d, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, sx(*c), sy(*c));
                }
                d.push('Z');
            }
            let _ = write!(
                s,
                r##"<path class="{kind}" d="{d}" fill="{}" fill-rule="evenodd" stroke="#2e5e2e" stroke-width="0.6"/>"##,
                fill_of(kind)
            );
        }
    }
    if let Some((a, b)) = line {
        let (a, b) = (to(a), to(b));
        let _ = write!(
            s,
            r##"<line class="plan" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#d32f2f" stroke-width="2.5" stroke-dasharray="8 5"/>"##,
            sx(a),
            sy(a),
            sx(b),
            sy(b)
        );
    }
    if let Some(c) = cup.map(to) {
        let (x, y) = (sx(c), sy(c));
        let _ = write!(
            s,
            r##"<g class="cup"><circle cx="{x:.1}" cy="{y:.1}" r="4" fill="#111"/><line x1="{x:.1}" y1="{y:.1}" x2="{x:.1}" y2="{:.1}" stroke="#111" stroke-width="1.5"/><path d="M{x:.1},{:.1}l14,5l-14,5z" fill="#e53935"/></g>"##,
            y - 30.0,
            y - 30.0
        );
    }
    if let Some(b) = ball.map(to) {
        let _ = write!(
            s,
            r##"<circle class="ball" cx="{:.1}" cy="{:.1}" r="5" fill="#fff" stroke="#111" stroke-width="1.5"/>"##,
            sx(b),
            sy(b)
        );
    }
    // Scale bar, bottom left.
    let len = nice_length(w);
    let (x0, y0) = (12.0, height_px - 14.0);
    let _ = write!(
        s,
        r##"<g class="scale"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="5" fill="#111"/><text x="{x0:.1}" y="{:.1}" font-family="sans-serif" font-size="12" fill="#111">{len:.0} m</text></g>"##,
        x0,
        y0,
        len * px,
        y0 - 4.0
    );
    // Legend, top left.
    let _ = write!(
        s,
        r##"<g class="legend" font-family="sans-serif" font-size="11"><rect x="6" y="6" width="92" height="{}" fill="#ffffffcc"/>"##,
        16 * STYLES.len() + 40
    );
    let mut y = 20;
    for (_, fill, label) in STYLES {
        let _ = write!(
            s,
            r##"<rect x="12" y="{}" width="12" height="10" fill="{fill}" stroke="#2e5e2e" stroke-width="0.5"/><text x="30" y="{y}" fill="#111">{label}</text>"##,
            y - 9
        );
        y += 16;
    }
    let _ = write!(
        s,
        r##"<circle cx="18" cy="{}" r="4" fill="#fff" stroke="#111"/><text x="30" y="{y}" fill="#111">ball</text>"##,
        y - 4
    );
    y += 16;
    let _ = write!(
        s,
        r##"<circle cx="18" cy="{}" r="3" fill="#111"/><text x="30" y="{y}" fill="#111">cup</text></g>"##,
        y - 4
    );
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picture_has_every_part() {
        let course = crate::course::Course::from_json(crate::example::RIVERSIDE_COURSE_JSON).unwrap();
        let hole = course.hole(1).unwrap();
        let prepared = course.prepare_hole(1).unwrap();
        let cup = LatLon::new(40.268251, -111.659486);
        let ball = LatLon::new(40.268240, -111.659520);
        let svg = hole_svg(hole, prepared.frame(), Some(cup), Some(ball), Some((ball, cup)));
        for part in [
            r#"class="green""#,
            r#"class="fringe""#,
            r#"class="bunker""#,
            r#"class="cup""#,
            r#"class="ball""#,
            r#"class="plan""#,
            r#"class="scale""#,
            r#"class="legend""#,
        ] {
            assert!(svg.contains(part), "missing {part}");
        }
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(nice_length(60.0), 10.0);
    }
}

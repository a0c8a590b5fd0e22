//! Classification speed on the real 18-hole Augusta National course
//! (OpenStreetMap, bundled): the prepared per-hole index against `geo` over
//! the same polygons, measured in the same run. The ratio is the figure.
//!
//! ```sh
//! cargo bench -p greenside-core --bench classify            # full run, prints the ratio table
//! cargo bench -p greenside-core --bench classify -- --test  # smoke: each benchmark once
//! ```
//!
//! Both sides project the fix into the hole's frame (the same call), then:
//! - `prepared_index`: `PreparedHole::classify` (surface with precedence,
//!   signed distance to the green edge, confidence);
//! - `geo_baseline`: `geo::Contains` over the same polygons in the same
//!   precedence order, and `geo` Euclidean distance to every green ring.
//!
//! `contains_*` compares green containment alone.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use criterion::{BenchmarkId, Criterion, Throughput, black_box};
use geo::{Contains, Distance, Euclidean};
use greenside_core::aim::Units;
use greenside_core::course::{Course, Geometry};
use greenside_core::example::AUGUSTA_NATIONAL_COURSE_JSON;
use greenside_core::frame::LocalFrame;
use greenside_core::geometry::LatLon;
use greenside_core::rules::Rules;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;

const FIXES: usize = 10_000;

struct GeoHole {
    frame: LocalFrame,
    green: Vec<geo::Polygon<f64>>,
    others: Vec<Vec<geo::Polygon<f64>>>,
}

fn geo_polys(frame: &LocalFrame, geoms: &[&Geometry]) -> Vec<geo::Polygon<f64>> {
    let mut out = Vec::new();
    for g in geoms {
        for p in g.polygons("bench").unwrap() {
            let mut rings = p.rings.iter().map(|r| {
                geo::LineString::from(r.iter().map(|q| geo::Coord::from(frame.to_local(*q))).collect::<Vec<_>>())
            });
            let ext = rings.next().unwrap();
            out.push(geo::Polygon::new(ext, rings.collect()));
        }
    }
    out
}

impl GeoHole {
    fn classify(&self, fix: LatLon) -> (usize, f64) {
        let p = geo::Point::from(geo::Coord::from(self.frame.to_local(fix)));
        let on = self.green.iter().any(|g| g.contains(&p));
        let d = self
            .green
            .iter()
            .flat_map(|g| std::iter::once(g.exterior()).chain(g.interiors()))
            .map(|ls| Euclidean.distance(&p, ls))
            .fold(f64::INFINITY, f64::min);
        let surface = if on {
            0
        } else {
            self.others.iter().position(|s| s.iter().any(|g| g.contains(&p))).map_or(99, |i| i + 1)
        };
        (surface, if on { d } else { -d })
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

fn mean_ns(dir: &std::path::Path, group: &str, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(group).join(id).join("new/estimates.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn geo_hole_of(raw: &greenside_core::course::Hole, frame: &LocalFrame) -> GeoHole {
    let fringe: Vec<&Geometry> = raw.fringe.iter().collect();
    GeoHole {
        green: geo_polys(frame, &[raw.green.as_ref().unwrap()]),
        others: vec![
            geo_polys(frame, &raw.bunkers.iter().collect::<Vec<_>>()),
            geo_polys(frame, &raw.water.iter().collect::<Vec<_>>()),
            geo_polys(frame, &fringe),
            geo_polys(frame, &raw.tee_boxes.iter().collect::<Vec<_>>()),
            geo_polys(frame, &raw.fairways.iter().collect::<Vec<_>>()),
            geo_polys(frame, &raw.rough.iter().collect::<Vec<_>>()),
        ],
        frame: frame.clone(),
    }
}

fn main() {
    // The real 18-hole course (OpenStreetMap, ODbL), every hole prepared.
    let course = Course::from_json(AUGUSTA_NATIONAL_COURSE_JSON).unwrap();
    let holes = course.prepare_all().unwrap();
    let geo_holes: Vec<GeoHole> =
        holes.iter().map(|h| geo_hole_of(course.hole(h.hole_id).unwrap(), h.frame())).collect();
    // Fixes where a golfer's ball is, on a random hole: half within 40 m of
    // its green, half anywhere within 400 m of it.
    let mut rng = SmallRng::seed_from_u64(42);
    let fixes: Vec<(usize, LatLon)> = (0..FIXES)
        .map(|i| {
            let h = rng.random_range(0..holes.len());
            let r = if i % 2 == 0 { 40.0 } else { 400.0 };
            let (x, y) = (rng.random_range(-r..r), rng.random_range(-r..r));
            (h, holes[h].frame().to_wgs84(greenside_core::geometry::LocalXY { x, y }))
        })
        .collect();
    let config = Rules::default();
    // The two must agree before their speed means anything.
    for (h, f) in &fixes {
        let c = holes[*h].classify(*f, None, None, &config);
        let (_, d) = geo_holes[*h].classify(*f);
        assert!((c.distance_to_green_edge_m - d).abs() < 1e-6);
    }
    println!("classify: {} fixes over the {} holes of {}", FIXES, holes.len(), course.name);

    let out = target_dir().join("criterion");
    let _ = std::fs::remove_dir_all(out.join("classify"));
    let mut c = Criterion::default().output_directory(&out).configure_from_args();
    {
        let mut g = c.benchmark_group("classify");
        g.throughput(Throughput::Elements(FIXES as u64));
        g.bench_function(BenchmarkId::from_parameter("prepared_index"), |b| {
            b.iter(|| {
                for (h, f) in &fixes {
                    black_box(holes[*h].classify(black_box(*f), None, None, &config));
                }
            })
        });
        g.bench_function(BenchmarkId::from_parameter("geo_baseline"), |b| {
            b.iter(|| {
                for (h, f) in &fixes {
                    black_box(geo_holes[*h].classify(black_box(*f)));
                }
            })
        });
        let local: Vec<(usize, geo::Coord<f64>)> =
            fixes.iter().map(|(h, f)| (*h, holes[*h].frame().to_local(*f).into())).collect();
        g.bench_function(BenchmarkId::from_parameter("contains_prepared"), |b| {
            b.iter(|| {
                for (h, p) in &local {
                    black_box(holes[*h].green_contains(black_box(*p)));
                }
            })
        });
        g.bench_function(BenchmarkId::from_parameter("contains_geo"), |b| {
            b.iter(|| {
                for (h, p) in &local {
                    black_box(geo_holes[*h].green.iter().any(|g| g.contains(&geo::Point::from(black_box(*p)))));
                }
            })
        });
        g.finish();
    }
    // The golfer's view per fix: front / middle / back and hazards alone
    // (the baseline), and with the hole line's aim points and layup marks
    // (what a session computes on every fix since issue 36).
    {
        let mut g = c.benchmark_group("golfer_view");
        g.throughput(Throughput::Elements(FIXES as u64));
        let cups: Vec<Option<LatLon>> = holes.iter().map(|h| h.default_cup).collect();
        g.bench_function(BenchmarkId::from_parameter("yardage"), |b| {
            b.iter(|| {
                for (h, f) in &fixes {
                    black_box(holes[*h].yardage(black_box(*f), cups[*h], config.hazard_corridor_m));
                }
            })
        });
        g.bench_function(BenchmarkId::from_parameter("view_with_aim"), |b| {
            b.iter(|| {
                for (h, f) in &fixes {
                    black_box(holes[*h].view(black_box(*f), cups[*h], config.hazard_corridor_m, Units::Yards));
                }
            })
        });
        g.finish();
    }
    c.final_summary();
    let per = |id| mean_ns(&out, "golfer_view", id).map(|ns| ns / FIXES as f64);
    if let (Some(y), Some(v)) = (per("yardage"), per("view_with_aim")) {
        println!(
            "golfer's view per fix on Augusta: front / middle / back + hazards {y:.0} ns; with aim points and layup marks {v:.0} ns: {:.2}x",
            v / y
        );
    }

    let figures: Vec<(&str, &str, Option<f64>, Option<f64>)> = [
        ("classify (surface + signed distance + confidence)", "prepared_index", "geo_baseline"),
        ("green containment alone", "contains_prepared", "contains_geo"),
    ]
    .iter()
    .map(|(what, ours, base)| {
        let per = |id| mean_ns(&out, "classify", id).map(|ns| ns / FIXES as f64);
        (*what, *ours, per(ours), per(base))
    })
    .collect();
    if figures.iter().all(|f| f.2.is_none()) {
        println!("classify: smoke run (no estimates); run without --test for figures");
        return;
    }
    println!("\n| figure | greenside ns/fix | geo ns/fix | speed-up (geo / greenside) |\n| --- | --- | --- | --- |");
    let mut json = Vec::new();
    for (what, id, ours, base) in &figures {
        if let (Some(o), Some(b)) = (ours, base) {
            println!("| {what} | {o:.1} | {b:.1} | {:.2}x |", b / o);
            json.push(serde_json::json!({"figure": what, "id": id, "greenside_ns_per_fix": o, "geo_ns_per_fix": b, "ratio": b / o}));
        }
    }
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("core_classify.json"), serde_json::to_string_pretty(&json).unwrap()).unwrap();
}

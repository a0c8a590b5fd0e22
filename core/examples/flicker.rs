//! The flicker benchmark: false flips and transition delays for every
//! hysteresis mode, as a Markdown table and an SVG plot.
//!
//! ```sh
//! cargo run --release -p greenside-core --example flicker -- docs/flicker.svg
//! ```
#![allow(clippy::print_stdout, clippy::unwrap_used)]

#[path = "../tests/flicker_sim.rs"]
mod flicker_sim;
use flicker_sim::*;
use std::fmt::Write;

const DISTANCES: [f64; 8] = [-4.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 4.0];

fn main() {
    let svg_path = std::env::args().nth(1);
    let scene = scene();
    let modes = modes();
    let fixes = 20_000;
    println!(
        "Ball at a fixed distance from a real green edge (negative: outside), GPS noise σ = {SIGMA_M:.2} m per axis (4.9 m 95 % radius), {fixes} fixes per cell.\n"
    );
    print!("| mode |");
    for d in DISTANCES {
        print!(" {d:+} m |");
    }
    println!(" walk on (1 m/fix) | clear step (±12 m) |");
    println!("|---|{}---|---|", "---|".repeat(DISTANCES.len()));
    let mut series = Vec::new();
    for m in &modes {
        let flips: Vec<f64> = DISTANCES.iter().map(|d| false_flips_per_1000(&scene, m, *d, fixes, 11)).collect();
        let walk = transition_delay(&scene, m, -15.0, 15.0, 30, 300, 13);
        let step = transition_delay(&scene, m, -12.0, 12.0, 1, 300, 17);
        print!("| {} |", m.name);
        for f in &flips {
            print!(" {f:.1} |");
        }
        println!(" {walk:.2} | {step:.2} |");
        series.push((m.name.clone(), flips));
    }
    println!(
        "\nCells: committed flips per 1,000 fixes (all false: the ball does not move). Last two columns: mean fixes from the real crossing until the state is ON for good."
    );
    if let Some(path) = svg_path {
        std::fs::write(&path, plot(&series)).unwrap();
        println!("\nplot written to {path}");
    }
}

/// Flips per 1,000 fixes against distance, log scale, one line per mode.
fn plot(series: &[(String, Vec<f64>)]) -> String {
    let (w, h, left, top, right, bottom) = (720.0, 420.0, 60.0, 20.0, 220.0, 50.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    let x = |i: usize| left + pw * i as f64 / (DISTANCES.len() - 1) as f64;
    let y = |v: f64| {
        let l = (v.max(0.01)).log10(); // 0.01 .. 1000
        top + ph * (3.0 - l) / 5.0
    };
    let colors = ["#111", "#9ca3af", "#ef4444", "#f59e0b", "#10b981", "#2563eb", "#7c3aed"];
    let mut s = String::new();
    write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
    )
    .unwrap();
    write!(s, r#"<rect width="100%" height="100%" fill="white"/>"#).unwrap();
    for (k, label) in ["1000", "100", "10", "1", "0.1", "≤0.01"].iter().enumerate() {
        let yy = top + ph * k as f64 / 5.0;
        write!(s, r##"<line x1="{left}" y1="{yy}" x2="{}" y2="{yy}" stroke="#e5e7eb"/><text x="{}" y="{}" text-anchor="end">{label}</text>"##, left + pw, left - 6.0, yy + 4.0).unwrap();
    }
    for (i, d) in DISTANCES.iter().enumerate() {
        write!(s, r#"<text x="{}" y="{}" text-anchor="middle">{d:+} m</text>"#, x(i), top + ph + 18.0).unwrap();
    }
    write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">distance from the green edge (negative: outside)</text>"#,
        left + pw / 2.0,
        h - 8.0
    )
    .unwrap();
    write!(
        s,
        r#"<text transform="translate(14 {}) rotate(-90)" text-anchor="middle">false flips per 1,000 fixes</text>"#,
        top + ph / 2.0
    )
    .unwrap();
    for (k, (name, flips)) in series.iter().enumerate() {
        let c = colors[k % colors.len()];
        let pts: Vec<String> = flips.iter().enumerate().map(|(i, f)| format!("{:.1},{:.1}", x(i), y(*f))).collect();
        write!(s, r#"<polyline points="{}" fill="none" stroke="{c}" stroke-width="2"/>"#, pts.join(" ")).unwrap();
        let ly = top + 16.0 * k as f64 + 8.0;
        write!(s, r#"<line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="{c}" stroke-width="3"/><text x="{}" y="{}">{name}</text>"#, w - right + 10.0, w - right + 30.0, w - right + 36.0, ly + 4.0).unwrap();
    }
    s.push_str("</svg>\n");
    s
}

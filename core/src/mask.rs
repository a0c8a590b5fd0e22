//! Raster masks: a surface given as a georeferenced bitmap instead of a
//! polygon (the "mask-based" green detection of the seed documents).
//!
//! # Format (course files, manifest 0.1.0)
//!
//! ```json
//! "green": {"type": "Mask", "coordinates": {
//!   "bounds": [-111.6597, 40.2680, -111.6593, 40.2684],
//!   "width": 136, "height": 178,
//!   "rle": "2050 12 122 16 ..."
//! }}
//! ```
//!
//! - `bounds` = `[west, south, east, north]` in WGS84 degrees: the outer
//!   edges of the bitmap. Pixels are equal steps of longitude and latitude:
//!   pixel `(col, row)` spans longitudes `west + col·Δlon … west + (col+1)·Δlon`
//!   and latitudes `north − (row+1)·Δlat … north − row·Δlat`, row 0 at the
//!   north edge (as a PNG is stored), `Δlon = (east − west) / width`,
//!   `Δlat = (north − south) / height`.
//! - `rle`: run lengths, decimal, separated by single spaces, row-major from
//!   the north-west pixel, alternating off and on and starting with off (a
//!   mask whose first pixel is on starts with `0`). The runs add up to
//!   `width × height`. At most [`MAX_PIXELS`] pixels.
//!
//! # Classification
//!
//! A mask is traced into polygons along its pixel edges (on pixels are
//! 4-connected: pixels touching only at a corner are separate areas), so
//! containment, the signed distance to the mask's edge and the confidence
//! `Φ(|d|/σ)` come from the same prepared index as for polygons. The traced
//! edge lies on pixel boundaries: a mask made from a polygon with
//! [`rasterize`] (a pixel is on when its centre is inside) puts the edge
//! within one pixel diagonal of the polygon's.

use crate::geometry::LatLon;
use crate::geometry::Polygon;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// A closed ring of pixel corners (x = column edge, y = row edge, y south).
type GridRing = Vec<(i64, i64)>;
/// A pixel corner, and a directed boundary edge between two.
type Corner = (i64, i64);
type GridEdge = (Corner, Corner);

/// Largest mask, in pixels (a green at 10 cm pixels is well under this).
pub const MAX_PIXELS: u64 = 4_000_000;

/// A georeferenced bitmap, run-length encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RasterMask {
    /// `[west, south, east, north]`, degrees.
    pub bounds: [f64; 4],
    pub width: u32,
    pub height: u32,
    pub rle: String,
}

/// A mask that cannot be a green: where in the file, and why (a course
/// file's `mask_invalid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskError {
    pub at: String,
    pub reason: String,
}

impl core::fmt::Display for MaskError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The same words as the course file's `mask_invalid` (`CourseError`).
        write!(f, "{}: raster mask: {}", self.at, self.reason)
    }
}

impl MaskError {
    /// The course data code.
    pub fn code(&self) -> &'static str {
        "mask_invalid"
    }
}

fn invalid(at: &str, reason: String) -> MaskError {
    MaskError { at: at.to_string(), reason }
}

impl RasterMask {
    /// The pixels, row-major from the north-west corner (`true` = on).
    pub fn decode(&self, at: &str) -> Result<Vec<bool>, MaskError> {
        let [west, south, east, north] = self.bounds;
        let ok = |lat: f64, lon: f64| crate::validate::lat_lon_ok(lat, lon);
        if !(ok(south, west) && ok(north, east) && west < east && south < north) {
            return Err(invalid(
                at,
                "bounds must be [west, south, east, north] with west < east and south < north".into(),
            ));
        }
        let n = u64::from(self.width) * u64::from(self.height);
        if self.width == 0 || self.height == 0 || n > MAX_PIXELS {
            return Err(invalid(at, format!("width × height must be 1..={MAX_PIXELS} pixels")));
        }
        let mut px = Vec::with_capacity(n as usize);
        let mut on = false;
        for run in self.rle.split(' ') {
            let len: u64 = run.parse().map_err(|_| invalid(at, format!("rle: `{run}` is not a run length")))?;
            if px.len() as u64 + len > n {
                return Err(invalid(at, format!("rle: the runs cover more than the {n} pixels")));
            }
            px.extend(core::iter::repeat_n(on, len as usize));
            on = !on;
        }
        if px.len() as u64 != n {
            return Err(invalid(at, format!("rle: the runs cover {} of the {n} pixels", px.len())));
        }
        Ok(px)
    }

    /// Run-length encodes `pixels` (row-major from the north-west corner).
    pub fn encode(bounds: [f64; 4], width: u32, height: u32, pixels: &[bool]) -> RasterMask {
        let mut runs: Vec<String> = Vec::new();
        let mut current = false;
        let mut len = 0u64;
        for &p in pixels {
            if p == current {
                len += 1;
            } else {
                runs.push(len.to_string());
                current = p;
                len = 1;
            }
        }
        runs.push(len.to_string());
        RasterMask { bounds, width, height, rle: runs.join(" ") }
    }

    /// The mask's on areas as polygons along the pixel edges: exteriors
    /// counter-clockwise, holes clockwise, collinear vertices merged.
    pub fn polygons(&self, at: &str) -> Result<Vec<Polygon>, MaskError> {
        let px = self.decode(at)?;
        let (w, h) = (self.width as i64, self.height as i64);
        let on = |c: i64, r: i64| c >= 0 && r >= 0 && c < w && r < h && px[(r * w + c) as usize];
        // Vertices are pixel corners (x = column edge, y = row edge, y grows south).
        // Directed boundary edges with the on pixel on the left in a north-up view,
        // which in (x east, y south) grid terms means on the right.
        let mut edges: Vec<GridEdge> = Vec::new();
        for r in 0..h {
            for c in 0..w {
                if !on(c, r) {
                    continue;
                }
                // Counter-clockwise around the pixel as seen north-up (east, north, west, south):
                // south side goes east, east side goes north, north side goes west, west side goes south.
                if !on(c, r + 1) {
                    edges.push(((c, r + 1), (c + 1, r + 1)));
                }
                if !on(c + 1, r) {
                    edges.push(((c + 1, r + 1), (c + 1, r)));
                }
                if !on(c, r - 1) {
                    edges.push(((c + 1, r), (c, r)));
                }
                if !on(c - 1, r) {
                    edges.push(((c, r), (c, r + 1)));
                }
            }
        }
        if edges.is_empty() {
            return Err(invalid(at, "the mask has no pixel on".into()));
        }
        let mut corners = Corners::new(&edges);
        // Link edges into rings. At a vertex with two ways out (pixels touching
        // only at a corner) turn left, towards the inside: areas stay
        // 4-connected and no ring passes a vertex twice.
        let mut rings: Vec<Vec<(i64, i64)>> = Vec::new();
        let mut first = 0;
        while let Some(s) = (first..corners.keys.len()).find(|&i| !corners.outs[i].is_empty()) {
            first = s;
            let start = corners.keys[s];
            let first_next = corners.outs[s].pop().ok_or_else(|| invalid(at, "trace".into()))?;
            let mut ring = vec![start, first_next];
            let mut prev = start;
            let mut cur = first_next;
            while cur != start {
                let dir = (cur.0 - prev.0, cur.1 - prev.1);
                let outs = corners
                    .index(cur)
                    .map(|i| &mut corners.outs[i])
                    .ok_or_else(|| invalid(at, "the mask's edge does not close".into()))?;
                let pick = if outs.len() == 1 {
                    0
                } else {
                    // North-up left turn of `dir` in (x east, y south) coordinates.
                    let left = (dir.1, -dir.0);
                    outs.iter().position(|n| (n.0 - cur.0, n.1 - cur.1) == left).unwrap_or(0)
                };
                if outs.is_empty() {
                    return Err(invalid(at, "the mask's edge does not close".into()));
                }
                let next = outs.swap_remove(pick);
                prev = cur;
                cur = next;
                ring.push(cur);
            }
            split_loops(&ring, &corners, &mut rings);
        }
        // Pixel corners to WGS84, merging straight runs.
        let [west, south, east, north] = self.bounds;
        let (dlon, dlat) = ((east - west) / f64::from(self.width), (north - south) / f64::from(self.height));
        let to_ll = |(x, y): (i64, i64)| LatLon::new(north - y as f64 * dlat, west + x as f64 * dlon);
        // (WGS84 ring, grid area, grid ring) of each exterior; (WGS84, grid) of each hole.
        let mut exteriors: Vec<(Vec<LatLon>, f64, GridRing)> = Vec::new();
        let mut holes: Vec<(Vec<LatLon>, GridRing)> = Vec::new();
        for ring in rings {
            let simple = merge_collinear(&ring);
            // Shoelace in (x east, y north) = (x, −y): positive is counter-clockwise.
            let area: f64 = simple.windows(2).map(|s| (s[0].0 * -s[1].1 - s[1].0 * -s[0].1) as f64).sum::<f64>() / 2.0;
            let ll: Vec<LatLon> = simple.iter().map(|p| to_ll(*p)).collect();
            if area > 0.0 {
                exteriors.push((ll, area, simple));
            } else {
                holes.push((ll, simple));
            }
        }
        let mut polys: Vec<Polygon> = exteriors.iter().map(|(ll, _, _)| Polygon { rings: vec![ll.clone()] }).collect();
        for (ll, grid) in holes {
            // The on pixel left of the hole's first edge (edges keep the on side
            // on their left) belongs to the area around the hole: the smallest
            // exterior holding that pixel's centre owns the hole.
            let (a, b) = (grid[0], grid[1]);
            let (dx, dy) = ((b.0 - a.0).signum(), (b.1 - a.1).signum());
            let probe = ((a.0 + b.0) as f64 / 2.0 + dy as f64 * 0.5, (a.1 + b.1) as f64 / 2.0 - dx as f64 * 0.5);
            let owner = exteriors
                .iter()
                .enumerate()
                .filter(|(_, (_, _, g))| grid_contains(g, probe))
                .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
                .map(|(i, _)| i);
            match owner {
                Some(i) => polys[i].rings.push(ll),
                None => return Err(invalid(at, "a hole of the mask lies in no area".into())),
            }
        }
        Ok(polys)
    }
}

/// The boundary's pixel corners in ascending order, each with the edges
/// that leave it (in the order they were found): a sorted list searched by
/// halves, not a map, so the classification wasm carries no B-tree.
struct Corners {
    keys: Vec<(i64, i64)>,
    outs: Vec<Vec<(i64, i64)>>,
}

impl Corners {
    fn new(edges: &[GridEdge]) -> Corners {
        // Stable by start corner: the edges of one corner keep their order.
        let mut order: Vec<((i64, i64), u32)> = edges.iter().zip(0u32..).map(|(e, i)| (e.0, i)).collect();
        order.sort_unstable();
        let mut c = Corners { keys: Vec::new(), outs: Vec::new() };
        for (k, i) in order {
            if c.keys.last() != Some(&k) {
                c.keys.push(k);
                c.outs.push(Vec::new());
            }
            if let Some(list) = c.outs.last_mut() {
                list.push(edges[i as usize].1);
            }
        }
        c
    }

    fn index(&self, v: (i64, i64)) -> Option<usize> {
        self.keys.binary_search(&v).ok()
    }
}

/// Splits a closed walk that passes a vertex more than once (where two
/// pieces of the mask touch at a corner) into simple closed rings. Every
/// vertex of the walk is one of `corners` (edges start at each).
fn split_loops(walk: &[(i64, i64)], corners: &Corners, out: &mut Vec<Vec<(i64, i64)>>) {
    const NONE: usize = usize::MAX;
    let mut stack: Vec<(i64, i64)> = Vec::with_capacity(walk.len());
    // Where on the stack each corner is (NONE: not on it).
    let mut at: Vec<usize> = vec![NONE; corners.keys.len()];
    for &v in walk {
        let Some(k) = corners.index(v) else { continue };
        if at[k] != NONE {
            let mut ring = stack.split_off(at[k] + 1);
            ring.insert(0, v);
            ring.push(v);
            for u in &ring[1..ring.len() - 1] {
                if let Some(j) = corners.index(*u) {
                    at[j] = NONE;
                }
            }
            if ring.len() >= 4 {
                out.push(ring);
            }
        } else {
            at[k] = stack.len();
            stack.push(v);
        }
    }
}

/// Drops vertices in the middle of straight runs; keeps the ring closed.
fn merge_collinear(ring: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let pts = &ring[..ring.len() - 1];
    let n = pts.len();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(n);
    for i in 0..n {
        let (a, b, c) = (pts[(i + n - 1) % n], pts[i], pts[(i + 1) % n]);
        let cross = (b.0 - a.0) * (c.1 - b.1) - (b.1 - a.1) * (c.0 - b.0);
        if cross != 0 {
            out.push(b);
        }
    }
    if let Some(&f) = out.first() {
        out.push(f);
    }
    out
}

/// Even-odd containment of a point in a grid ring.
fn grid_contains(ring: &[(i64, i64)], p: (f64, f64)) -> bool {
    let mut inside = false;
    for s in ring.windows(2) {
        let (x0, y0, x1, y1) = (s[0].0 as f64, s[0].1 as f64, s[1].0 as f64, s[1].1 as f64);
        if (y0 > p.1) != (y1 > p.1) && p.0 < x0 + (p.1 - y0) * (x1 - x0) / (y1 - y0) {
            inside = !inside;
        }
    }
    inside
}

/// A polygon (WGS84 rings, exterior first) as a mask of `pixel_m`-metre
/// pixels: bounds are the polygon's box grown by one pixel, a pixel is on
/// when its centre is inside (even-odd over all rings).
pub fn rasterize(rings: &[Vec<LatLon>], pixel_m: f64) -> Result<RasterMask, MaskError> {
    let at = "rasterize";
    let all = rings.iter().flatten();
    let (mut west, mut south, mut east, mut north) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in all {
        west = west.min(p.lon);
        east = east.max(p.lon);
        south = south.min(p.lat);
        north = north.max(p.lat);
    }
    if !(pixel_m > 0.0 && west < east && south < north) {
        return Err(invalid(at, "needs a non-empty polygon and a positive pixel size".into()));
    }
    let lat0 = (south + north) / 2.0;
    let dlat = pixel_m / 111_320.0;
    let dlon = pixel_m / (111_320.0 * libm::cos(lat0.to_radians()));
    let (west, south, east, north) = (west - dlon, south - dlat, east + dlon, north + dlat);
    let width = libm::ceil((east - west) / dlon) as u32;
    let height = libm::ceil((north - south) / dlat) as u32;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(invalid(at, format!("{width} × {height} pixels is more than {MAX_PIXELS}")));
    }
    // Exact bounds for whole pixels.
    let (east, south) = (west + f64::from(width) * dlon, north - f64::from(height) * dlat);
    let mut px = Vec::with_capacity((width * height) as usize);
    for r in 0..height {
        let lat = north - (f64::from(r) + 0.5) * dlat;
        for c in 0..width {
            let lon = west + (f64::from(c) + 0.5) * dlon;
            let inside = rings.iter().filter(|ring| ring_contains(ring, lat, lon)).count() % 2 == 1;
            px.push(inside);
        }
    }
    Ok(RasterMask::encode([west, south, east, north], width, height, &px))
}

fn ring_contains(ring: &[LatLon], lat: f64, lon: f64) -> bool {
    let mut inside = false;
    for s in ring.windows(2) {
        let (a, b) = (s[0], s[1]);
        if (a.lat > lat) != (b.lat > lat) && lon < a.lon + (lat - a.lat) * (b.lon - a.lon) / (b.lat - a.lat) {
            inside = !inside;
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn mask(w: u32, h: u32, rows: &[&str]) -> RasterMask {
        let px: Vec<bool> = rows.iter().flat_map(|r| r.chars().map(|c| c == '#')).collect();
        RasterMask::encode([10.0, 50.0, 10.0 + f64::from(w) * 1e-5, 50.0 + f64::from(h) * 1e-5], w, h, &px)
    }

    #[test]
    fn rle_round_trips_and_names_its_problems() {
        let m = mask(4, 2, &["..##", "#..."]);
        assert_eq!(m.rle, "2 3 3");
        assert_eq!(m.decode("m").unwrap(), vec![false, false, true, true, true, false, false, false]);
        let starts_on = mask(2, 1, &["#."]);
        assert_eq!(starts_on.rle, "0 1 1");
        for (rle, why) in [("2 3", "cover 5"), ("2 3 9", "more than"), ("2 x 3", "not a run"), ("", "not a run")] {
            let bad = RasterMask { rle: rle.into(), ..m.clone() };
            let e = bad.decode("holes[0].green").unwrap_err();
            assert_eq!(e.code(), "mask_invalid");
            assert!(e.to_string().contains(why), "{rle}: {e}");
        }
        let huge = RasterMask { width: 3000, height: 3000, ..m.clone() };
        assert!(huge.decode("g").is_err());
        let flipped = RasterMask { bounds: [11.0, 50.0, 10.0, 51.0], ..m };
        assert!(flipped.decode("g").is_err());
    }

    #[test]
    fn tracing_gives_areas_holes_and_separate_diagonal_pixels() {
        // A ring of pixels with a hole, and two pixels touching only at a corner.
        let m = mask(7, 5, &["###....", "#.#....", "###.#..", ".....#.", "......."]);
        let polys = m.polygons("g").unwrap();
        assert_eq!(polys.len(), 3, "{polys:?}");
        let square = polys.iter().find(|p| p.rings.len() == 2).expect("the ring with its hole");
        assert_eq!(square.rings[0].len(), 5, "merged into a square");
        assert_eq!(square.rings[1].len(), 5, "and a square hole");
        assert!(polys.iter().filter(|p| p.rings.len() == 1).all(|p| p.rings[0].len() == 5));
        assert_eq!(mask(2, 1, &[".."]).polygons("g").unwrap_err().code(), "mask_invalid");
    }
}

//! Prepared spatial indexes over polygons in the local frame.
//!
//! - [`PreparedArea`]: point-in-polygon in O(edges in one band). Each
//!   polygon's edges are bucketed into horizontal bands; the +x ray from a
//!   point can only cross edges whose y-range spans the point, and all of
//!   those sit in the point's band.
//! - [`EdgeTree`]: nearest-edge distance through a packed bounding-volume
//!   tree (sort-tile-recursive bulk load, fan-out [`FANOUT`]), searched
//!   branch-and-bound so only edges whose boxes could be nearer are visited.

use crate::geometry::{Aabb, ray_crosses, seg_dist2};
use alloc::vec::Vec;
use geo_types::Coord;

/// Children per tree node and edges per leaf.
pub const FANOUT: usize = 8;

type Edge = (Coord<f64>, Coord<f64>);

/// One polygon (exterior ring and holes) prepared for containment queries.
#[derive(Debug, Clone)]
struct BandedPolygon {
    bbox: Aabb,
    band_h: f64,
    /// `bands[i]` holds every edge whose y-range overlaps band `i`.
    bands: Vec<Vec<Edge>>,
}

impl BandedPolygon {
    fn new(rings: &[Vec<Coord<f64>>]) -> Self {
        let bbox = Aabb::of_points(&rings[0]);
        let edges: Vec<Edge> = rings
            .iter()
            .flat_map(|r| r.windows(2).map(|w| (w[0], w[1])))
            .collect();
        let n_bands = (edges.len() / 2).clamp(1, 512);
        let height = (bbox.max.y - bbox.min.y).max(f64::MIN_POSITIVE);
        let band_h = height / n_bands as f64;
        let mut bands = alloc::vec![Vec::new(); n_bands];
        let band_of = |y: f64| (((y - bbox.min.y) / band_h) as usize).min(n_bands - 1);
        for e in edges {
            let (lo, hi) = if e.0.y <= e.1.y {
                (e.0.y, e.1.y)
            } else {
                (e.1.y, e.0.y)
            };
            for band in &mut bands[band_of(lo)..=band_of(hi)] {
                band.push(e);
            }
        }
        BandedPolygon {
            bbox,
            band_h,
            bands,
        }
    }

    #[inline]
    fn contains(&self, p: Coord<f64>) -> bool {
        if !self.bbox.contains(p) {
            return false;
        }
        let i = (((p.y - self.bbox.min.y) / self.band_h) as usize).min(self.bands.len() - 1);
        let mut inside = false;
        for &(a, b) in &self.bands[i] {
            if ray_crosses(p, a, b) {
                inside = !inside;
            }
        }
        inside
    }
}

/// A set of polygons (a surface) prepared for "is this point inside any of them?".
#[derive(Debug, Clone, Default)]
pub struct PreparedArea {
    bbox: Option<Aabb>,
    polygons: Vec<BandedPolygon>,
}

impl PreparedArea {
    /// `polygons[i]` is a list of closed rings, exterior first.
    pub fn new(polygons: &[Vec<Vec<Coord<f64>>>]) -> Self {
        let polygons: Vec<BandedPolygon> = polygons
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| BandedPolygon::new(p))
            .collect();
        let bbox = polygons.iter().map(|p| p.bbox).reduce(|mut a, b| {
            a.union(&b);
            a
        });
        PreparedArea { bbox, polygons }
    }

    pub fn is_empty(&self) -> bool {
        self.polygons.is_empty()
    }

    pub fn bbox(&self) -> Option<Aabb> {
        self.bbox
    }

    #[inline]
    pub fn contains(&self, p: Coord<f64>) -> bool {
        match self.bbox {
            Some(b) if b.contains(p) => self.polygons.iter().any(|poly| poly.contains(p)),
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
struct Node {
    bbox: Aabb,
    /// Range into `edges` (leaf) or into `nodes` (inner).
    start: u32,
    len: u32,
    leaf: bool,
}

/// Nearest-edge distance over a fixed set of segments.
#[derive(Debug, Clone)]
pub struct EdgeTree {
    edges: Vec<Edge>,
    nodes: Vec<Node>,
    root: usize,
}

fn edge_box(e: &Edge) -> Aabb {
    Aabb::of_points(&[e.0, e.1])
}

/// Sort-tile-recursive ordering of `items` by their box centres, so that
/// consecutive runs of `FANOUT` items are spatially compact.
fn str_sort<T>(items: &mut [T], bbox: impl Fn(&T) -> Aabb) {
    let n = items.len();
    let leaves = n.div_ceil(FANOUT);
    let slices = (libm::ceil(libm::sqrt(leaves as f64)) as usize).max(1);
    let per_slice = slices * FANOUT;
    items.sort_by(|a, b| bbox(a).center().x.total_cmp(&bbox(b).center().x));
    for chunk in items.chunks_mut(per_slice) {
        chunk.sort_by(|a, b| bbox(a).center().y.total_cmp(&bbox(b).center().y));
    }
}

impl EdgeTree {
    /// Builds the tree over every edge of the given closed rings.
    pub fn new(rings: &[&[Coord<f64>]]) -> Self {
        let mut edges: Vec<Edge> = rings
            .iter()
            .flat_map(|r| r.windows(2).map(|w| (w[0], w[1])))
            .collect();
        str_sort(&mut edges, edge_box);
        let mut nodes: Vec<Node> = Vec::new();
        for (i, chunk) in edges.chunks(FANOUT).enumerate() {
            let mut bbox = Aabb::EMPTY;
            for e in chunk {
                bbox.union(&edge_box(e));
            }
            nodes.push(Node {
                bbox,
                start: (i * FANOUT) as u32,
                len: chunk.len() as u32,
                leaf: true,
            });
        }
        let mut level = 0..nodes.len();
        while level.len() > 1 {
            let mut children: Vec<Node> = nodes[level.clone()].to_vec();
            str_sort(&mut children, |n| n.bbox);
            // Re-home the sorted children at the end of `nodes` so ranges stay contiguous.
            let base = nodes.len();
            nodes.extend(children);
            let mut parents = Vec::new();
            for (i, chunk) in nodes[base..].chunks(FANOUT).enumerate() {
                let mut bbox = Aabb::EMPTY;
                for c in chunk {
                    bbox.union(&c.bbox);
                }
                parents.push(Node {
                    bbox,
                    start: (base + i * FANOUT) as u32,
                    len: chunk.len() as u32,
                    leaf: false,
                });
            }
            let pbase = nodes.len();
            nodes.extend(parents);
            level = pbase..nodes.len();
        }
        let root = level.start;
        EdgeTree { edges, nodes, root }
    }

    /// Distance from `p` to the nearest edge (infinite for an empty tree).
    pub fn distance(&self, p: Coord<f64>) -> f64 {
        if self.edges.is_empty() {
            return f64::INFINITY;
        }
        let mut best = f64::INFINITY;
        let mut stack: [u32; 64] = [0; 64];
        let mut top = 1;
        stack[0] = self.root as u32;
        while top > 0 {
            top -= 1;
            let node = &self.nodes[stack[top] as usize];
            if node.bbox.dist2(p) >= best {
                continue;
            }
            let range = node.start as usize..(node.start + node.len) as usize;
            if node.leaf {
                for &(a, b) in &self.edges[range] {
                    let d = seg_dist2(p, a, b);
                    if d < best {
                        best = d;
                    }
                }
            } else {
                // Push farther children first so the nearest is searched first.
                let mut kids: [(f64, u32); FANOUT] = [(0.0, 0); FANOUT];
                let n = range.len();
                for (slot, i) in kids.iter_mut().zip(range) {
                    *slot = (self.nodes[i].bbox.dist2(p), i as u32);
                }
                kids[..n].sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
                for &(d, i) in &kids[..n] {
                    if d < best {
                        if top == stack.len() {
                            // Deeper than any course needs (8^8 edges); stay exact anyway.
                            return self.brute_force(p);
                        }
                        stack[top] = i;
                        top += 1;
                    }
                }
            }
        }
        libm::sqrt(best)
    }

    fn brute_force(&self, p: Coord<f64>) -> f64 {
        let best = self
            .edges
            .iter()
            .map(|&(a, b)| seg_dist2(p, a, b))
            .fold(f64::INFINITY, f64::min);
        libm::sqrt(best)
    }
}

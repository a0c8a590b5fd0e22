//! Prepared spatial indexes over polygons in the local frame.
//!
//! - [`PreparedArea`]: point-in-polygon in O(edges in one band). Each
//!   polygon's edges are bucketed into horizontal bands; the +x ray from a
//!   point can only cross edges whose y-range spans the point, and all of
//!   those sit in the point's band.
//! - [`EdgeTree`]: nearest-edge distance. Within [`GRID_EXTENT`] polygon
//!   sizes of the polygon a candidate grid answers in a few segment tests:
//!   each cell keeps only the edges that can be nearest to some point of the
//!   cell (`min_dist(edge, cell) <= min over edges of max_dist(edge, cell)`;
//!   the max is at a corner because distance to a segment is convex); cells
//!   are refined quadtree-style until they hold at most
//!   [`GRID_MAX_CANDIDATES`], and stored flat. Farther away, a packed
//!   bounding-volume tree (leaves of [`LEAF`] consecutive ring edges, fan-out
//!   [`FANOUT`]) is searched branch-and-bound after an upper bound from a few
//!   boundary vertices.
//! - [`ResolvedGrid`]: answers that are the same all over a cell. A cell
//!   that no edge comes near has one answer everywhere in it, found once at
//!   its centre; a point there costs one index computation.

use crate::geometry::{Aabb, min, ray_crosses, seg_dist2, sqrt};
use alloc::vec::Vec;
use geo_types::Coord;

/// Children per inner tree node.
pub const FANOUT: usize = 8;
/// Consecutive ring edges per tree leaf.
pub const LEAF: usize = 4;

/// A segment, as its two ends.
pub type Edge = (Coord<f64>, Coord<f64>);

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
        let edges: Vec<Edge> = rings.iter().flat_map(|r| r.windows(2).map(|w| (w[0], w[1]))).collect();
        let n_bands = (edges.len() / 2).clamp(1, 512);
        let height = (bbox.max.y - bbox.min.y).max(f64::MIN_POSITIVE);
        let band_h = height / n_bands as f64;
        let mut bands = alloc::vec![Vec::new(); n_bands];
        let band_of = |y: f64| (((y - bbox.min.y) / band_h) as usize).min(n_bands - 1);
        for e in edges {
            let (lo, hi) = if e.0.y <= e.1.y { (e.0.y, e.1.y) } else { (e.1.y, e.0.y) };
            for band in &mut bands[band_of(lo)..=band_of(hi)] {
                band.push(e);
            }
        }
        BandedPolygon { bbox, band_h, bands }
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
        let polygons: Vec<BandedPolygon> =
            polygons.iter().filter(|p| !p.is_empty()).map(|p| BandedPolygon::new(p)).collect();
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
    grid: Option<CandidateGrid>,
    /// Up to [`PROBES`] boundary vertices, spread along the rings.
    probes: Vec<Coord<f64>>,
}

/// Boundary vertices tried first by the tree search.
pub const PROBES: usize = 16;

/// A cell splits while it has more candidate edges than this.
pub const GRID_MAX_CANDIDATES: usize = 4;
/// The grid has `2^GRID_LOG2` cells per side.
pub const GRID_LOG2: u32 = 6;
const GRID_SIDE: usize = 1 << GRID_LOG2;
/// The grid covers the edges' box grown by this many times its size on each side.
pub const GRID_EXTENT: f64 = 1.0;

/// Candidate grid: every cell lists only the edges that can be nearest to
/// some point of the cell. Built top-down like a quadtree (a cell's
/// candidates are a subset of its parent's), stored flat so a query is one
/// index computation.
#[derive(Debug, Clone)]
struct CandidateGrid {
    bbox: Aabb,
    inv_cell: f64,
    /// `(start, len)` into `cands`, row-major.
    cells: Vec<(u32, u32)>,
    cands: Vec<u32>,
}

/// Smallest distance between a segment and a rectangle (0 when they touch).
fn seg_box_dist2(a: Coord<f64>, b: Coord<f64>, r: &Aabb) -> f64 {
    if r.contains(a) || r.contains(b) {
        return 0.0;
    }
    let corners = [r.min, Coord { x: r.max.x, y: r.min.y }, r.max, Coord { x: r.min.x, y: r.max.y }];
    for i in 0..4 {
        if crate::geometry::segments_intersect(a, b, corners[i], corners[(i + 1) % 4]) {
            return 0.0;
        }
    }
    let mut best = r.dist2(a).min(r.dist2(b));
    for c in corners {
        best = best.min(seg_dist2(c, a, b));
    }
    best
}

fn quadrants(r: &Aabb) -> [Aabb; 4] {
    let c = r.center();
    [
        Aabb { min: r.min, max: c },
        Aabb { min: Coord { x: c.x, y: r.min.y }, max: Coord { x: r.max.x, y: c.y } },
        Aabb { min: Coord { x: r.min.x, y: c.y }, max: Coord { x: c.x, y: r.max.y } },
        Aabb { min: c, max: r.max },
    ]
}

impl CandidateGrid {
    fn new(edges: &[Edge]) -> Option<CandidateGrid> {
        let mut bbox = Aabb::EMPTY;
        for e in edges {
            bbox.include(e.0);
            bbox.include(e.1);
        }
        let size = (bbox.max.x - bbox.min.x).max(bbox.max.y - bbox.min.y);
        if !(size.is_finite() && size > 0.0) {
            return None;
        }
        // A square grid keeps every cell square.
        let c = bbox.center();
        let half = size * (0.5 + GRID_EXTENT);
        let bbox = Aabb { min: Coord { x: c.x - half, y: c.y - half }, max: Coord { x: c.x + half, y: c.y + half } };
        let mut g = CandidateGrid {
            bbox,
            inv_cell: GRID_SIDE as f64 / (2.0 * half),
            cells: alloc::vec![(0, 0); GRID_SIDE * GRID_SIDE],
            cands: Vec::new(),
        };
        let all: Vec<u32> = (0..edges.len() as u32).collect();
        g.build(&bbox, (0, 0), GRID_SIDE, &all, edges);
        Some(g)
    }

    /// Fills the `span`×`span` block of cells at `(row, col)` covering `r`.
    fn build(&mut self, r: &Aabb, (row, col): (usize, usize), span: usize, parent: &[u32], edges: &[Edge]) {
        let corners = [r.min, Coord { x: r.max.x, y: r.min.y }, r.max, Coord { x: r.min.x, y: r.max.y }];
        let mut bound = f64::INFINITY;
        let dmin: Vec<f64> = parent
            .iter()
            .map(|&i| {
                let (a, b) = edges[i as usize];
                let dmax = corners.iter().map(|c| seg_dist2(*c, a, b)).fold(0.0, f64::max);
                bound = bound.min(dmax);
                seg_box_dist2(a, b, r)
            })
            .collect();
        // A small slack keeps edges whose bounds tie within rounding.
        let limit = bound * (1.0 + 1e-9) + 1e-12;
        let mine: Vec<u32> = parent.iter().zip(&dmin).filter(|(_, d)| **d <= limit).map(|(i, _)| *i).collect();
        if mine.len() <= GRID_MAX_CANDIDATES || span == 1 {
            let entry = (self.cands.len() as u32, mine.len() as u32);
            self.cands.extend_from_slice(&mine);
            for rr in row..row + span {
                self.cells[rr * GRID_SIDE + col..rr * GRID_SIDE + col + span].fill(entry);
            }
            return;
        }
        let h = span / 2;
        let q = quadrants(r);
        self.build(&q[0], (row, col), h, &mine, edges);
        self.build(&q[1], (row, col + h), h, &mine, edges);
        self.build(&q[2], (row + h, col), h, &mine, edges);
        self.build(&q[3], (row + h, col + h), h, &mine, edges);
    }

    /// The candidate edges for `p`, or `None` outside the grid.
    #[inline]
    fn candidates(&self, p: Coord<f64>) -> Option<&[u32]> {
        if !self.bbox.contains(p) {
            return None;
        }
        let col = (((p.x - self.bbox.min.x) * self.inv_cell) as usize).min(GRID_SIDE - 1);
        let row = (((p.y - self.bbox.min.y) * self.inv_cell) as usize).min(GRID_SIDE - 1);
        let (start, len) = self.cells[row * GRID_SIDE + col];
        Some(&self.cands[start as usize..(start + len) as usize])
    }
}

fn edge_box(e: &Edge) -> Aabb {
    Aabb::of_points(&[e.0, e.1])
}

/// `items` in the order of `keys` (ascending, ties as they stand): one
/// sort instance for both axes, so the classification wasm carries one
/// sort, not one per closure (docs/performance.md); the same order as a
/// stable sort by the key.
fn sorted_by_key(items: &[Node], keys: impl Fn(&Node) -> f64) -> Vec<Node> {
    let mut order: Vec<(f64, u32)> = items.iter().zip(0u32..).map(|(n, i)| (keys(n), i)).collect();
    order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    order.into_iter().map(|(_, i)| items[i as usize].clone()).collect()
}

/// Sort-tile-recursive ordering of `items` by their box centres, so that
/// consecutive runs of `FANOUT` items are spatially compact.
fn str_sort(items: &mut [Node]) {
    let n = items.len();
    let groups = n.div_ceil(FANOUT);
    let slices = (libm::ceil(libm::sqrt(groups as f64)) as usize).max(1);
    let per_slice = slices * FANOUT;
    let by_x = sorted_by_key(items, |n| n.bbox.center().x);
    items.clone_from_slice(&by_x);
    for chunk in items.chunks_mut(per_slice) {
        let by_y = sorted_by_key(chunk, |n| n.bbox.center().y);
        chunk.clone_from_slice(&by_y);
    }
}

impl EdgeTree {
    /// Builds the tree over every edge of the given closed rings.
    pub fn new(rings: &[&[Coord<f64>]]) -> Self {
        // Leaves are runs of consecutive ring edges: a contiguous piece of
        // boundary has a tighter box than any sort of edge centres gives.
        let mut edges: Vec<Edge> = Vec::new();
        let mut nodes: Vec<Node> = Vec::new();
        for r in rings {
            let ring_edges: Vec<Edge> = r.windows(2).map(|w| (w[0], w[1])).collect();
            for chunk in ring_edges.chunks(LEAF) {
                let mut bbox = Aabb::EMPTY;
                for e in chunk {
                    bbox.union(&edge_box(e));
                }
                nodes.push(Node { bbox, start: edges.len() as u32, len: chunk.len() as u32, leaf: true });
                edges.extend_from_slice(chunk);
            }
        }
        let mut level = 0..nodes.len();
        while level.len() > 1 {
            let mut children: Vec<Node> = nodes[level.clone()].to_vec();
            str_sort(&mut children);
            // Re-home the sorted children at the end of `nodes` so ranges stay contiguous.
            let base = nodes.len();
            nodes.extend(children);
            let mut parents = Vec::new();
            for (i, chunk) in nodes[base..].chunks(FANOUT).enumerate() {
                let mut bbox = Aabb::EMPTY;
                for c in chunk {
                    bbox.union(&c.bbox);
                }
                parents.push(Node { bbox, start: (base + i * FANOUT) as u32, len: chunk.len() as u32, leaf: false });
            }
            let pbase = nodes.len();
            nodes.extend(parents);
            level = pbase..nodes.len();
        }
        let root = level.start;
        let grid = CandidateGrid::new(&edges);
        let step = edges.len().div_ceil(PROBES).max(1);
        let probes = edges.iter().step_by(step).map(|e| e.0).collect();
        EdgeTree { edges, nodes, root, grid, probes }
    }

    /// Distance from `p` to the nearest edge (infinite for an empty tree).
    #[inline]
    pub fn distance(&self, p: Coord<f64>) -> f64 {
        if self.edges.is_empty() {
            return f64::INFINITY;
        }
        if let Some(cands) = self.grid.as_ref().and_then(|g| g.candidates(p)) {
            let mut best = f64::INFINITY;
            for &i in cands {
                let (a, b) = self.edges[i as usize];
                best = min(best, seg_dist2(p, a, b));
            }
            return sqrt(best);
        }
        self.tree_distance(p)
    }

    fn tree_distance(&self, p: Coord<f64>) -> f64 {
        // An upper bound from a few boundary vertices first: from afar it is
        // within the boundary's sag of the answer, so almost every box is pruned.
        let mut best =
            self.probes.iter().map(|v| (v.x - p.x) * (v.x - p.x) + (v.y - p.y) * (v.y - p.y)).fold(f64::INFINITY, min);
        let mut stack: [u32; 64] = [0; 64];
        let mut top = 1;
        stack[0] = self.root as u32;
        while top > 0 {
            top -= 1;
            let node = &self.nodes[stack[top] as usize];
            let range = node.start as usize..(node.start + node.len) as usize;
            if node.leaf {
                for &(a, b) in &self.edges[range] {
                    best = min(best, seg_dist2(p, a, b));
                }
                continue;
            }
            for i in range {
                if self.nodes[i].bbox.dist2(p) < best {
                    if top == stack.len() {
                        // Deeper than any course needs (8^20 edges); stay exact anyway.
                        return self.brute_force(p);
                    }
                    stack[top] = i as u32;
                    top += 1;
                }
            }
        }
        sqrt(best)
    }

    fn brute_force(&self, p: Coord<f64>) -> f64 {
        let best = self.edges.iter().map(|&(a, b)| seg_dist2(p, a, b)).fold(f64::INFINITY, min);
        sqrt(best)
    }
}

/// Cells per side of a [`ResolvedGrid`].
pub const RESOLVED_SIDE: usize = 64;
/// An edge this near a cell (metres) leaves the cell undecided: far above
/// floating-point rounding at a hole's scale, far below a GPS fix.
pub const RESOLVED_MARGIN: f64 = 1e-6;
/// A cell's value when an edge passes through or near it.
pub const UNDECIDED: u8 = u8::MAX;

/// A grid over a box of answers that hold all over a cell: where no edge
/// comes within [`RESOLVED_MARGIN`] of a cell, every point of the cell is
/// on the same side of every edge, so every inside/outside question has the
/// answer of the cell's centre. Other cells are [`UNDECIDED`].
#[derive(Debug, Clone)]
pub struct ResolvedGrid {
    bbox: Aabb,
    /// Cells per metre along x and y.
    inv: Coord<f64>,
    cells: Vec<u8>,
}

impl ResolvedGrid {
    /// `answer_at` is asked once per decided cell, at its centre. `None`
    /// for an empty or unbounded box.
    pub fn new(bbox: Aabb, edges: &[Edge], answer_at: impl Fn(Coord<f64>) -> u8) -> Option<ResolvedGrid> {
        let n = RESOLVED_SIDE;
        let (w, h) = (bbox.max.x - bbox.min.x, bbox.max.y - bbox.min.y);
        if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0) {
            return None;
        }
        let (cw, ch) = (w / n as f64, h / n as f64);
        let cell_box = |r: usize, c: usize| Aabb {
            min: Coord { x: bbox.min.x + c as f64 * cw, y: bbox.min.y + r as f64 * ch },
            max: Coord { x: bbox.min.x + (c + 1) as f64 * cw, y: bbox.min.y + (r + 1) as f64 * ch },
        };
        // Cell range of a coordinate range, one cell wider each side than
        // rounding could need.
        let span = |lo: f64, hi: f64, origin: f64, size: f64| -> Option<(usize, usize)> {
            let (a, b) = (libm::floor((lo - origin) / size) - 1.0, libm::floor((hi - origin) / size) + 1.0);
            if b < 0.0 || a > (n - 1) as f64 || a.is_nan() || b.is_nan() {
                return None;
            }
            Some((a.max(0.0) as usize, (b as usize).min(n - 1)))
        };
        let mut undecided = alloc::vec![false; n * n];
        let m2 = RESOLVED_MARGIN * RESOLVED_MARGIN;
        for &(a, b) in edges {
            let cols = span(a.x.min(b.x) - RESOLVED_MARGIN, a.x.max(b.x) + RESOLVED_MARGIN, bbox.min.x, cw);
            let rows = span(a.y.min(b.y) - RESOLVED_MARGIN, a.y.max(b.y) + RESOLVED_MARGIN, bbox.min.y, ch);
            let (Some((c0, c1)), Some((r0, r1))) = (cols, rows) else { continue };
            for r in r0..=r1 {
                for c in c0..=c1 {
                    if !undecided[r * n + c] && seg_box_dist2(a, b, &cell_box(r, c)) <= m2 {
                        undecided[r * n + c] = true;
                    }
                }
            }
        }
        let cells = (0..n * n)
            .map(|i| if undecided[i] { UNDECIDED } else { answer_at(cell_box(i / n, i % n).center()) })
            .collect();
        Some(ResolvedGrid { bbox, inv: Coord { x: 1.0 / cw, y: 1.0 / ch }, cells })
    }

    /// The answer of `p`'s cell ([`UNDECIDED`] near an edge), `None` outside the box.
    #[inline]
    pub fn get(&self, p: Coord<f64>) -> Option<u8> {
        if !self.bbox.contains(p) {
            return None;
        }
        let c = (((p.x - self.bbox.min.x) * self.inv.x) as usize).min(RESOLVED_SIDE - 1);
        let r = (((p.y - self.bbox.min.y) * self.inv.y) as usize).min(RESOLVED_SIDE - 1);
        Some(self.cells[r * RESOLVED_SIDE + c])
    }

    /// How many cells are decided (for tests and the benchmark's notes).
    pub fn decided(&self) -> usize {
        self.cells.iter().filter(|c| **c != UNDECIDED).count()
    }
}

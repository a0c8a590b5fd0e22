//! Polygons from the pieces map data delivers them in: rings cleaned of
//! repeated vertices and closed, oriented, joined from open pieces (the
//! member ways of an OpenStreetMap multipolygon) and inner rings nested in
//! the outer ring that holds them.
//!
//! Rings here are closed (first vertex = last) lists of [`Coord`] in any
//! planar or lon/lat coordinates (x = lon, y = lat): nothing here measures
//! distances, so the coordinates need not be metric. Vertices are compared
//! exactly, as map data shares them.

use crate::geometry::{Coord, ring_area2, ring_contains};
use alloc::vec::Vec;

/// Why [`join_rings`] could not close its pieces into rings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JoinError {
    /// No piece continues the ring from this open end.
    Open(Coord<f64>),
    /// A joined ring has fewer than three distinct vertices, or no area.
    Degenerate,
}

/// Drops consecutive repeated vertices and closes the ring; `None` when
/// fewer than three distinct vertices remain or the ring has no area.
pub fn clean_ring(pts: Vec<Coord<f64>>) -> Option<Vec<Coord<f64>>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(pts.len());
    for p in pts {
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    if out.len() < 3 {
        return None;
    }
    out.push(out[0]);
    (ring_area2(&out) != 0.0).then_some(out)
}

/// The closed ring turned counter-clockwise (`ccw`) or clockwise: RFC 7946
/// wants exteriors counter-clockwise and holes clockwise.
pub fn oriented(mut ring: Vec<Coord<f64>>, ccw: bool) -> Vec<Coord<f64>> {
    if (ring_area2(&ring) > 0.0) != ccw {
        ring.reverse();
    }
    ring
}

/// Joins open pieces end to end into closed, [cleaned](clean_ring) rings,
/// reversing a piece where its last vertex continues the ring. Pieces
/// already closed are rings of their own. The last piece starts the first
/// ring; the ring's orientation is whatever its pieces give.
pub fn join_rings(mut parts: Vec<Vec<Coord<f64>>>) -> Result<Vec<Vec<Coord<f64>>>, JoinError> {
    let mut rings = Vec::new();
    while let Some(mut ring) = parts.pop() {
        while let (Some(first), Some(&end)) = (ring.first(), ring.last()) {
            if *first == end {
                break;
            }
            let Some(i) = parts.iter().position(|p| p.first() == Some(&end) || p.last() == Some(&end)) else {
                return Err(JoinError::Open(end));
            };
            let mut next = parts.swap_remove(i);
            if next.first() != Some(&end) {
                next.reverse();
            }
            ring.extend(next.into_iter().skip(1));
        }
        rings.push(clean_ring(ring).ok_or(JoinError::Degenerate)?);
    }
    Ok(rings)
}

/// Polygons from outer and inner rings: each outer ring, counter-clockwise,
/// starts a polygon; each inner ring, clockwise, becomes a hole of the
/// smallest outer ring that holds its first vertex (the first such ring on
/// a tie). An inner ring no outer ring holds is left out.
pub fn nest_rings(outers: Vec<Vec<Coord<f64>>>, inners: Vec<Vec<Coord<f64>>>) -> Vec<Vec<Vec<Coord<f64>>>> {
    let mut polys: Vec<Vec<Vec<Coord<f64>>>> = outers.into_iter().map(|o| alloc::vec![oriented(o, true)]).collect();
    for inner in inners {
        let Some(&first) = inner.first() else { continue };
        let owner = polys
            .iter()
            .enumerate()
            .filter(|(_, p)| ring_contains(&p[0], first))
            .min_by(|a, b| libm::fabs(ring_area2(&a.1[0])).total_cmp(&libm::fabs(ring_area2(&b.1[0]))))
            .map(|(i, _)| i);
        if let Some(i) = owner {
            polys[i].push(oriented(inner, false));
        }
    }
    polys
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    fn square(x: f64, y: f64, side: f64) -> Vec<Coord<f64>> {
        vec![c(x, y), c(x + side, y), c(x + side, y + side), c(x, y + side), c(x, y)]
    }

    #[test]
    fn cleaning_drops_repeats_closes_and_refuses_what_has_no_area() {
        let r = clean_ring(vec![c(0.0, 0.0), c(1.0, 0.0), c(1.0, 0.0), c(1.0, 1.0), c(0.0, 0.0), c(0.0, 0.0)]);
        assert_eq!(r, Some(vec![c(0.0, 0.0), c(1.0, 0.0), c(1.0, 1.0), c(0.0, 0.0)]));
        // Not closed: closed.
        let r = clean_ring(vec![c(0.0, 0.0), c(1.0, 0.0), c(1.0, 1.0)]);
        assert_eq!(r, Some(vec![c(0.0, 0.0), c(1.0, 0.0), c(1.0, 1.0), c(0.0, 0.0)]));
        assert_eq!(clean_ring(vec![c(0.0, 0.0), c(1.0, 0.0), c(0.0, 0.0)]), None, "two distinct vertices");
        assert_eq!(clean_ring(vec![c(0.0, 0.0), c(1.0, 1.0), c(2.0, 2.0), c(0.0, 0.0)]), None, "collinear");
        assert_eq!(clean_ring(vec![]), None);
    }

    #[test]
    fn orienting_turns_rings_either_way() {
        let ccw = square(0.0, 0.0, 1.0);
        assert!(ring_area2(&ccw) > 0.0);
        assert_eq!(oriented(ccw.clone(), true), ccw);
        let cw = oriented(ccw.clone(), false);
        assert!(ring_area2(&cw) < 0.0);
        assert_eq!(oriented(cw, true), ccw);
    }

    #[test]
    fn pieces_join_end_to_end_reversed_where_needed() {
        // A square in three pieces, the middle one drawn backwards; and a closed triangle.
        let parts = vec![
            vec![c(0.0, 0.0), c(2.0, 0.0)],
            vec![c(2.0, 2.0), c(2.0, 1.0), c(2.0, 0.0)],
            vec![c(2.0, 2.0), c(0.0, 2.0), c(0.0, 0.0)],
            vec![c(5.0, 5.0), c(6.0, 5.0), c(6.0, 6.0), c(5.0, 5.0)],
        ];
        let rings = join_rings(parts).unwrap_or_default();
        assert_eq!(rings.len(), 2);
        assert_eq!(rings[0], vec![c(5.0, 5.0), c(6.0, 5.0), c(6.0, 6.0), c(5.0, 5.0)]);
        assert_eq!(
            rings[1],
            vec![c(2.0, 2.0), c(0.0, 2.0), c(0.0, 0.0), c(2.0, 0.0), c(2.0, 1.0), c(2.0, 2.0)],
            "starts with the last piece"
        );
    }

    #[test]
    fn pieces_that_do_not_close_say_where() {
        let parts = vec![vec![c(0.0, 0.0), c(2.0, 0.0)], vec![c(2.0, 0.0), c(2.0, 2.0), c(0.0, 2.0)]];
        assert_eq!(join_rings(parts), Err(JoinError::Open(c(0.0, 2.0))));
        let parts = vec![vec![c(0.0, 0.0), c(1.0, 0.0)], vec![c(1.0, 0.0), c(0.0, 0.0)]];
        assert_eq!(join_rings(parts), Err(JoinError::Degenerate));
        assert_eq!(join_rings(vec![]), Ok(vec![]));
    }

    #[test]
    fn inner_rings_go_to_the_smallest_outer_ring_holding_them() {
        let big = square(0.0, 0.0, 100.0);
        let small = square(10.0, 10.0, 20.0);
        let apart = square(200.0, 0.0, 10.0);
        let hole = square(15.0, 15.0, 5.0);
        let stray = square(500.0, 500.0, 1.0);
        let polys = nest_rings(vec![big.clone(), small.clone(), apart], vec![hole.clone(), stray]);
        assert_eq!(polys.len(), 3);
        assert_eq!(polys[0], vec![big]);
        assert_eq!(polys[1].len(), 2, "the hole is in the smaller of the two rings holding it");
        assert_eq!(polys[1][0], small);
        assert!(ring_area2(&polys[1][1]) < 0.0, "holes are clockwise");
        assert_eq!(polys[1][1], oriented(hole, false));
        assert_eq!(polys[2].len(), 1, "the stray inner ring is in no polygon");
    }
}

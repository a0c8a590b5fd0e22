#!/usr/bin/env python3
"""Extract golf-surface polygons from an OpenStreetMap XML file into GeoJSON.

Usage:
    python3 tools/extract_osm_shapes.py INPUT.osm OUTPUT.geojson [--keep-outer-duplicates]

Standard library only (Python 3.11+).  Written to build the test fixture
core/tests/data/augusta_shapes.geojson from data/osm/augusta_national.osm.gz
(a gzipped INPUT is read as such).

What is extracted
-----------------
* every closed way tagged golf=green|bunker|tee|fairway|rough|water_hazard|
  lateral_water_hazard or natural=water, as a Polygon with one exterior ring;
* every type=multipolygon relation carrying one of those tags, as a Polygon
  (one outer ring) or MultiPolygon (several), with its inner rings as holes.
  Member ways are joined end to end (reversing where needed) into closed rings;
  each inner ring goes to the smallest outer ring that contains one of its
  vertices.  Relations whose rings cannot be closed are skipped (stderr).

A closed way that is the outer member of an extracted relation *and* maps to
the same surface is the same area as that relation; by default it is not
emitted a second time (without its holes).  Pass --keep-outer-duplicates to
emit it anyway.  Every such skip is reported on stderr.

Output conventions (RFC 7946)
-----------------------------
* positions are [lon, lat] rounded to 7 decimals (OSM precision);
* consecutive duplicate positions are dropped, every ring is closed and has
  at least 4 positions;
* exterior rings are counter-clockwise, inner rings clockwise;
* properties: surface (green|bunker|tee|fairway|water|rough), osm_id
  ("way/123" or "relation/456") and name (only when the OSM element has one);
* features sorted by surface, then element type, then numeric OSM id; one
  feature per line.

A summary goes to stdout; warnings (unclosable relations, skipped duplicates,
self-intersecting rings, unmatched inner rings) go to stderr.
"""

from __future__ import annotations

import gzip
import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter

ATTRIBUTION = (
    "\u00a9 OpenStreetMap contributors, ODbL 1.0 "
    "(https://www.openstreetmap.org/copyright); "
    "extract of Augusta National Golf Club"
)
SOURCE = (
    "data/osm/augusta_national.osm.gz "
    "(via istvankleijn/pitchmark tests/augusta_national.osm)"
)

GOLF_SURFACES = {
    "green": "green",
    "bunker": "bunker",
    "tee": "tee",
    "fairway": "fairway",
    "rough": "rough",
    "water_hazard": "water",
    "lateral_water_hazard": "water",
}
NATURAL_SURFACES = {"water": "water"}
SURFACE_ORDER = ["green", "bunker", "tee", "fairway", "water", "rough"]


def warn(msg: str) -> None:
    print(msg, file=sys.stderr)


def surface_of(tags: dict[str, str]) -> str | None:
    """Surface for an element's tags; a golf=* value wins over natural=*."""
    s = GOLF_SURFACES.get(tags.get("golf", ""))
    if s is None:
        s = NATURAL_SURFACES.get(tags.get("natural", ""))
    return s


# ---------------------------------------------------------------- parsing


def parse_osm(path: str):
    nodes: dict[str, tuple[float, float]] = {}
    ways: dict[str, tuple[list[str], dict[str, str]]] = {}
    relations: dict[str, tuple[list[tuple[str, str, str]], dict[str, str]]] = {}
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            root = ET.parse(fh).getroot()
    else:
        root = ET.parse(path).getroot()
    for el in root:
        tags = {t.get("k"): t.get("v") for t in el.findall("tag")}
        if el.tag == "node":
            nodes[el.get("id")] = (
                round(float(el.get("lon")), 7),
                round(float(el.get("lat")), 7),
            )
        elif el.tag == "way":
            ways[el.get("id")] = ([n.get("ref") for n in el.findall("nd")], tags)
        elif el.tag == "relation":
            members = [
                (m.get("type"), m.get("ref"), m.get("role") or "")
                for m in el.findall("member")
            ]
            relations[el.get("id")] = (members, tags)
    return nodes, ways, relations


# ---------------------------------------------------------------- geometry


def signed_area(ring: list[list[float]]) -> float:
    """Shoelace area in degree^2; positive = counter-clockwise (lon east, lat north)."""
    a = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        a += x0 * y1 - x1 * y0
    return a / 2.0


def clean_ring(coords: list[tuple[float, float]]) -> list[list[float]] | None:
    """Drop consecutive duplicates, close the ring; None if degenerate."""
    out: list[list[float]] = []
    for c in coords:
        p = [c[0], c[1]]
        if not out or out[-1] != p:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    if len(out) < 3:
        return None
    out.append(list(out[0]))
    if signed_area(out) == 0.0:
        return None
    return out


def orient(ring: list[list[float]], ccw: bool) -> list[list[float]]:
    if (signed_area(ring) > 0) != ccw:
        ring = ring[::-1]
    return ring


def point_in_ring(pt, ring) -> bool:
    """Even-odd ray casting; boundary behaviour unspecified."""
    x, y = pt
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        if (y0 > y) != (y1 > y):
            xi = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
            if x < xi:
                inside = not inside
    return inside


def _orient3(a, b, c) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _on_segment(a, b, p) -> bool:
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(
        a[1], b[1]
    )


def segments_intersect(a, b, c, d) -> bool:
    """True if closed segments ab and cd share any point."""
    d1 = _orient3(c, d, a)
    d2 = _orient3(c, d, b)
    d3 = _orient3(a, b, c)
    d4 = _orient3(a, b, d)
    if ((d1 > 0 and d2 < 0) or (d1 < 0 and d2 > 0)) and (
        (d3 > 0 and d4 < 0) or (d3 < 0 and d4 > 0)
    ):
        return True
    if d1 == 0 and _on_segment(c, d, a):
        return True
    if d2 == 0 and _on_segment(c, d, b):
        return True
    if d3 == 0 and _on_segment(a, b, c):
        return True
    if d4 == 0 and _on_segment(a, b, d):
        return True
    return False


def self_intersections(ring) -> list[tuple[int, int]]:
    """Pairs of non-adjacent segment indices of a closed ring that touch/cross (O(n^2))."""
    n = len(ring) - 1  # number of segments
    hits = []
    for i in range(n):
        a, b = ring[i], ring[i + 1]
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue  # first and last segment share the closing vertex
            if segments_intersect(a, b, ring[j], ring[j + 1]):
                hits.append((i, j))
    return hits


def rings_touch(r1, r2) -> bool:
    for a, b in zip(r1, r1[1:]):
        for c, d in zip(r2, r2[1:]):
            if segments_intersect(a, b, c, d):
                return True
    return False


# ---------------------------------------------------------------- rings


def assemble_rings(way_ids: list[str], ways) -> list[list[str]] | None:
    """Join member ways (node-id lists) end to end into closed rings.

    Returns a list of node-id rings, or None if some ring cannot be closed.
    """
    pool = [list(ways[w][0]) for w in way_ids]
    pool = [p for p in pool if len(p) >= 2]
    rings: list[list[str]] = []
    while pool:
        cur = pool.pop(0)
        while cur[0] != cur[-1]:
            for i, seg in enumerate(pool):
                if seg[0] == cur[-1]:
                    cur.extend(seg[1:])
                elif seg[-1] == cur[-1]:
                    cur.extend(reversed(seg[:-1]))
                elif seg[-1] == cur[0]:
                    cur[:0] = seg[:-1]
                elif seg[0] == cur[0]:
                    cur[:0] = list(reversed(seg[1:]))
                else:
                    continue
                pool.pop(i)
                break
            else:
                return None
        rings.append(cur)
    return rings


def node_coords(ids: list[str], nodes) -> list[tuple[float, float]] | None:
    try:
        return [nodes[i] for i in ids]
    except KeyError:
        return None


# ---------------------------------------------------------------- main


def build_features(nodes, ways, relations, keep_outer_duplicates: bool):
    features = []
    problems: list[str] = []

    # relations first, so duplicate outer ways can be recognised
    outer_claims: dict[str, set[str]] = {}  # way id -> surfaces of relations using it as outer
    for rid in sorted(relations, key=int):
        members, tags = relations[rid]
        if tags.get("type") != "multipolygon":
            continue
        surface = surface_of(tags)
        if surface is None:
            continue
        osm_id = f"relation/{rid}"
        outer_ids, inner_ids = [], []
        missing = []
        for mtype, ref, role in members:
            if mtype != "way":
                continue
            if ref not in ways:
                missing.append(ref)
                continue
            if role == "inner":
                inner_ids.append(ref)
            else:
                if role != "outer":
                    problems.append(f"{osm_id}: member way/{ref} has role {role!r}, treated as outer")
                outer_ids.append(ref)
        if missing:
            warn(f"skip {osm_id}: member ways missing from file: {missing}")
            continue
        outer_nd = assemble_rings(outer_ids, ways)
        inner_nd = assemble_rings(inner_ids, ways)
        if outer_nd is None or inner_nd is None or not outer_nd:
            warn(f"skip {osm_id}: rings cannot be closed")
            continue
        outers, inners = [], []
        bad = False
        for nd_list, ccw, dest in ((outer_nd, True, outers), (inner_nd, False, inners)):
            for nd in nd_list:
                cs = node_coords(nd, nodes)
                ring = clean_ring(cs) if cs is not None else None
                if ring is None:
                    bad = True
                    break
                dest.append(orient(ring, ccw))
        if bad:
            warn(f"skip {osm_id}: a ring has missing nodes or is degenerate")
            continue
        polys = [[o] for o in outers]
        for inner in inners:
            outer_vertices = {tuple(p) for o in outers for p in o}
            probe = next((p for p in inner if tuple(p) not in outer_vertices), inner[0])
            hosts = [k for k, o in enumerate(outers) if point_in_ring(probe, o)]
            if not hosts:
                problems.append(f"{osm_id}: an inner ring lies in no outer ring; dropped")
                continue
            k = min(hosts, key=lambda k: abs(signed_area(outers[k])))
            polys[k].append(inner)
        for w in outer_ids:
            outer_claims.setdefault(w, set()).add(surface)
        if len(polys) == 1:
            geom = {"type": "Polygon", "coordinates": polys[0]}
        else:
            geom = {"type": "MultiPolygon", "coordinates": polys}
        features.append(make_feature(surface, osm_id, tags, geom))

    for wid in sorted(ways, key=int):
        nd, tags = ways[wid]
        surface = surface_of(tags)
        if surface is None:
            continue
        osm_id = f"way/{wid}"
        if len(nd) < 4 or nd[0] != nd[-1]:
            warn(f"skip {osm_id}: not a closed way")
            continue
        if surface in outer_claims.get(wid, ()) and not keep_outer_duplicates:
            warn(f"skip {osm_id}: same {surface} area as a multipolygon relation it is the outer of")
            continue
        cs = node_coords(nd, nodes)
        ring = clean_ring(cs) if cs is not None else None
        if ring is None:
            warn(f"skip {osm_id}: missing nodes or degenerate ring")
            continue
        geom = {"type": "Polygon", "coordinates": [orient(ring, True)]}
        features.append(make_feature(surface, osm_id, tags, geom))

    features.sort(
        key=lambda f: (
            SURFACE_ORDER.index(f["properties"]["surface"]),
            f["properties"]["osm_id"].split("/")[0],
            int(f["properties"]["osm_id"].split("/")[1]),
        )
    )
    return features, problems


def make_feature(surface, osm_id, tags, geom):
    props = {"surface": surface, "osm_id": osm_id}
    if "name" in tags:
        props["name"] = tags["name"]
    return {"type": "Feature", "properties": props, "geometry": geom}


def polygons_of(geom):
    return [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = {a for a in argv[1:] if a.startswith("--")}
    if len(args) != 2 or flags - {"--keep-outer-duplicates"}:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = args
    nodes, ways, relations = parse_osm(src)
    features, problems = build_features(
        nodes, ways, relations, "--keep-outer-duplicates" in flags
    )

    # cheap validity checks, reported but never fatal
    for f in features:
        oid = f["properties"]["osm_id"]
        for pi, poly in enumerate(polygons_of(f["geometry"])):
            for ri, ring in enumerate(poly):
                hits = self_intersections(ring)
                if hits:
                    problems.append(
                        f"{oid} ({f['properties']['surface']}): ring {pi}.{ri} self-intersects "
                        f"at {len(hits)} segment pair(s), first near {ring[hits[0][0]]}"
                    )
            for ri in range(1, len(poly)):
                if rings_touch(poly[0], poly[ri]):
                    problems.append(f"{oid}: inner ring {pi}.{ri} touches/crosses its outer ring")
                for rj in range(ri + 1, len(poly)):
                    if rings_touch(poly[ri], poly[rj]):
                        problems.append(f"{oid}: inner rings {pi}.{ri} and {pi}.{rj} touch/cross")

    with open(dst, "w", encoding="utf-8", newline="\n") as fh:
        head = {
            "type": "FeatureCollection",
            "attribution": ATTRIBUTION,
            "source": SOURCE,
        }
        fh.write(json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1])
        fh.write(',"features":[\n')
        for i, f in enumerate(features):
            fh.write(json.dumps(f, ensure_ascii=False, separators=(",", ":")))
            fh.write(",\n" if i + 1 < len(features) else "\n")
        fh.write("]}\n")

    counts = Counter(f["properties"]["surface"] for f in features)
    holes = Counter(
        f["properties"]["surface"]
        for f in features
        if any(len(p) > 1 for p in polygons_of(f["geometry"]))
    )
    multi = sum(1 for f in features if f["geometry"]["type"] == "MultiPolygon")
    rels = sum(1 for f in features if f["properties"]["osm_id"].startswith("relation/"))
    positions = sum(len(r) for f in features for p in polygons_of(f["geometry"]) for r in p)
    rings = sum(len(p) for f in features for p in polygons_of(f["geometry"]))
    print(f"wrote {len(features)} features to {dst}")
    for s in SURFACE_ORDER:
        print(f"  {s:8s} {counts.get(s, 0):4d}  (with inner rings: {holes.get(s, 0)})")
    print(f"  from relations: {rels}, MultiPolygons: {multi}")
    print(f"  features with inner rings: {sum(holes.values())}")
    print(f"  rings: {rings}, positions: {positions} "
          f"(vertices excluding closing repeats: {positions - rings})")
    for p in problems:
        warn("note: " + p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

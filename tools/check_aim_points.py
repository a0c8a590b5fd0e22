"""Aim points, layup marks and measure on every Augusta National hole,
against GeographicLib (geodesics, and the azimuthal equidistant plane of
each check) and Shapely (the geometry in that plane), never greenside's own
code. tools/check_golfer_geodesic.py runs it against the server it started.

- aim points: which are ahead of the ball (more than 1 m on along the line,
  Shapely's `project`), their geodesic distance, front / middle / back from
  each (the golfer check's own line of play), and the bunkers and water
  within 20 m of each leg (the hazard's outer ring intersected with the
  leg's flat-ended 20 m buffer);
- layup marks: the line's last crossing of the circle 100, 150 or 200 (m or
  yd) about the middle of the green (its area centroid), in the plane about
  it (Shapely), back on the ellipsoid by GeographicLib's direct problem;
- measure: from the tee to every aim point, to a point inside each bunker,
  water area and fairway and to the middle of each leg: the distance, the
  surface (containment in the classifier's precedence: green, bunker,
  water, fringe, tee, fairway, rough), front / middle / back from the point
  towards the green's area centroid, and the hazards between.

Every distance must agree within 0.05 m.
"""
import math

from geographiclib.geodesic import Geodesic
from shapely.geometry import LineString, Point, Polygon

G = Geodesic.WGS84
TOL = 0.05
CORRIDOR = 20.0
PASSED = 1.0
YARD = 0.9144


def plane(o):
    """(lat, lon) -> (x east, y north): the azimuthal equidistant plane about o."""
    def f(p):
        g = G.Inverse(o[0], o[1], p[0], p[1])
        a = math.radians(g["azi1"])
        return (g["s12"] * math.sin(a), g["s12"] * math.cos(a))
    return f


def unplane(o, q):
    """The inverse: a point of the plane about o back to (lat, lon)."""
    s = math.hypot(q[0], q[1])
    d = G.Direct(o[0], o[1], math.degrees(math.atan2(q[0], q[1])), s)
    return (d["lat2"], d["lon2"])


def dist(a, b):
    return G.Inverse(a[0], a[1], b[0], b[1])["s12"]


def outer_rings(geom):
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    return [[(c[1], c[0]) for c in poly[0]] for poly in polys]


def polygons(geom, to):
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    return [Polygon([to((c[1], c[0])) for c in poly[0]], [[to((c[1], c[0])) for c in r] for r in poly[1:]]) for poly in polys]


def line_of(hole):
    return [(c[1], c[0]) for c in hole["line"]["coordinates"]]


def leg_hazards(hole, a, b, corridor=CORRIDOR):
    """{(surface, index): (reach, carry)} within `corridor` of the segment a -> b, in the plane about a."""
    to = plane(a)
    end = to(b)
    length = math.hypot(*end)
    u = (end[0] / length, end[1] / length)
    strip = LineString([(0.0, 0.0), end]).buffer(corridor, cap_style="flat")
    out = {}
    for surface, key in (("BUNKER", "bunkers"), ("WATER", "water")):
        for i, geom in enumerate(hole.get(key, [])):
            for ring in outer_rings(geom):
                cut = Polygon([to(p) for p in ring]).intersection(strip)
                if cut.is_empty or cut.area <= 0:
                    continue
                coords = [c for g in getattr(cut, "geoms", [cut]) for c in g.exterior.coords]
                s = [x * u[0] + y * u[1] for x, y in coords]
                prev = out.get((surface, i))
                lo, hi = min(s), max(s)
                out[(surface, i)] = (min(lo, prev[0]), max(hi, prev[1])) if prev else (lo, hi)
    return out


def stations(hole, o):
    """Each line position's distance along the line from the tee, in the plane about o."""
    to = plane(o)
    pts = [to(p) for p in line_of(hole)]
    return [LineString(pts[: k + 1]).length if k else 0.0 for k in range(len(pts))], LineString(pts), to


def ball_station(hole, ball):
    st, line, to = stations(hole, ball)
    return line.project(Point(to(ball))), st


def layup_point(hole, cup, metres):
    """The line's crossing of the circle `metres` about cup nearest the green along the line."""
    to = plane(cup)
    line = LineString([to(p) for p in line_of(hole)])
    circle = Point(0.0, 0.0).buffer(metres, quad_segs=4096).exterior
    cut = line.intersection(circle)
    if cut.is_empty:
        return None, None
    pts = [cut] if cut.geom_type == "Point" else list(cut.geoms)
    best = max(pts, key=lambda p: line.project(p))
    return unplane(cup, (best.x, best.y)), line.project(best)


def surface_at(hole, p):
    """The classifier's precedence, by containment (None when the point is within 0.5 m of an edge)."""
    to = plane(p)
    here = Point(0.0, 0.0)
    for surface, keys in (("GREEN", ["green"]), ("BUNKER", ["bunkers"]), ("WATER", ["water"]), ("FRINGE", ["fringe"]),
                          ("TEE", ["tee_boxes"]), ("FAIRWAY", ["fairways"]), ("ROUGH", ["rough"])):
        for key in keys:
            geoms = hole.get(key) or []
            for geom in geoms if isinstance(geoms, list) else [geoms]:
                for poly in polygons(geom, to):
                    if poly.exterior.distance(here) < 0.5 or any(r.distance(here) < 0.5 for r in poly.interiors):
                        return None
                    if poly.contains(here):
                        return surface
    return None  # rough or off the hole: not asked here


def green_centre(hole):
    """The area centroid of the green's largest polygon's outer ring."""
    ring = max(outer_rings(hole["green"]), key=lambda r: Polygon([plane(r[0])(p) for p in r]).area)
    o = ring[0]
    c = Polygon([plane(o)(p) for p in ring]).centroid
    return unplane(o, (c.x, c.y))


def inside_points(hole, o):
    """A point well inside each bunker, water area and fairway (Shapely's representative point)."""
    to = plane(o)
    out = []
    for key in ("bunkers", "water", "fairways"):
        for i, geom in enumerate(hole.get(key, [])):
            for poly in polygons(geom, to):
                r = poly.representative_point()
                out.append((f"{key}[{i}]", unplane(o, (r.x, r.y))))
                break
    return out


def compare_hazards(problems, worst, where, got, hole, a, b):
    inner = leg_hazards(hole, a, b, CORRIDOR - TOL)
    outer = leg_hazards(hole, a, b, CORRIDOR + TOL)
    want = leg_hazards(hole, a, b)
    have = {(h["surface"], h["index"]): (h["reach_m"], h["carry_m"]) for h in got}
    if not (set(inner) <= set(have) <= set(outer)):
        problems.append(f"{where}: hazards {sorted(have)}, Shapely {sorted(want)}")
    n = 0
    for k in set(inner) & set(have) & set(want):
        err = max(abs(want[k][0] - have[k][0]), abs(want[k][1] - have[k][1]))
        worst["hazards"] = max(worst["hazards"], err)
        n += 1
        if err > TOL:
            problems.append(f"{where}: hazard {k} {have[k]}, Shapely {want[k]}")
    return n


def compare_green(problems, worst, where, got, hole, frm, target, expected):
    mid, front, back, _ = expected(hole, frm, target, CORRIDOR)
    for name, want, have in (("middle", mid, got["middle_m"]), ("front", front, got["front_m"]), ("back", back, got["back_m"])):
        err = abs(want - have)
        worst["green"] = max(worst["green"], err)
        if err > TOL:
            problems.append(f"{where}: {name} {have:.3f} m, GeographicLib {want:.3f} m")


def check(course, call, cv, expected):
    """Plays every hole of `course` against the server at `call`; returns (problems, counts, worst)."""
    problems = []
    worst = {"aim": 0.0, "green": 0.0, "hazards": 0.0, "layup": 0.0, "measure": 0.0}
    n = {"aim": 0, "layups": 0, "hazards": 0, "measured": 0, "surfaces": 0}
    for hole in course["holes"]:
        hid = hole["hole_id"]
        cup = (hole["default_cup"]["lat"], hole["default_cup"]["lon"])
        line = line_of(hole)
        units = "YARDS" if hid % 2 else "METRES"
        unit_m = YARD if units == "YARDS" else 1.0
        middle = green_centre(hole)
        status, started = call("POST", "/api/session/start",
                               {"contract_version": cv, "course_id": course["course_id"], "hole_id": hid, "units": units})
        assert status == 200, started
        sid = started["session_id"]
        # Balls: the tee, then down the line of play (a third, and two thirds, of the way).
        total = sum(dist(a, b) for a, b in zip(line, line[1:]))
        balls = [line[0]]
        for f in (0.33, 0.66):
            to = plane(line[0])
            l = LineString([to(p) for p in line])
            q = l.interpolate(f * l.length)
            balls.append(unplane(line[0], (q.x, q.y)))
        for ball in balls:
            status, r = call("POST", "/api/session/set_ball_location",
                             {"contract_version": cv, "session_id": sid, "ball_wgs84": {"lat": ball[0], "lon": ball[1]}})
            assert status == 200, r
            hs = r["hole_state"]
            where = f"hole {hid} at {ball[0]:.7f},{ball[1]:.7f}"
            at, st = ball_station(hole, ball)
            want = [k for k in range(1, len(line) - 1) if st[k] - at > PASSED]
            if any(abs(st[k] - at - PASSED) < TOL for k in range(1, len(line) - 1)):
                want = None  # on the boundary: not compared
            got = [a["number"] for a in hs["aim_points"]]
            if want is not None and got != want:
                problems.append(f"{where}: aim points {got} ahead, Shapely {want}")
            for a in hs["aim_points"]:
                p = line[a["number"]]
                err = abs(dist(ball, p) - a["distance_m"])
                worst["aim"] = max(worst["aim"], err)
                if err > TOL:
                    problems.append(f"{where}: aim point {a['number']} at {a['distance_m']:.3f} m, GeographicLib {dist(ball, p):.3f}")
                compare_green(problems, worst, f"{where} aim {a['number']}", a["green_distances"], hole, p, cup, expected)
                n["hazards"] += compare_hazards(problems, worst, f"{where} leg to aim {a['number']}", a["hazards"], hole, ball, p)
                n["aim"] += 1
            want_marks = []
            for mark in (100, 150, 200):
                p, s = layup_point(hole, middle, mark * unit_m)
                if p is not None and s - at > PASSED:
                    want_marks.append((mark, p))
            got_marks = [l["mark"] for l in hs["layups"]]
            if got_marks != [m for m, _ in want_marks]:
                problems.append(f"{where}: layups {got_marks}, Shapely {[m for m, _ in want_marks]} ({units})")
            for l, (mark, p) in zip(hs["layups"], want_marks):
                q = (l["wgs84"]["lat"], l["wgs84"]["lon"])
                errs = (dist(q, p), abs(dist(q, middle) - mark * unit_m), abs(dist(ball, q) - l["distance_m"]))
                worst["layup"] = max(worst["layup"], *errs)
                n["layups"] += 1
                if max(errs) > TOL:
                    problems.append(f"{where}: layup {mark} {units} at {q}, Shapely {p} ({errs})")
        # Measure from the tee.
        tee = line[0]
        centre = green_centre(hole)
        targets = [(f"aim:{k}", line[k], f"aim:{k}") for k in range(1, len(line) - 1)]
        targets += [(name, p, f"{p[0]},{p[1]}") for name, p in inside_points(hole, tee)]
        for a, b in zip(line, line[1:]):
            m = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            targets.append(("leg middle", m, f"{m[0]},{m[1]}"))
        for name, p, to in targets:
            if dist(tee, p) < 0.01:
                continue
            status, m = call("GET", f"/api/courses/{course['course_id']}/holes/{hid}/measure?from={tee[0]},{tee[1]}&to={to}")
            where = f"hole {hid} measure to {name} ({p[0]:.7f},{p[1]:.7f})"
            if status != 200:
                problems.append(f"{where}: {status} {m}")
                continue
            err = abs(dist(tee, p) - m["distance_m"])
            worst["measure"] = max(worst["measure"], err)
            if err > TOL:
                problems.append(f"{where}: {m['distance_m']:.3f} m, GeographicLib {dist(tee, p):.3f}")
            want_surface = surface_at(hole, p)
            if want_surface is not None:
                n["surfaces"] += 1
                if m["surface"] != want_surface:
                    problems.append(f"{where}: surface {m['surface']}, Shapely {want_surface}")
            if want_surface != "GREEN":
                compare_green(problems, worst, where, m["green_distances"], hole, p, centre, expected)
            n["hazards"] += compare_hazards(problems, worst, where, m["hazards"], hole, tee, p)
            n["measured"] += 1
    return problems, n, worst

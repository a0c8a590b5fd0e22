"""The round vector: a synthetic but realistic 18-hole round at Augusta
National (tests/vectors/round_augusta.json), and its expected scorecard,
stats and strokes gained, computed here from the rules as docs/golfer.md
states them ("A round"), never by greenside's code.

Everything is this file's own: the local plane (ECEF, then east-north about
a point), point-in-polygon, the surface precedence, shot detection, hole
detection, the scoring rules and Broadie's baseline table (typed from the
book's figures: M. Broadie, Every Shot Counts, 2014).

The golfer plays every hole: fixes at each resting place of the ball (three
each, accuracy 3 m), a walk to the next tee (a fix every 40 m), and the
round finds each tee by itself. Along the way: a stray fix on a later hole's
tee (held, then dropped), a pause off the green on the walk (the hole is
over: not a putt), putts tapped on some holes and estimated on others, a
GPS-visible long putt, a ball in the water (a suggested penalty), a sand
save, an up and down, a hand-entered score that later fixes leave alone, a
hole moved to by hand, and the errors of the round routes.

    import round_vector; round_vector.build(course) -> the vector (a dict)
"""
import math

A, F = 6378137.0, 1 / 298.257223563
E2 = F * (2 - F)
CV = "0.5.0"
RID = "$round_id"
ACC = 3.0
# The round's and the shots' rules (docs/golfer.md, "Shots" and "A round").
SHOT_MIN_M = 5.0
CONFIRM = 2
MOVE_SIGMAS = math.sqrt(-2 * math.log(0.05))
HOLE_CONFIRM = 3
TEE_NEAR_M = 10.0
YARD, FOOT = 0.9144, 0.3048
AROUND_GREEN_M = 30 * YARD
DIST_TOL, SG_TOL = 0.05, 0.002

# Broadie (2014): expected strokes to hole out, by lie, yards (feet on the green).
TABLES = {
    "TEE": [(100, 2.92), (120, 2.99), (140, 2.97), (160, 2.99), (180, 3.05), (200, 3.12), (220, 3.17), (240, 3.25),
            (260, 3.45), (280, 3.65), (300, 3.71), (320, 3.79), (340, 3.86), (360, 3.92), (380, 3.96), (400, 3.99),
            (420, 4.02), (440, 4.08), (460, 4.17), (480, 4.28), (500, 4.41), (520, 4.54), (540, 4.65), (560, 4.74),
            (580, 4.79), (600, 4.82)],
    "FAIRWAY": [(20, 2.40), (40, 2.60), (60, 2.70), (80, 2.75), (100, 2.80), (120, 2.85), (140, 2.91), (160, 2.98),
                (180, 3.08), (200, 3.19), (220, 3.32), (240, 3.45), (260, 3.58), (280, 3.69), (300, 3.78),
                (320, 3.84), (340, 3.88), (360, 3.95), (380, 4.03), (400, 4.11), (420, 4.15), (440, 4.20),
                (460, 4.29), (480, 4.40), (500, 4.53), (520, 4.66), (540, 4.78), (560, 4.86), (580, 4.91),
                (600, 4.94)],
    "ROUGH": [(20, 2.59), (40, 2.78), (60, 2.91), (80, 2.96), (100, 3.02), (120, 3.08), (140, 3.15), (160, 3.23),
              (180, 3.31), (200, 3.42), (220, 3.53), (240, 3.64), (260, 3.74), (280, 3.83), (300, 3.90), (320, 3.95),
              (340, 4.02), (360, 4.11), (380, 4.21), (400, 4.30), (420, 4.34), (440, 4.39), (460, 4.48), (480, 4.59),
              (500, 4.70), (520, 4.81), (540, 4.92), (560, 5.02), (580, 5.05), (600, 5.04)],
    "SAND": [(20, 2.53), (40, 2.82), (60, 3.15), (80, 3.24), (100, 3.23), (120, 3.21), (140, 3.22), (160, 3.28),
             (180, 3.40), (200, 3.55), (220, 3.70), (240, 3.84), (260, 3.93), (280, 4.00), (300, 4.04), (320, 4.12),
             (340, 4.26), (360, 4.41), (380, 4.55), (400, 4.69), (420, 4.73), (440, 4.78), (460, 4.87), (480, 4.98),
             (500, 5.09), (520, 5.20), (540, 5.31), (560, 5.41), (580, 5.44), (600, 5.43)],
    "RECOVERY": [(100, 3.80), (120, 3.78), (140, 3.80), (160, 3.81), (180, 3.82), (200, 3.87), (220, 3.92),
                 (240, 3.97), (260, 4.03), (280, 4.10), (300, 4.20), (320, 4.31), (340, 4.44), (360, 4.56),
                 (380, 4.66), (400, 4.75), (420, 4.84), (440, 4.94), (460, 5.03), (480, 5.13), (500, 5.22),
                 (520, 5.31), (540, 5.40), (560, 5.49), (580, 5.58), (600, 5.67)],
    "GREEN": [(0, 1.00), (3, 1.04), (4, 1.13), (5, 1.23), (6, 1.34), (7, 1.42), (8, 1.50), (9, 1.56), (10, 1.61),
              (15, 1.78), (20, 1.87), (30, 1.98), (40, 2.06), (50, 2.14), (60, 2.21), (90, 2.40)],
}
LIE = {"GREEN": "GREEN", "FRINGE": "FAIRWAY", "FAIRWAY": "FAIRWAY", "BUNKER": "SAND", "TEE": "TEE", "ROUGH": "ROUGH",
       "WATER": "ROUGH", "OUT_OF_BOUNDS": "ROUGH", "OUT_OF_HOLE": "RECOVERY"}


def expected(lie, metres):
    t = TABLES[lie]
    x = metres / (FOOT if lie == "GREEN" else YARD)
    if x <= t[0][0]:
        return t[0][1]
    if x >= t[-1][0]:
        return t[-1][1]
    for (x0, y0), (x1, y1) in zip(t, t[1:]):
        if x0 <= x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    raise AssertionError


# ---- geometry of this file's own ----

def ecef(p):
    lat, lon = math.radians(p[0]), math.radians(p[1])
    n = A / math.sqrt(1 - E2 * math.sin(lat) ** 2)
    return (n * math.cos(lat) * math.cos(lon), n * math.cos(lat) * math.sin(lon), n * (1 - E2) * math.sin(lat))


def plane(o):
    """(lat, lon) -> (east, north) metres on the plane tangent at o."""
    c = ecef(o)
    la, lo = math.radians(o[0]), math.radians(o[1])

    def f(p):
        x, y, z = (a - b for a, b in zip(ecef(p), c))
        return (-math.sin(lo) * x + math.cos(lo) * y,
                -math.sin(la) * math.cos(lo) * x - math.sin(la) * math.sin(lo) * y + math.cos(la) * z)
    return f


def unplane(o, e, n):
    """The point e metres east and n north of o (Newton on plane(o))."""
    to = plane(o)
    r = 6371000.0
    p = (o[0] + math.degrees(n / r), o[1] + math.degrees(e / (r * math.cos(math.radians(o[0])))))
    for _ in range(6):
        x, y = to(p)
        p = (p[0] + math.degrees((n - y) / r), p[1] + math.degrees((e - x) / (r * math.cos(math.radians(o[0])))))
    return p


def dist(a, b):
    return math.hypot(*plane(a)(b))


def polys(geom):
    ps = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    return [[[(c[1], c[0]) for c in ring] for ring in poly] for poly in ps]


def ring_inside(xy, ring):
    x, y = xy
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def seg_dist(p, a, b):
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def inside(p, geom, margin=0.0):
    """p inside the geometry (outer ring, not a hole), at least `margin` from every edge."""
    to = plane(p)
    for poly in polys(geom):
        rings = [[to(q) for q in ring] for ring in poly]
        if ring_inside((0, 0), rings[0]) and not any(ring_inside((0, 0), r) for r in rings[1:]):
            edge = min(seg_dist((0, 0), a, b) for r in rings for a, b in zip(r, r[1:] + r[:1]))
            return edge >= margin
    return False


def edge_distance(p, geoms):
    to = plane(p)
    best = float("inf")
    for g in geoms:
        for poly in polys(g):
            for ring in poly:
                r = [to(q) for q in ring]
                best = min([best] + [seg_dist((0, 0), a, b) for a, b in zip(r, r[1:] + r[:1])])
    return best


def surface(hole, p):
    """The classifier's precedence: green, out of bounds, bunker, water, fringe, tee, fairway, rough."""
    if inside(p, hole["green"]):
        return "GREEN"
    for key, name in (("out_of_bounds", "OUT_OF_BOUNDS"), ("bunkers", "BUNKER"), ("water", "WATER")):
        if any(inside(p, g) for g in hole.get(key, [])):
            return name
    if hole.get("fringe") and inside(p, hole["fringe"]):
        return "FRINGE"
    for key, name in (("tee_boxes", "TEE"), ("fairways", "FAIRWAY"), ("rough", "ROUGH")):
        if any(inside(p, g) for g in hole.get(key, [])):
            return name
    return "ROUGH"  # every point this file places off the polygons is within the hole's 30 m envelope


def on_tee(hole, p):
    near = any(dist((t["position"]["lat"], t["position"]["lon"]), p) <= TEE_NEAR_M for t in hole["tees"])
    s = surface(hole, p)
    return s == "TEE" or (near and s != "GREEN")


def cup_of(h):
    return (h["default_cup"]["lat"], h["default_cup"]["lon"])


def tee_of(h):
    return (h["tees"][0]["position"]["lat"], h["tees"][0]["position"]["lon"])


def line_of(h):
    return [(c[1], c[0]) for c in h["line"]["coordinates"]]


def along(points, s):
    """The point s metres along a polyline (held at its ends)."""
    for a, b in zip(points, points[1:]):
        d = dist(a, b)
        if s <= d:
            e, n = plane(a)(b)
            return unplane(a, e * s / d, n * s / d)
        s -= d
    return points[-1]


def length(points):
    return sum(dist(a, b) for a, b in zip(points, points[1:]))


def offset(p, towards, metres, side=0.0):
    """From p, `metres` towards `towards` and `side` metres to its right."""
    e, n = plane(p)(towards)
    d = math.hypot(e, n)
    ue, un = e / d, n / d
    return unplane(p, ue * metres + un * side, un * metres - ue * side)


# ---- the places a ball rests ----

def fairway_point(h, fraction):
    pts, total = line_of(h), length(line_of(h))
    for k in range(0, 40):
        for s in (fraction * total + 6 * k, fraction * total - 6 * k):
            p = along(pts, s)
            if surface(h, p) == "FAIRWAY" and edge_distance(p, h["fairways"] + h["bunkers"]) >= 4:
                return p
    raise AssertionError(f"hole {h['hole_id']}: no fairway point near {fraction}")


def rough_point(h, fraction):
    pts, total = line_of(h), length(line_of(h))
    base = along(pts, fraction * total)
    ahead = along(pts, fraction * total + 10)
    others = h["fairways"] + h["bunkers"] + h["water"] + h["tee_boxes"] + [h["green"]] + h.get("rough", [])
    for side in (18, -18, 24, -24, 30, -30, 12, -12):
        p = offset(base, ahead, 0, side)
        if surface(h, p) == "ROUGH" and edge_distance(p, others) >= 4 and edge_distance(p, h["fairways"]) <= 25:
            return p
    raise AssertionError(f"hole {h['hole_id']}: no rough point near {fraction}")


def green_point(h, frm, metres):
    """A point on the green `metres` from the cup, towards `frm` (turned as needed to stay 1.5 m inside)."""
    cup = cup_of(h)
    for turn in (0, 20, -20, 40, -40, 60, -60, 90, -90, 120, -120, 150, -150, 180):
        e, n = plane(cup)(frm)
        a = math.atan2(e, n) + math.radians(turn)
        p = unplane(cup, metres * math.sin(a), metres * math.cos(a))
        if inside(p, h["green"], 1.5):
            return p
    raise AssertionError(f"hole {h['hole_id']}: no green point {metres} m from the cup")


def interior(h, geom, towards, margins=(2.5, 1.5, 1.0)):
    """A point of the polygon at least a margin inside its edge, on its side nearest `towards` (None if none)."""
    ring = polys(geom)[0][0]
    c = (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
    for m in margins:
        for k in range(0, 60):
            p = offset(c, towards, k)
            if inside(p, geom, m) and not inside(offset(c, towards, k + 1), geom, m):
                return p
        if inside(c, geom, m):
            return c
    return None


def greenside_bunker(h):
    cup = cup_of(h)
    for g in sorted(h["bunkers"], key=lambda g: dist(polys(g)[0][0][0], cup)):
        p = interior(h, g, cup)
        if p and dist(p, cup) <= AROUND_GREEN_M - 3 and surface(h, p) == "BUNKER":
            return p
    raise AssertionError(f"hole {h['hole_id']}: no greenside bunker")


def greenside_point(h, frm):
    """Just off the green (Augusta's collars are mapped as fairway): 16-24 m from the cup, 2 m from any edge."""
    cup = cup_of(h)
    others = h["fairways"] + h["bunkers"] + h["water"] + h["tee_boxes"] + [h["green"]]
    for metres in (20, 22, 18, 24, 16):
        for turn in (0, 25, -25, 50, -50, 75, -75):
            e, n = plane(cup)(frm)
            a = math.atan2(e, n) + math.radians(turn)
            p = unplane(cup, metres * math.sin(a), metres * math.cos(a))
            if surface(h, p) in ("FAIRWAY", "ROUGH") and edge_distance(p, others) >= 2:
                return p
    raise AssertionError(f"hole {h['hole_id']}: no point just off the green")


# ---- the round, as the rules say it goes ----

SIGMA = ACC / MOVE_SIGMAS


def moved(a, b):
    return dist(a, b) > max(SHOT_MIN_M, MOVE_SIGMAS * math.sqrt(2 * SIGMA * SIGMA))


class HoleState:
    def __init__(self, h):
        self.h, self.cup = h, cup_of(h)
        self.reached = False
        self.lie = None          # (point, surface)
        self.pending = None      # (point, surface, fixes)
        self.shots = []
        self.green = None        # (after_shots, cup_m)
        self.rest_cup_m = None
        self.walked_off = False
        self.teed = False
        self.fixes = 0
        self.hand = {}

    def step(self, p):
        s = surface(self.h, p)
        self.fixes += 1
        self.teed = self.teed or on_tee(self.h, p)
        if self.teed and not self.walked_off:
            if self.lie is None:
                self.lie = (p, s)
            elif not moved(self.lie[0], p):
                self.pending = None
            else:
                if self.pending is not None and not moved(self.pending[0], p):
                    self.pending = (self.pending[0], self.pending[1], self.pending[2] + 1)
                else:
                    self.pending = (p, s, 1)
                if self.pending[2] >= CONFIRM:
                    (a, sa), (b, sb) = self.lie, self.pending[:2]
                    if sa == "GREEN" and sb not in ("GREEN", "FRINGE"):
                        self.walked_off = True        # holed, and walking on: not a putt
                        self.pending = None
                    else:
                        self.shots.append({"number": len(self.shots) + 1, "from": a, "to": b, "from_surface": sa,
                                           "to_surface": sb, "length_m": dist(a, b),
                                           "from_cup_m": dist(self.cup, a), "to_cup_m": dist(self.cup, b)})
                        self.lie, self.pending = (b, sb), None
        on = self.lie is not None and self.lie[1] == "GREEN"
        self.rest_cup_m = dist(self.cup, self.lie[0]) if on else None
        if self.green is None and on:
            self.green = (len(self.shots), self.rest_cup_m)


class Round:
    def __init__(self, course, first):
        self.holes = {h["hole_id"]: HoleState(h) for h in course["holes"]}
        self.order = [h["hole_id"] for h in course["holes"]]
        self.current = first
        self.holes[first].reached = True
        self.held = None   # (hole_id, [points])

    def unplayed_tee(self, p):
        for hid in self.order:
            st = self.holes[hid]
            if hid != self.current and not st.reached and on_tee(st.h, p):
                return hid
        return None

    def fix(self, p):
        target = self.unplayed_tee(p)
        if target is not None and self.held and self.held[0] == target:
            self.held[1].append(p)
            if len(self.held[1]) >= HOLE_CONFIRM:
                self.move_to(target)
                for q in self.held[1]:
                    self.holes[self.current].step(q)
                self.held = None
            return
        earlier = self.held[1] if self.held else []
        self.held = None
        for q in earlier:
            self.holes[self.current].step(q)
        if target is not None:
            self.held = (target, [p])
        else:
            self.holes[self.current].step(p)

    def move_to(self, hid):
        self.current = hid
        self.holes[hid].reached = True

    def next_hole(self, hid=None):
        if hid is None:
            at = self.order.index(self.current)
            hid = next(self.order[(at + k) % len(self.order)] for k in range(1, len(self.order) + 1)
                       if not self.holes[self.order[(at + k) % len(self.order)]].reached)
        if self.held:
            held, self.held = self.held, None
            if held[0] != hid:
                for q in held[1]:
                    self.holes[self.current].step(q)
            self.move_to(hid)
            if held[0] == hid:
                for q in held[1]:
                    self.holes[hid].step(q)
        else:
            self.move_to(hid)


# ---- the scorecard, as docs/golfer.md defines it ----

def estimated_putts(m):
    return 1 if expected("GREEN", m) < 1.5 else 2


def approx(x, tol):
    return None if x is None else {"$approx": x, "$tol": tol}


def hole_score(st):
    h, hand = st.h, st.hand
    par = h["par"]
    off = [s for s in st.shots if s["from_surface"] != "GREEN"]
    gps_putts = sum(1 for s in st.shots if s["from_surface"] == "GREEN")
    suggested = sum(1 for s in st.shots if s["to_surface"] in ("WATER", "OUT_OF_BOUNDS"))
    if "penalties" in hand:
        penalties, pen_src = hand["penalties"], "HAND"
    else:
        penalties, pen_src = suggested, ("SUGGESTED" if suggested else None)
    if "putts" in hand:
        putts, putts_src = hand["putts"], "HAND"
    elif st.rest_cup_m is not None:
        putts, putts_src = gps_putts + estimated_putts(st.rest_cup_m), "ESTIMATE"
    elif gps_putts:
        putts, putts_src = gps_putts, "GPS"
    else:
        putts, putts_src = None, None
    played = st.fixes > 0 or "strokes" in hand
    if "strokes" in hand:
        strokes, strokes_src = hand["strokes"], "HAND"
    elif played and (off or putts is not None):
        strokes, strokes_src = len(off) + (putts or 0) + penalties, "GPS"
    else:
        strokes, strokes_src = None, None
    fairway = hand.get("fairway_hit", (st.shots[0]["to_surface"] == "FAIRWAY") if par >= 4 and st.shots else None)
    regulation = max(par - 2, 0)
    if "gir" in hand:
        gir = hand["gir"]
    elif st.green is not None:
        after = st.green[0]
        pens = sum(1 for s in st.shots if s["number"] <= after and s["to_surface"] in ("WATER", "OUT_OF_BOUNDS"))
        gir = after + pens <= regulation
    else:
        gir = False if len(off) > regulation else None
    one_putt = None if putts is None else putts <= 1
    last = off[-1] if off else None
    short = last if last and last["from_cup_m"] <= AROUND_GREEN_M and st.green is not None else None
    sand = one_putt if short and short["from_surface"] == "BUNKER" else None
    updown = one_putt if short and gir is False else None
    shots = []
    for i, s in enumerate(off):
        first = i == 0 and s["number"] == 1
        before = expected("TEE" if first else LIE[s["from_surface"]], s["from_cup_m"])
        after = before if s["to_surface"] == "OUT_OF_BOUNDS" else expected(LIE[s["to_surface"]], s["to_cup_m"])
        pen = 0 if hand.get("penalties") == 0 else (1 if s["to_surface"] in ("WATER", "OUT_OF_BOUNDS") else 0)
        cat = "OFF_THE_TEE" if first and par >= 4 else ("APPROACH" if s["from_cup_m"] > AROUND_GREEN_M else "AROUND_THE_GREEN")
        shots.append({"number": s["number"], "category": cat, "from_surface": s["from_surface"],
                      "to_surface": s["to_surface"], "length_m": approx(s["length_m"], DIST_TOL),
                      "from_cup_m": approx(s["from_cup_m"], DIST_TOL), "to_cup_m": approx(s["to_cup_m"], DIST_TOL),
                      "penalty": pen, "strokes_gained": approx(before - after - 1 - pen, SG_TOL),
                      "_sg": before - after - 1 - pen})
    first_putt = st.green[1] if st.green else None
    sgp = expected("GREEN", first_putt) - putts if putts_src in ("HAND", "GPS") and first_putt is not None else None
    sg = expected("TEE", st.shots[0]["from_cup_m"]) - strokes if strokes is not None and st.shots and st.shots[0]["number"] == 1 else None
    return {
        "hole_id": h["hole_id"], "par": par, "reached": st.reached, "strokes": strokes, "strokes_source": strokes_src,
        "putts": putts, "putts_source": putts_src, "penalties": penalties, "penalties_source": pen_src,
        "fairway_hit": fairway, "gir": gir, "sand_save": sand, "up_and_down": updown,
        "to_par": None if strokes is None else strokes - par, "first_putt_m": approx(first_putt, DIST_TOL),
        "shots": shots, "strokes_gained": approx(sg, SG_TOL), "strokes_gained_putting": approx(sgp, SG_TOL),
        "_sg": sg, "_sgp": sgp,
    }


def totals(scores):
    t = {"holes": 0, "strokes": 0, "par": 0, "putts": 0}
    for s in scores:
        if s["strokes"] is not None:
            t["holes"] += 1
            t["strokes"] += s["strokes"]
            t["par"] += s["par"]
            t["putts"] += s["putts"] or 0
    t["to_par"] = t["strokes"] - t["par"]
    return t


def scorecard(rnd):
    scores = [hole_score(rnd.holes[hid]) for hid in rnd.order]
    stats = {k: {"made": 0, "of": 0} for k in ("fairways", "greens_in_regulation", "sand_saves", "up_and_downs")}
    counts = dict.fromkeys(("eagles_or_better", "birdies", "pars", "bogeys", "double_bogeys_or_worse"), 0)
    sg = dict.fromkeys(("off_the_tee", "approach", "around_the_green", "putting", "total"), 0.0)
    putts = putt_holes = penalties = 0
    for s in scores:
        if s["strokes"] is None:
            continue
        for key, v in (("fairways", s["fairway_hit"]), ("greens_in_regulation", s["gir"]),
                       ("sand_saves", s["sand_save"]), ("up_and_downs", s["up_and_down"])):
            if v is not None:
                stats[key]["of"] += 1
                stats[key]["made"] += int(v)
        if s["putts"] is not None:
            putts += s["putts"]
            putt_holes += 1
        penalties += s["penalties"]
        d = s["to_par"]
        counts["eagles_or_better" if d <= -2 else "birdies" if d == -1 else "pars" if d == 0 else "bogeys" if d == 1
               else "double_bogeys_or_worse"] += 1
        for shot in s["shots"]:
            sg[shot["category"].lower()] += shot["_sg"]
        sg["putting"] += s["_sgp"] or 0.0
        sg["total"] += s["_sg"] or 0.0
    for s in scores:
        for shot in s["shots"]:
            del shot["_sg"]
        del s["_sg"], s["_sgp"]
    stats.update(putts=putts, putts_per_hole=approx(putts / putt_holes, 1e-9) if putt_holes else None,
                 penalties=penalties, scores=counts,
                 strokes_gained={k: approx(v, SG_TOL * 4) for k, v in sg.items()})
    return {"holes": scores, "out": totals(scores[:9]), "in": totals(scores[9:]), "total": totals(scores),
            "stats": stats}


# ---- the vector ----

T0 = 1_796_688_000_000  # 2026-12-08T00:00:00Z


def ll(p):
    return {"lat": round(p[0], 9), "lon": round(p[1], 9)}


def rounded(p):
    return (round(p[0], 9), round(p[1], 9))


def err(code, **details):
    body = {"error": {"code": code}}
    if details:
        body["error"]["details"] = details
    return body


class Builder:
    def __init__(self, course):
        self.course = course
        self.holes = {h["hole_id"]: h for h in course["holes"]}
        self.rnd = Round(course, 1)
        self.steps, self.t, self.seq = [], 0, 0

    def now(self):
        self.t += 20_000
        return T0 + self.t

    def post(self, op, body, status=200, expect=None):
        step = {"op": op, "now_ms": self.now(), "body": {"contract_version": CV, "round_id": RID, **body},
                "expect": {"status": status}}
        if expect is not None:
            step["expect"]["body"] = expect
        self.steps.append(step)

    def fixes(self, points, expect=None):
        """A batch of fixes (the phone's outbox), each a second apart."""
        fixes = []
        for p in points:
            p = rounded(p)
            self.rnd.fix(p)
            self.seq += 1
            fixes.append({"ball_wgs84": ll(p), "accuracy_m": ACC, "seq": self.seq, "client_time_ms": T0 + self.t + self.seq})
        state = {"current": {"hole_id": self.rnd.current}, "pending_hole_id": self.rnd.held[0] if self.rnd.held else None}
        self.post("round_set_ball_location", {"fixes": fixes}, 200,
                  {"applied": len(points), "skipped_duplicates": 0, "round_state": {**state, **(expect or {})}})

    def one_fix(self, p, expect=None):
        p = rounded(p)
        self.rnd.fix(p)
        self.seq += 1
        state = {"current": {"hole_id": self.rnd.current}, "pending_hole_id": self.rnd.held[0] if self.rnd.held else None}
        self.post("round_set_ball_location",
                  {"ball_wgs84": ll(p), "accuracy_m": ACC, "seq": self.seq, "client_time_ms": T0 + self.t + self.seq},
                  200, {"applied": 1, "round_state": {**state, **(expect or {})}})

    def rest(self, p, n=3):
        self.fixes([p] * n)

    def hand(self, hole_id, **entry):
        self.rnd.holes[hole_id].hand.update(entry)
        self.post("round_set_score", {"hole_id": hole_id, **entry}, 200,
                  {"round_state": {"scorecard": {"holes": [self.card_entry(h) for h in self.rnd.order]}}})

    def card_entry(self, hid):
        s = hole_score(self.rnd.holes[hid])
        for shot in s["shots"]:
            del shot["_sg"]
        del s["_sg"], s["_sgp"]
        return {k: s[k] for k in ("hole_id", "strokes", "strokes_source", "putts", "putts_source", "penalties")}

    def walk(self, frm, to, pause=None):
        """From the green to the next tee, a fix every 40 m (not the last stretch: the tee's fixes follow)."""
        d = dist(frm, to)
        pts = [offset(frm, to, s) for s in range(40, int(d) - 15, 40)]
        if pause:
            # The golfer stops off the green (a fix, and another at the same place).
            pts = [offset(frm, to, min(25, d / 2))] * 2 + pts
        if pts:
            self.fixes(pts)


    def play(self, hid, rests, after=None):
        """The tee's fixes (the round finds the hole), then each resting place."""
        h = self.holes[hid]
        self.rest(tee_of(h))
        assert self.rnd.current == hid, f"the round did not find hole {hid} (at {self.rnd.current})"
        for r in rests:
            if callable(r):
                r()
            else:
                self.rest(r)
        if after:
            after()

    def finish(self, hid, next_hid, pause=None):
        st = self.rnd.holes[hid]
        frm = st.lie[0]
        self.walk(frm, tee_of(self.holes[next_hid]), pause)


def build(course):
    b = Builder(course)
    H = b.holes
    steps = b.steps
    steps.append({"op": "round_start", "now_ms": T0, "body": {"contract_version": CV, "course_id": "augusta_national"},
                  "expect": {"status": 200, "body": {"round_state": {
                      "course_id": "augusta_national", "competition": False, "units": "METRES", "tee": None,
                      "current": {"hole_id": 1, "par": 4, "ball_wgs84": None, "shots": 0}, "pending_hole_id": None,
                      "fix_count": 0, "revision": 1,
                      "scorecard": {"total": {"holes": 0, "strokes": 0, "par": 0, "to_par": 0, "putts": 0}}}}}})
    # Errors before play: a hole not reached, numbers out of range, unknown holes and rounds.
    b.post("round_set_score", {"hole_id": 5, "strokes": 4}, 409, err("hole_not_reached", field="hole_id", hole_id=5))
    b.post("round_set_score", {"hole_id": 1, "strokes": 21}, 400, err("invalid_field", field="strokes"))
    b.post("round_set_score", {"hole_id": 1, "strokes": 0}, 400, err("invalid_field", field="strokes"))
    b.post("round_set_score", {"hole_id": 1, "putts": -1}, 400, err("invalid_request", field="putts"))
    b.post("round_set_score", {"hole_id": 1, "clear": ["score"]}, 400, err("invalid_field", field="clear[0]"))
    b.post("round_set_score", {"hole_id": 19, "strokes": 4}, 404, err("hole_not_found", field="hole_id", hole_id=19))
    b.post("round_next_hole", {"hole_id": 30}, 404, err("hole_not_found", field="hole_id", hole_id=30))
    b.post("round_next_hole", {"round_id": "gr_" + "0" * 32}, 404, err("round_not_found"))
    b.post("round_set_ball_location", {"round_id": "gs_" + "0" * 32, "ball_wgs84": ll(tee_of(H[1]))}, 400,
           err("invalid_round_id", field="round_id"))
    b.post("round_set_ball_location", {"ball_wgs84": {"lat": 91, "lon": 0}}, 400,
           err("invalid_coordinates", field="ball_wgs84.lat"))
    steps.append({"op": "get_round", "round_id": "gr_" + "f" * 32, "now_ms": b.now(), "expect": {"status": 404, "body": err("round_not_found")}})
    steps.append({"op": "get_round", "round_id": "gr_xyz", "now_ms": b.now(), "expect": {"status": 400, "body": err("invalid_round_id")}})
    for body, status, code in (({"course_id": "nowhere"}, 404, "course_not_found"),
                               ({"course_id": "augusta_national", "start_hole_id": 30}, 404, "hole_not_found"),
                               ({"course_id": "augusta_national", "tee": "purple"}, 404, "tee_set_not_found"),
                               ({"course_id": "augusta_national", "competition": "yes"}, 400, "invalid_request")):
        steps.append({"op": "round_start", "now_ms": b.now(), "body": {"contract_version": CV, **body},
                      "expect": {"status": status, "body": err(code)}})

    def green(hid, metres):
        return lambda: b.rest(green_point(H[hid], b.rnd.holes[hid].lie[0], metres))

    def fairway(hid, f):
        return fairway_point(H[hid], f)

    # 1 (par 4): fairway, green in two, putts estimated; a pause on the walk off (not a putt).
    b.play(1, [fairway(1, 0.55), green(1, 7)])
    b.finish(1, 2, pause=True)
    # 2 (par 5): two fairways, green in three, one putt tapped: birdie.
    b.play(2, [fairway(2, 0.45), fairway(2, 0.8), green(2, 4)], lambda: b.hand(2, putts=1))
    b.finish(2, 3)
    # 3 (par 4): a stray fix on the 8th tee is held and dropped; a greenside bunker, one putt: a sand save.
    b.play(3, [lambda: b.one_fix(tee_of(H[8]), {"pending_hole_id": 8}), fairway(3, 0.6),
               lambda: b.rest(greenside_bunker(H[3])), green(3, 2)], lambda: b.hand(3, putts=1))
    b.finish(3, 4)
    # 4 (par 3): on in one, 14 m away; a long putt the GPS sees, then one more (estimated).
    b.play(4, [green(4, 14), green(4, 1.2)])
    b.finish(4, 5)
    # 5 (par 4): rough, short of the green, a chip to 1.5 m, one putt: up and down.
    b.play(5, [rough_point(H[5], 0.55), lambda: b.rest(greenside_point(H[5], b.rnd.holes[5].lie[0])), green(5, 1.5)],
           lambda: b.hand(5, putts=1))
    b.finish(5, 6)
    # 6 (par 3): on in one, two putts estimated.
    b.play(6, [green(6, 9)])
    b.finish(6, 7)
    # 7 (par 4): the golfer writes 5 before putting out; the putt the GPS sees after it changes nothing.
    b.play(7, [fairway(7, 0.55), green(7, 12), lambda: b.hand(7, strokes=5), green(7, 2)])
    b.finish(7, 8)
    # 8 (par 5): fairway, rough, on in three, putts estimated.
    b.play(8, [fairway(8, 0.45), rough_point(H[8], 0.8), green(8, 10)])
    b.finish(8, 9)
    # 9 (par 4): fairway, green, putts estimated; the golfer moves the round to the 10th by hand.
    b.play(9, [fairway(9, 0.6), green(9, 5)])
    b.rnd.next_hole()
    b.post("round_next_hole", {}, 200, {"round_state": {"current": {"hole_id": 10}, "pending_hole_id": None}})
    b.walk(b.rnd.holes[9].lie[0], tee_of(H[10]))
    # 10 (par 4): three putts tapped.
    b.play(10, [fairway(10, 0.6), green(10, 12)], lambda: b.hand(10, putts=3))
    b.finish(10, 11)
    b.play(11, [fairway(11, 0.6), green(11, 8)])
    b.finish(11, 12)
    # 12 (par 3): into Rae's Creek (a suggested penalty), played from there to 3 m, one putt.
    b.play(12, [lambda: b.rest(interior(H[12], H[12]["water"][0], tee_of(H[12]))), green(12, 3)], lambda: b.hand(12, putts=1))
    b.finish(12, 13)
    b.play(13, [fairway(13, 0.4), fairway(13, 0.75), green(13, 6)])
    b.finish(13, 14)
    b.play(14, [fairway(14, 0.6), green(14, 7)])
    b.finish(14, 15)
    # 15 (par 5): on in two, two putts tapped: birdie.
    b.play(15, [fairway(15, 0.55), green(15, 15)], lambda: b.hand(15, putts=2))
    b.finish(15, 16)
    b.play(16, [green(16, 5)])
    b.finish(16, 17)
    # 17 (par 4): rough off the tee, on in two.
    b.play(17, [rough_point(H[17], 0.6), green(17, 9)])
    b.finish(17, 18)
    b.play(18, [fairway(18, 0.6), green(18, 4)])

    card = scorecard(b.rnd)
    steps.append({"op": "get_round", "round_id": RID, "now_ms": b.now(),
                  "expect": {"status": 200, "body": {"round_state": {"current": {"hole_id": 18}, "scorecard": card}}}})
    # Advice on the round's current hole: the ball rests on the 18th green, so the putt solver.
    steps.append({"op": "get_hole_advice", "now_ms": b.now(), "body": {"contract_version": CV, "round_id": RID},
                  "expect": {"status": 200, "body": {"plan_type": "PUTT", "surface_state": "ON_GREEN"}}})
    steps.append({"op": "get_hole_advice", "now_ms": b.now(),
                  "body": {"contract_version": CV, "round_id": RID, "session_id": "gs_" + "0" * 32},
                  "expect": {"status": 400, "body": err("invalid_request", field="round_id")}})
    steps.append({"op": "list_rounds", "now_ms": b.now(), "expect": {"status": 200, "body": {
        "rounds": [{"course_id": "augusta_national", "competition": False, "created_at_ms": T0}], "next_cursor": None}}})
    steps.append({"op": "delete_round", "round_id": RID, "now_ms": b.now(), "expect": {"status": 200, "body": {"deleted": True}}})
    steps.append({"op": "get_round", "round_id": RID, "now_ms": b.now(), "expect": {"status": 404, "body": err("round_not_found")}})
    # Competition mode (Rule 4.3a): the numbers, never advice.
    steps.append({"op": "round_start", "now_ms": b.now(),
                  "body": {"contract_version": CV, "course_id": "augusta_national", "competition": True, "start_hole_id": 10},
                  "expect": {"status": 200, "body": {"round_state": {"competition": True, "current": {"hole_id": 10}}}}})
    steps.append({"op": "round_set_ball_location", "now_ms": b.now(),
                  "body": {"contract_version": CV, "round_id": RID, "ball_wgs84": ll(tee_of(H[10])), "accuracy_m": ACC},
                  "expect": {"status": 200, "body": {"applied": 1, "round_state": {"current": {"hole_id": 10, "lie": "TEE"}}}}})
    steps.append({"op": "get_hole_advice", "now_ms": b.now(), "body": {"contract_version": CV, "round_id": RID},
                  "expect": {"status": 409, "body": err("competition_round")}})
    return {
        "kind": "session",
        "course_id": "augusta_national",
        "description": "A whole round at Augusta National from a synthetic track: the round finds each tee by "
                       "itself (a stray fix is held and dropped), the scorecard fills itself in (putts tapped or "
                       "estimated, a GPS-visible putt, a water ball's suggested penalty, a sand save, an up and "
                       "down, a hand-entered score that later fixes leave alone), strokes gained against Broadie's "
                       "baseline, advice on the round's hole, and a competition round that refuses it; expected values from "
                       "tools/round_vector.py's own geometry and rules.",
        "steps": steps,
    }

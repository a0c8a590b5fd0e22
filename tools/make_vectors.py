#!/usr/bin/env python3
"""Writes the shared test vectors in tests/vectors/ (format: tests/vectors/README.md).

Expected values are written here by hand from the rules
(docs/specification.md); positions near edges are computed here from the course file's own
vertices with an independent local projection, never by greenside-core.

    python3 tools/make_vectors.py
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from line_of_play import clip_to_corridor, crossings  # noqa: E402
import round_vector  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")
COURSE = json.load(open(os.path.join(ROOT, "data/courses/riverside/course.json")))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests/vectors")
CV = "0.5.0"
SID = "$session_id"
H1 = COURSE["holes"][0]

A, F = 6378137.0, 1 / 298.257223563
E2 = F * (2 - F)


def radii(lat):
    s = math.sin(math.radians(lat))
    n = A / math.sqrt(1 - E2 * s * s)
    return n * (1 - E2) / (1 - E2 * s * s), n  # meridian M, prime vertical N


def offset(p, east, north):
    """(lat, lon) moved by metres east/north (exact to ~1e-6 relative at these distances)."""
    m, n = radii(p[0])
    return (p[0] + math.degrees(north / m), p[1] + math.degrees(east / (n * math.cos(math.radians(p[0])))))


def ll(p, nd=9):
    return {"lat": round(p[0], nd), "lon": round(p[1], nd)}


def ring(geom, i=0):
    return [(c[1], c[0]) for c in geom["coordinates"][i]]


def centroid(r):
    return (sum(p[0] for p in r[:-1]) / (len(r) - 1), sum(p[1] for p in r[:-1]) / (len(r) - 1))


def edge_point(r, k, normal_m):
    """Midpoint of edge k of ring r, moved normal_m metres to the left of the edge direction
    (inside for a counter-clockwise exterior ring)."""
    a, b = r[k], r[k + 1]
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    m, n = radii(mid[0])
    de = math.radians(b[1] - a[1]) * n * math.cos(math.radians(mid[0]))
    dn = math.radians(b[0] - a[0]) * m
    L = math.hypot(de, dn)
    return offset(mid, -dn / L * normal_m, de / L * normal_m)


GREEN = ring(H1["green"])
FRINGE_OUT = ring(H1["fringe"])
TEE = (H1["tees"][0]["position"]["lat"], H1["tees"][0]["position"]["lon"])
SEED_BALL = (40.268240, -111.659520)  # seed 000's ball: on the green
SEED_CUP = (40.268251, -111.659486)
ON = SEED_BALL
PLAY = 15.0


def along(p, bearing, d):
    return offset(p, d * math.sin(math.radians(bearing)), d * math.cos(math.radians(bearing)))


GC = centroid(GREEN)
OFF = along(GC, PLAY + 180, 60.0)                 # fairway, 60 m short of the green
FRINGE_PT = ((GREEN[5][0] + FRINGE_OUT[5][0]) / 2, (GREEN[5][1] + FRINGE_OUT[5][1]) / 2)
BUNKER_PT = centroid(ring(H1["bunkers"][0]))      # greenside bunker
FW_BUNKER_PT = centroid(ring(H1["bunkers"][1]))   # bunker cut into the fairway (a hole in it)
WATER_PT = centroid(ring(H1["water"][0]))
OOB_PT = centroid(ring(H1["out_of_bounds"][0]))  # the centre of the out-of-bounds rectangle
ROUGH_PT = offset(OFF, 30 * math.cos(math.radians(PLAY)), -30 * math.sin(math.radians(PLAY)))
OUT_PT = offset(GC, 600.0, 0.0)
CUP_OFF_GREEN = along(GC, PLAY + 180, 40.0)


def post(op, body, status=200, expect=None, now=None, **extra):
    step = {"op": op, "body": body, "expect": {"status": status}}
    if expect is not None:
        step["expect"]["body"] = expect
    if now is not None:
        step["now_ms"] = now
    step.update(extra)
    return step


def start(now=0, hole=1, expect=None):
    body = {"contract_version": CV, "course_id": "riverside", "hole_id": hole}
    return post("start", body, 200, expect or {"hole_state": {"surface_state": "UNKNOWN", "fix_count": 0}}, now)


def ball(p, now, expect, status=200, **fix):
    body = {"contract_version": CV, "session_id": SID, "ball_wgs84": ll(p)}
    body.update(fix)
    return post("set_ball_location", body, status, expect, now)


def hs(**kw):
    return {"hole_state": kw}


def err(code, **details):
    e = {"code": code}
    if details:
        e["details"] = details
    return {"error": e}


def approx(x, tol):
    return {"$approx": x, "$tol": tol}


def phi(z):
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


SIGMA95 = 1 / math.sqrt(-2 * math.log(0.05))
SIGMA68 = 1 / math.sqrt(-2 * math.log(0.32))

vectors = {}

vectors["hysteresis_seed_check"] = {
    "description": "Seed 000 check E: two consecutive OFF_GREEN candidates after ON_GREEN; the first holds, the second switches.",
    "steps": [
        start(),
        ball(ON, 1000, hs(surface_state="ON_GREEN", candidate_state="ON_GREEN", candidate_streak=0, fix_count=1, surface="GREEN",
                         last_transition={"from": "UNKNOWN", "to": "ON_GREEN", "at_ms": 1000, "at_fix": 1, "streak": 1})),
        ball(OFF, 2000, hs(surface_state="ON_GREEN", candidate_state="OFF_GREEN", candidate_streak=1, fix_count=2, surface="FAIRWAY")),
        ball(OFF, 3000, hs(surface_state="OFF_GREEN", candidate_state="OFF_GREEN", candidate_streak=0, fix_count=3, transitions=2,
                          last_transition={"from": "ON_GREEN", "to": "OFF_GREEN", "at_ms": 3000, "at_fix": 3, "streak": 2})),
    ],
}

vectors["hysteresis_streak_reset"] = {
    "description": "An agreeing candidate resets a pending streak (a suppressed flicker); the switch then needs a full new streak.",
    "steps": [
        start(),
        ball(OFF, 1000, hs(surface_state="OFF_GREEN", candidate_streak=0)),
        ball(ON, 2000, hs(surface_state="OFF_GREEN", candidate_state="ON_GREEN", candidate_streak=1)),
        ball(OFF, 3000, hs(surface_state="OFF_GREEN", candidate_state="OFF_GREEN", candidate_streak=0, suppressed_flickers=1)),
        ball(ON, 4000, hs(surface_state="OFF_GREEN", candidate_streak=1)),
        ball(OFF, 5000, hs(surface_state="OFF_GREEN", candidate_streak=0, suppressed_flickers=2)),
        ball(ON, 6000, hs(surface_state="OFF_GREEN", candidate_streak=1)),
        ball(ON, 7000, hs(surface_state="ON_GREEN", candidate_streak=0, transitions=2, suppressed_flickers=2, fix_count=7)),
    ],
}

vectors["hysteresis_asymmetric_streaks"] = {
    "description": "SURFACE_COMMIT_ON_STREAK=3, SURFACE_COMMIT_OFF_STREAK=1: on needs three fixes, off switches at once.",
    "config": {"commit_on_streak": 3, "commit_off_streak": 1},
    "steps": [
        start(),
        ball(OFF, 1000, hs(surface_state="OFF_GREEN")),
        ball(ON, 2000, hs(surface_state="OFF_GREEN", candidate_streak=1)),
        ball(ON, 3000, hs(surface_state="OFF_GREEN", candidate_streak=2)),
        ball(ON, 4000, hs(surface_state="ON_GREEN", candidate_streak=0,
                          last_transition={"from": "OFF_GREEN", "to": "ON_GREEN", "at_ms": 4000, "at_fix": 4, "streak": 3})),
        ball(OFF, 5000, hs(surface_state="OFF_GREEN", candidate_streak=0,
                           last_transition={"from": "ON_GREEN", "to": "OFF_GREEN", "at_ms": 5000, "at_fix": 5, "streak": 1})),
        ball(ON, 6000, hs(surface_state="OFF_GREEN", candidate_streak=1)),
        ball(OFF, 7000, hs(surface_state="OFF_GREEN", candidate_streak=0, suppressed_flickers=1)),
    ],
}

vectors["first_fix_commits"] = {
    "description": "The first fix of a session commits at once from UNKNOWN, whichever side it is on.",
    "steps": [
        start(),
        ball(OFF, 10, hs(surface_state="OFF_GREEN", candidate_state="OFF_GREEN", candidate_streak=0, transitions=1,
                         last_transition={"from": "UNKNOWN", "to": "OFF_GREEN", "at_ms": 10, "at_fix": 1, "streak": 1})),
        start(now=20),
        ball(ON, 30, hs(surface_state="ON_GREEN", candidate_streak=0, transitions=1, fix_count=1)),
    ],
}

# Edge k = 7 of the green; a fix 3 cm either side of it.
IN3 = edge_point(GREEN, 7, 0.03)
OUT3 = edge_point(GREEN, 7, -0.03)
vectors["boundary_fixes"] = {
    "description": "Fixes 3 cm inside and outside the green's edge: the side is exact, the distance within 2 mm, and the confidence "
                   "follows from the accuracy (sigma = r / 2.4477 for p95, r / 1.5096 for p68).",
    "config": {"commit_on_streak": 1, "commit_off_streak": 1},
    "steps": [
        start(),
        ball(IN3, 1000, hs(surface="GREEN", surface_state="ON_GREEN", distance_to_green_edge_m=approx(0.03, 0.002),
                           surface_confidence=approx(phi(0.03 / (5 * SIGMA95)), 1e-3), accuracy_m=5.0)),
        ball(OUT3, 2000, hs(surface="FRINGE", surface_state="OFF_GREEN", distance_to_green_edge_m=approx(-0.03, 0.002),
                            surface_confidence=approx(phi(0.03 / (0.05 * SIGMA95)), 1e-3)), accuracy_m=0.05),
        ball(IN3, 3000, hs(surface="GREEN", surface_state="ON_GREEN",
                           surface_confidence=approx(phi(0.03 / (0.05 * SIGMA68)), 1e-3)), accuracy_m=0.05, accuracy_kind="p68"),
        ball(edge_point(GREEN, 20, 0.01), 4000, hs(surface="GREEN", distance_to_green_edge_m=approx(0.01, 0.002))),
        ball(edge_point(GREEN, 20, -0.01), 5000, hs(surface="FRINGE", distance_to_green_edge_m=approx(-0.01, 0.002))),
    ],
}

vectors["surfaces"] = {
    "description": "Every detailed surface and the precedence between them (a bunker cut into the fairway is a bunker).",
    "config": {"commit_on_streak": 1, "commit_off_streak": 1},
    "steps": [
        start(),
        ball(ON, 1, hs(surface="GREEN", surface_state="ON_GREEN")),
        ball(FRINGE_PT, 2, hs(surface="FRINGE", surface_state="OFF_GREEN")),
        ball(OFF, 3, hs(surface="FAIRWAY")),
        ball(BUNKER_PT, 4, hs(surface="BUNKER")),
        ball(FW_BUNKER_PT, 5, hs(surface="BUNKER")),
        ball(WATER_PT, 6, hs(surface="WATER")),
        ball(TEE, 7, hs(surface="TEE")),
        ball(ROUGH_PT, 8, hs(surface="ROUGH")),
        ball(OUT_PT, 9, hs(surface="OUT_OF_HOLE", surface_state="OFF_GREEN", surface_confidence=1.0)),
        # Out of bounds (the strip beyond the stream) comes before every surface but the green.
        ball(OOB_PT, 10, hs(surface="OUT_OF_BOUNDS", surface_state="OFF_GREEN")),
    ],
}

vectors["cup_off_green"] = {
    "description": "A cup away from the green is accepted with a cup_not_on_green warning, not an error; moving it back clears it.",
    "steps": [
        start(expect={"hole_state": {"cup_wgs84": ll(SEED_CUP), "cup_source": "course_default", "warnings": []}}),
        post("set_cup_location", {"contract_version": CV, "session_id": SID, "cup_wgs84": ll(CUP_OFF_GREEN)}, 200,
             hs(cup_source="client", warnings=[{"code": "cup_not_on_green", "details": {"hole_id": 1}}]), 100),
        post("set_cup_location", {"contract_version": CV, "session_id": SID, "cup_wgs84": ll(SEED_CUP)}, 200,
             hs(cup_wgs84=ll(SEED_CUP), warnings=[]), 200),
    ],
}

pad = {"contract_version": CV, "course_id": "riverside", "hole_id": 1}
vectors["contract_and_validation_errors"] = {
    "description": "Every contract and validation error: stable code, status, and the field it names.",
    "steps": [
        post("start", {"course_id": "riverside", "hole_id": 1}, 400, err("unsupported_contract_version", field="contract_version", supported=CV), 0),
        post("start", {"contract_version": "0.4.0", "course_id": "riverside", "hole_id": 1}, 400,
             err("unsupported_contract_version", supported=CV, requested="0.4.0"), 0),
        post("start", {"contract_version": "0.5.9", "course_id": "riverside", "hole_id": 1}, 200, None, 0),
        {"op": "start", "now_ms": 0, "raw_body": "{\"contract_version\": \"0.5.0\",", "expect": {"status": 400, "body": err("malformed_json")}},
        {"op": "start", "now_ms": 0, "raw_body": "[1, 2]", "expect": {"status": 400, "body": err("invalid_request")}},
        {"op": "start", "now_ms": 0, "body": pad, "pad_to_bytes": 70000, "expect": {"status": 413, "body": err("payload_too_large")}},
        post("start", {"contract_version": CV, "hole_id": 1}, 400, err("invalid_request", field="course_id"), 0),
        post("start", {"contract_version": CV, "course_id": "River Side", "hole_id": 1}, 400, err("invalid_field", field="course_id"), 0),
        post("start", {"contract_version": CV, "course_id": "riverside", "hole_id": "1"}, 400, err("invalid_request", field="hole_id"), 0),
        post("start", {"contract_version": CV, "course_id": "riverside", "hole_id": 0}, 400, err("invalid_field", field="hole_id"), 0),
        # JSON Schema's integer (OpenAPI 3.1): a whole number, whatever its spelling (issue 40).
        # As raw text, so every replay sends `1.0` (JavaScript's JSON.stringify would write `1`).
        {"op": "start", "now_ms": 0, "raw_body": f'{{"contract_version": "{CV}", "course_id": "riverside", "hole_id": 1.0}}', "expect": {"status": 200}},
        post("start", {"contract_version": CV, "course_id": "riverside", "hole_id": 1.5}, 400, err("invalid_request", field="hole_id"), 0),
        post("start", {"contract_version": CV, "course_id": "nowhere", "hole_id": 1}, 404, err("course_not_found"), 0),
        post("start", {"contract_version": CV, "course_id": "riverside", "hole_id": 3}, 404, err("hole_not_found", hole_id=3), 0),
        start(now=0),
        post("set_ball_location", {"contract_version": CV, "session_id": "abc", "ball_wgs84": ll(ON)}, 400,
             err("invalid_session_id", field="session_id"), 1),
        post("set_ball_location", {"contract_version": CV, "session_id": "gs_00000000000000000000000000000000", "ball_wgs84": ll(ON)}, 404,
             err("session_not_found"), 1),
        post("set_ball_location", {"contract_version": CV, "session_id": SID}, 400, err("invalid_request", field="ball_wgs84"), 1),
        post("set_ball_location", {"contract_version": CV, "session_id": SID, "ball_wgs84": {"lat": 91.0, "lon": 0.0}}, 400,
             err("invalid_coordinates", field="ball_wgs84.lat"), 1),
        post("set_ball_location", {"contract_version": CV, "session_id": SID, "ball_wgs84": {"lat": 40.0, "lon": -180.000001}}, 400,
             err("invalid_coordinates", field="ball_wgs84.lon"), 1),
        post("set_ball_location", {"contract_version": CV, "session_id": SID, "ball_wgs84": {"lat": "40.2", "lon": -111.6}}, 400,
             err("invalid_coordinates", field="ball_wgs84.lat"), 1),
        post("set_ball_location", {"contract_version": CV, "session_id": SID, "ball_wgs84": [40.2, -111.6]}, 400,
             err("invalid_request", field="ball_wgs84"), 1),
        post("set_ball_location", {"contract_version": CV, "session_id": SID, "ball_wgs84": ll(ON), "accuracy_m": 0}, 400,
             err("invalid_accuracy", field="accuracy_m"), 1),
        post("set_ball_location", {"contract_version": CV, "session_id": SID, "ball_wgs84": ll(ON), "accuracy_m": 1000.5}, 400,
             err("invalid_accuracy", field="accuracy_m"), 1),
        post("set_ball_location", {"contract_version": CV, "session_id": SID, "ball_wgs84": ll(ON), "accuracy_kind": "p99"}, 400,
             err("invalid_field", field="accuracy_kind"), 1),
        post("set_ball_location", {"contract_version": CV, "session_id": SID, "ball_wgs84": ll(ON), "seq": -1}, 400,
             err("invalid_request", field="seq"), 1),
        post("set_ball_location", {"contract_version": CV, "session_id": SID, "ball_wgs84": ll(ON), "seq": 7.5}, 400,
             err("invalid_request", field="seq"), 1),
        post("set_cup_location", {"contract_version": CV, "session_id": SID, "cup_wgs84": {"lat": 40.2, "lon": 200}}, 400,
             err("invalid_coordinates", field="cup_wgs84.lon"), 1),
        post("get_hole_advice", {"contract_version": CV, "session_id": SID, "want_plot": "yes"}, 400,
             err("invalid_request", field="want_plot"), 1),
        {"op": "get_session", "session_id": "not-an-id", "now_ms": 1, "expect": {"status": 400, "body": err("invalid_session_id")}},
        {"op": "get_session", "session_id": SID, "now_ms": 2, "expect": {"status": 200, "body": hs(fix_count=0, revision=1)}},
        {"op": "set_ball_location", "now_ms": 3,
         "raw_body": f'{{"contract_version": "{CV}", "session_id": "$session_id", "ball_wgs84": {{"lat": {round(ON[0], 9)}, "lon": {round(ON[1], 9)}}}, "seq": 7.0}}',
         "expect": {"status": 200, "body": hs(fix_count=1, last_seq=7)}},
    ],
}

TTL = 60
vectors["ttl_expiry"] = {
    "description": "SESSION_TTL_S is a sliding expiry: writes extend it, reads do not; at expires_at_ms the session is gone (404).",
    "config": {"session_ttl_s": TTL},
    "steps": [
        start(now=0, expect={"hole_state": {"expires_at_ms": 60_000, "created_at_ms": 0}}),
        ball(ON, 30_000, hs(expires_at_ms=90_000, updated_at_ms=30_000)),
        {"op": "get_session", "session_id": SID, "now_ms": 89_999, "expect": {"status": 200, "body": hs(expires_at_ms=90_000)}},
        ball(ON, 90_000, err("session_not_found"), 404),
        {"op": "get_session", "session_id": SID, "now_ms": 90_001, "expect": {"status": 404, "body": err("session_not_found")}},
        start(now=100_000),
        {"op": "delete_session", "session_id": SID, "now_ms": 100_001, "expect": {"status": 200, "body": {"deleted": True}}},
        {"op": "get_session", "session_id": SID, "now_ms": 100_002, "expect": {"status": 404, "body": err("session_not_found")}},
        {"op": "delete_session", "session_id": SID, "now_ms": 100_003, "expect": {"status": 404, "body": err("session_not_found")}},
    ],
}

vectors["seq_idempotency"] = {
    "description": "A fix whose seq was already accepted is acknowledged with the current state and not applied twice (the record does not change at all: same revision, same expiry); gaps are fine; no seq behaves as before.",
    "config": {"commit_on_streak": 2, "commit_off_streak": 2},
    "steps": [
        start(),
        ball(ON, 1000, {"applied": True, "hole_state": {"fix_count": 1, "last_seq": 1, "surface_state": "ON_GREEN"}}, seq=1),
        ball(OFF, 2000, {"applied": True, "hole_state": {"fix_count": 2, "last_seq": 2, "candidate_streak": 1}}, seq=2),
        ball(OFF, 2500, {"applied": False, "hole_state": {"fix_count": 2, "last_seq": 2, "candidate_streak": 1, "revision": 3,
                                                          "surface_state": "ON_GREEN", "updated_at_ms": 2000}}, seq=2),
        ball(OFF, 2600, {"applied": False, "hole_state": {"fix_count": 2, "revision": 3, "expires_at_ms": 7_202_000}}, seq=1),
        ball(OFF, 3000, {"applied": True, "hole_state": {"fix_count": 3, "last_seq": 7, "surface_state": "OFF_GREEN"}}, seq=7),
        ball(ON, 4000, {"applied": True, "hole_state": {"fix_count": 4, "last_seq": 7, "candidate_streak": 1}}),
    ],
}

vectors["advice_routing"] = {
    "description": "Advice needs a ball; ON_GREEN routes to PUTT, OFF_GREEN to TEE_TO_GREEN, with ball and cup in WGS84 and the green frame "
                   "(+y along the line of play, tee to green: rotation_deg = -15 for hole 1).",
    "steps": [
        start(),
        post("get_hole_advice", {"contract_version": CV, "session_id": SID}, 409, err("ball_location_missing"), 500),
        ball(ON, 1000, None),
        post("get_hole_advice", {"contract_version": CV, "session_id": SID, "want_plot": False}, 200, {
            "plan_type": "PUTT", "surface_state": "ON_GREEN",
            "request": {"plan_type": "PUTT", "ball_wgs84": ll(ON), "cup_wgs84": ll(SEED_CUP), "hole_id": 1, "par": 4,
                        "frame": {"datum": "WGS84", "units": "m", "rotation_deg": approx(-15.0, 0.5)},
                        "distance_to_cup_m": approx(math.hypot(*[(SEED_CUP[0] - ON[0]) * radii(ON[0])[0] * math.pi / 180,
                                                                 (SEED_CUP[1] - ON[1]) * radii(ON[0])[1] * math.cos(math.radians(ON[0])) * math.pi / 180]), 0.005)},
            "fallback": {"kind": "builtin_straight_line"}}, 1500),
        ball(OFF, 2000, None),
        ball(OFF, 3000, None),
        post("get_hole_advice", {"contract_version": CV, "session_id": SID}, 200, {
            "plan_type": "TEE_TO_GREEN", "surface_state": "OFF_GREEN",
            "request": {"plan_type": "TEE_TO_GREEN", "surface": "FAIRWAY", "bearing_to_cup_deg": approx(15.0, 2.0)}}, 3500),
    ],
}

# Evidence mode (docs/hysteresis.md): the formula, independently in Python.
def llr(d, sigma):
    z = d / sigma
    a = abs(z)
    tail = 0.5 * math.erfc(a / math.sqrt(2))
    v = math.log1p(-tail) - math.log(tail)
    return v if z >= 0 else -v


ALPHA, WAIT = 1e-4, 1
BAND = math.log(1 / ALPHA)
C, CAP = BAND / 2, BAND / WAIT


def ev_step(d, acc95, age_ms=0):
    sigma = acc95 * SIGMA95
    lam = max(-CAP, min(CAP, llr(d, sigma)))
    w = 1.0 if acc95 <= 20 else max(0.0, min(1.0, (100 - acc95) / 80))
    return lam * w * math.exp(-age_ms / 10_000)


def clampc(x):
    return max(-C, min(C, x))


IN1M = edge_point(GREEN, 7, 1.0)
S1 = clampc(ev_step(10.67, 3))                      # clear ON: capped
S2 = clampc(S1 + ev_step(-0.01, 5))                 # 1 cm outside: nearly nothing
S3 = clampc(S2 + ev_step(-0.01, 5))
S4 = clampc(S3 + ev_step(-44.1, 3))                 # clear OFF: one fix switches
S5 = clampc(S4 + ev_step(1.0, 4.9))                 # 1 m inside, phone accuracy
S6 = clampc(S5 + ev_step(10.67, 3, age_ms=20_000))  # clear but 20 s stale
S7 = clampc(S6 + ev_step(10.67, 90))                # clear but 90 m accuracy
S8 = clampc(S7 + ev_step(10.67, 3))                 # clear and fresh: switches
EVCONF = {"hysteresis_mode": "evidence", "evidence_false_switch_rate": ALPHA, "evidence_max_wait_fixes": WAIT}
vectors["hysteresis_evidence"] = {
    "description": "SURFACE_HYSTERESIS_MODE=evidence, false-switch rate 1e-4, one decisive fix to switch: ambiguous fixes 1 cm off the "
                   "edge never switch (streak=2 would), one decisive fix does; stale and inaccurate fixes count for less. "
                   "evidence_log_odds is the accumulated log-odds, switching at +-ln(1/rate)/2.",
    "config": EVCONF,
    "steps": [
        start(expect={"hole_state": {"hysteresis_mode": "evidence", "surface_state": "UNKNOWN"}}),
        ball(ON, 1000, hs(surface_state="ON_GREEN", evidence_log_odds=approx(S1, 1e-6)), accuracy_m=3),
        ball(edge_point(GREEN, 20, -0.01), 2000, hs(surface_state="ON_GREEN", candidate_state="OFF_GREEN", candidate_streak=1,
                                                    evidence_log_odds=approx(S2, 1e-3)), accuracy_m=5),
        ball(edge_point(GREEN, 20, -0.01), 3000, hs(surface_state="ON_GREEN", candidate_streak=2, evidence_log_odds=approx(S3, 1e-3)),
             accuracy_m=5),
        ball(OFF, 4000, hs(surface_state="OFF_GREEN", evidence_log_odds=approx(S4, 1e-6),
                           last_transition={"from": "ON_GREEN", "to": "OFF_GREEN", "at_fix": 4, "evidence": approx(-C, 1e-6)}), accuracy_m=3),
        ball(IN1M, 5000, hs(surface_state="OFF_GREEN", candidate_state="ON_GREEN", evidence_log_odds=approx(S5, 0.02)), accuracy_m=4.9),
        ball(ON, 26_000, hs(surface_state="OFF_GREEN", evidence_log_odds=approx(S6, 0.02)), accuracy_m=3, client_time_ms=6000),
        ball(ON, 27_000, hs(surface_state="OFF_GREEN", evidence_log_odds=approx(S7, 0.02)), accuracy_m=90),
        ball(ON, 28_000, hs(surface_state="ON_GREEN", evidence_log_odds=approx(S8, 1e-6),
                          last_transition={"from": "OFF_GREEN", "to": "ON_GREEN", "at_fix": 8}), accuracy_m=3),
    ],
}

def fixes(*items):
    out = []
    for p, seq in items:
        f = {"ball_wgs84": ll(p)}
        if seq is not None:
            f["seq"] = seq
        out.append(f)
    return out


def batch(items, now, expect, status=200):
    return post("set_ball_locations", {"contract_version": CV, "session_id": SID, "fixes": items}, status, expect, now)


vectors["batch_fixes"] = {
    "description": "set_ball_locations: an ordered batch applied atomically (one revision), duplicates by seq skipped, gaps fine, "
                   "a batch repeating part of an earlier one, a bad fix rejecting the whole batch, the size limit, and expiry.",
    "config": {"session_ttl_s": 60},
    "steps": [
        start(now=0),
        batch(fixes((ON, 1), (OFF, 2), (OFF, 3)), 1000, {"applied": 3, "skipped_duplicates": 0, "hole_state": {
            "fix_count": 3, "last_seq": 3, "surface_state": "OFF_GREEN", "revision": 2, "updated_at_ms": 1000,
            "last_transition": {"from": "ON_GREEN", "to": "OFF_GREEN", "at_fix": 3, "streak": 2}}}),
        batch(fixes((OFF, 2), (OFF, 3), (ON, 4), (ON, 5)), 2000, {"applied": 2, "skipped_duplicates": 2, "hole_state": {
            "fix_count": 5, "last_seq": 5, "surface_state": "ON_GREEN", "revision": 3,
            "last_transition": {"from": "OFF_GREEN", "to": "ON_GREEN", "at_fix": 5}}}),
        batch(fixes((ON, 3), (ON, 5)), 2500, {"applied": 0, "skipped_duplicates": 2, "hole_state": {"fix_count": 5, "revision": 3, "updated_at_ms": 2000}}),
        batch(fixes((OFF, 9), (ON, None)), 3000, {"applied": 2, "skipped_duplicates": 0, "hole_state": {
            "fix_count": 7, "last_seq": 9, "surface_state": "ON_GREEN", "candidate_streak": 0, "suppressed_flickers": 1, "revision": 4}}),
        batch([], 3100, err("invalid_field", field="fixes"), 400),
        batch([{"ball_wgs84": ll(ON)}] * 501, 3200, err("unprocessable_request", field="fixes", max_fixes=500), 422),
        batch([{"ball_wgs84": ll(OFF)}, {"ball_wgs84": {"lat": 91, "lon": 0}}], 3300,
              err("invalid_coordinates", field="fixes[1].ball_wgs84.lat"), 400),
        batch([{"ball_wgs84": ll(OFF), "accuracy_m": 0}], 3400, err("invalid_accuracy", field="fixes[0].accuracy_m"), 400),
        {"op": "get_session", "session_id": SID, "now_ms": 3500, "expect": {"status": 200, "body": hs(fix_count=7, revision=4)}},
        batch(fixes((OFF, 10),), 63_000, err("session_not_found"), 404),
    ],
}

# ---- The golfer's view (docs/golfer.md): front / middle / back, hazards, shots, locate ----
# Computed here with an east-north tangent plane of this script's own (ECEF
# then ENU about the ball), ray crossings and a corridor clip written anew.

AUGUSTA = json.load(open(os.path.join(ROOT, "data/courses/augusta_national/course.json")))


def ecef(p):
    lat, lon = math.radians(p[0]), math.radians(p[1])
    n = A / math.sqrt(1 - E2 * math.sin(lat) ** 2)
    return (n * math.cos(lat) * math.cos(lon), n * math.cos(lat) * math.sin(lon), n * (1 - E2) * math.sin(lat))


def enu(origin):
    """(lat, lon) -> (east, north) metres on the plane tangent at origin."""
    o = ecef(origin)
    la, lo = math.radians(origin[0]), math.radians(origin[1])
    def f(p):
        x, y, z = (a - b for a, b in zip(ecef(p), o))
        e = -math.sin(lo) * x + math.cos(lo) * y
        n = -math.sin(la) * math.cos(lo) * x - math.sin(la) * math.sin(lo) * y + math.cos(la) * z
        return (e, n)
    return f


def rings_of(geom):
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    return [[(c[1], c[0]) for c in r] for poly in polys for r in poly]


def outer_rings(geom):
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    return [[(c[1], c[0]) for c in poly[0]] for poly in polys]


def line_of_play(hole, ball, cup, corridor=20.0):
    """(front, middle, back, hazards) from ball towards cup, metres."""
    to = enu(ball)
    tx, ty = to(cup)
    mid = math.hypot(tx, ty)
    u = (tx / mid, ty / mid)
    ss = [s for r in rings_of(hole["green"]) for s in crossings([to(p) for p in r], u)]
    front, back = min(ss), max(ss)
    return front, mid, back, corridor_hazards(hole, to, u, max(back, mid), corridor)


def corridor_hazards(hole, to, u, end, corridor):
    """Bunkers and water within `corridor` of the line from the plane's origin along u, up to end; nearest first."""
    hazards = []
    for surface, key in (("BUNKER", "bunkers"), ("WATER", "water")):
        for i, g in enumerate(hole.get(key, [])):
            for r in outer_rings(g):
                st = clip_to_corridor([to(p) for p in r[:-1]], u, end, corridor)
                if len(st) >= 3:
                    lo_t, hi_t = min(p[1] for p in st), max(p[1] for p in st)
                    side = "LEFT" if lo_t > 0 else "RIGHT" if hi_t < 0 else "ON_LINE"
                    hazards.append({"surface": surface, "index": i, "reach_m": min(p[0] for p in st),
                                    "carry_m": max(p[0] for p in st), "side": side})
    hazards.sort(key=lambda h: (h["reach_m"], h["carry_m"]))
    return hazards


def yardage_expect(hole, ball, cup, tol=0.05):
    front, mid, back, hazards = line_of_play(hole, ball, cup)
    return {
        "green_distances": {"target": "CUP", "front_m": approx(front, tol), "middle_m": approx(mid, tol), "back_m": approx(back, tol)},
        "hazards": [dict(h, reach_m=approx(h["reach_m"], tol), carry_m=approx(h["carry_m"], tol)) for h in hazards],
    }


def dist(a, b):
    x, y = enu(a)(b)
    return math.hypot(x, y)


def locate(course, p, status, expect):
    return {"op": "locate", "course_id": course, "query": {"lat": p[0], "lon": p[1]}, "expect": {"status": status, "body": expect}}


RV_CUP = (H1["default_cup"]["lat"], H1["default_cup"]["lon"])
vectors["golfer_riverside"] = {
    "description": "The golfer's view on the example course: front / middle / back and hazards from the tee and the fairway, "
                   "jitter and a stray fix that are no shot, two confirmed shots (tee -> fairway -> green), the view following a new cup.",
    "steps": [
        start(),
        ball(TEE, 1000, hs(strokes=0, shots=[], **yardage_expect(H1, TEE, RV_CUP)), accuracy_m=3),
        ball(offset(TEE, 1.0, 1.0), 2000, hs(strokes=0, fix_count=2), accuracy_m=3),
        ball(OFF, 3000, hs(strokes=0, **yardage_expect(H1, OFF, RV_CUP)), accuracy_m=3),
        ball(TEE, 4000, hs(strokes=0, fix_count=4), accuracy_m=3),
        ball(OFF, 5000, hs(strokes=0), accuracy_m=3),
        ball(offset(OFF, 0.5, 0.0), 6000, hs(strokes=1, shots=[{
            "number": 1, "from_wgs84": ll(TEE), "to_wgs84": ll(OFF), "length_m": approx(dist(TEE, OFF), 0.05),
            "from_surface": "TEE", "to_surface": "FAIRWAY", "at_fix": 6, "at_ms": 6000}]), accuracy_m=3),
        ball(ON, 7000, hs(strokes=1, green_distances={"target": "CUP", "front_m": 0.0, "middle_m": approx(dist(ON, RV_CUP), 0.05)}), accuracy_m=3),
        ball(ON, 8000, hs(strokes=2, shots=[{"number": 1}, {"number": 2, "from_surface": "FAIRWAY", "to_surface": "GREEN",
                                              "length_m": approx(dist(OFF, ON), 0.05)}]), accuracy_m=3),
        post("set_cup_location", {"contract_version": CV, "session_id": SID, "cup_wgs84": ll(GC)}, 200,
             hs(strokes=2, green_distances={"target": "CUP", "front_m": 0.0, "middle_m": approx(dist(ON, GC), 0.05)}), 9000),
        # Which hole: each hole's tee and green, and a point far from both.
        locate("riverside", TEE, 200, {"hole_id": 1, "surface": "TEE"}),
        locate("riverside", ON, 200, {"hole_id": 1, "surface": "GREEN"}),
        locate("riverside", (COURSE["holes"][1]["tees"][0]["position"]["lat"], COURSE["holes"][1]["tees"][0]["position"]["lon"]),
               200, {"hole_id": 2, "surface": "TEE"}),
        locate("riverside", centroid(ring(COURSE["holes"][1]["green"])), 200, {"hole_id": 2, "surface": "GREEN"}),
        locate("riverside", OUT_PT, 422, err("not_on_course", course_id="riverside")),
    ],
}

vectors["golfer_shots_replay"] = {
    "description": "Shots under batch replay: a batch repeating earlier fixes (by seq) never makes a second shot; "
                   "SHOT_CONFIRM_FIXES=1 confirms on the first fix at the new position.",
    "config": {"shot_confirm_fixes": 1},
    "steps": [
        start(),
        batch(fixes((OFF, 1), (OFF, 2), (ON, 3)), 1000, {"applied": 3, "hole_state": {"strokes": 1, "shots": [
            {"number": 1, "from_surface": "FAIRWAY", "to_surface": "GREEN", "at_fix": 3}]}}),
        batch(fixes((OFF, 1), (OFF, 2), (ON, 3)), 2000, {"applied": 0, "skipped_duplicates": 3, "hole_state": {"strokes": 1}}),
        batch(fixes((ON, 3), (ON, 4)), 3000, {"applied": 1, "skipped_duplicates": 1, "hole_state": {"strokes": 1, "fix_count": 4}}),
    ],
}

AUG = {h["hole_id"]: h for h in AUGUSTA["holes"]}


def aug_start(hole, now=0):
    body = {"contract_version": CV, "course_id": "augusta_national", "hole_id": hole}
    return post("start", body, 200, {"hole_state": {"course_id": "augusta_national", "hole_id": hole}}, now)


def tee_of(h):
    return (h["tees"][0]["position"]["lat"], h["tees"][0]["position"]["lon"])


def cup_of(h):
    return (h["default_cup"]["lat"], h["default_cup"]["lon"])


def green_centre(h):
    return centroid(outer_rings(h["green"])[0])


H12, H16 = AUG[12], AUG[16]


def fairway_point(h):
    """The centre of the hole's largest fairway polygon's vertices (inside it for these shapes: checked by the vector)."""
    best = max((outer_rings(f)[0] for f in h["fairways"]), key=len)
    return centroid(best)


DRIVE = fairway_point(AUG[1])
vectors["golfer_augusta"] = {
    "course_id": "augusta_national",
    "description": "The golfer's view on real Augusta National holes (OpenStreetMap): the 12th over Rae's Creek and the 16th over "
                   "its pond from the tee, and the hole a position is on for tees and greens across the course.",
    "steps": [
        aug_start(12),
        ball(tee_of(H12), 1000, hs(**yardage_expect(H12, tee_of(H12), cup_of(H12)))),
        aug_start(16, 2000),
        ball(tee_of(H16), 3000, hs(**yardage_expect(H16, tee_of(H16), cup_of(H16)))),
        # Shots on the first hole: the drive, then the approach onto the green.
        aug_start(1, 4000),
        ball(tee_of(AUG[1]), 4100, hs(strokes=0), accuracy_m=4),
        ball(DRIVE, 4200, hs(strokes=0), accuracy_m=4),
        ball(DRIVE, 4300, hs(strokes=1, shots=[{"number": 1, "from_wgs84": ll(tee_of(AUG[1])), "to_wgs84": ll(DRIVE),
                                                "length_m": approx(dist(tee_of(AUG[1]), DRIVE), 0.05), "to_surface": "FAIRWAY"}],
                              **yardage_expect(AUG[1], DRIVE, cup_of(AUG[1]))), accuracy_m=4),
        ball(green_centre(AUG[1]), 4400, hs(strokes=1), accuracy_m=4),
        ball(green_centre(AUG[1]), 4500, hs(strokes=2, shots=[{"number": 1}, {"number": 2, "from_surface": "FAIRWAY", "to_surface": "GREEN",
                                                                "length_m": approx(dist(DRIVE, green_centre(AUG[1])), 0.05)}],
                                            green_distances={"front_m": 0.0}), accuracy_m=4),
    ] + [
        locate("augusta_national", tee_of(AUG[n]), 200, {"hole_id": n, "surface": "TEE"})
        for n in (1, 5, 10, 13, 18)
    ] + [
        locate("augusta_national", green_centre(AUG[n]), 200, {"hole_id": n, "surface": "GREEN"}) for n in (2, 7, 11, 12, 17)
    ] + [
        locate("augusta_national", (33.6, -82.2), 422, err("not_on_course", course_id="augusta_national")),
        locate("augusta_national", (91.0, -82.0), 400, err("invalid_coordinates")),
    ],
}

# ---- Aim points, layup marks and measure (core/src/aim.rs, core/src/measure.rs) ----
# The hole's line from the course file; stations, projections, marks and
# leg corridors computed here in this script's own tangent planes.

YARD = 0.9144


def line_pts(h):
    return [(c[1], c[0]) for c in h["line"]["coordinates"]]


def station_of(h, ball):
    """Distance along the line (from the tee) of the line's point nearest ball, in a plane about the ball."""
    to = enu(ball)
    pts = [to(p) for p in line_pts(h)]
    best, station, acc = float("inf"), 0.0, 0.0
    for (ax, ay), (bx, by) in zip(pts, pts[1:]):
        dx, dy = bx - ax, by - ay
        ln = math.hypot(dx, dy)
        f = max(0.0, min(1.0, (-ax * dx - ay * dy) / (ln * ln)))
        d = math.hypot(ax + f * dx, ay + f * dy)
        if d < best:
            best, station = d, acc + f * ln
        acc += ln
    return station


def stations(h):
    pts = line_pts(h)
    to = enu(pts[-1])
    q = [to(p) for p in pts]
    out, acc = [0.0], 0.0
    for a, b in zip(q, q[1:]):
        acc += math.hypot(b[0] - a[0], b[1] - a[1])
        out.append(acc)
    return out


def leg_hazards(h, ball, aim, corridor=20.0):
    to = enu(ball)
    ax, ay = to(aim)
    d = math.hypot(ax, ay)
    out = corridor_hazards(h, to, (ax / d, ay / d), d, corridor)
    return [dict(x, reach_m=approx(x["reach_m"], 0.05), carry_m=approx(x["carry_m"], 0.05)) for x in out]


def aim_expect(h, ball, cup):
    """The aim points ahead of ball (more than 1 m on along the line)."""
    at = station_of(h, ball)
    pts, st = line_pts(h), stations(h)
    out = []
    for k in range(1, len(pts) - 1):
        if st[k] - at <= 1.0:
            continue
        front, mid, back, _ = line_of_play(h, pts[k], cup)
        out.append({"number": k, "wgs84": ll(pts[k]), "distance_m": approx(dist(ball, pts[k]), 0.05),
                    "green_distances": {"target": "CUP", "front_m": approx(front, 0.05), "middle_m": approx(mid, 0.05),
                              "back_m": approx(back, 0.05)},
                    "hazards": leg_hazards(h, ball, pts[k])})
    return out


def mark_point(h, target, d):
    """The line's point d metres from target nearest the green along the line, and its station."""
    pts = line_pts(h)
    to = enu(target)
    q = [to(p) for p in pts]
    st = stations(h)
    for i in range(len(q) - 2, -1, -1):
        (ax, ay), (bx, by) = q[i], q[i + 1]
        dx, dy = bx - ax, by - ay
        qa, qb, qc = dx * dx + dy * dy, 2 * (dx * ax + dy * ay), ax * ax + ay * ay - d * d
        disc = qb * qb - 4 * qa * qc
        if disc < 0:
            continue
        for f in ((-qb + math.sqrt(disc)) / (2 * qa), (-qb - math.sqrt(disc)) / (2 * qa)):
            if 0 <= f <= 1:
                a, b = pts[i], pts[i + 1]
                return (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])), st[i] + f * (st[i + 1] - st[i])
    return None, None


def layups_expect(h, ball, cup, yards=False):
    """The marks ahead of ball, measured from the middle of the green (its area centroid), not the cup."""
    at = station_of(h, ball)
    middle = area_centroid(h)
    out = []
    for mark in (100, 150, 200):
        p, station = mark_point(h, middle, mark * (YARD if yards else 1.0))
        if p is None or station - at <= 1.0:
            continue
        out.append({"mark": mark, "wgs84": {"lat": approx(p[0], 2e-7), "lon": approx(p[1], 2e-7)},
                    "distance_m": approx(dist(ball, p), 0.05)})
    return out


def along_line(h, k, metres):
    """metres on from line position k along its next leg."""
    pts = line_pts(h)
    a, b = pts[k], pts[k + 1]
    f = metres / dist(a, b)
    return (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]))


def area_centroid(h):
    """The area centroid of the hole's green (its largest polygon), as the target GREEN_CENTRE."""
    best = max(outer_rings(h["green"]), key=lambda r: abs(shoelace([enu(r[0])(p) for p in r])))
    o = best[0]
    q = [enu(o)(p) for p in best]
    a2 = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(q, q[1:]):
        c = x0 * y1 - x1 * y0
        a2 += c
        cx += (x0 + x1) * c
        cy += (y0 + y1) * c
    return offset(o, cx / (3 * a2), cy / (3 * a2))


def shoelace(q):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(q, q[1:]))


def inside_ring(p, r):
    to = enu(p)
    q = [to(x) for x in r]
    c = False
    for (x1, y1), (x2, y2) in zip(q, q[1:]):
        if (y1 > 0) != (y2 > 0) and 0 < x1 + (0 - y1) * (x2 - x1) / (y2 - y1):
            c = not c
    return c


def measure(course, hole, frm, to, status, expect):
    q = {"from": f"{frm[0]},{frm[1]}", "to": to if isinstance(to, str) else f"{to[0]},{to[1]}"}
    return {"op": "measure", "course_id": course, "hole_id": hole, "query": q,
            "expect": {"status": status, "body": expect}}


def measure_expect(h, frm, to, surface, course="augusta_national"):
    assert not any(inside_ring(to, r) for r in outer_rings(h["green"])), "off the green: front is where the line enters"
    centre = area_centroid(h)
    front, mid, back, _ = line_of_play(h, to, centre)
    return {"course_id": course, "hole_id": h["hole_id"], "distance_m": approx(dist(frm, to), 0.05),
            "surface": surface, "green_distances": {"target": "GREEN_CENTRE", "front_m": approx(front, 0.05),
                                          "middle_m": approx(mid, 0.05), "back_m": approx(back, 0.05)},
            "hazards": leg_hazards(h, frm, to)}


H5, H2, H13 = AUG[5], AUG[2], AUG[13]
PAST_CORNER = along_line(H5, 1, 20.0)
H13_TEE = tee_of(H13)
H13_BUNKER = centroid(outer_rings(H13["bunkers"][0])[0])
H13_FAIRWAY = along_line(H13, 0, 230.0)  # a drive down the first leg
assert any(inside_ring(H13_FAIRWAY, r) for f in H13["fairways"] for r in outer_rings(f))
assert inside_ring(H13_BUNKER, outer_rings(H13["bunkers"][0])[0])
# A point inside the 13th's water (a long thin creek): the first edge midpoint that, moved 1 m
# to its left (inside a counter-clockwise ring), is inside the ring; checked.
_w = outer_rings(H13["water"][0])[0]
H13_WATER = next(q for q in (edge_point(_w, k, 1.0) for k in range(40, len(_w) - 1)) if inside_ring(q, _w))


def aug_start_units(hole, units, now=0):
    body = {"contract_version": CV, "course_id": "augusta_national", "hole_id": hole, "units": units}
    return post("start", body, 200, {"hole_state": {"hole_id": hole, "units": units, "aim_points": [], "layups": []}}, now)


vectors["golfer_aim_points"] = {
    "course_id": "augusta_national",
    "description": "Aim points and layup marks from each hole's OpenStreetMap line on Augusta's doglegs (2, 5, 10, 13): "
                   "those ahead of the ball, what each leaves to the green, the hazards of each leg, the marks in metres "
                   "and yards; and measure to points on the fairway, in a bunker, in water and off the course.",
    "steps": [
        aug_start(5),
        ball(tee_of(H5), 1000, hs(units="METRES", aim_points=aim_expect(H5, tee_of(H5), cup_of(H5)),
                                  layups=layups_expect(H5, tee_of(H5), cup_of(H5)))),
        ball(PAST_CORNER, 2000, hs(aim_points=aim_expect(H5, PAST_CORNER, cup_of(H5)),
                                   layups=layups_expect(H5, PAST_CORNER, cup_of(H5)))),
        aug_start_units(2, "YARDS", 3000),
        ball(tee_of(H2), 4000, hs(units="YARDS", aim_points=aim_expect(H2, tee_of(H2), cup_of(H2)),
                                  layups=layups_expect(H2, tee_of(H2), cup_of(H2), yards=True))),
        aug_start(10, 5000),
        ball(tee_of(AUG[10]), 6000, hs(aim_points=aim_expect(AUG[10], tee_of(AUG[10]), cup_of(AUG[10])),
                                       layups=layups_expect(AUG[10], tee_of(AUG[10]), cup_of(AUG[10])))),
        aug_start(13, 7000),
        ball(H13_TEE, 8000, hs(aim_points=aim_expect(H13, H13_TEE, cup_of(H13)),
                               layups=layups_expect(H13, H13_TEE, cup_of(H13)))),
        measure("augusta_national", 13, H13_TEE, H13_FAIRWAY, 200, measure_expect(H13, H13_TEE, H13_FAIRWAY, "FAIRWAY")),
        measure("augusta_national", 13, H13_TEE, H13_BUNKER, 200, measure_expect(H13, H13_TEE, H13_BUNKER, "BUNKER")),
        measure("augusta_national", 13, H13_TEE, H13_WATER, 200, measure_expect(H13, H13_TEE, H13_WATER, "WATER")),
        measure("augusta_national", 13, H13_TEE, "aim:1", 200,
                measure_expect(H13, H13_TEE, line_pts(H13)[1], "FAIRWAY")),
        measure("augusta_national", 13, H13_TEE, (33.6, -82.1), 422, err("not_on_course", field="to")),
        measure("augusta_national", 13, H13_TEE, H13_TEE, 422, err("points_equal", field="to")),
        measure("augusta_national", 13, H13_TEE, "aim:3", 404, err("aim_point_not_found", field="to", aim_points=2)),
        measure("augusta_national", 13, (91.0, -82.0), "aim:1", 400, err("invalid_coordinates")),
    ],
}

# Measure on the example course: to the out-of-bounds strip, and an aim point the hole (no line) lacks.
vectors["golfer_riverside"]["steps"] += [
    measure("riverside", 1, TEE, OOB_PT, 200, measure_expect(H1, TEE, OOB_PT, "OUT_OF_BOUNDS", course="riverside")),
    measure("riverside", 1, TEE, "aim:1", 422, err("hole_without_line", field="to")),
]

vectors["run_lifecycle"] = {
    "kind": "run_lifecycle",
    "description": "queued -> processing -> succeeded|failed; queued -> failed; terminal states never move; anything else is run_invalid_transition (409).",
    "runs": [
        {"transitions": [["processing", 10, "ok"], ["succeeded", 20, "ok"], ["failed", 30, "run_invalid_transition"],
                         ["processing", 40, "run_invalid_transition"]]},
        {"transitions": [["failed", 5, "ok"], ["processing", 6, "run_invalid_transition"], ["succeeded", 7, "run_invalid_transition"]]},
        {"transitions": [["succeeded", 5, "run_invalid_transition"], ["processing", 6, "ok"], ["processing", 7, "run_invalid_transition"],
                         ["queued", 8, "run_invalid_transition"], ["failed", 9, "ok"], ["failed", 10, "run_invalid_transition"]]},
    ],
}

vectors["gcra"] = {
    "kind": "gcra",
    "description": "GCRA: 10 requests per 1000 ms, burst 3. The burst is admitted at once, then one every 100 ms; a refusal says when to retry.",
    "limit": 10, "period_ms": 1000, "burst": 3,
    "requests": [[0, "allow"], [0, "allow"], [0, "allow"], [0, 100], [50, 50], [100, "allow"], [100, 100],
                 [199, 1], [200, "allow"], [1000, "allow"], [1000, "allow"], [1000, "allow"], [1000, 100]],
}

# ---- A round (docs/golfer.md, "A round"): tools/round_vector.py ----
vectors["round_augusta"] = round_vector.build(AUGUSTA)

os.makedirs(OUT, exist_ok=True)
for name, v in vectors.items():
    v = {"name": name, "kind": v.get("kind", "session"), **{k: val for k, val in v.items() if k not in ("kind",)}}
    if v["kind"] == "session":
        v.setdefault("course_id", "riverside")
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(v, f, indent=1)
        f.write("\n")
# The list every replay holds the directory to (tests/vectors/README.md).
with open(os.path.join(OUT, "files.txt"), "w") as f:
    f.write("# Every vector file, one per line, written by tools/make_vectors.py. Each\n"
            "# replay (core, the server over HTTP on every store, the worker, the npm\n"
            "# package) checks that the directory holds exactly these: a file dropped or\n"
            "# added without this list fails them all.\n")
    f.writelines(f"{name}.json\n" for name in sorted(vectors))
print(f"wrote {len(vectors)} vector files and files.txt to {OUT}")

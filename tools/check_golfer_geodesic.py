#!/usr/bin/env python3
"""An independent check of the golfer's view on every Augusta National hole.

Starts the greenside binary given (memory store, bundled courses) on a free
port, plays fixes along every hole, and compares what the server answers
with what this script computes from the course file's WGS84 points with
GeographicLib (PyPI `geographiclib`), never with greenside's own geometry:

- middle: the geodesic distance ball -> cup;
- front and back: the line of play in an azimuthal equidistant plane about
  the ball (GeographicLib's inverse problem gives each vertex's exact
  distance and azimuth from the ball), crossed with the green's edges;
- the answer's front and back points: their geodesic distance from the ball;
- hazards: bunkers and water clipped to the corridor in the same plane;
- which hole: every tee and every green of the course names its own hole;
- aim points, layup marks and measure (tools/check_aim_points.py, with
  Shapely for the geometry): within 0.05 m.

Every other distance must agree within 0.1 m.

    python3 tools/check_golfer_geodesic.py target/release/greenside
"""
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from geographiclib.geodesic import Geodesic

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from line_of_play import clip_to_corridor, crossings  # noqa: E402
import check_aim_points  # noqa: E402
import check_round_exports  # noqa: E402

G = Geodesic.WGS84
TOL = 0.1
CORRIDOR = 20.0
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
COURSE = json.load(open(os.path.join(ROOT, "data/courses/augusta_national/course.json")))
CV = "0.5.0"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def plane(ball):
    """(lat, lon) -> (x east, y north) in the azimuthal equidistant plane about ball."""
    def f(p):
        g = G.Inverse(ball[0], ball[1], p[0], p[1])
        a = math.radians(g["azi1"])
        return (g["s12"] * math.sin(a), g["s12"] * math.cos(a))
    return f


def rings(geom, outer_only=False):
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    out = []
    for poly in polys:
        for r in poly[:1] if outer_only else poly:
            out.append([(c[1], c[0]) for c in r])
    return out


def inside(pt, ring):
    x, y = pt
    c = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            c = not c
    return c


def expected(hole, ball, cup, corridor):
    to = plane(ball)
    g = G.Inverse(ball[0], ball[1], cup[0], cup[1])
    mid, azi = g["s12"], math.radians(g["azi1"])
    u = (math.sin(azi), math.cos(azi))
    ss, on_green = [], False
    for r in rings(hole["green"]):
        q = [to(p) for p in r]
        on_green = on_green or inside((0.0, 0.0), q)
        ss += crossings(q, u)
    front = 0.0 if on_green else min(ss)
    back = max(ss)
    end = max(back, mid)
    hazards = {}
    for surface, key in (("BUNKER", "bunkers"), ("WATER", "water")):
        for i, geom in enumerate(hole.get(key, [])):
            for r in rings(geom, outer_only=True):
                st = clip_to_corridor([to(p) for p in r[:-1]], u, end, corridor)
                if len(st) >= 3:
                    hazards[(surface, i)] = (min(p[0] for p in st), max(p[0] for p in st),
                                             min(p[1] for p in st), max(p[1] for p in st))
    return mid, front, back, hazards


def fixes_for(hole, cup):
    tee = (hole["tees"][0]["position"]["lat"], hole["tees"][0]["position"]["lon"])
    line = G.InverseLine(tee[0], tee[1], cup[0], cup[1])
    out = [tee]
    for f in (0.3, 0.6, 0.85, 0.97):
        p = line.Position(f * line.s13)
        out.append((p["lat2"], p["lon2"]))
    p = line.Position(0.6 * line.s13)
    side = G.Direct(p["lat2"], p["lon2"], p["azi2"] + 90, 15.0)
    out.append((side["lat2"], side["lon2"]))
    return out


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/greenside")
    port = free_port()
    # No advice is asked for: runs stay in memory (nothing written into the working directory).
    env = {"PATH": os.environ.get("PATH", ""), "RATE_LIMIT_ENABLED": "false", "LOG_LEVEL": "warn",
           "HAZARD_CORRIDOR_M": str(CORRIDOR), "RUN_STORE_BACKEND": "memory"}
    server = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if call(base, "GET", "/live")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("the server did not start")
        worst = {"middle": 0.0, "front": 0.0, "back": 0.0, "points": 0.0, "hazards": 0.0}
        checked = hazards_checked = sides_checked = 0
        problems = []
        for hole in COURSE["holes"]:
            hid = hole["hole_id"]
            cup = (hole["default_cup"]["lat"], hole["default_cup"]["lon"])
            status, started = call(base, "POST", "/api/session/start",
                                   {"contract_version": CV, "course_id": "augusta_national", "hole_id": hid})
            assert status == 200, started
            sid = started["session_id"]
            for ball in fixes_for(hole, cup):
                status, r = call(base, "POST", "/api/session/set_ball_location",
                                 {"contract_version": CV, "session_id": sid, "ball_wgs84": {"lat": ball[0], "lon": ball[1]}})
                assert status == 200, r
                hs = r["hole_state"]
                g = hs["green_distances"]
                mid, front, back, hz = expected(hole, ball, cup, CORRIDOR)
                where = f"hole {hid} at {ball[0]:.7f},{ball[1]:.7f}"
                for name, want, got in (("middle", mid, g["middle_m"]), ("front", front, g["front_m"]), ("back", back, g["back_m"])):
                    err = abs(want - got)
                    worst[name] = max(worst[name], err)
                    if err > TOL:
                        problems.append(f"{where}: {name} {got:.3f} m, GeographicLib {want:.3f} m")
                for name, key, want in (("front point", "front_wgs84", g["front_m"]), ("back point", "back_wgs84", g["back_m"])):
                    p = g[key]
                    d = G.Inverse(ball[0], ball[1], p["lat"], p["lon"])["s12"]
                    worst["points"] = max(worst["points"], abs(d - want))
                    if abs(d - want) > TOL:
                        problems.append(f"{where}: the {name} is {d:.3f} m away, answered {want:.3f} m")
                # Hazards: the same set as a corridor 0.1 m narrower and no more than one 0.1 m wider;
                # distances within 0.1 m where the hazard is well inside the corridor.
                inner = expected(hole, ball, cup, CORRIDOR - TOL)[3]
                outer = expected(hole, ball, cup, CORRIDOR + TOL)[3]
                got = {(h["surface"], h["index"]): (h["reach_m"], h["carry_m"], h["side"]) for h in hs["hazards"]}
                if not (set(inner) <= set(got) <= set(outer)):
                    problems.append(f"{where}: hazards {sorted(got)}, GeographicLib {sorted(hz)}")
                for k in set(inner) & set(got) & set(hz):
                    err = max(abs(hz[k][0] - got[k][0]), abs(hz[k][1] - got[k][1]))
                    worst["hazards"] = max(worst["hazards"], err)
                    hazards_checked += 1
                    if err > TOL:
                        problems.append(f"{where}: hazard {k} {got[k]}, GeographicLib {hz[k]}")
                    # The side, looking along the line (t > 0 is left), where
                    # the hazard is clear of the line by more than the tolerance.
                    t_min, t_max = hz[k][2], hz[k][3]
                    want_side = ("LEFT" if t_min > TOL else "RIGHT" if t_max < -TOL
                                 else "ON_LINE" if t_min < -TOL and t_max > TOL else None)
                    if want_side is not None:
                        sides_checked += 1
                        if got[k][2] != want_side:
                            problems.append(f"{where}: hazard {k} on side {got[k][2]}, GeographicLib {want_side}")
                checked += 1
        located = 0
        for hole in COURSE["holes"]:
            hid = hole["hole_id"]
            green = rings(hole["green"])[0]
            centre = (sum(p[0] for p in green[:-1]) / (len(green) - 1), sum(p[1] for p in green[:-1]) / (len(green) - 1))
            points = [("tee " + str(t.get("name")), (t["position"]["lat"], t["position"]["lon"])) for t in hole["tees"]]
            points.append(("green", centre))
            for what, p in points:
                status, r = call(base, "GET", f"/api/courses/augusta_national/locate?lat={p[0]}&lon={p[1]}")
                if status != 200 or r["hole_id"] != hid:
                    problems.append(f"the {what} of hole {hid} was located as {r}")
                located += 1
        print(f"{checked} fixes on {len(COURSE['holes'])} holes, {hazards_checked} hazard distances; worst differences from "
              f"GeographicLib (m): " + ", ".join(f"{k} {v:.4f}" for k, v in worst.items()))
        print(f"{located} tees and greens located; {sides_checked} hazard sides compared")
        aim_problems, n, aim_worst = check_aim_points.check(COURSE, lambda m, p, b=None: call(base, m, p, b), CV, expected)
        problems += aim_problems
        print(f"{n['aim']} aim points, {n['layups']} layup marks, {n['measured']} measured points ({n['surfaces']} surfaces), "
              f"{n['hazards']} leg hazards; worst differences from GeographicLib and Shapely (m): "
              + ", ".join(f"{k} {v:.4f}" for k, v in aim_worst.items()))
        if n["aim"] < 30 or n["layups"] < 40 or n["measured"] < 80 or n["surfaces"] < 30 or n["hazards"] < 50:
            problems.append(f"too little compared for aim points: {n} (want at least 30 aim, 40 layups, 80 measured, "
                            "30 surfaces, 50 hazards)")
        round_problems, counts = check_round_exports.check(base, call)
        problems += round_problems
        print(f"a round's exports: {counts['gpx_points']} GPX track points and {counts['gpx_waypoints']} waypoints "
              f"(valid GPX 1.1, read back by gpxpy), {counts['csv_values']} CSV values equal to the JSON")
        # A check that compared nothing proves nothing: every kind of number must have been compared.
        if checked < 18 * 5 or hazards_checked < 20 or sides_checked < 20 or located < 36:
            problems.append(f"too little compared: {checked} fixes, {hazards_checked} hazard distances, "
                            f"{sides_checked} sides, {located} located (want at least 90, 20, 20, 36)")
        if problems:
            print("\n".join(problems))
            print(f"golfer geodesic check: {len(problems)} failed")
            sys.exit(1)
        print("golfer geodesic check: all passed")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()

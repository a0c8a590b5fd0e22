"""A round's exports, read by other people's tools: the round vector
(tests/vectors/round_augusta.json) played against a running server, then

- the GPX (`GET /api/round/{id}/export.gpx`) validated against the GPX 1.1
  schema (data/schemas/gpx-1.1.xsd, TopoGrafix's published file) by
  xmlschema, and read back by gpxpy: its track is every fix sent, in order,
  at its time, and its waypoints are the shots the round's JSON lists;
- the CSV (`GET /api/round/{id}/scorecard.csv`) read by Python's csv module:
  each hole's numbers, and the OUT / IN / TOTAL rows, equal to the JSON's.

tools/check_golfer_geodesic.py runs it against the server it started
(scripts/check-golfer, in the test command).
"""
import csv
import datetime
import io
import json
import os
import urllib.request

import gpxpy
import xmlschema

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
VECTOR = os.path.join(ROOT, "tests/vectors/round_augusta.json")
XSD = os.path.join(ROOT, "data/schemas/gpx-1.1.xsd")


def fetch(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return r.status, r.headers.get("content-type", ""), r.read().decode()


def play(base, call):
    """The vector's steps up to its read of the whole round (the round is kept); the round's id and the fixes sent."""
    v = json.load(open(VECTOR))
    rid, sent = None, []
    for step in v["steps"]:
        if step["op"] == "get_round" and step.get("round_id") == "$round_id":
            break  # the round is played: what follows reads, advises, deletes
        if step["op"] == "get_round":
            continue
        body = json.loads(json.dumps(step["body"]).replace("$round_id", rid or ""))
        path = {"round_start": "/api/round/start", "round_set_ball_location": "/api/round/set_ball_location",
                "round_next_hole": "/api/round/next_hole", "round_set_score": "/api/round/set_score"}[step["op"]]
        status, reply = call(base, "POST", path, body)
        if status != step["expect"]["status"]:
            raise AssertionError(f"{step['op']}: {status} {reply}")
        if status != 200:
            continue
        if step["op"] == "round_start" and rid is None:
            rid = reply["round_state"]["round_id"]
        if step["op"] == "round_set_ball_location":
            sent += body.get("fixes", [body] if "ball_wgs84" in body else [])
    return rid, sent


def utc(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)


def same(a, b):
    return a == b or (a is not None and b is not None and abs(float(a) - float(b)) <= 1e-12 * max(1.0, abs(float(b))))


def cell(value):
    """A CSV cell as the JSON value it stands for."""
    if value == "":
        return None
    if value in ("true", "false"):
        return value == "true"
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


def check(base, call):
    problems = []
    rid, sent = play(base, call)
    _, state = call(base, "GET", f"/api/round/{rid}")
    card = state["round_state"]["scorecard"]

    status, ctype, gpx_text = fetch(base, f"/api/round/{rid}/export.gpx")
    if status != 200 or not ctype.startswith("application/gpx+xml"):
        problems.append(f"GPX answered {status} {ctype}")
    schema = xmlschema.XMLSchema(XSD)
    errors = list(schema.iter_errors(gpx_text))
    problems += [f"GPX is not valid GPX 1.1: {e.reason} at {e.path}" for e in errors[:5]]
    # The validator is not asleep: the same file with a waypoint's elements out of the schema's order fails.
    broken = gpx_text.replace("<type>shot</type>", "<type>shot</type><name>late</name>", 1)
    if broken == gpx_text or not list(schema.iter_errors(broken)):
        problems.append("the GPX 1.1 schema did not refuse a waypoint with a name after its type")
    gpx = gpxpy.parse(gpx_text)
    points = [p for t in gpx.tracks for s in t.segments for p in s.points]
    if len(points) != len(sent):
        problems.append(f"GPX track has {len(points)} points, {len(sent)} fixes were sent")
    for i, (p, f) in enumerate(zip(points, sent)):
        want = (f["ball_wgs84"]["lat"], f["ball_wgs84"]["lon"], utc(f["client_time_ms"]))
        if (p.latitude, p.longitude, p.time) != want:
            problems.append(f"GPX track point {i}: {(p.latitude, p.longitude, p.time)} is not the fix sent {want}")
            break
    shots = {(h["hole_id"], s["number"]) for h in card["holes"] for s in h["shots"]}
    named = {tuple(int(x) for x in w.name.replace("Hole ", "").split(" shot ")) for w in gpx.waypoints}
    if not shots or not shots <= named:
        problems.append(f"GPX waypoints {sorted(named)} miss shots {sorted(shots - named)}")

    status, ctype, csv_text = fetch(base, f"/api/round/{rid}/scorecard.csv")
    if status != 200 or not ctype.startswith("text/csv"):
        problems.append(f"CSV answered {status} {ctype}")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    by_hole = {r["hole"]: r for r in rows}
    compared = 0
    for h in card["holes"]:
        row = by_hole.get(str(h["hole_id"]))
        if row is None:
            problems.append(f"CSV has no row for hole {h['hole_id']}")
            continue
        for key, value in row.items():
            if key == "hole":
                continue
            if not same(cell(value), h.get(key)):
                problems.append(f"CSV hole {h['hole_id']} {key}: {value!r}, JSON {h.get(key)!r}")
            compared += 1
    for label, key in (("OUT", "out"), ("IN", "in"), ("TOTAL", "total")):
        row, t = by_hole.get(label), card[key]
        if row is None:
            problems.append(f"CSV has no {label} row")
            continue
        for col, field in (("par", "par"), ("strokes", "strokes"), ("putts", "putts"), ("to_par", "to_par")):
            if cell(row[col]) != t[field]:
                problems.append(f"CSV {label} {col}: {row[col]!r}, JSON {t[field]!r}")
            compared += 1
    counts = {"gpx_points": len(points), "gpx_waypoints": len(gpx.waypoints), "csv_values": compared}
    if len(points) < 150 or len(gpx.waypoints) < 30 or compared < 18 * 10:
        problems.append(f"too little compared: {counts}")
    return problems, counts

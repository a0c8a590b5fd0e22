#!/usr/bin/env python3
"""Generates the bundled example course `riverside` (ILLUSTRATIVE geometry).

The shapes are made up: an irregular elliptical green with a fringe collar,
a fairway with a bunker cut into it, a greenside bunker, a pond and tee boxes,
placed near lat 40.2682, lon -111.6595 (seed 000's coordinates) so the seed's
curl examples land on the green. Re-run to regenerate:

    python3 tools/make_riverside.py data/courses/riverside/course.json
"""
import json
import math
import sys

LAT0, LON0 = 40.26825, -111.65950  # hole 1 green centre
A, F = 6378137.0, 1 / 298.257223563
E2 = F * (2 - F)
S = math.sin(math.radians(LAT0))
N_RAD = A / math.sqrt(1 - E2 * S * S)
M_RAD = N_RAD * (1 - E2) / (1 - E2 * S * S)


def to_ll(e, n):
    """Local east/north metres about (LAT0, LON0) to [lon, lat], 7 decimals (~1 cm)."""
    lat = LAT0 + math.degrees(n / M_RAD)
    lon = LON0 + math.degrees(e / (N_RAD * math.cos(math.radians(LAT0))))
    return [round(lon, 7), round(lat, 7)]


def along(bearing_deg, dist, origin=(0.0, 0.0)):
    b = math.radians(bearing_deg)
    return (origin[0] + dist * math.sin(b), origin[1] + dist * math.cos(b))


def blob(center, along_m, across_m, bearing_deg, n=40, wobble=0.06, phase=0.0, ccw=True):
    """An irregular ellipse: semi-axis `along_m` along the bearing, `across_m` across."""
    b = math.radians(bearing_deg)
    ux, uy = math.sin(b), math.cos(b)  # along
    vx, vy = uy, -ux  # across (to the right)
    pts = []
    for i in range(n):
        t = 2 * math.pi * i / n
        r = 1 + wobble * math.sin(3 * t + phase) + 0.5 * wobble * math.cos(5 * t + 2 * phase)
        a, c = along_m * r * math.cos(t), across_m * r * math.sin(t)
        pts.append((center[0] + a * ux + c * vx, center[1] + a * uy + c * vy))
    return ring(pts, ccw)


def rect(center, along_m, across_m, bearing_deg, ccw=True):
    b = math.radians(bearing_deg)
    ux, uy = math.sin(b), math.cos(b)
    vx, vy = uy, -ux
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
    pts = [(center[0] + sa * along_m * ux + sc * across_m * vx,
            center[1] + sa * along_m * uy + sc * across_m * vy) for sa, sc in corners]
    return ring(pts, ccw)


def ring(pts, ccw):
    area2 = sum(pts[i][0] * pts[(i + 1) % len(pts)][1] - pts[(i + 1) % len(pts)][0] * pts[i][1]
                for i in range(len(pts)))
    if (area2 > 0) != ccw:
        pts = pts[::-1]
    out = [to_ll(*p) for p in pts]
    out.append(out[0])
    return out


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def hole1():
    play = 15.0  # tee -> green bearing
    g = (0.0, 0.0)
    tee = along(play + 180, 340.0)
    green = blob(g, 16.0, 12.0, play, n=48)
    fringe_outer = blob(g, 17.6, 13.6, play, n=48)
    fw_center = along(play + 180, 140.0)
    fw_bunker_c = along(play + 180, 120.0, (6.0, 0.0))
    fairway = polygon(blob(fw_center, 115.0, 18.0, play, n=56, wobble=0.03, phase=1.0),
                      blob(fw_bunker_c, 6.0, 3.5, play + 30, n=20, wobble=0.05, ccw=False))
    return {
        "hole_id": 1,
        "par": 4,
        "handicap": 7,
        "tees": [{"name": "white", "position": {"lat": to_ll(*tee)[1], "lon": to_ll(*tee)[0]}}],
        "default_cup": {"lat": 40.268251, "lon": -111.659486},
        "green": polygon(green),
        "fringe": polygon(fringe_outer, blob(g, 16.0, 12.0, play, n=48, ccw=False)),
        "fairways": [fairway],
        "bunkers": [
            polygon(blob(along(play + 90, 20.0), 7.0, 3.5, play + 10, n=24, wobble=0.12, phase=2.0)),
            polygon(blob(fw_bunker_c, 6.0, 3.5, play + 30, n=20, wobble=0.05)),
        ],
        "water": [polygon(blob(along(play + 180, 170.0, along(play - 90, 45.0)), 22.0, 12.0, play + 60, n=32, wobble=0.1, phase=0.5))],
        "tee_boxes": [polygon(rect(tee, 12.0, 6.0, play))],
        # Out of bounds beyond the stream on the left: a strip 110-130 m left of the line of play.
        "out_of_bounds": [polygon(rect(along(play + 180, 170.0, along(play - 90, 120.0)), 90.0, 10.0, play))],
    }


def hole2():
    play = 200.0
    g = along(80.0, 140.0)
    tee = along(play + 180, 155.0, g)
    return {
        "hole_id": 2,
        "par": 3,
        "tees": [{"name": "white", "position": {"lat": to_ll(*tee)[1], "lon": to_ll(*tee)[0]}}],
        "default_cup": {"lat": to_ll(*along(play, 3.0, g))[1], "lon": to_ll(*along(play, 3.0, g))[0]},
        "green": polygon(blob(g, 13.0, 11.0, play, n=40, phase=1.3)),
        "fringe": polygon(blob(g, 14.5, 12.5, play, n=40, phase=1.3), blob(g, 13.0, 11.0, play, n=40, phase=1.3, ccw=False)),
        "bunkers": [polygon(blob(along(play + 180, 18.0, along(play - 90, 9.0, g)), 4.0, 6.0, play, n=20, wobble=0.08))],
        "tee_boxes": [polygon(rect(tee, 8.0, 5.0, play))],
    }


course = {
    "manifest_contract_version": "0.1.0",
    "course_id": "riverside",
    "name": "Riverside (illustrative example course)",
    "attribution": "greenside example data: illustrative geometry, not survey data",
    "license": "CC0-1.0",
    "illustrative": True,
    "holes": [hole1(), hole2()],
}

out = sys.argv[1] if len(sys.argv) > 1 else "data/courses/riverside/course.json"
with open(out, "w") as f:
    json.dump(course, f, indent=1)
    f.write("\n")
print(f"wrote {out}")

"""Plane geometry of the line of play, for the tools that compute the
golfer's view independently of greenside's Rust code (tools/make_vectors.py
with its own tangent plane, tools/check_golfer_geodesic.py with
GeographicLib's azimuthal equidistant plane). Points are (x east, y north)
metres with the ball at the origin; `u` is the unit vector towards the target.
"""


def crossings(points, u):
    """Distances along the ray from the origin in direction u where it crosses
    the closed ring `points`."""
    ux, uy = u
    out = []
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        dx, dy = bx - ax, by - ay
        den = ux * dy - uy * dx
        if den == 0:
            continue
        s = (ax * dy - ay * dx) / den
        t = (ax * uy - ay * ux) / den
        if s >= 0 and 0 <= t <= 1:
            out.append(s)
    return out


def clip_to_corridor(points, u, end, corridor):
    """The open ring `points` (last vertex not repeated) clipped to the strip
    0 <= s <= end, |t| <= corridor (s along the line, t to its left), in
    (s, t) coordinates; fewer than 3 points when it misses the strip."""
    ux, uy = u
    st = [(x * ux + y * uy, ux * y - uy * x) for x, y in points]
    for axis, lo, hi in ((0, 0.0, end), (1, -corridor, corridor)):
        for bound, above in ((lo, True), (hi, False)):
            def keep(p, a=axis, b=bound, above=above):
                return p[a] >= b if above else p[a] <= b
            out = []
            for k in range(len(st)):
                a, b = st[k], st[(k + 1) % len(st)]
                if keep(a) and keep(b):
                    out.append(b)
                elif keep(a) or keep(b):
                    f = (bound - a[axis]) / (b[axis] - a[axis])
                    x = (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]))
                    out += [x] if keep(a) else [x, b]
            st = out
            if not st:
                return st
    return st

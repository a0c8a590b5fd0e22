// The JavaScript half of greenside's classification entry (`greenside/classify`).
//
// The wasm holds every rule (core's) and hands over numbers and codes only:
// it carries no JSON parser and no float printing. This file reads what a
// map developer passes ({lat, lon}, course files as text or objects), builds
// the objects the caller gets back, and words every error. scripts/build-wasm
// turns it into CommonJS for the nodejs target (`export function` lines only).

let SURFACES = [];
let KINDS = [];
let TARGETS = [];
let SIDES = [];

// The names of core's enums, in core's order, handed over once by the wasm.
export function names(surfaces, kinds, targets, sides) {
  if (SURFACES.length) return;
  SURFACES = surfaces.split(',');
  KINDS = kinds.split(',');
  TARGETS = targets.split(',');
  SIDES = sides.split(',');
}

export function surfaceList() {
  return SURFACES.slice();
}

// A course file: JSON text is parsed here, an object is taken as it is.
// A syntax error comes back as its message (a string), not thrown.
export function parseCourse(v) {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch (e) {
    return String(e && e.message);
  }
}

// One GeoJSON ring as [lon, lat, lon, lat, ...]; a position that is not an
// array of two or three numbers becomes NaN (core names it position_invalid).
export function ring(v) {
  if (!Array.isArray(v)) return undefined;
  const out = new Float64Array(v.length * 2);
  for (let i = 0; i < v.length; i++) {
    const p = v[i];
    const ok = Array.isArray(p) && (p.length === 2 || p.length === 3) && typeof p[0] === 'number' && typeof p[1] === 'number';
    out[2 * i] = ok ? p[0] : NaN;
    out[2 * i + 1] = ok ? p[1] : NaN;
  }
  return out;
}

const KEYS = ['lat', 'lon', 'accuracyM', 'x', 'y'];

// `{aim: N}`'s N (NaN when `o` names no aim point; a non-number aim is -1: core refuses it).
export function aimOf(o) {
  if (o === null || typeof o !== 'object' || !present(o.aim)) return NaN;
  return typeof o.aim === 'number' && !Number.isNaN(o.aim) ? o.aim : -1;
}
const number = (v) => (typeof v === 'number' ? v : NaN);
const present = (v) => v !== undefined && v !== null;

// A numeric field: the number, undefined when absent, NaN when not a number
// (core's range checks then name it).
export function num(o, key) {
  const v = o === null || typeof o !== 'object' ? undefined : o[KEYS[key]];
  return present(v) ? number(v) : undefined;
}

// {lat, lon, accuracyM?, accuracyKind?} in one call: the numbers into
// `out` (a view of the wasm's memory: NaN where not a number), and what was
// there as bits (1 lat, 2 lon, 4 accuracyM; the kind above: 0 absent,
// 1 + its index in core's list, 255 anything else), 0 for no object.
export function position(o, out) {
  if (o === null || typeof o !== 'object') return 0;
  const { lat, lon, accuracyM, accuracyKind } = o;
  out[0] = number(lat);
  out[1] = number(lon);
  out[2] = number(accuracyM);
  const i = present(accuracyKind) ? KINDS.indexOf(accuracyKind) : -1;
  const kind = !present(accuracyKind) ? 0 : i < 0 ? 255 : i + 1;
  return 8 | (present(lat) ? 1 : 0) | (present(lon) ? 2 : 0) | (present(accuracyM) ? 4 : 0) | (kind << 8);
}

export function isObject(o) {
  return o !== null && typeof o === 'object';
}

const orNull = (v) => (Number.isNaN(v) ? null : v);
const point = (lat, lon) => (Number.isNaN(lat) ? null : { lat, lon });

export function latLon(lat, lon) {
  return { lat, lon };
}

export function xy(x, y) {
  return { x, y };
}

export function classification(surface, onGreen, confidence, distance, accuracyM, kind, x, y) {
  return {
    surface: SURFACES[surface],
    onGreen,
    confidence,
    distanceToGreenEdgeM: distance,
    accuracyM,
    accuracyKind: KINDS[kind],
    local: { x, y },
  };
}

// classifyInto's answer, written in place: one call instead of four stores.
export function put(out, surface, onGreen, confidence, distance) {
  if (!(out instanceof Float64Array) || out.length < 4) return false;
  out[0] = surface;
  out[1] = onGreen;
  out[2] = confidence;
  out[3] = distance;
  return true;
}

export function batch(surface, onGreen, confidence, distance) {
  return { surface, onGreen, confidence, distanceToGreenEdgeM: distance };
}

// h: [surface, index, reach, carry, side] per hazard, from h[from], n of them.
function hazardList(h, from, n) {
  const out = [];
  for (let i = from; i < from + 5 * n; i += 5) {
    out.push({ surface: SURFACES[h[i]], index: h[i + 1], reachM: h[i + 2], carryM: h[i + 3], side: SIDES[h[i + 4]] });
  }
  return out;
}

// g from g[at]: [target, front, middle, back, frontLat, frontLon, backLat, backLon].
function greenOf(g, at) {
  return {
    target: TARGETS[g[at]],
    frontM: orNull(g[at + 1]),
    middleM: g[at + 2],
    backM: orNull(g[at + 3]),
    frontWgs84: point(g[at + 4], g[at + 5]),
    backWgs84: point(g[at + 6], g[at + 7]),
  };
}

// g: green numbers or empty (no green); h: hazards; a: per aim point
// [number, lat, lon, distance, 8 green numbers, n, n hazards]; l: per layup [mark, lat, lon, distance].
export function yardages(g, h, a, l) {
  const aimPoints = [];
  for (let i = 0; i < a.length; ) {
    const n = a[i + 12];
    aimPoints.push({
      number: a[i],
      wgs84: { lat: a[i + 1], lon: a[i + 2] },
      distanceM: a[i + 3],
      greenDistances: greenOf(a, i + 4),
      hazards: hazardList(a, i + 13, n),
    });
    i += 13 + 5 * n;
  }
  const layups = [];
  for (let i = 0; i < l.length; i += 4) layups.push({ mark: l[i], wgs84: { lat: l[i + 1], lon: l[i + 2] }, distanceM: l[i + 3] });
  return { greenDistances: g.length ? greenOf(g, 0) : null, hazards: hazardList(h, 0, h.length / 5), aimPoints, layups };
}

// v: [distance, surface, fromLat, fromLon, toLat, toLon, 8 green numbers]; h: hazards.
export function measured(courseId, holeId, v, h) {
  return {
    courseId,
    holeId,
    fromWgs84: { lat: v[2], lon: v[3] },
    toWgs84: { lat: v[4], lon: v[5] },
    distanceM: v[0],
    surface: SURFACES[v[1]],
    greenDistances: greenOf(v, 6),
    hazards: hazardList(h, 0, h.length / 5),
  };
}

// c: [holeId, surface, probability] per candidate, best first.
export function located(courseId, c) {
  const candidates = [];
  for (let i = 0; i < c.length; i += 3) candidates.push({ holeId: c[i], surface: SURFACES[c[i + 1]], probability: c[i + 2] });
  return { courseId, holeId: candidates[0].holeId, surface: candidates[0].surface, confidence: candidates[0].probability, candidates };
}

export function frame(lat, lon, rotationDeg, kind, datum, projection, convention, axes, units) {
  return {
    kind,
    datum,
    projection,
    origin_wgs84: { lat, lon },
    rotation_deg: rotationDeg,
    rotation_convention: convention,
    axes,
    units,
  };
}

const MESSAGES = {
  object: (f) => `${f} must be an object with lat and lon`,
  required: (f) => `${f} is required`,
  range: (f, range) => `${f} must be a finite number in ${range}`,
  finite: (f) => `${f} must be a finite number`,
  accuracy: (f, max) => `${f} must be metres, greater than 0 and at most ${max}`,
  accuracyKind: (f) => `${f} must be one of ${KINDS.map((k) => `"${k}"`).join(', ')}`,
  pairs: (f) => `${f} must hold lat, lon pairs (an even length)`,
  out: (f) => `${f} must be a Float64Array of at least 4 numbers`,
  count: (f, max) => `${f}: give between 1 and ${max} positions`,
  hole: (_f, id, course) => `course \`${course}\` has no hole ${id}`,
  notOnCourse: (f, course) => `${f === 'from' || f === 'to' ? f : 'the position'} is on no hole of course \`${course}\``,
  pointsEqual: () => 'from and to are the same point: nothing to measure',
  noLine: (_f, hole) => `hole ${hole} has no line of play in the course file: it has no aim points`,
  noAim: (_f, hole, count) => `hole ${hole} has ${count} aim point(s)`,
  aim: (f) => `${f} must be a whole number from 1 (the hole's aim point)`,
  units: (f) => `${f} must be "METRES" or "YARDS"`,
  course: (_f, message) => message,
};

// A GreensideError: the HTTP API's stable `code`, `details.field` = the
// exact path of what was wrong (`fix.lat`, `positions[3].lon`).
export function fail(code, why, field, a, b) {
  const e = new Error(MESSAGES[why](field, a, b));
  e.name = 'GreensideError';
  e.code = code;
  const details = {};
  if (field) details.field = field;
  if (why === 'hole') details.hole_id = a;
  if (why === 'notOnCourse') details.course_id = a;
  if (why === 'noLine') details.hole_id = a;
  if (why === 'noAim') details.aim_points = b;
  if (why === 'course') details.reason = b;
  e.details = details;
  return e;
}

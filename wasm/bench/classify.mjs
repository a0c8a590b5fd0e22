// Classification in Node: the npm package (wasm) against
// @turf/boolean-point-in-polygon on the same course (the real 18-hole
// Augusta National, bundled) and the same fixes, in the same run.
//
//   node wasm/bench/classify.mjs [fixes]      (default 100000; scripts/bench runs it)
//
// Each greenside row runs twice, from the full package (`greenside`) and
// from the classification entry (`greenside/classify`).
// - greenside single: course.classify(hole, {lat, lon, accuracyM}) per fix:
//   surface with the core's precedence, signed distance to the green's edge
//   and confidence, including the JS↔wasm call and the object it returns;
// - greenside fast: course.classifyInto(hole, lat, lon, accuracy, out) per
//   fix: surface, on-green, confidence and distance written into a
//   Float64Array, no object built;
// - greenside batch: course.classifyMany(hole, Float64Array) per hole, the
//   same answers in typed arrays, one boundary crossing per hole;
// - turf: booleanPointInPolygon over the same polygons in the same
//   precedence (green, fringe, bunkers, water, tees, fairways, rough) until
//   one contains the fix: containment only, no distance and no confidence,
//   so turf does less work per fix than greenside does;
// - point-in-polygon-hao: the engine inside turf, called directly on rings
//   extracted beforehand (no GeoJSON handling per call), same precedence.
// Both must agree on every fix's surface before timing. Prints a table and
// writes target/bench/js_classify.json.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import pointInPolygon from 'point-in-polygon-hao';

const require = createRequire(import.meta.url);
const ENTRIES = [['greenside', require('greenside')], ['greenside/classify', require('greenside/classify')]];
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const N = Number(process.argv[2] || 100000);
const courseJson = JSON.parse(readFileSync(join(root, 'data/courses/augusta_national/course.json'), 'utf8'));
const course = ENTRIES[0][1].Course.fromJson(courseJson);
const names = ENTRIES[0][1].surfaceNames();

// Fixes: a random hole, then a point within 40 m (half) or 400 m (half) of its green (seeded).
let seed = 42;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const holes = courseJson.holes;
const fixes = [];
for (let i = 0; i < N; i++) {
  const h = Math.floor(rand() * holes.length);
  const r = i % 2 === 0 ? 40 : 400;
  const c = course.toWgs84(holes[h].hole_id, { x: (rand() * 2 - 1) * r, y: (rand() * 2 - 1) * r });
  fixes.push({ h, lat: c.lat, lon: c.lon });
}

// turf's side: GeoJSON features per surface, in the core's precedence.
const ORDER = [['green', 'GREEN'], ['fringe', 'FRINGE'], ['bunkers', 'BUNKER'], ['water', 'WATER'], ['tee_boxes', 'TEE'], ['fairways', 'FAIRWAY'], ['rough', 'ROUGH']];
const turfHoles = holes.map((hole) => ORDER.flatMap(([key, surface]) => {
  const v = hole[key];
  const list = Array.isArray(v) ? v : v ? [v] : [];
  return list.map((geometry) => ({ surface, feature: { type: 'Feature', properties: {}, geometry } }));
}));
const turfClassify = (f) => {
  const pt = [f.lon, f.lat];
  for (const s of turfHoles[f.h]) if (booleanPointInPolygon(pt, s.feature)) return s.surface;
  return null;
};

// point-in-polygon-hao's side: each surface's polygons as ring arrays.
const haoHoles = turfHoles.map((list) => list.flatMap(({ surface, feature }) => {
  const g = feature.geometry;
  const polys = g.type === 'MultiPolygon' ? g.coordinates : [g.coordinates];
  return polys.map((rings) => ({ surface, rings }));
}));
const haoClassify = (f) => {
  const pt = [f.lon, f.lat];
  for (const s of haoHoles[f.h]) if (pointInPolygon(pt, s.rings) !== false) return s.surface;
  return null;
};

// Agreement first (OUT_OF_HOLE and ROUGH outside every polygon are both "no polygon" for turf).
let disagree = 0;
for (const f of fixes) {
  const ours = course.classify(holes[f.h].hole_id, { lat: f.lat, lon: f.lon, accuracyM: 4 }).surface;
  const theirs = turfClassify(f);
  if (haoClassify(f) !== theirs) throw new Error('point-in-polygon-hao and turf disagree');
  const same = theirs === ours || (theirs === null && (ours === 'OUT_OF_HOLE' || ours === 'ROUGH'));
  if (!same) disagree++;
}
// Points within floating-point reach of an edge may fall either way; there must be next to none.
if (disagree > N / 10000) throw new Error(`greenside and turf disagree on ${disagree} of ${N} fixes`);

const byHole = holes.map(() => []);
fixes.forEach((f) => byHole[f.h].push(f.lat, f.lon));
const batches = byHole.map((a) => new Float64Array(a));

function time(fn, reps) {
  fn(); // warm-up
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  return best / N;
}
const reps = N >= 100000 ? 5 : 2;
let sink = 0;
const turf = time(() => { for (const f of fixes) sink += turfClassify(f) ? 1 : 0; }, reps);
const hao = time(() => { for (const f of fixes) sink += haoClassify(f) ? 1 : 0; }, reps);
const rows = [];
for (const [entry, gs] of ENTRIES) {
  const c = gs.Course.fromJson(courseJson);
  const ids = holes.map((h) => h.hole_id);
  const single = time(() => { for (const f of fixes) sink += c.classify(ids[f.h], { lat: f.lat, lon: f.lon, accuracyM: 4 }).confidence; }, reps);
  const out = new Float64Array(4);
  const fast = time(() => { for (const f of fixes) { c.classifyInto(ids[f.h], f.lat, f.lon, 4, out); sink += out[2]; } }, reps);
  const batch = time(() => { batches.forEach((b, i) => { sink += c.classifyMany(ids[i], b, 4).confidence[0] || 0; }); }, reps);
  rows.push(
    { figure: `${entry}: classify() per fix (surface + distance + confidence, an object)`, ns_per_fix: single, turf_ns_per_fix: turf, ratio: turf / single, vs_classify_into: single / fast },
    { figure: `${entry}: classifyInto() per fix (same four answers, into a Float64Array)`, ns_per_fix: fast, turf_ns_per_fix: turf, ratio: turf / fast, vs_hao: hao / fast },
    { figure: `${entry}: classifyMany() per hole (same answers, typed arrays)`, ns_per_fix: batch, turf_ns_per_fix: turf, ratio: turf / batch },
  );
}
if (!Number.isFinite(sink)) throw new Error('unreachable');
rows.push({ figure: 'point-in-polygon-hao per fix (containment only, rings extracted beforehand)', ns_per_fix: hao, turf_ns_per_fix: turf, ratio: turf / hao });

console.log(`\njs classify: ${N} fixes over ${holes.length} holes of ${courseJson.name}; ${disagree} edge disagreements with turf`);
console.log('| figure | greenside ns/fix | turf ns/fix (containment only) | speed-up (turf / greenside) |\n| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.figure} | ${r.ns_per_fix.toFixed(0)} | ${r.turf_ns_per_fix.toFixed(0)} | ${r.ratio.toFixed(2)}x |`);
for (const r of rows.filter((r) => r.vs_classify_into)) console.log(`${r.figure.split(':')[0]}: classify() takes ${r.vs_classify_into.toFixed(2)}x classifyInto() (target: within 2x)`);
for (const r of rows.filter((r) => r.vs_hao)) console.log(`${r.figure.split(':')[0]}: classifyInto() is ${r.vs_hao.toFixed(2)}x faster than point-in-polygon-hao`);
mkdirSync(join(root, 'target/bench'), { recursive: true });
writeFileSync(join(root, 'target/bench/js_classify.json'), JSON.stringify({ fixes: N, holes: holes.length, disagreements: disagree, rows, node: process.version, names }, null, 2));

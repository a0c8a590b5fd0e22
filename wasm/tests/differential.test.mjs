// Native against wasm, point for point: tens of thousands of positions near
// every green edge of both bundled courses, classified by the native core
// (the server binary's `greenside course classify`, built from the same
// core) and by the npm package in Node. Surface, on/off green, distance,
// confidence, accuracy and the local frame must be the same f64s, not close:
// JSON numbers are shortest round-trip on both sides, so equal text is
// equal bits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
// Both entries: the full package and the classification entry.
const ENTRIES = [['greenside', require('greenside')], ['greenside/classify', require('greenside/classify')]];
const NAMES = ENTRIES[0][1].surfaceNames();
const bin = [process.env.GREENSIDE_BIN, join(root, 'target/release/greenside'), join(root, 'target/debug/greenside')].find((p) => p && existsSync(p));

// Metres either side of the edge (negative: towards the inside of the
// ring's turn, whichever that is), at each vertex and each edge's middle.
const OFFSETS = [-2, -0.5, -0.1, -0.01, -0.001, 0, 0.001, 0.01, 0.1, 0.5, 2];
const ACCURACIES = [undefined, 0.5, 3, 8, 25];
const M_PER_DEG = 111_320;

/** Positions near every edge of a hole's green, each with an accuracy. */
function nearEdges(green) {
  const polys = green.type === 'Polygon' ? [green.coordinates] : green.coordinates;
  const out = [];
  for (const rings of polys) for (const ring of rings) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [lon0, lat0] = ring[i];
      const [lon1, lat1] = ring[i + 1];
      const k = Math.cos((lat0 * Math.PI) / 180);
      // The edge in metres, and its unit normal.
      const ex = (lon1 - lon0) * M_PER_DEG * k, ey = (lat1 - lat0) * M_PER_DEG;
      const len = Math.hypot(ex, ey) || 1;
      const nx = -ey / len, ny = ex / len;
      for (const t of [0, 0.5]) {
        for (const d of OFFSETS) {
          const lat = lat0 + t * (lat1 - lat0) + (d * ny) / M_PER_DEG;
          const lon = lon0 + t * (lon1 - lon0) + (d * nx) / (M_PER_DEG * k);
          out.push({ lat, lon, accuracyM: ACCURACIES[out.length % ACCURACIES.length] });
        }
      }
    }
  }
  return out;
}

function native(courseFile, hole, points) {
  const input = points.map((p) => (p.accuracyM === undefined ? `${p.lat},${p.lon}` : `${p.lat},${p.lon},${p.accuracyM}`)).join('\n');
  const r = spawnSync(bin, ['course', 'classify', courseFile, '--hole', String(hole)], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `greenside course classify: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

const same = (a, b) => Object.is(a, b);

for (const [entry, { Course }] of ENTRIES) for (const id of ['riverside', 'augusta_national']) {
  test(`${entry}, ${id}: every position near every green edge classifies to the same bits natively and in wasm`, () => {
    assert.ok(bin, 'build the server first (cargo build --release -p greenside-server)');
    const file = join(root, 'data/courses', id, 'course.json');
    const text = readFileSync(file, 'utf8');
    const course = Course.fromJson(text);
    const holes = JSON.parse(text).holes;
    let compared = 0;
    const surfaces = new Set();
    let inside = 0, outside = 0;
    for (const h of holes) {
      const points = nearEdges(h.green);
      const rows = native(file, h.hole_id, points);
      assert.equal(rows.length, points.length, `hole ${h.hole_id}: one native row per position`);
      points.forEach((p, i) => {
        const n = rows[i];
        assert.ok(same(n.lat, p.lat) && same(n.lon, p.lon), `hole ${h.hole_id} #${i}: the position crossed intact`);
        const w = course.classify(h.hole_id, p);
        const where = `hole ${h.hole_id} at ${p.lat},${p.lon} (accuracy ${p.accuracyM})`;
        assert.equal(w.surface, n.surface, `${where}: surface`);
        assert.equal(w.onGreen, n.on_green, `${where}: on green`);
        assert.ok(same(w.distanceToGreenEdgeM, n.distance_to_green_edge_m), `${where}: distance ${w.distanceToGreenEdgeM} vs native ${n.distance_to_green_edge_m}`);
        assert.ok(same(w.confidence, n.confidence), `${where}: confidence ${w.confidence} vs native ${n.confidence}`);
        assert.ok(same(w.accuracyM, n.accuracy_m) && w.accuracyKind === n.accuracy_kind, `${where}: accuracy`);
        assert.ok(same(w.local.x, n.local.x) && same(w.local.y, n.local.y), `${where}: local frame`);
        surfaces.add(n.surface);
        if (n.on_green) inside++; else outside++;
        compared++;
      });
      // The batch form, one accuracy per call, answers the same bits.
      for (const a of ACCURACIES.filter((x) => x !== undefined)) {
        const idx = points.map((p, i) => (p.accuracyM === a ? i : -1)).filter((i) => i >= 0);
        const many = course.classifyMany(h.hole_id, new Float64Array(idx.flatMap((i) => [points[i].lat, points[i].lon])), a);
        const out = new Float64Array(4);
        idx.forEach((i, j) => {
          const n = rows[i];
          // The fast single form answers the batch's bits.
          course.classifyInto(h.hole_id, points[i].lat, points[i].lon, a, out);
          assert.deepEqual([...out], [many.surface[j], many.onGreen[j], many.confidence[j], many.distanceToGreenEdgeM[j]], `hole ${h.hole_id} fast #${j}`);
          assert.equal(NAMES[many.surface[j]], n.surface);
          assert.equal(Boolean(many.onGreen[j]), n.on_green);
          assert.ok(same(many.distanceToGreenEdgeM[j], n.distance_to_green_edge_m), `hole ${h.hole_id} batch #${j}: distance`);
          assert.ok(same(many.confidence[j], n.confidence), `hole ${h.hole_id} batch #${j}: confidence`);
        });
      }
    }
    // Not a vacuous pass: thousands of positions, on both sides of the
    // edge, landing on the green and on what surrounds it.
    assert.ok(compared >= (id === 'riverside' ? 1500 : 20000), `${compared} positions compared`);
    assert.ok(inside > compared / 5 && outside > compared / 5, `${inside} on the green, ${outside} off`);
    assert.ok(surfaces.has('GREEN') && surfaces.size >= 3, `surfaces seen: ${[...surfaces]}`);
  });
}

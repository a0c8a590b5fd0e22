// The idiomatic JavaScript API: classification, the tracker, the frame, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Course, HoleTracker, errorCodes, apiContractVersion } = require('greenside');
const course = Course.fromJson(readFileSync(new URL('../../data/courses/riverside/course.json', import.meta.url), 'utf8'));
const ON = { lat: 40.26824, lon: -111.65952 };
const OFF = { lat: 40.267728069, lon: -111.659682572 };

const ENTRIES = [['greenside', require('greenside')], ['greenside/classify', require('greenside/classify')]];

for (const [entry, gs] of ENTRIES) {
  const c1 = gs.Course.fromJson(readFileSync(new URL('../../data/courses/riverside/course.json', import.meta.url), 'utf8'));

  test(`${entry}: classify takes what a map has and answers in JavaScript idiom`, () => {
    assert.equal(c1.courseId, 'riverside');
    assert.deepEqual(c1.holeIds(), [1, 2]);
    const c = c1.classify(1, { ...ON, accuracyM: 4 });
    assert.equal(c.surface, 'GREEN');
    assert.equal(c.onGreen, true);
    assert.ok(c.confidence > 0.99 && c.confidence <= 1);
    assert.ok(c.distanceToGreenEdgeM > 10);
    assert.deepEqual(Object.keys(c).sort(), ['accuracyKind', 'accuracyM', 'confidence', 'distanceToGreenEdgeM', 'local', 'onGreen', 'surface']);
    // No timestamp needed; other fields (a fix's timeMs, seq) are ignored.
    assert.deepEqual(c1.classify(1, ON), c1.classify(1, { ...ON, timeMs: 5, seq: 2 }));
    assert.equal(c1.classify(1, ON).accuracyKind, 'p95');
    assert.equal(c1.classify(1, { ...ON, accuracyM: 4, accuracyKind: 'p68' }).accuracyKind, 'p68');
    assert.equal(gs.Course.fromJson(JSON.parse(readFileSync(new URL('../../data/courses/riverside/course.json', import.meta.url), 'utf8'))).classify(1, ON).confidence, c1.classify(1, ON).confidence, 'a parsed object reads as its text');
  });

  test(`${entry}: the golfer's numbers are their own call`, () => {
    // On the green: the front is 0; towards the course's default cup.
    const on = c1.yardages(1, ON);
    assert.equal(on.greenDistances.target, 'CUP');
    assert.equal(on.greenDistances.frontM, 0);
    assert.ok(on.greenDistances.middleM < on.greenDistances.backM);
    const off = c1.yardages(1, OFF);
    const g = off.greenDistances;
    assert.ok(g.frontM > 0 && g.frontM < g.middleM && g.middleM < g.backM, JSON.stringify(g));
    assert.ok(g.frontWgs84.lat > 40 && g.backWgs84.lon < -111, JSON.stringify(g));
    assert.ok(off.hazards.length > 0 && off.hazards.every((h) => ['BUNKER', 'WATER'].includes(h.surface) && h.reachM <= h.carryM && ['LEFT', 'RIGHT', 'ON_LINE'].includes(h.side)), JSON.stringify(off.hazards));
    // Towards another cup: the middle is the distance to it.
    const cup = { lat: 40.26824, lon: -111.65952 };
    const toCup = c1.yardages(1, OFF, cup);
    assert.equal(toCup.greenDistances.target, 'CUP');
    assert.ok(Math.abs(toCup.greenDistances.middleM - Math.hypot(c1.toLocal(1, OFF).x - c1.toLocal(1, cup).x, c1.toLocal(1, OFF).y - c1.toLocal(1, cup).y)) < 0.05);
  });

  test(`${entry}: every error names the exact path`, () => {
    const field = (fn, code, path) => assert.throws(fn, (e) => e instanceof Error && e.name === 'GreensideError' && e.code === code && e.details.field === path && e.message.includes(path), `${code} at ${path}`);
    field(() => c1.classify(1, { lat: 91, lon: 0 }), 'invalid_coordinates', 'fix.lat');
    field(() => c1.classify(1, { lat: 40, lon: NaN }), 'invalid_coordinates', 'fix.lon');
    field(() => c1.classify(1, { lat: '40', lon: 0 }), 'invalid_coordinates', 'fix.lat');
    field(() => c1.classify(1, { lon: 0 }), 'invalid_request', 'fix.lat');
    field(() => c1.classify(1, null), 'invalid_request', 'fix');
    field(() => c1.classify(1, { ...ON, accuracyM: 0 }), 'invalid_accuracy', 'fix.accuracyM');
    field(() => c1.classify(1, { ...ON, accuracyKind: 'p99' }), 'invalid_request', 'fix.accuracyKind');
    field(() => c1.locate([ON, ON, ON, { lat: 40, lon: 200 }]), 'invalid_coordinates', 'positions[3].lon');
    field(() => c1.locate([]), 'invalid_request', 'positions');
    field(() => c1.classifyMany(1, new Float64Array([40, -111, 40, 181])), 'invalid_coordinates', 'positions[1].lon');
    field(() => c1.classifyMany(1, new Float64Array([40, -111, 40])), 'invalid_request', 'positions');
    field(() => c1.classifyInto(1, NaN, 0, undefined, new Float64Array(4)), 'invalid_coordinates', 'lat');
    field(() => c1.classifyInto(1, 40, -111, undefined, new Float64Array(3)), 'invalid_request', 'out');
    field(() => c1.yardages(1, ON, { lat: 40 }), 'invalid_request', 'cup.lon');
    field(() => c1.toWgs84(1, { x: 1, y: Infinity }), 'invalid_request', 'local.y');
    assert.throws(() => c1.classify(3, ON), (e) => e.code === 'hole_not_found' && e.details.hole_id === 3 && e.details.field === 'holeId');
    assert.throws(() => c1.locate({ lat: 40.2, lon: -111.5 }), (e) => e.code === 'not_on_course' && e.details.course_id === 'riverside');
  });

  test(`${entry}: bad course files get the course data code, never a panic`, () => {
    const base = JSON.parse(readFileSync(new URL('../../data/courses/riverside/course.json', import.meta.url), 'utf8'));
    const reason = (v, want, at) => assert.throws(() => gs.Course.fromJson(v), (e) => e.name === 'GreensideError' && e.code === 'course_data_unavailable' && e.details.reason === want && (at === undefined || e.message.includes(at)), `${want} ${at ?? ''}`);
    const edit = (f) => { const c = structuredClone(base); f(c); return c; };
    reason('{', 'course_json_invalid');
    reason('[]', 'course_json_invalid');
    reason(edit((c) => { c.manifest_contract_version = '9.0.0'; }), 'unsupported_manifest_version');
    reason(edit((c) => { c.holes[0].green.coordinates[0][1] = [NaN, 40]; }), 'position_invalid', 'holes[0].green.coordinates[0][1]');
    reason(edit((c) => { c.holes[0].green.coordinates[0][1] = ['x', 40]; }), 'position_invalid', 'holes[0].green.coordinates[0][1]');
    reason(edit((c) => { c.holes[0].green.coordinates[0].pop(); }), 'ring_not_closed');
    reason(edit((c) => { c.holes[0].green.coordinates[0] = c.holes[0].green.coordinates[0].slice(0, 3); }), 'ring_too_short');
    reason(edit((c) => { c.holes[1].bunkers = [{ type: 'Point', coordinates: [0, 0] }]; }), 'geometry_unsupported', 'holes[1].bunkers[0]');
    reason(edit((c) => { c.holes[0].par = 4.5; }), 'course_json_invalid', 'holes[0].par');
    reason(edit((c) => { c.holes[0].par = 9; }), 'course_field_invalid', 'holes[0].par');
    reason(edit((c) => { c.holes[0].hole_id = '1'; }), 'course_json_invalid', 'holes[0].hole_id');
    reason(edit((c) => { c.holes[1].hole_id = 1; }), 'duplicate_hole_id');
    reason(edit((c) => { delete c.holes[0].green; }), 'hole_without_green');
    reason(edit((c) => { c.name = 7; }), 'course_json_invalid', 'name');
    reason(edit((c) => { delete c.course_id; }), 'course_json_invalid', 'course_id');
    reason(edit((c) => { c.course_id = 'Not An Id'; }), 'course_field_invalid', 'course_id');
    reason(edit((c) => { c.holes[0].tees[0].position = { lat: 40 }; }), 'course_json_invalid', 'holes[0].tees[0].position.lon');
  });
}

test('the two entries answer the same numbers; the classification entry has no tracker', () => {
  const [[, full], [, cl]] = ENTRIES;
  assert.equal(cl.HoleTracker, undefined);
  const text = readFileSync(new URL('../../data/courses/augusta_national/course.json', import.meta.url), 'utf8');
  const [a, b] = [full.Course.fromJson(text), cl.Course.fromJson(text)];
  assert.deepEqual(full.surfaceNames(), cl.surfaceNames());
  for (const hole of a.holeIds()) {
    const g = a.greenFrame(hole).origin_wgs84;
    for (const d of [-0.002, -0.0004, 0, 0.0003, 0.001]) {
      const p = { lat: g.lat + d, lon: g.lon - d / 2, accuracyM: 6 };
      assert.deepEqual(a.classify(hole, p), b.classify(hole, p));
      assert.deepEqual(a.yardages(hole, p), b.yardages(hole, p));
    }
  }
});

test('the tracker keeps shots and the golfer view; locate names the hole', () => {
  const t = new HoleTracker(course, 1, { shotConfirmFixes: 1 });
  t.addFix({ ...OFF, accuracyM: 3, timeMs: 1000 });
  const s = t.addFix({ ...ON, accuracyM: 3, timeMs: 2000 });
  assert.equal(s.strokes, 1);
  assert.deepEqual([s.shots[0].fromSurface, s.shots[0].toSurface, s.shots[0].number], ['FAIRWAY', 'GREEN', 1]);
  assert.ok(s.shots[0].lengthM > 40, `${s.shots[0].lengthM}`);
  assert.equal(s.greenDistances.frontM, 0);
  const l = course.locate({ lat: 40.2697807, lon: -111.6572558 });
  assert.deepEqual([l.courseId, l.holeId, l.surface], ['riverside', 2, 'TEE']);
  assert.ok(l.confidence > 0.5 && l.candidates[0].holeId === 2);
  assert.equal(course.locate([ON, ON]).holeId, 1);
  assert.throws(() => course.locate({ lat: 40.2, lon: -111.5 }), (e) => e.code === 'not_on_course');
  assert.throws(() => course.locate([]), (e) => e.code === 'invalid_request');
  assert.throws(() => new HoleTracker(course, 1, { hazardCorridorM: 0 }), (e) => e.code === 'invalid_request');
  assert.equal(apiContractVersion(), '0.5.0');
});

test('the tracker holds, then switches, like the server', () => {
  const t = new HoleTracker(course, 1, { commitOnStreak: 2, commitOffStreak: 2 });
  assert.equal(t.addFix({ ...ON, timeMs: 1000 }).surfaceState, 'ON_GREEN');
  const hold = t.addFix({ ...OFF, timeMs: 2000 });
  assert.equal(hold.surfaceState, 'ON_GREEN');
  assert.equal(hold.candidateStreak, 1);
  const sw = t.addFix({ ...OFF, timeMs: 3000 });
  assert.equal(sw.surfaceState, 'OFF_GREEN');
  assert.deepEqual(sw.lastTransition, { from: 'ON_GREEN', to: 'OFF_GREEN', atMs: 3000, atFix: 3, streak: 2, evidence: null });
  assert.equal(sw.hysteresisMode, 'streak');
  assert.equal(sw.evidenceLogOdds, null);
  assert.equal(t.addFix({ ...OFF, seq: 5, timeMs: 4000 }).applied, true);
  const dup = t.addFix({ ...OFF, seq: 5, timeMs: 4100 });
  assert.equal(dup.applied, false);
  assert.equal(dup.fixCount, 4);
  assert.equal(t.setCup({ lat: 40.2678, lon: -111.6597 }, 5000).warnings[0].code, 'cup_not_on_green');
});

test('the tracker offers the evidence mode', () => {
  const t = new HoleTracker(course, 1, { hysteresisMode: 'evidence', evidenceFalseSwitchRate: 1e-4, evidenceMaxWaitFixes: 1 });
  const first = t.addFix({ ...ON, accuracyM: 3, timeMs: 1000 });
  assert.equal(first.hysteresisMode, 'evidence');
  assert.ok(Math.abs(first.evidenceLogOdds - Math.log(1e4) / 2) < 1e-9, `${first.evidenceLogOdds}`);
  // One decisive fix on the other side switches; its evidence is on the transition.
  const off = t.addFix({ ...OFF, accuracyM: 3, timeMs: 2000 });
  assert.equal(off.surfaceState, 'OFF_GREEN');
  assert.ok(off.lastTransition.evidence < 0);
  assert.throws(() => new HoleTracker(course, 1, { hysteresisMode: 'vibes' }), (e) => e.code === 'invalid_request');
});

test('the local frame round-trips', () => {
  const p = course.toLocal(1, ON);
  const back = course.toWgs84(1, p);
  assert.ok(Math.abs(back.lat - ON.lat) < 1e-10 && Math.abs(back.lon - ON.lon) < 1e-10);
  assert.equal(course.greenFrame(1).units, 'm');
});

test('errors are GreensideErrors with the HTTP codes', () => {
  const codes = errorCodes();
  assert.equal(codes.hole_not_found, 404);
  const expectCode = (fn, code) => assert.throws(fn, (e) => e instanceof Error && e.name === 'GreensideError' && e.code === code && typeof e.details === 'object');
  expectCode(() => course.classify(7, ON), 'hole_not_found');
  expectCode(() => course.classify(1, { lat: 91, lon: 0 }), 'invalid_coordinates');
  expectCode(() => course.classify(1, { ...ON, accuracyM: 0 }), 'invalid_accuracy');
  expectCode(() => course.classify(1, { lon: 0 }), 'invalid_request');
  expectCode(() => new HoleTracker(course, 1, { commitOnStreak: 0 }), 'invalid_request');
  expectCode(() => Course.fromJson('{'), 'course_data_unavailable');
  try { Course.fromJson('{}'); } catch (e) { assert.equal(e.details.reason, 'course_json_invalid'); }
});

test('the published layout: exports for node, browser and bundlers; no `any` in the types', () => {
  const pkg = require('greenside/package.json');
  assert.equal(pkg.name, 'greenside');
  for (const cond of ['types', 'node', 'browser', 'default']) assert.ok(pkg.exports['.'][cond], cond);
  for (const dir of ['nodejs', 'web', 'bundler']) {
    const dts = readFileSync(new URL(`../pkg/${dir}/greenside.d.ts`, import.meta.url), 'utf8');
    assert.doesNotMatch(dts, /\bany\b/, `${dir}/greenside.d.ts`);
    for (const name of ['export class Course', 'export class HoleTracker', 'export interface Classification', 'export interface TrackerState']) {
      assert.match(dts, new RegExp(name), `${dir}: ${name}`);
    }
    const cl = readFileSync(new URL(`../pkg/${dir}/greenside_classify.d.ts`, import.meta.url), 'utf8');
    assert.doesNotMatch(cl, /\bany\b/, `classify/${dir}`);
    for (const name of ['export class Course', 'export interface Classification', 'export interface Yardages', 'export interface Located']) {
      assert.match(cl, new RegExp(name), `classify/${dir}: ${name}`);
    }
    assert.doesNotMatch(cl, /class HoleTracker/, `classify/${dir} has no tracker`);
  }
  for (const cond of ['types', 'node', 'browser', 'default']) assert.ok(pkg.exports['./classify'][cond], `./classify ${cond}`);
});

test('classifyMany answers what classify answers, in typed arrays', () => {
  const { surfaceNames } = require('greenside');
  const names = surfaceNames();
  assert.equal(names[0], 'GREEN');
  const pts = [ON, OFF, { lat: 40.26, lon: -111.6 }];
  const flat = new Float64Array(pts.flatMap((p) => [p.lat, p.lon]));
  const many = course.classifyMany(1, flat, 4);
  assert.ok(many.surface instanceof Uint8Array && many.distanceToGreenEdgeM instanceof Float64Array);
  pts.forEach((p, i) => {
    const one = course.classify(1, { ...p, accuracyM: 4 });
    assert.equal(names[many.surface[i]], one.surface);
    assert.equal(Boolean(many.onGreen[i]), one.onGreen);
    assert.equal(many.confidence[i], one.confidence);
    assert.equal(many.distanceToGreenEdgeM[i], one.distanceToGreenEdgeM);
  });
  assert.throws(() => course.classifyMany(1, new Float64Array([1])), (e) => e.code === 'invalid_request');
  let single;
  try { course.classify(1, { lat: 91, lon: 0 }); } catch (e) { single = e.code; }
  assert.throws(() => course.classifyMany(1, new Float64Array([91, 0])), (e) => e.code === single && e.details.field === 'positions[0].lat');
  assert.throws(() => course.classifyMany(9, flat), (e) => e.code === 'hole_not_found');
  // The fast form: the same four answers written into a scratch array.
  const out = new Float64Array(4);
  pts.forEach((p, i) => {
    course.classifyInto(1, p.lat, p.lon, 4, out);
    assert.deepEqual([...out], [many.surface[i], many.onGreen[i], many.confidence[i], many.distanceToGreenEdgeM[i]]);
  });
  assert.throws(() => course.classifyInto(1, 40.26, -111.6, 4, new Float64Array(3)), (e) => e.code === 'invalid_request' && e.details.field === 'out');
  assert.throws(() => course.classifyInto(1, 91, 0, 4, out), (e) => e.code === single && e.details.field === 'lat');
  assert.throws(() => course.classifyInto(9, 40.26, -111.6, 4, out), (e) => e.code === 'hole_not_found');
});

test('the wire-level methods refuse a body that repeats a key', () => {
  const t = new HoleTracker(course, 1);
  const sid = t.state().sessionId;
  const body = `{"contract_version":"0.5.0","session_id":"${sid}","ball_wgs84":{"lat":91,"lat":40.26824,"lon":-111.65952}}`;
  assert.throws(() => t.setBallLocationWire(body, 1000), (e) => e.name === 'GreensideError' && e.code === 'duplicate_key' && e.details.key === 'lat');
  assert.equal(t.state().fixCount, 0, 'nothing applied');
  assert.equal(errorCodes().duplicate_key, 400);
});

test('random damage to a course file is a GreensideError or a course, never a crash (both entries)', () => {
  // Seeded: the same 1,500 mutants every run. A panic in the wasm would
  // surface as a RuntimeError (unreachable), not a GreensideError.
  const base = JSON.parse(readFileSync(new URL('../../data/courses/riverside/course.json', import.meta.url), 'utf8'));
  let seed = 7;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor((seed / 2147483648) * n); };
  const JUNK = [null, undefined, NaN, Infinity, -1, 0, 1.5, 1e300, '', 'x', [], {}, [[]], [1], [1, 2, 3, 4], true, { type: 'Polygon' }, { type: 'Mask', coordinates: { bounds: [0, 0, 1, 1], width: 2, height: 2, rle: '1 3' } }];
  const paths = (v, at = []) => (v !== null && typeof v === 'object' ? [at, ...Object.keys(v).flatMap((k) => paths(v[k], [...at, k]))] : [at]);
  const all = paths(base).filter((p) => p.length);
  let errors = 0, loaded = 0;
  for (let i = 0; i < 1500; i++) {
    const c = structuredClone(base);
    for (let m = 0; m <= rand(3); m++) {
      const p = all[rand(all.length)];
      let o = c;
      for (const k of p.slice(0, -1)) { if (o === null || typeof o !== 'object') break; o = o[k]; }
      if (o === null || typeof o !== 'object') continue;
      const k = p[p.length - 1];
      if (rand(4) === 0) delete o[k];
      else if (Array.isArray(o[k]) && rand(2) === 0) o[k] = o[k].slice(0, rand(o[k].length + 1));
      else o[k] = JUNK[rand(JUNK.length)];
    }
    const text = rand(5) === 0 ? JSON.stringify(c).slice(0, rand(2000)) : c;
    for (const [, gs] of ENTRIES) {
      try {
        const course = gs.Course.fromJson(text);
        for (const h of course.holeIds()) course.classify(h, { lat: 40.2682, lon: -111.6595 });
        loaded++;
      } catch (e) {
        assert.equal(e.name, 'GreensideError', `mutant ${i}: ${e.stack}`);
        assert.equal(e.code, 'course_data_unavailable');
        assert.equal(typeof e.details.reason, 'string');
        errors++;
      }
    }
  }
  // Most mutants break a position (the file is mostly coordinates); some must still load.
  assert.ok(errors > 1000 && loaded > 30, `${errors} refused, ${loaded} loaded`);
});

test('the tracker reads its config through core\'s parser: its defaults, bounds and words', () => {
  const refused = (config, message) => assert.throws(() => new HoleTracker(course, 1, config),
    (e) => e.name === 'GreensideError' && e.code === 'invalid_request' && e.details.field === 'config' && message.test(e.message), JSON.stringify(config));
  // Each key is its server variable: the same bounds and the same sentence.
  refused({ hazardCorridorM: 0 }, /^HAZARD_CORRIDOR_M="0" is invalid: expected metres, greater than 0 and at most 100$/);
  refused({ commitOnStreak: 2.5 }, /^SURFACE_COMMIT_ON_STREAK="2.5" is invalid/);
  refused({ sessionTtlS: 30 * 86400 + 1 }, /^SESSION_TTL_S="2592001" is invalid/);
  refused({ defaultAccuracyKind: 'p99' }, /^DEFAULT_ACCURACY_KIND="p99" is invalid/);
  refused({ hysteresisMode: 'vibes' }, /^SURFACE_HYSTERESIS_MODE="vibes" is invalid/);
  // Every key is read as its own variable (camelCase of the variable, SURFACE_ aside).
  const keys = ['commitOnStreak', 'commitOffStreak', 'sessionTtlS', 'defaultAccuracyM', 'defaultAccuracyKind', 'hysteresisMode', 'evidenceFalseSwitchRate', 'evidenceMaxWaitFixes', 'hazardCorridorM', 'shotMinDistanceM', 'shotConfirmFixes'];
  const variables = keys.map((k) => {
    const bad = ['defaultAccuracyKind', 'hysteresisMode'].includes(k) ? 'x' : 0;
    let message = '';
    try { new HoleTracker(course, 1, { [k]: bad }); } catch (e) { message = e.message; }
    const variable = message.split('=')[0];
    assert.ok(variable.replace(/^SURFACE_/, '') === k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(), `${k}: ${message}`);
    return variable;
  });
  assert.equal(new Set(variables).size, keys.length);
  // JavaScript types stay checked: a number is not its text.
  refused({ commitOnStreak: '2' }, /config\.commitOnStreak must be a number/);
  refused({ hysteresisMode: 1 }, /config\.hysteresisMode must be a string/);
  refused(5, /config must be an object/);
  // null and undefined keep the default; other keys are ignored.
  const s = (config) => { const t = new HoleTracker(course, 1, config); t.addFix({ ...ON, timeMs: 1 }); return t.addFix({ ...OFF, timeMs: 2 }); };
  assert.equal(s({ commitOffStreak: null, hazardCorridorM: undefined, other: 1 }).surfaceState, 'ON_GREEN');
  assert.equal(s({ commitOffStreak: 1 }).surfaceState, 'OFF_GREEN');
  const ttl = (config) => { const t = new HoleTracker(course, 1, config); return t.addFix({ ...ON, timeMs: 1000 }).expiresAtMs; };
  assert.deepEqual([ttl(undefined), ttl({ sessionTtlS: 60 })], [1000 + 7200 * 1000, 1000 + 60 * 1000]);
});

test('the tracker\'s golfer numbers are the classification entry\'s', () => {
  const t = new HoleTracker(course, 1);
  const s = t.addFix({ ...OFF, timeMs: 1 });
  const y = course.yardages(1, OFF);
  assert.ok(y.hazards.length > 0);
  assert.equal(JSON.stringify(s.greenDistances), JSON.stringify(y.greenDistances), 'same keys, order and numbers');
  assert.equal(JSON.stringify(s.hazards), JSON.stringify(y.hazards));
});

test('sync refuses what is not the set_ball_locations answer, and a send that returns nothing', async () => {
  const t = new HoleTracker(course, 1);
  t.addFix({ ...ON, timeMs: 1 });
  const sid = t.state().sessionId;
  const notAnswer = (e) => e.name === 'GreensideError' && e.code === 'invalid_request' && e.details.field === 'send';
  await assert.rejects(t.sync(() => undefined, sid), (e) => notAnswer(e) && /not JSON/.test(e.message));
  await assert.rejects(t.sync(() => ({ hole_state: { last_seq: 1 } }), sid), (e) => notAnswer(e) && /hole_state\.last_seq/.test(e.message));
  await assert.rejects(t.sync(() => ({ error: { code: 'nope' } }), sid), (e) => notAnswer(e) && /not greenside's/.test(e.message));
  assert.equal(t.pendingFixes().length, 1, 'nothing confirmed');
  // The tracker's own wire answer is the server's.
  const other = new HoleTracker(course, 1);
  const osid = other.state().sessionId;
  const r = await t.sync((body) => other.setBallLocationsWire(JSON.stringify({ ...body, session_id: osid }), 2), sid);
  assert.deepEqual(Object.entries(r), [['applied', 1], ['pending', 0], ['sent', 1], ['skippedDuplicates', 0]]);
});

test('gcraCheck and deleteSessionWire answer their shapes, keys in order', () => {
  const { gcraCheck } = require('greenside');
  assert.deepEqual(Object.entries(gcraCheck(10, 1000, 2, undefined, 0)), [['allow', true], ['newTatUs', 100000]]);
  assert.deepEqual(Object.entries(gcraCheck(1, 1000, 1, 2000000, 0)), [['allow', false], ['retryAfterMs', 2000]]);
  const t = new HoleTracker(course, 1);
  const sid = t.state().sessionId;
  assert.deepEqual(Object.entries(t.deleteSessionWire(sid, 1)), [['deleted', true], ['session_id', sid]]);
});

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

test('classify answers in JavaScript idiom', () => {
  assert.equal(course.courseId, 'riverside');
  assert.deepEqual(course.holeIds(), [1, 2]);
  const c = course.classify(1, { ...ON, accuracyM: 4, timeMs: 0 });
  assert.equal(c.surface, 'GREEN');
  assert.equal(c.onGreen, true);
  assert.ok(c.confidence > 0.99 && c.confidence <= 1);
  assert.ok(c.distanceToGreenEdgeM > 10);
  assert.deepEqual(Object.keys(c).sort(), ['accuracyKind', 'accuracyM', 'confidence', 'distanceToGreenEdgeM', 'greenDistances', 'hazards', 'local', 'onGreen', 'surface']);
  // On the green: the front is 0; towards the course's default cup.
  assert.equal(c.greenDistances.target, 'CUP');
  assert.equal(c.greenDistances.frontM, 0);
  assert.ok(c.greenDistances.middleM < c.greenDistances.backM);
  const off = course.classify(1, { ...OFF, timeMs: 0 });
  assert.equal(off.surface, 'FAIRWAY');
  const g = off.greenDistances;
  assert.ok(g.frontM > 0 && g.frontM < g.middleM && g.middleM < g.backM, JSON.stringify(g));
  assert.ok(off.hazards.every((h) => ['BUNKER', 'WATER'].includes(h.surface) && h.reachM <= h.carryM && ['LEFT', 'RIGHT', 'ON_LINE'].includes(h.side)));
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
  expectCode(() => course.classify(7, { ...ON, timeMs: 0 }), 'hole_not_found');
  expectCode(() => course.classify(1, { lat: 91, lon: 0, timeMs: 0 }), 'invalid_coordinates');
  expectCode(() => course.classify(1, { ...ON, accuracyM: 0, timeMs: 0 }), 'invalid_accuracy');
  expectCode(() => course.classify(1, { lat: '40', lon: 0, timeMs: 0 }), 'invalid_request');
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
  }
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
    const one = course.classify(1, { ...p, accuracyM: 4, timeMs: 0 });
    assert.equal(names[many.surface[i]], one.surface);
    assert.equal(Boolean(many.onGreen[i]), one.onGreen);
    assert.equal(many.confidence[i], one.confidence);
    assert.equal(many.distanceToGreenEdgeM[i], one.distanceToGreenEdgeM);
  });
  assert.throws(() => course.classifyMany(1, new Float64Array([1])), (e) => e.code === 'invalid_request');
  let single;
  try { course.classify(1, { lat: 91, lon: 0, timeMs: 0 }); } catch (e) { single = e.code; }
  assert.throws(() => course.classifyMany(1, new Float64Array([91, 0])), (e) => e.code === single && e.details.field === 'positions[0].lat');
  assert.throws(() => course.classifyMany(9, flat), (e) => e.code === 'hole_not_found');
  // The fast form: the same four answers written into a scratch array.
  const out = new Float64Array(4);
  pts.forEach((p, i) => {
    course.classifyInto(1, p.lat, p.lon, 4, out);
    assert.deepEqual([...out], [many.surface[i], many.onGreen[i], many.confidence[i], many.distanceToGreenEdgeM[i]]);
  });
  assert.throws(() => course.classifyInto(1, 40.26, -111.6, 4, new Float64Array(3)), (e) => e.code === 'invalid_request' && e.details.field === 'out');
  assert.throws(() => course.classifyInto(1, 91, 0, 4, out), (e) => e.code === single && e.details.field === 'position.lat');
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

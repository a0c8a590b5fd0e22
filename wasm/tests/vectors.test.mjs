// Replays every shared vector (tests/vectors/*.json) through the npm package
// built in wasm/pkg, loaded through its package.json `exports` as Node would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const require = createRequire(import.meta.url);
const gs = require('greenside'); // by name: exports["."].node
const classifyEntry = require('greenside/classify'); // exports["./classify"].node
const STATUS = gs.errorCodes();
const COURSES = Object.fromEntries(['riverside', 'augusta_national'].map((id) => [id, readFileSync(join(root, 'data/courses', id, 'course.json'), 'utf8')]));

/** camelCase keys → snake_case, deeply (the package's objects against the wire's vectors). */
function snake(v) {
  if (Array.isArray(v)) return v.map(snake);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/_wgs_84$/, '_wgs84'), snake(x)]));
  return v;
}

/** expected ⊆ actual, as testkit/src/lib.rs defines it. */
export function matches(expected, actual, path = 'body') {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected) && '$approx' in expected) {
    if (typeof actual !== 'number') return `${path}: expected a number near ${expected.$approx}, got ${JSON.stringify(actual)}`;
    return Math.abs(actual - expected.$approx) <= expected.$tol ? null : `${path}: ${actual} is not within ${expected.$tol} of ${expected.$approx}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path}: expected ${expected.length} elements, got ${JSON.stringify(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const e = matches(expected[i], actual[i], `${path}[${i}]`);
      if (e) return e;
    }
    return null;
  }
  if (expected !== null && typeof expected === 'object') {
    for (const [k, v] of Object.entries(expected)) {
      const e = matches(v, actual === null || actual === undefined ? undefined : actual[k], `${path}.${k}`);
      if (e) return e;
    }
    return null;
  }
  if (expected === null) return actual === null || actual === undefined ? null : `${path}: expected null, got ${JSON.stringify(actual)}`;
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Number.isInteger(expected) && Number.isInteger(actual)) return expected === actual ? null : `${path}: expected ${expected}, got ${actual}`;
    return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)) ? null : `${path}: expected ${expected}, got ${actual}`;
  }
  return expected === actual ? null : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

function substitute(v, sid) {
  if (v === '$session_id' || v === '$round_id') return sid;
  if (Array.isArray(v)) return v.map((x) => substitute(x, sid));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, sid)]));
  return v;
}

function stepBody(step, sid) {
  // A raw body is sent as written (`1.0` stays `1.0`; JSON.stringify would write `1`).
  let body = step.raw_body !== undefined ? step.raw_body.replaceAll('$session_id', sid).replaceAll('$round_id', sid) : step.body !== undefined ? JSON.stringify(substitute(step.body, sid)) : '';
  if (step.pad_to_bytes) body = body.padEnd(step.pad_to_bytes, ' ');
  return body;
}

function trackerConfig(c = {}) {
  const map = { hazard_corridor_m: 'hazardCorridorM', shot_min_distance_m: 'shotMinDistanceM', shot_confirm_fixes: 'shotConfirmFixes', commit_on_streak: 'commitOnStreak', commit_off_streak: 'commitOffStreak', session_ttl_s: 'sessionTtlS', default_accuracy_m: 'defaultAccuracyM', default_accuracy_kind: 'defaultAccuracyKind', hysteresis_mode: 'hysteresisMode', evidence_false_switch_rate: 'evidenceFalseSwitchRate', evidence_max_wait_fixes: 'evidenceMaxWaitFixes' };
  return Object.fromEntries(Object.entries(c).map(([k, v]) => {
    assert.ok(map[k], `unknown config key ${k}`);
    return [map[k], v];
  }));
}

/** (status, body) the way the HTTP API would answer, from the package. */
function answer(fn) {
  try {
    return [200, fn()];
  } catch (e) {
    assert.equal(e.name, 'GreensideError', `a ${e.name} escaped: ${e.message}`);
    assert.ok(e.code in STATUS, `unknown code ${e.code}`);
    // The one error shape, as the servers check it (testkit's check_error_shape):
    // an Error, a stable code, a sentence, and details as a plain object.
    assert.ok(e instanceof Error, 'a GreensideError is an Error');
    assert.ok(typeof e.message === 'string' && e.message.length > 0, `${e.code}: no message`);
    assert.ok(e.details !== null && typeof e.details === 'object' && !Array.isArray(e.details), `${e.code}: details is not an object`);
    if ('field' in e.details) assert.equal(typeof e.details.field, 'string', `${e.code}: details.field`);
    return [STATUS[e.code], { error: { code: e.code, message: e.message, details: e.details } }];
  }
}

const files = readdirSync(join(root, 'tests/vectors')).filter((f) => f.endsWith('.json')).sort();

test('every vector file is replayed', () => {
  // Exactly the files tests/vectors/files.txt lists: one dropped or added without it fails.
  const listed = readFileSync(join(root, 'tests/vectors/files.txt'), 'utf8')
    .split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).sort();
  assert.deepEqual(files, listed);
});

for (const file of files) {
  const v = JSON.parse(readFileSync(join(root, 'tests/vectors', file), 'utf8'));
  test(`vector ${v.name}`, () => {
    assert.equal(`${v.name}.json`, file);
    if (v.kind === 'session') {
      assert.ok(v.course_id in COURSES, `${v.name}: course ${v.course_id} is not bundled`);
      const course = gs.Course.fromJson(COURSES[v.course_id]);
      const firstHole = course.holeIds()[0];
      const config = trackerConfig(v.config);
      let tracker = new gs.HoleTracker(course, firstHole, config);
      // The round tracker of the latest round started (errors before one go to a tracker with none).
      let rounds = null;
      const idle = new gs.RoundTracker(course, config);
      let sid = '';
      v.steps.forEach((step, i) => {
        const now = step.now_ms ?? 0;
        const body = stepBody(step, sid);
        const pathId = step.session_id !== undefined ? substitute(step.session_id, sid)
          : step.round_id !== undefined ? substitute(step.round_id, sid) : undefined;
        let status, reply;
        switch (step.op) {
          case 'start': {
            const t = new gs.HoleTracker(course, firstHole, config);
            [status, reply] = answer(() => t.startWire(body, now));
            if (status === 200) { tracker = t; sid = reply.session_id; }
            break;
          }
          case 'set_ball_location': [status, reply] = answer(() => tracker.setBallLocationWire(body, now)); break;
          case 'set_ball_locations': [status, reply] = answer(() => tracker.setBallLocationsWire(body, now)); break;
          case 'set_cup_location': [status, reply] = answer(() => tracker.setCupLocationWire(body, now)); break;
          case 'get_session': [status, reply] = answer(() => tracker.getSessionWire(pathId, now)); break;
          case 'delete_session': [status, reply] = answer(() => tracker.deleteSessionWire(pathId, now)); break;
          case 'get_hole_advice': [status, reply] = answer(() => (rounds ?? tracker).adviceDecisionWire(body, now, 'run_00000000000000000000000000000001')); break;
          // A round: the package's RoundTracker (one round at a time, as a page plays it).
          case 'round_start': {
            const t = new gs.RoundTracker(course, config);
            [status, reply] = answer(() => t.startWire(body, now));
            if (status === 200) { rounds = t; sid = reply.round_state.round_id; }
            break;
          }
          case 'round_set_ball_location': [status, reply] = answer(() => (rounds ?? idle).setBallLocationWire(body, now)); break;
          case 'round_next_hole': [status, reply] = answer(() => (rounds ?? idle).nextHoleWire(body, now)); break;
          case 'round_set_score': [status, reply] = answer(() => (rounds ?? idle).setScoreWire(body, now)); break;
          case 'get_round': [status, reply] = answer(() => (rounds ?? idle).getRoundWire(pathId)); break;
          case 'delete_round': [status, reply] = answer(() => (rounds ?? idle).deleteRoundWire(pathId)); break;
          case 'list_rounds': [status, reply] = answer(() => (rounds ?? idle).listRoundsWire('')); break;
          case 'locate': {
            assert.equal(step.course_id, v.course_id, `${v.name}: locate on the file's course`);
            [status, reply] = answer(() => snake(course.locate({ lat: step.query.lat, lon: step.query.lon })));
            // The classification entry answers the same, to the bit.
            const [s2, r2] = answer(() => snake(classifyEntry.Course.fromJson(COURSES[v.course_id]).locate({ lat: step.query.lat, lon: step.query.lon })));
            assert.deepEqual([s2, r2], [status, reply], `${v.name}: greenside/classify's locate`);
            break;
          }
          case 'measure': {
            assert.equal(step.course_id, v.course_id, `${v.name}: measure on the file's course`);
            const point = (s) => { const [lat, lon] = s.split(',').map(Number); return { lat, lon }; };
            const to = step.query.to.startsWith('aim:') ? { aim: Number(step.query.to.slice(4)) } : point(step.query.to);
            const wire = snake;
            [status, reply] = answer(() => wire(course.measure(step.hole_id, point(step.query.from), to)));
            const [s2, r2] = answer(() => wire(classifyEntry.Course.fromJson(COURSES[v.course_id]).measure(step.hole_id, point(step.query.from), to)));
            assert.deepEqual([s2, r2], [status, reply], `${v.name}: greenside/classify's measure`);
            break;
          }
          default: assert.fail(`${v.name}: op ${step.op} has no mapping`);
        }
        const where = `${v.name} step ${i} (${step.op})`;
        assert.equal(status, step.expect.status, `${where}: ${JSON.stringify(reply)}`);
        if (step.expect.body !== undefined) {
          const e = matches(step.expect.body, reply);
          assert.equal(e, null, `${where}: ${e}\nreply: ${JSON.stringify(reply)}`);
        }
      });
    } else if (v.kind === 'run_lifecycle') {
      for (const run of v.runs) {
        let status = 'queued';
        for (const [to, , expect] of run.transitions) {
          if (expect === 'ok') {
            gs.checkRunTransition(status, to);
            status = to;
          } else {
            assert.throws(() => gs.checkRunTransition(status, to), (e) => e.code === expect, `${status} -> ${to}`);
          }
        }
      }
    } else if (v.kind === 'gcra') {
      let tat = undefined;
      v.requests.forEach(([now, want], i) => {
        const d = gs.gcraCheck(v.limit, v.period_ms, v.burst, tat, now);
        if (want === 'allow') {
          assert.equal(d.allow, true, `request ${i}`);
          tat = d.newTatUs;
        } else {
          assert.deepEqual(d, { allow: false, retryAfterMs: want }, `request ${i}`);
        }
      });
    } else {
      assert.fail(`unknown vector kind ${v.kind}`);
    }
  });
}

test('the matcher can fail', () => {
  assert.notEqual(matches({ a: 1 }, { a: 2 }), null);
  assert.notEqual(matches({ a: { $approx: 1, $tol: 0.1 } }, { a: 1.2 }), null);
  assert.notEqual(matches([1], [1, 2]), null);
  assert.equal(matches({ a: null }, {}), null);
});

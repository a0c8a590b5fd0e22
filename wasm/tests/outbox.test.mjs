// The tracker's outbox against the real server (a built binary on a free
// port): fixes apply locally at once, wait in the outbox, and `sync` brings
// the server to the same state, whatever is lost or repeated on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const { Course, HoleTracker } = require('greenside');
const course = Course.fromJson(readFileSync(new URL('../../data/courses/riverside/course.json', import.meta.url), 'utf8'));
// GREENSIDE_BIN when given (the test command passes its test build's), else a built server.
const built = (p) => new URL(`../../target/${p}/greenside`, import.meta.url).pathname;
const BIN = [process.env.GREENSIDE_BIN && resolve(process.env.GREENSIDE_BIN), built('release'), built('debug')]
  .find((p) => p && existsSync(p)) ?? built('release');
const ON = { lat: 40.26824, lon: -111.65952 };
const OFF = { lat: 40.2676, lon: -111.6601 };

let server;
let base;

before(async () => {
  assert.ok(existsSync(BIN), `the server is not built: cargo build --release -p greenside-server (${BIN})`);
  server = spawn(BIN, ['serve', '--host', '127.0.0.1', '--port', '0'], {
    // Runs in memory: nothing written into the working directory.
    env: { PATH: process.env.PATH, RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'info', RUN_STORE_BACKEND: 'memory' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  base = await new Promise((resolve, reject) => {
    let buf = '';
    server.stderr.on('data', (d) => {
      buf += d;
      const m = buf.match(/"addr":"([^"]+)"/);
      if (m) resolve(`http://${m[1]}`);
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}: ${buf}`)));
    setTimeout(() => reject(new Error(`server did not start: ${buf}`)), 20000);
  });
});

after(() => server?.kill());

async function post(path, body) {
  const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return r.json();
}

async function serverState(sid) {
  return (await (await fetch(`${base}/api/session/${sid}`)).json()).hole_state;
}

// The tracker's state in the server's wire shape, for a field-by-field comparison.
function localWire(t) {
  const s = t.state();
  return {
    surface_state: s.surfaceState, candidate_state: s.candidateState, candidate_streak: s.candidateStreak,
    surface: s.surface, surface_confidence: s.surfaceConfidence, distance_to_green_edge_m: s.distanceToGreenEdgeM,
    fix_count: s.fixCount, last_seq: s.lastSeq, transitions: s.transitions, suppressed_flickers: s.suppressedFlickers,
    hysteresis_mode: s.hysteresisMode, evidence_log_odds: s.evidenceLogOdds, ball_wgs84: s.ball, cup_wgs84: s.cup,
    last_transition: s.lastTransition && { from: s.lastTransition.from, to: s.lastTransition.to, at_fix: s.lastTransition.atFix, streak: s.lastTransition.streak },
  };
}
function serverWire(hs) {
  const pick = {};
  // The server leaves out fields that are null (evidence_log_odds in streak mode).
  for (const k of Object.keys(localWire(tracker0))) pick[k] = hs[k] ?? null;
  if (pick.last_transition) {
    const { from, to, at_fix, streak } = pick.last_transition;
    pick.last_transition = { from, to, at_fix, streak };
  }
  return pick;
}
const tracker0 = new HoleTracker(course, 1);

test('fixes wait in the outbox with their seq until a sync confirms them', async () => {
  const start = await post('/api/session/start', { contract_version: '0.5.0', course_id: 'riverside', hole_id: 1 });
  const sid = start.session_id;
  const t = new HoleTracker(course, 1);
  const path = [OFF, OFF, ON, ON, OFF, ON, ON, ON];
  path.forEach((p, i) => t.addFix({ ...p, accuracyM: 4, timeMs: 1000 * (i + 1) }));
  const pending = t.pendingFixes();
  assert.deepEqual(pending.map((f) => f.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(Object.keys(pending[0]).sort(), ['accuracy_m', 'ball_wgs84', 'client_time_ms', 'seq']);

  const sent = [];
  const send = (body) => { sent.push(body); return post('/api/session/set_ball_locations', body); };
  const r = await t.sync(send, sid);
  assert.deepEqual(r, { sent: 8, applied: 8, skippedDuplicates: 0, pending: 0 });
  assert.equal(sent.length, 1);
  assert.equal(sent[0].session_id, sid);
  assert.deepEqual(t.pendingFixes(), []);
  assert.deepEqual(serverWire(await serverState(sid)), localWire(t));
  // Nothing to send: send is not called.
  assert.deepEqual(await t.sync(() => assert.fail('nothing pending'), sid), { sent: 0, applied: 0, skippedDuplicates: 0, pending: 0 });
});

test('a lost answer or a failed send loses nothing and counts nothing twice', async () => {
  const sid = (await post('/api/session/start', { contract_version: '0.5.0', course_id: 'riverside', hole_id: 1 })).session_id;
  const t = new HoleTracker(course, 1);
  let time = 0;
  const add = (p) => t.addFix({ ...p, accuracyM: 5, timeMs: (time += 1000) });
  for (const p of [OFF, OFF, OFF, ON]) add(p);

  // Offline: the send fails before reaching the server.
  await assert.rejects(t.sync(() => Promise.reject(new TypeError('Failed to fetch')), sid), /Failed to fetch/);
  assert.equal(t.pendingFixes().length, 4);
  // The server takes the batch but the answer is lost on the way back.
  await assert.rejects(t.sync(async (body) => { await post('/api/session/set_ball_locations', body); throw new Error('connection reset'); }, sid), /reset/);
  assert.equal(t.pendingFixes().length, 4, 'unconfirmed fixes stay');
  for (const p of [ON, ON, OFF, ON]) add(p);
  // Back: the retry repeats the first four (skipped there) and sends four new ones.
  const r = await t.sync((body) => post('/api/session/set_ball_locations', body), sid);
  assert.deepEqual(r, { sent: 8, applied: 4, skippedDuplicates: 4, pending: 0 });
  const hs = await serverState(sid);
  assert.equal(hs.fix_count, 8, 'no fix counted twice');
  assert.deepEqual(serverWire(hs), localWire(t));
});

test('the server refusing a batch rejects with its code and keeps the fixes', async () => {
  const t = new HoleTracker(course, 1);
  t.addFix({ ...ON, timeMs: 1 });
  await assert.rejects(
    t.sync((body) => post('/api/session/set_ball_locations', body), 'gs_00000000000000000000000000000000'),
    (e) => e.name === 'GreensideError' && e.code === 'session_not_found',
  );
  assert.equal(t.pendingFixes().length, 1);
  await assert.rejects(t.sync(() => ({ nope: true }), 'gs_00000000000000000000000000000000'), /hole_state\.last_seq/);
});

test('more than one batch: 1,200 fixes go in three posts', async () => {
  const sid = (await post('/api/session/start', { contract_version: '0.5.0', course_id: 'riverside', hole_id: 1 })).session_id;
  const t = new HoleTracker(course, 1, { sessionTtlS: 86400 });
  for (let i = 0; i < 1200; i++) t.addFix({ ...(i % 7 < 3 ? OFF : ON), accuracyM: 4, timeMs: 1000 * (i + 1) });
  let posts = 0;
  const r = await t.sync((body) => { posts += 1; assert.ok(body.fixes.length <= 500); return post('/api/session/set_ball_locations', body); }, sid);
  assert.equal(posts, 3);
  assert.deepEqual(r, { sent: 1200, applied: 1200, skippedDuplicates: 0, pending: 0 });
  assert.deepEqual(serverWire(await serverState(sid)), localWire(t));
});

// The web page in real Chromium (Debian's, driven by playwright-core): the
// golfer's flow and the admin flow against a greenside server and a keyed
// test solver that this test starts. Screenshots go to target/web-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createServer, request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, existsSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const artifacts = join(root, 'target', 'web-artifacts');
const KEY = 'e2e-service-key';
const ADMIN = 'e2e-admin-token';
const CUP = { lat: 40.268251, lon: -111.659486 };
const OFF = { lat: 40.267728069, lon: -111.659682572 };
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

let solver, solverUrl, server, base, browser, bundles, appSite, appPort;
const received = [];

function startSolver() {
  return new Promise((resolve) => {
    solver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        received.push({ path: req.url, key: req.headers['x-api-key'], body: JSON.parse(body || 'null') });
        if (req.headers['x-api-key'] !== KEY) { res.writeHead(401); return res.end('key required'); }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(req.url === '/solve_putt' ? { aim_offset_m: 0.1, solver: 'e2e' } : { club: '9i', carry_m: 55, planner: 'e2e' }));
      });
    });
    solver.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${solver.address().port}`));
  });
}

// A web app on another origin (seed 000's separate frontend): one page, no
// greenside code, calling the API with fetch. Served on 127.0.0.1 (allowed
// by CORS_ALLOWED_ORIGINS) and reached as localhost too (another origin).
function startAppSite() {
  return new Promise((resolve) => {
    appSite = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>another app</title><p>another origin</p>');
    });
    appSite.listen(0, '127.0.0.1', () => resolve(appSite.address().port));
  });
}

function startServer() {
  const bin = [process.env.GREENSIDE_BIN, join(root, 'target/release/greenside'), join(root, 'target/debug/greenside')].find((p) => p && existsSync(p));
  assert.ok(bin, 'build the server first (cargo build --release -p greenside-server)');
  bundles = mkdtempSync(join(tmpdir(), 'greenside-e2e-'));
  server = spawn(bin, ['serve', '--host', '127.0.0.1', '--port', '0'], {
    env: {
      PATH: process.env.PATH, LOG_LEVEL: 'info',
      PUTT_SOLVER_URL: solverUrl, PUTT_SOLVER_API_KEY: KEY, TEE_TO_GREEN_URL: solverUrl, TEE_TO_GREEN_API_KEY: KEY,
      ADMIN_TOKEN: ADMIN, DEBUG_BUNDLE_ENABLED: 'true', DEBUG_BUNDLE_DIR: bundles, RATE_LIMIT_ENABLED: 'false',
      // The default run store, beside the bundles in the test's own directory.
      RUN_STORE_DIR: join(bundles, 'runs'),
      CORS_ALLOWED_ORIGINS: `http://127.0.0.1:${appPort}`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('greenside did not start')), 20000);
    createInterface({ input: server.stderr }).on('line', (line) => {
      const m = line.match(/greenside listening on (http:\/\/[0-9.:]+)/);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
  });
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  solverUrl = await startSolver();
  appPort = await startAppSite();
  base = await startServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
  solver?.close();
  appSite?.close();
  if (bundles) rmSync(bundles, { recursive: true, force: true });
});

async function openPage(viewport) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, errors, context };
}

async function fixByKeyboard(page, p) {
  await page.fill('#lat', String(p.lat));
  await page.fill('#lon', String(p.lon));
  await page.click('#send-ball');
}

test('the golfer flow: session, cup, hold then switch, advice with its picture', { timeout: 120000 }, async () => {
  const { page, errors, context } = await openPage({ width: 1280, height: 900 });
  await page.click('#start');
  await page.waitForSelector('#session-info:has-text("started")');
  // The cup by keyboard, the first fix by clicking the green on the map.
  await page.fill('#lat', String(CUP.lat));
  await page.fill('#lon', String(CUP.lon));
  await page.click('#send-cup');
  await page.waitForSelector('#server-state:has-text("none")');
  await page.click('path[data-surface="green"]');
  await page.waitForSelector('#server-card[data-surface-state="ON_GREEN"]');
  await page.waitForSelector('#local-state dd:text-is("GREEN")');
  // Two fairway fixes: the first holds, the second switches.
  await fixByKeyboard(page, OFF);
  await page.waitForSelector('#server-card[data-surface-state="ON_GREEN"][data-streak="1"]');
  await page.waitForSelector('#local-state dd:text-is("FAIRWAY")');
  await fixByKeyboard(page, OFF);
  await page.waitForSelector('#server-card[data-surface-state="OFF_GREEN"][data-streak="0"]');
  assert.match(await page.textContent('#local-state'), /OFF_GREEN · streak 0/);
  // Advice from the (test) planner, three times for the admin pages below.
  for (let i = 0; i < 3; i++) {
    await page.click('#advice');
    await page.waitForSelector(`#advice-result p:has-text("Run run_")`);
  }
  assert.equal(await page.getAttribute('#advice-head', 'data-plan-type'), 'TEE_TO_GREEN');
  assert.match(await page.textContent('#advice-plan'), /"planner": "e2e"/);
  assert.equal(await page.locator('#advice-plot svg .ball').count(), 1);
  await page.screenshot({ path: join(artifacts, 'golfer.png'), fullPage: true });
  assert.ok(received.length >= 3 && received.every((r) => r.key === KEY && r.path === '/plan_shot'));
  // A phone-sized viewport still shows the map and the controls.
  const phone = await openPage({ width: 390, height: 844 });
  assert.ok(await phone.page.isVisible('#map'));
  assert.ok(await phone.page.isVisible('#start'));
  await phone.page.screenshot({ path: join(artifacts, 'golfer-phone.png'), fullPage: true });
  await phone.context.close();
  assert.deepEqual(errors, [], 'no console errors');
  assert.deepEqual(phone.errors, [], 'no console errors on the phone viewport');
  await context.close();
});

// Three tee-to-green runs of the admin test's own: a session on Augusta's
// first hole (no other test plays there), a fix on the tee, three advice calls.
async function ownRuns() {
  const call = async (path, body) => {
    const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contract_version: '0.5.0', ...body }) });
    const answer = await r.json();
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(answer)}`);
    return answer;
  };
  const { session_id } = await call('/api/session/start', { course_id: 'augusta_national', hole_id: 1 });
  await call('/api/session/set_ball_location', { session_id, ball_wgs84: { lat: 33.5023672, lon: -82.0198831 }, accuracy_m: 3 });
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push((await call('/api/get_hole_advice', { session_id })).run_id);
  return runs;
}

test('the admin flow: health, filters, pages, a run in the drawer, prune after typing PRUNE', { timeout: 120000 }, async () => {
  const runs = await ownRuns();
  assert.equal(new Set(runs).size, 3, `three runs: ${runs}`);
  const { page, errors, context } = await openPage({ width: 1280, height: 900 });
  await page.click('#tab-admin');
  await page.fill('#token', ADMIN);
  await page.press('#token', 'Enter');
  await page.waitForSelector('#health tbody tr');
  assert.match(await page.textContent('#health'), /Session store\s*healthy/);
  await page.selectOption('#f-plan', 'TEE_TO_GREEN');
  await page.fill('#f-course', 'augusta_national');
  await page.selectOption('#f-limit', '2');
  await page.click('#apply-filters');
  await page.waitForSelector('#page-info:has-text("Page 1: 2 run(s)")');
  assert.equal(await page.isEnabled('#next-page'), true);
  await page.click('#next-page');
  await page.waitForSelector('#page-info:has-text("Page 2: 1 run(s)")');
  await page.click('#prev-page');
  await page.waitForSelector('#page-info:has-text("Page 1: 2 run(s)")');
  await page.click('#runs tbody tr:first-child button');
  await page.waitForSelector('#drawer:not([hidden])');
  assert.match(await page.textContent('#drawer-facts'), /succeeded/);
  const shown = JSON.parse(await page.textContent('#drawer-run'));
  assert.ok(runs.includes(shown.run_id) && shown.course_id === 'augusta_national', `one of this test's runs: ${shown.run_id}`);
  const bundle = await page.textContent('#drawer-bundle');
  assert.match(bundle, /"decision"/);
  assert.match(bundle, /\[REDACTED\]/);
  assert.doesNotMatch(bundle, new RegExp(KEY));
  await page.screenshot({ path: join(artifacts, 'admin-drawer.png'), fullPage: true });
  await page.click('#drawer-close');
  // Prune: visible with a token, refused until PRUNE is typed.
  assert.ok(await page.isVisible('#prune'));
  await page.fill('#p-max-runs', '1');
  assert.equal(await page.isEnabled('#prune-go'), false);
  await page.fill('#p-confirm', 'prune');
  assert.equal(await page.isEnabled('#prune-go'), false);
  await page.fill('#p-confirm', 'PRUNE');
  await page.click('#prune-go');
  // Prune covers every run of the server (the golfer test's too, when it ran first).
  await page.waitForSelector('#prune-result:has-text("kept 1")');
  const [, scanned, deleted] = (await page.textContent('#prune-result')).match(/scanned (\d+), deleted (\d+), kept 1/).map(Number);
  assert.ok(scanned >= 3 && deleted === scanned - 1, `scanned ${scanned}, deleted ${deleted}`);
  await page.screenshot({ path: join(artifacts, 'admin.png'), fullPage: true });
  assert.deepEqual(errors, [], 'no console errors');
  await context.close();
});

test('offline: the page keeps committing on the phone, loads from its cache, and the server catches up exactly', { timeout: 120000 }, async () => {
  const { page, errors, context } = await openPage({ width: 1280, height: 900 });
  // The service worker has cached the page, the package and the course.
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.click('#start');
  await page.waitForSelector('#session-info:has-text("started")');
  const sid = await page.evaluate(() => window.greenside.sessionId());
  await page.click('path[data-surface="green"]');
  await page.waitForSelector('#server-card[data-surface-state="ON_GREEN"]');
  await page.waitForSelector('#sync-status[data-pending="0"][data-online="true"]');

  // Signal lost mid-hole: three fairway fixes commit OFF_GREEN on the phone alone.
  await context.setOffline(true);
  for (let i = 0; i < 3; i++) await fixByKeyboard(page, OFF);
  await page.waitForSelector('#sync-status[data-online="false"][data-pending="3"]');
  assert.match(await page.textContent('#sync-status'), /Offline · 3 fixes waiting · "In your browser" shows/);
  assert.match(await page.textContent('#local-state'), /OFF_GREEN · streak 0/);
  // The golfer's numbers came from the phone alone: the front is ahead again (not 0 as on the green).
  assert.ok(Number(await page.textContent('#y-front')) > 0, 'front of the green from the fairway, offline');
  assert.equal(await page.getAttribute('#server-card', 'data-surface-state'), 'ON_GREEN', 'the server has not heard yet');
  await page.screenshot({ path: join(artifacts, 'golfer-offline.png'), fullPage: true });

  // Still offline, the page opens again from the service worker's cache and classifies.
  const again = await context.newPage();
  await again.goto(base);
  await again.waitForSelector('body[data-ready="true"]');
  assert.ok(await again.isVisible('path[data-surface="green"]'), 'the map drew from the cached course');
  assert.equal(await again.textContent('#golfer-error'), '', 'the wasm loaded from the cache');
  await again.close();

  // Back online: the outbox drains and the server reaches the phone's state.
  await context.setOffline(false);
  await page.waitForSelector('#sync-status[data-online="true"][data-pending="0"]');
  await page.waitForSelector('#server-card[data-surface-state="OFF_GREEN"]');
  const server = await (await fetch(`${base}/api/session/${sid}`)).json();
  const local = await page.evaluate(() => window.greenside.state());
  const hs = server.hole_state;
  assert.equal(hs.fix_count, 4, 'no fix counted twice');
  assert.deepEqual(
    [hs.surface_state, hs.candidate_state, hs.candidate_streak, hs.surface, hs.fix_count, hs.last_seq, hs.transitions, hs.suppressed_flickers, hs.distance_to_green_edge_m, hs.surface_confidence],
    [local.surfaceState, local.candidateState, local.candidateStreak, local.surface, local.fixCount, local.lastSeq, local.transitions, local.suppressedFlickers, local.distanceToGreenEdgeM, local.surfaceConfidence],
  );
  assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(e)), [], 'no console errors but the offline fetches');
  await context.close();
});

// A tee of the example course's second hole (data/courses/riverside/course.json).
const TEE2 = { lat: 40.2697807, lon: -111.6572558 };
// On the green, 3 m from the cup (a ball on the cup itself has no line of play).
const ON = { lat: 40.26824, lon: -111.65952 };

test("the golfer's numbers on a phone: front / middle / back as fixes arrive, hazards, shots, yards remembered, the hole found", { timeout: 120000 }, async () => {
  const { page, errors, context } = await openPage({ width: 390, height: 844 });
  await page.evaluate(() => localStorage.removeItem('greenside-units'));
  await page.click('#start');
  await page.waitForSelector('#session-info:has-text("started")');
  const num = async (id) => Number(await page.textContent(id));
  // From the fairway: the green is ahead, front < middle < back, and the numbers are large.
  await fixByKeyboard(page, OFF);
  await page.waitForFunction(() => document.getElementById('y-middle').textContent !== '—');
  const [front, middle, back] = [await num('#y-front'), await num('#y-middle'), await num('#y-back')];
  assert.ok(front > 0 && front < middle && middle < back, `${front} / ${middle} / ${back}`);
  const size = await page.evaluate(() => parseFloat(getComputedStyle(document.getElementById('y-middle')).fontSize));
  assert.ok(size >= 48, `the middle number is ${size}px`);
  assert.notEqual(await page.textContent('#hazards'), '', 'the hazards list is drawn');
  // A second fix there confirms nothing new; then two on the green make the first shot.
  await fixByKeyboard(page, OFF);
  await fixByKeyboard(page, ON);
  await fixByKeyboard(page, ON);
  await page.waitForSelector('#strokes:has-text("Strokes: 1")');
  assert.equal(await num('#y-front'), 0, 'on the green the front is 0');
  assert.ok(await num('#y-middle') < middle, 'closer to the pin than from the fairway');
  assert.match(await page.textContent('#shots'), /fairway → green/);
  await page.screenshot({ path: join(artifacts, 'golfer-numbers-phone.png'), fullPage: true });
  // Yards: the same distances / 0.9144, and the choice survives a reload.
  const metres = await num('#y-back');
  await page.click('#units');
  await page.waitForSelector('#units:has-text("Yards")');
  assert.ok(Math.abs(await num('#y-back') - metres / 0.9144) <= 1, 'yards');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.textContent('#units'), 'Yards');
  // Start on the hole I am on: the second hole's tee, typed.
  await page.fill('#lat', String(TEE2.lat));
  await page.fill('#lon', String(TEE2.lon));
  await page.click('#here');
  await page.waitForSelector('#session-info:has-text("on hole 2")');
  assert.equal(await page.inputValue('#hole'), '2');
  // The position became the session's first fix: the numbers are there, in yards.
  await page.waitForFunction(() => document.getElementById('y-middle').textContent !== '—');
  assert.ok(await num('#y-middle') > 100, 'from the second tee to its green, in yards');
  await page.screenshot({ path: join(artifacts, 'golfer-hole-found.png'), fullPage: true });
  await page.click('#units');
  assert.deepEqual(errors, [], 'no console errors');
  await context.close();
});

// Augusta National's 13th (data/courses/augusta_national/course.json): its tee, and a line with two aim points.
const TEE13 = { lat: 33.494032, lon: -82.0235094 };

test('aim points, layup marks and a tapped point measured on a phone, online and offline, as the server measures them', { timeout: 120000 }, async () => {
  const { page, errors, context } = await openPage({ width: 390, height: 844 });
  await page.evaluate(() => localStorage.setItem('greenside-units', 'm'));
  await page.selectOption('#course', 'augusta_national');
  await page.waitForSelector('#hole option[value="13"]', { state: 'attached' });
  await page.selectOption('#hole', '13');
  // The hole's line and its two aim points are drawn before any ball.
  await page.waitForFunction(() => document.querySelectorAll('.aim-mark').length === 2);
  assert.match(await page.textContent('#aim'), /set the ball/);
  await page.click('#start');
  await page.waitForSelector('#session-info:has-text("started")');
  await fixByKeyboard(page, TEE13);
  await page.waitForFunction(() => document.querySelectorAll('#aim li[data-aim]').length === 2);
  await page.waitForFunction(() => document.querySelectorAll('.layup-mark').length === 3);
  const server = async (to) => (await fetch(`${base}/api/courses/augusta_national/holes/13/measure?from=${TEE13.lat},${TEE13.lon}&to=${to}`)).json();
  // The list's numbers are the server's: the first aim point's distance and what it leaves.
  const aim1 = await server('aim:1');
  const first = await page.textContent('#aim li[data-aim="1"]');
  assert.ok(first.startsWith(`Aim point 1: ${Math.round(aim1.distance_m)} m`), first);
  assert.deepEqual(await page.$$eval('#layups li[data-mark]', (l) => l.map((x) => x.dataset.mark)), ['100', '150', '200']);
  // Tap a point: measure mode, the whole hole in view, a tap on the first aim point's mark.
  await page.check('input[name=mode][value=measure]');
  await page.click('#zoom-hole');
  const tap = async (selector) => {
    await page.click(selector);
    await page.waitForSelector('#measure:not([hidden])');
    const to = `${await page.inputValue('#lat')},${await page.inputValue('#lon')}`;
    const want = await server(to);
    const text = await page.textContent('#measure-result');
    assert.match(text, new RegExp(`From the ball${Math.round(want.distance_m)} m`), `${to}: ${text}`);
    assert.equal(await page.getAttribute('#measure', 'data-surface'), want.surface, to);
    const g = want.green_distances;
    assert.ok(text.includes(`${Math.round(g.front_m)} / ${Math.round(g.middle_m)} / ${Math.round(g.back_m)} m`), `${to}: ${text}`);
    return want;
  };
  const corner = await tap('.aim-mark[data-aim="1"]');
  assert.ok(Math.abs(corner.distance_m - aim1.distance_m) < 3, 'the tap landed on the aim point');
  await page.screenshot({ path: join(artifacts, 'aim-measure-phone.png'), fullPage: true });
  // Offline the phone still measures (the package, not the server), and the ball's numbers stay.
  const measured = await page.textContent('#measure-result');
  await context.setOffline(true);
  await page.click('.layup-mark[data-mark="150"]');
  await page.waitForFunction((before) => document.getElementById('measure-result').textContent !== before, measured);
  assert.match(await page.textContent('#measure-result'), /Lie there(fairway|rough|bunker|water)/);
  await page.screenshot({ path: join(artifacts, 'aim-measure-offline.png'), fullPage: true });
  await context.setOffline(false);
  // And its numbers are the server's too.
  await tap('.layup-mark[data-mark="150"]');
  assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(e)), [], 'no console errors but the offline fetches');
  await context.close();
});

test('a round on a phone: the hole found, the numbers on top, the scorecard edited in place, offline and back, competition refusing advice', { timeout: 120000 }, async () => {
  const { page, errors, context } = await openPage({ width: 390, height: 844 });
  await page.evaluate(() => localStorage.setItem('greenside-units', 'm'));
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.click('#tab-round');
  await page.selectOption('#r-course', 'riverside');
  await page.click('#r-start');
  await page.waitForSelector('#r-info:has-text("started")');
  const rid = await page.evaluate(() => window.greenside.roundId());
  const server = async () => (await (await fetch(`${base}/api/round/${rid}`)).json()).round_state;
  const fix = async (p) => {
    await page.fill('#r-lat', String(p.lat));
    await page.fill('#r-lon', String(p.lon));
    await page.click('#r-send');
  };
  const TEE1 = { lat: 40.2652924, lon: -111.6605346 };
  for (let i = 0; i < 3; i++) await fix(TEE1);
  for (let i = 0; i < 3; i++) await fix(OFF);
  await page.waitForSelector('#r-sync[data-pending="0"]');
  // The numbers on top are the server's: front / middle / back from the fairway.
  let s = await server();
  assert.equal(s.fix_count, 6);
  const g = s.current.green_distances;
  assert.equal(await page.textContent('#r-middle'), String(Math.round(g.middle_m)));
  assert.equal(await page.textContent('#r-front'), String(Math.round(g.front_m)));
  assert.match(await page.textContent('#r-hole'), /Hole 1 · par 4/);
  // On the green, two putts tapped, then the golfer writes 5 strokes in the card.
  for (let i = 0; i < 3; i++) await fix(CUP);
  await page.click('#r-putt');
  await page.waitForSelector('#r-sync[data-pending="0"]');
  await page.click('#r-putt');
  await page.waitForSelector('#r-sync[data-pending="0"]');
  await page.click('#r-card-wrap summary');
  await page.fill('#r-card input[data-hole="1"][data-key="strokes"]', '5');
  await page.press('#r-card input[data-hole="1"][data-key="strokes"]', 'Tab');
  await page.waitForFunction(() => document.querySelector('#r-card input[data-hole="1"][data-key="strokes"]').value === '5');
  await page.waitForSelector('#r-sync[data-pending="0"]');
  s = await server();
  const h1 = s.scorecard.holes[0];
  assert.deepEqual([h1.strokes, h1.strokes_source, h1.putts, h1.putts_source], [5, 'HAND', 2, 'HAND']);
  assert.match(await page.textContent('#r-stats-list'), /Score5 \(\+1\) over 1 holes/);
  await page.screenshot({ path: join(artifacts, 'round-phone.png'), fullPage: true });
  // Offline: the phone scores on (the package), the writes wait, then reach the server in order.
  await context.setOffline(true);
  await page.click('#r-next');
  await page.waitForFunction(() => /Hole 2/.test(document.getElementById('r-hole').textContent));
  await fix(CUP);
  await page.waitForSelector('#r-sync[data-pending="2"]');
  assert.match(await page.textContent('#r-sync'), /2 waiting for the server \(offline\)/);
  await page.screenshot({ path: join(artifacts, 'round-offline.png'), fullPage: true });
  // A reload while offline loses nothing: the page comes from its cache with the writes still waiting.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.click('#tab-round');
  await page.waitForSelector('#r-sync[data-pending="2"]');
  await context.setOffline(false);
  await page.waitForSelector('#r-sync[data-pending="0"]');
  await page.waitForFunction(() => /Hole 2/.test(document.getElementById('r-hole').textContent));
  s = await server();
  assert.deepEqual([s.current.hole_id, s.fix_count], [2, 10], 'the server caught up exactly');
  // A competition round: distances, never advice, and the page says why.
  await page.check('#r-competition');
  await page.click('#r-start');
  await page.waitForFunction((old) => window.greenside.roundId() !== old, rid);
  await page.click('#r-advice');
  await page.waitForSelector('#r-advice-result:has-text("Rule 4.3a")');
  assert.match(await page.textContent('#r-hole'), /competition/);
  assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|409/.test(e)), [], 'no console errors but the offline fetches and the refused advice');
  await context.close();
});

test('fixes waiting offline survive a reload and reach the server on the next visit', { timeout: 120000 }, async () => {
  const { page, errors, context } = await openPage({ width: 1280, height: 900 });
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.click('#start');
  await page.waitForSelector('#session-info:has-text("started")');
  const sid = await page.evaluate(() => window.greenside.sessionId());
  await page.click('path[data-surface="green"]');
  await page.waitForSelector('#sync-status[data-pending="0"][data-online="true"]');
  await context.setOffline(true);
  for (let i = 0; i < 2; i++) await fixByKeyboard(page, OFF);
  await page.waitForSelector('#sync-status[data-online="false"][data-pending="2"]');
  // The tab reloads with no signal: the page comes from the cache, the fixes from storage.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector('#sync-status[data-online="false"][data-pending="2"]');
  await context.setOffline(false);
  await page.waitForSelector('#sync-status[data-online="true"][data-pending="0"]');
  const server = await (await fetch(`${base}/api/session/${sid}`)).json();
  assert.equal(server.hole_state.fix_count, 3, 'the two offline fixes arrived, once');
  assert.equal(server.hole_state.last_seq, 3);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('greenside-outbox:')).length), 0, 'nothing left waiting');
  assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(e)), []);
  await context.close();
});

test('a page on another, allowed origin calls the API; a page on an origin not listed cannot read it', { timeout: 60000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const call = (api) => page.evaluate(async (api) => {
    try {
      const started = await fetch(`${api}/api/session/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'cors-e2e' },
        body: JSON.stringify({ contract_version: '0.5.0', course_id: 'riverside', hole_id: 1 }),
      });
      const body = await started.json();
      const fix = await fetch(`${api}/api/session/set_ball_location`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contract_version: '0.5.0', session_id: body.session_id, ball_wgs84: { lat: 40.26824, lon: -111.65952 } }),
      });
      const state = await fix.json();
      return { ok: true, status: fix.status, surface: state.hole_state.surface_state, requestId: started.headers.get('x-request-id') };
    } catch (e) {
      return { ok: false, error: String(e) };
    }
  }, api);
  await page.goto(`http://127.0.0.1:${appPort}/`);
  const allowed = await call(base);
  assert.deepEqual(allowed, { ok: true, status: 200, surface: 'ON_GREEN', requestId: 'cors-e2e' }, JSON.stringify(allowed));
  await page.goto(`http://localhost:${appPort}/`);
  const refused = await call(base);
  assert.equal(refused.ok, false, JSON.stringify(refused));
  await context.close();
});

/** A GET that keeps the bytes as sent (fetch would decompress them). */
function rawGet(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the page goes compressed and by content-hashed names cached for a year: the wasm precompressed, scripts on the fly, the course with an ETag', { timeout: 60000 }, async () => {
  const wasm = readFileSync(join(root, 'wasm/pkg/web/greenside_bg.wasm'));
  // The page names its files by content hash (server/src/http/page.rs):
  // the page revalidates, the hashed files are cached for a year.
  const page = await rawGet('/', { 'accept-encoding': 'gzip' });
  assert.equal(page.headers['content-encoding'], 'gzip');
  assert.equal(page.headers['cache-control'], 'no-cache');
  const html = gunzipSync(page.body).toString();
  const appName = html.match(/\/app\/app\.[0-9a-f]{12}\.js/)[0];
  const styleName = html.match(/\/app\/style\.[0-9a-f]{12}\.css/)[0];
  const plainPage = html.replace(appName, '/app/app.js').replace(styleName, '/app/style.css')
    .replace(/\/pkg\/greenside_classify\.[0-9a-f]{12}\.js/, '/pkg/greenside_classify.js').replace(/\/pkg\/greenside_classify_bg\.[0-9a-f]{12}\.wasm/, '/pkg/greenside_classify_bg.wasm');
  assert.equal(plainPage, readFileSync(join(root, 'web/index.html'), 'utf8'));
  const immutable = 'public, max-age=31536000, immutable';
  const app = await rawGet(appName, { 'accept-encoding': 'gzip' });
  assert.equal(app.headers['cache-control'], immutable);
  const appText = gunzipSync(app.body).toString();
  // The page loads the classification entry first and the full one for tracking.
  const classifyGlue = appText.match(/\/pkg\/greenside_classify\.[0-9a-f]{12}\.js/)[0];
  const glueName = appText.match(/\/pkg\/greenside\.[0-9a-f]{12}\.js/)[0];
  assert.equal(appText.replace(glueName, '/pkg/greenside.js').replace(classifyGlue, '/pkg/greenside_classify.js'), readFileSync(join(root, 'web/app.js'), 'utf8'));
  // Each entry's glue names its own wasm and the shared glue module by hashed names.
  for (const [name, wasmFile] of [[classifyGlue, 'greenside_classify_bg'], [glueName, 'greenside_bg']]) {
    const g = await rawGet(name, { 'accept-encoding': 'br' });
    assert.equal(g.headers['cache-control'], immutable, name);
    const text = brotliDecompressSync(g.body).toString();
    assert.match(text, new RegExp(`'${wasmFile}\\.[0-9a-f]{12}\\.wasm'`), name);
    const shared = text.match(/\.\/snippets\/greenside-classify\/glue\.[0-9a-f]{12}\.js/)[0];
    const s = await rawGet(`/pkg/${shared.slice(2)}`, { 'accept-encoding': 'gzip' });
    assert.equal(s.status, 200, shared);
    assert.equal(s.headers['cache-control'], immutable, shared);
    assert.ok(gunzipSync(s.body).equals(readFileSync(join(root, 'wasm/pkg/web/snippets/greenside-classify/glue.js'))), shared);
  }
  const glue = await rawGet(glueName, { 'accept-encoding': 'br' });
  assert.equal(glue.headers['content-encoding'], 'br');
  assert.equal(glue.headers['cache-control'], immutable);
  const wasmName = '/pkg/' + brotliDecompressSync(glue.body).toString().match(/greenside_bg\.[0-9a-f]{12}\.wasm/)[0];
  const br = await rawGet(wasmName, { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(br.status, 200);
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.headers['cache-control'], immutable);
  assert.ok(brotliDecompressSync(br.body).equals(wasm), 'the brotli copy is the wasm');
  assert.ok(br.body.length < wasm.length / 2, `${br.body.length} of ${wasm.length} bytes`);
  const gz = await rawGet(wasmName, { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.ok(gunzipSync(gz.body).equals(wasm));
  const hashedPlain = await rawGet(wasmName);
  assert.equal(hashedPlain.headers['content-encoding'], undefined);
  assert.ok(hashedPlain.body.equals(wasm));
  assert.equal(hashedPlain.headers['content-type'], 'application/wasm');
  // The plain names still answer from disk (an older service worker asks
  // for them), precompressed, and revalidate: unchanged since, 304.
  const plainBr = await rawGet('/pkg/greenside_bg.wasm', { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(plainBr.headers['content-encoding'], 'br');
  assert.equal(plainBr.headers['cache-control'], 'no-cache');
  const plain = await rawGet('/pkg/greenside_bg.wasm');
  assert.ok(plain.body.equals(wasm));
  const again = await rawGet('/pkg/greenside_bg.wasm', { 'if-modified-since': plain.headers['last-modified'] });
  assert.equal(again.status, 304);
  for (const [path, file] of [['/app/app.js', 'web/app.js'], ['/app/style.css', 'web/style.css']]) {
    const r = await rawGet(path, { 'accept-encoding': 'gzip' });
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['content-encoding'], 'gzip', path);
    assert.ok(gunzipSync(r.body).equals(readFileSync(join(root, file))), path);
  }
  // The course: compressed, tagged, and not sent again to a client that has it.
  const course = await rawGet('/api/courses/augusta_national', { 'accept-encoding': 'br' });
  assert.equal(course.headers['content-encoding'], 'br');
  const etag = course.headers.etag;
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  const text = brotliDecompressSync(course.body).toString();
  assert.equal(JSON.parse(text).course_id, 'augusta_national');
  assert.ok(course.body.length < text.length / 4, `${course.body.length} of ${text.length} bytes`);
  const cached = await rawGet('/api/courses/augusta_national', { 'if-none-match': etag });
  assert.equal(cached.status, 304);
  assert.equal(cached.body.length, 0);
  const other = await rawGet('/api/courses/riverside', { 'if-none-match': etag });
  assert.equal(other.status, 200, 'another course has another tag');
});

test('Lighthouse on a phone (its default mobile profile): accessibility, best practices and SEO 100; performance printed', { timeout: 180000 }, async () => {
  const out = join(artifacts, 'lighthouse.json');
  execFileSync(join(root, 'node_modules/.bin/lighthouse'), [base + '/', '--quiet', '--output=json', `--output-path=${out}`,
    '--only-categories=accessibility,performance,best-practices,seo', '--chrome-flags=--headless=new --no-sandbox --disable-gpu'],
  { env: { ...process.env, CHROME_PATH: CHROMIUM }, stdio: 'inherit' });
  const r = JSON.parse(readFileSync(out, 'utf8'));
  const failing = (category) => Object.values(r.audits).filter((a) => a.score !== null && a.score < 1 && r.categories[category].auditRefs.some((x) => x.id === a.id && x.weight > 0)).map((a) => a.id).join(', ');
  console.log(`lighthouse: accessibility ${r.categories.accessibility.score * 100}, best practices ${r.categories['best-practices'].score * 100}, ` +
    `SEO ${r.categories.seo.score * 100}, performance ${r.categories.performance.score * 100}, ` +
    `LCP ${r.audits['largest-contentful-paint'].displayValue}, TBT ${r.audits['total-blocking-time'].displayValue}, ` +
    `bytes ${Math.round(r.audits['total-byte-weight'].numericValue / 1024)} KiB`);
  // The deterministic categories must be whole; performance depends on the machine and is printed.
  for (const c of ['accessibility', 'best-practices', 'seo']) assert.equal(r.categories[c].score, 1, `${c} failing: ${failing(c)}`);
});

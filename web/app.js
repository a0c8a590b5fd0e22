// greenside's web page: a golfer's flow on a map drawn from the course
// geometry (no tiles), with instant in-browser classification by the npm
// package (the same Rust core as the server), and an admin view of runs.
// The page loads the classification entry only (where the ball lies, the
// golfer's numbers, which hole); the full package with the tracker and the
// outbox comes down when the golfer starts tracking (tracker() below).
import init, { Course } from '/pkg/greenside_classify.js';

const CV = '0.5.0';
const $ = (id) => document.getElementById(id);
const SURFACES = [
  ['rough', '#cfe3b0', 'Rough'], ['fairways', '#8fcf6a', 'Fairway'], ['tee_boxes', '#b5d98a', 'Tee'],
  ['fringe', '#6fbf4e', 'Fringe'], ['green', '#3fa34d', 'Green'], ['bunkers', '#f1dfb1', 'Bunker'], ['water', '#5bb8e8', 'Water'],
  ['out_of_bounds', '#e5e7eb', 'Out of bounds'],
];
const SVGNS = 'http://www.w3.org/2000/svg';

const st = {
  course: null, courseJson: null, hole: 1, sessionId: null, tracker: null, cup: null, ball: null, geoWatch: null, wasm: false,
  full: null,
  online: navigator.onLine, syncing: false, again: false,
};

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}
function dl(target, pairs) {
  target.replaceChildren(...pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}
const fmt = (x, d = 2) => (x === null || x === undefined ? '—' : Number(x).toFixed(d));

async function api(path, { method = 'GET', body, admin = false } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (admin) headers['x-admin-token'] = sessionStorage.getItem('greenside-admin-token') || '';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = r.headers.get('content-type')?.includes('json') ? await r.json() : await r.text();
  return { ok: r.ok, status: r.status, data };
}
const errText = (res) => (res.data?.error ? `${res.data.error.code}: ${res.data.error.message}` : `HTTP ${res.status}`);

// ---------------------------------------------------------------- map
function localOf(p) { return st.course.toLocal(st.hole, { lat: p[1], lon: p[0] }); }

function drawMap() {
  const map = $('map');
  map.replaceChildren();
  const hole = st.courseJson.holes.find((h) => h.hole_id === st.hole);
  if (!hole) return;
  // Another hole (or course): the ball and the measured point were on the last one.
  if (st.drawn !== hole) { st.drawn = hole; st.ball = null; st.cup = null; st.measured = null; $('measure').hidden = true; }
  const g = svg('g', { id: 'surfaces' });
  const all = [];
  for (const [key, fill, label] of SURFACES) {
    const geoms = Array.isArray(hole[key]) ? hole[key] : hole[key] ? [hole[key]] : [];
    for (const geom of geoms) {
      // Raster masks (type Mask) classify like polygons but are not drawn here.
      if (geom.type !== 'Polygon' && geom.type !== 'MultiPolygon') continue;
      const polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates;
      for (const rings of polys) {
        const d = rings.map((ring) => ring.map((p, i) => {
          const q = localOf(p);
          all.push(q);
          return `${i ? 'L' : 'M'}${q.x.toFixed(2)},${(-q.y).toFixed(2)}`;
        }).join('') + 'Z').join('');
        const path = svg('path', { d, fill, 'fill-rule': 'evenodd', stroke: '#2e5e2e', 'stroke-width': '0.3', 'data-surface': key });
        path.append(Object.assign(svg('title'), { textContent: label }));
        g.append(path);
      }
    }
  }
  map.append(g);
  map.append(svg('line', { id: 'plan-line', stroke: '#d32f2f', 'stroke-width': '0.6', 'stroke-dasharray': '2 1.2', visibility: 'hidden' }));
  // The hole's line of play and its aim points (its inner positions), when the course file has one.
  const line = hole.line?.type === 'LineString' ? hole.line.coordinates.map(localOf) : [];
  if (line.length >= 2) {
    map.append(svg('polyline', { id: 'hole-line', points: line.map((q) => `${q.x.toFixed(2)},${(-q.y).toFixed(2)}`).join(' '),
      fill: 'none', stroke: '#ffffff', 'stroke-width': '0.5', 'stroke-dasharray': '1.5 1.5', opacity: '0.8' }));
    line.slice(1, -1).forEach((q, i) => {
      const d = svg('rect', { class: 'aim-mark', 'data-aim': String(i + 1), x: q.x - 1.6, y: -q.y - 1.6, width: '3.2', height: '3.2',
        transform: `rotate(45 ${q.x} ${-q.y})`, fill: '#fff', stroke: '#1d3a8a', 'stroke-width': '0.5' });
      d.append(Object.assign(svg('title'), { textContent: `Aim point ${i + 1}` }));
      map.append(d);
    });
  }
  map.append(svg('g', { id: 'layup-marks' }));
  map.append(svg('line', { id: 'measure-line', stroke: '#1d3a8a', 'stroke-width': '0.5', 'stroke-dasharray': '1 0.8', visibility: 'hidden' }));
  map.append(svg('circle', { id: 'measure-dot', r: '1', fill: '#1d3a8a', visibility: 'hidden' }));
  map.append(svg('circle', { id: 'cup-dot', r: '1', fill: '#111', visibility: 'hidden' }));
  map.append(svg('circle', { id: 'ball-dot', r: '1.1', fill: '#fff', stroke: '#111', 'stroke-width': '0.4', visibility: 'hidden' }));
  st.bounds = { all: bbox(all), green: bbox(greenPoints(hole)) };
  zoom(st.zoom || 'green');
  $('legend').replaceChildren(...SURFACES.map(([, fill, label]) => {
    const li = el('li'); li.append(el('span', { style: `background:${fill}`, 'aria-hidden': 'true' }), label); return li;
  }));
  $('attribution').textContent = st.course.attribution || '';
  if (hole.default_cup) setCupMarker(hole.default_cup); else showAhead();
}
function greenPoints(hole) {
  const out = [];
  for (const key of ['green', 'fringe']) {
    const geom = hole[key];
    if (!geom) continue;
    const polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates;
    for (const rings of polys) for (const p of rings[0]) out.push(localOf(p));
  }
  return out;
}
function bbox(pts) {
  const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
  return { minX: Math.min(...xs), maxX: Math.max(...xs), minY: Math.min(...ys), maxY: Math.max(...ys) };
}
function zoom(which) {
  st.zoom = which;
  const b = st.bounds[which];
  const m = Math.max(b.maxX - b.minX, b.maxY - b.minY) * (which === 'green' ? 0.6 : 0.06) + 4;
  $('map').setAttribute('viewBox', `${b.minX - m} ${-b.maxY - m} ${b.maxX - b.minX + 2 * m} ${b.maxY - b.minY + 2 * m}`);
}
function place(id, p) {
  const q = st.course.toLocal(st.hole, p);
  const c = $(id);
  c.setAttribute('cx', q.x); c.setAttribute('cy', -q.y); c.setAttribute('visibility', 'visible');
  return q;
}
function setCupMarker(p) { st.cup = p; place('cup-dot', p); drawLine(); showAhead(); }
function setBallMarker(p) { st.ball = p; place('ball-dot', p); drawLine(); showAhead(); }
function drawLine() {
  if (!st.cup || !st.ball) return;
  const a = st.course.toLocal(st.hole, st.ball), b = st.course.toLocal(st.hole, st.cup);
  const l = $('plan-line');
  for (const [k, v] of [['x1', a.x], ['y1', -a.y], ['x2', b.x], ['y2', -b.y]]) l.setAttribute(k, v);
  l.setAttribute('visibility', 'visible');
}

// ---------------------------------------------------------------- golfer
// The full package (HoleTracker, the outbox), fetched and compiled on the
// first session: a tracker runs in its own wasm, so it reads the course file
// there too. Without it (it failed to load) the server alone answers.
/** The package's full entry (the trackers), loaded once, when first needed. */
async function fullPackage() {
  if (!st.full) {
    const full = await import('/pkg/greenside.js');
    await full.default();
    st.full = { full, course: null, json: null };
  }
  return st.full.full;
}

async function tracker(hole) {
  try {
    await fullPackage();
    if (st.full.json !== st.courseJson) st.full = { ...st.full, course: st.full.full.Course.fromJson(st.courseJson), json: st.courseJson };
    return new st.full.full.HoleTracker(st.full.course, hole);
  } catch (e) {
    fail(`Offline tracking unavailable: ${e.message}`);
    return null;
  }
}

function showLocal(c, t) {
  dl($('local-state'), [
    ['Surface', c.surface], ['On the green', c.onGreen ? 'yes' : 'no'], ['Confidence', fmt(c.confidence, 3)],
    ['To green edge', `${fmt(c.distanceToGreenEdgeM, 2)} m`],
    ['Committed (local)', t ? `${t.surfaceState} · streak ${t.candidateStreak}` : '—'],
  ]);
}
function showServer(hs) {
  const lt = hs.last_transition;
  dl($('server-state'), [
    ['Committed', hs.surface_state], ['Candidate', `${hs.candidate_state} · streak ${hs.candidate_streak}`],
    ['Surface', hs.surface ?? '—'], ['Confidence', fmt(hs.surface_confidence, 3)], ['Fixes', String(hs.fix_count)],
    ['Last switch', lt ? `${lt.from} → ${lt.to} at fix ${lt.at_fix}` : '—'],
    ['Decided by', hs.hysteresis_mode === 'evidence' ? `evidence, log-odds ${fmt(hs.evidence_log_odds, 2)}` : `streak of ${hs.candidate_streak}`],
    ['Warnings', hs.warnings.map((w) => w.code).join(', ') || 'none'],
  ]);
  if (!st.tracker) showYardage(hs);
  $('server-card').dataset.surfaceState = hs.surface_state;
  $('server-card').dataset.streak = String(hs.candidate_streak);
}
function fail(msg) { $('golfer-error').textContent = msg; }

// ---------------------------------------------------------------- yardage
// Front / middle / back, hazards and shots, from the phone's own tracker
// (instant, offline) or the server's hole_state; metres or yards, remembered.
const YARD = 0.9144;
const UNITS = 'greenside-units';
function units() { return localStorage.getItem(UNITS) === 'yd' ? 'yd' : 'm'; }
function dist(m) { return m === null || m === undefined ? '—' : String(Math.round(units() === 'yd' ? m / YARD : m)); }
/** The package's camelCase state or the server's snake_case hole_state, as one shape. */
function golferView(s) {
  const g = s.greenDistances ?? s.green_distances ?? null;
  return {
    green: g && { target: g.target, front: g.frontM ?? g.front_m ?? null, middle: g.middleM ?? g.middle_m, back: g.backM ?? g.back_m ?? null },
    hazards: (s.hazards ?? []).map((h) => ({ surface: h.surface, reach: h.reachM ?? h.reach_m, carry: h.carryM ?? h.carry_m, side: h.side })),
    shots: (s.shots ?? []).map((x) => ({ number: x.number, length: x.lengthM ?? x.length_m, from: x.fromSurface ?? x.from_surface, to: x.toSurface ?? x.to_surface })),
    strokes: s.strokes ?? 0,
  };
}
function showYardage(s) {
  st.view = s ? golferView(s) : st.view;
  const v = st.view;
  const u = units();
  $('units').textContent = u === 'yd' ? 'Yards' : 'Metres';
  $('units').setAttribute('aria-pressed', String(u === 'yd'));
  $('yardage').dataset.units = u;
  if (!v) return;
  const g = v.green;
  $('y-front').textContent = dist(g?.front);
  $('y-middle').textContent = dist(g?.middle);
  $('y-back').textContent = dist(g?.back);
  $('y-target').textContent = g?.target === 'GREEN_CENTRE' ? 'Centre' : 'Pin';
  $('strokes').textContent = `Strokes: ${v.strokes}`;
  const side = { LEFT: 'left', RIGHT: 'right', ON_LINE: 'on the line' };
  const hz = v.hazards.map((h) => {
    const li = el('li', {}, `${h.surface === 'WATER' ? 'Water' : 'Bunker'} ${side[h.side]}: ${dist(h.reach)} ${u} to reach, ${dist(h.carry)} ${u} to carry`);
    li.dataset.surface = h.surface;
    return li;
  });
  $('hazards').replaceChildren(...(hz.length ? hz : [el('li', {}, 'none')]));
  $('shots').replaceChildren(...v.shots.map((x) => el('li', {}, `${dist(x.length)} ${u}: ${x.from.toLowerCase()} → ${x.to.toLowerCase()}`)));
}
function toggleUnits() {
  localStorage.setItem(UNITS, units() === 'yd' ? 'm' : 'yd');
  showYardage();
  showAhead();
  if (st.measured) showMeasure(st.measured);
}

// ---------------------------------------------------------------- aim points, layups, measure
// Computed in the browser by the package (the same core as the server's
// hole_state.aim_points and layups, and its measure route): instant, offline,
// and the layup marks follow the units toggle at once.
const SIDE = { LEFT: 'left', RIGHT: 'right', ON_LINE: 'on the line' };
const SURFACE_WORD = { GREEN: 'green', FRINGE: 'fringe', FAIRWAY: 'fairway', BUNKER: 'bunker', WATER: 'water', TEE: 'tee', ROUGH: 'rough', OUT_OF_HOLE: 'off this hole', OUT_OF_BOUNDS: 'out of bounds' };
const gdText = (g, u) => `${dist(g.frontM)} / ${dist(g.middleM)} / ${dist(g.backM)} ${u}`;
function showAhead() {
  if (!st.course || !st.wasm) return;
  const marks = $('layup-marks');
  let y = null;
  if (st.ball) {
    try { y = st.course.yardages(st.hole, st.ball, st.cup ?? undefined, units() === 'yd' ? 'YARDS' : 'METRES'); } catch { y = null; }
  }
  const u = units();
  const aim = (y?.aimPoints ?? []).map((a) => {
    const li = el('li', {}, `Aim point ${a.number}: ${dist(a.distanceM)} ${u}, leaves ${gdText(a.greenDistances, u)}`
      + (a.hazards.length ? `; ${a.hazards.map((h) => `${h.surface === 'WATER' ? 'water' : 'bunker'} ${SIDE[h.side]} at ${dist(h.reachM)}`).join(', ')}` : ''));
    li.dataset.aim = String(a.number);
    return li;
  });
  $('aim').replaceChildren(...(aim.length ? aim : [el('li', {}, st.ball ? 'none ahead' : 'set the ball to see them')]));
  const lay = (y?.layups ?? []).map((l) => { const li = el('li', {}, `${l.mark} ${u} out: ${dist(l.distanceM)} ${u} from the ball`); li.dataset.mark = String(l.mark); return li; });
  $('layups').replaceChildren(...(lay.length ? lay : [el('li', {}, st.ball ? 'none ahead' : 'set the ball to see them')]));
  marks?.replaceChildren(...(y?.layups ?? []).map((l) => {
    const q = st.course.toLocal(st.hole, l.wgs84);
    const c = svg('circle', { class: 'layup-mark', 'data-mark': String(l.mark), cx: q.x, cy: -q.y, r: '1.2', fill: '#fde68a', stroke: '#713f12', 'stroke-width': '0.4' });
    c.append(Object.assign(svg('title'), { textContent: `${l.mark} ${u} to the middle of the green` }));
    return c;
  }));
}
/** A point of the map measured from the ball (or the hole's first tee before there is one). */
function measureTo(p) {
  const hole = st.courseJson.holes.find((h) => h.hole_id === st.hole);
  const from = st.ball ?? hole?.tees?.[0]?.position;
  if (!from) return fail('Set the ball first: measuring starts from it.');
  fail('');
  let m;
  try { m = st.course.measure(st.hole, from, p); } catch (e) { return fail(`${e.code}: ${e.message}`); }
  st.measured = m;
  const a = st.course.toLocal(st.hole, from), b = place('measure-dot', p);
  const l = $('measure-line');
  for (const [k, v] of [['x1', a.x], ['y1', -a.y], ['x2', b.x], ['y2', -b.y]]) l.setAttribute(k, v);
  l.setAttribute('visibility', 'visible');
  showMeasure(m);
}
function showMeasure(m) {
  const u = units();
  $('measure').hidden = false;
  $('measure').dataset.surface = m.surface;
  dl($('measure-result'), [
    [st.ball ? 'From the ball' : 'From the tee', `${dist(m.distanceM)} ${u}`],
    ['Lie there', SURFACE_WORD[m.surface] ?? m.surface],
    ['Then front / middle / back', gdText(m.greenDistances, u)],
    ['Hazards between', m.hazards.map((h) => `${h.surface === 'WATER' ? 'water' : 'bunker'} ${SIDE[h.side]} ${dist(h.reachM)}–${dist(h.carryM)}`).join(', ') || 'none'],
  ]);
}

/** "Start on the hole I am on": the typed coordinates, or the device's position, located on the course. */
async function startHere() {
  fail('');
  const here = $('lat').value && $('lon').value ? typed() : await new Promise((resolve) => {
    if (!navigator.geolocation) { fail('This browser has no geolocation: type coordinates first.'); return resolve(null); }
    navigator.geolocation.getCurrentPosition((pos) => resolve({ lat: pos.coords.latitude, lon: pos.coords.longitude }),
      (err) => { fail(`Location: ${err.message}`); resolve(null); }, { enableHighAccuracy: true, timeout: 15000 });
  });
  if (!here) return;
  let found;
  if (st.wasm) {
    try { found = st.course.locate(here); } catch (e) { return fail(`${e.code}: ${e.message}`); }
  } else {
    const res = await api(`/api/courses/${encodeURIComponent($('course').value)}/locate?lat=${here.lat}&lon=${here.lon}`);
    if (!res.ok) return fail(errText(res));
    found = { holeId: res.data.hole_id, confidence: res.data.confidence };
  }
  $('hole').value = String(found.holeId);
  st.hole = found.holeId;
  await startSession();
  $('session-info').textContent += ` on hole ${found.holeId} (${Math.round(found.confidence * 100)} % sure)`;
  // Where the golfer stands is where the ball is: the first fix.
  await sendBall(here, Number($('accuracy').value) || undefined);
}

async function startSession(ev) {
  ev?.preventDefault();
  fail('');
  st.hole = Number($('hole').value);
  const res = await api('/api/session/start', { method: 'POST', body: { contract_version: CV, course_id: $('course').value, hole_id: st.hole } });
  if (!res.ok) return fail(errText(res));
  st.sessionId = res.data.session_id;
  st.tracker = st.wasm ? await tracker(st.hole) : null;
  st.ball = null;
  st.view = null;
  st.measured = null;
  $('measure').hidden = true;
  $('shots').replaceChildren();
  for (const id of ['y-front', 'y-middle', 'y-back']) $(id).textContent = '—';
  drawMap();
  $('session-info').textContent = `Session ${st.sessionId.slice(0, 11)}… started`;
  $('advice').disabled = false;
  showServer(res.data.hole_state);
  showSync();
}

async function sendBall(p, accuracyM) {
  if (!st.sessionId) return fail('Start a session first.');
  fail('');
  setBallMarker(p);
  const fix = { lat: p.lat, lon: p.lon, timeMs: Date.now(), ...(accuracyM ? { accuracyM } : {}) };
  if (st.tracker) {
    // Offline first: the tracker commits locally at once and keeps the fix
    // (with its seq) until the server confirms it.
    try {
      const t = st.tracker.addFix(fix);
      showLocal(st.course.classify(st.hole, fix), t);
      showYardage(t);
    } catch (e) { return fail(`${e.code}: ${e.message}`); }
    saveOutbox();
    return sync();
  }
  const body = { contract_version: CV, session_id: st.sessionId, ball_wgs84: p, ...(accuracyM ? { accuracy_m: accuracyM } : {}) };
  const res = await api('/api/session/set_ball_location', { method: 'POST', body });
  if (!res.ok) return fail(errText(res));
  showServer(res.data.hole_state);
}

// ---------------------------------------------------------------- offline
// The outbox survives a reload or a closed tab: each session's unconfirmed
// fixes are kept in localStorage (key greenside-outbox:<session id>) and a
// later visit sends them (the server skips any it already has).
const OUTBOX = 'greenside-outbox:';
function saveOutbox() {
  if (!st.tracker || !st.sessionId) return;
  const fixes = st.tracker.pendingFixes();
  try {
    if (fixes.length) localStorage.setItem(OUTBOX + st.sessionId, JSON.stringify(fixes));
    else localStorage.removeItem(OUTBOX + st.sessionId);
  } catch { /* storage full or disabled: the fixes stay in memory */ }
}
function orphans() {
  const out = [];
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (k?.startsWith(OUTBOX) && k !== OUTBOX + st.sessionId) out.push([k.slice(OUTBOX.length), JSON.parse(localStorage.getItem(k) || '[]')]);
  }
  return out;
}
/** Sends fixes an earlier visit could not; a session gone on the server (expired) has nothing left to catch up. */
async function flushOrphans() {
  for (const [sid, fixes] of orphans()) {
    for (let i = 0; i < fixes.length; i += 500) {
      const res = await api('/api/session/set_ball_locations', { method: 'POST', body: { contract_version: CV, session_id: sid, fixes: fixes.slice(i, i + 500) } });
      if (!res.ok && res.status !== 404 && res.status !== 400) return;
    }
    localStorage.removeItem(OUTBOX + sid);
  }
}

function showSync() {
  const pending = (st.tracker ? st.tracker.pendingFixes().length : 0) + orphans().reduce((n, [, f]) => n + f.length, 0);
  const s = $('sync-status');
  s.dataset.online = String(st.online);
  s.dataset.pending = String(pending);
  s.textContent = st.online
    ? (pending ? `Online · sending ${pending} fix${pending === 1 ? '' : 'es'}` : (st.sessionId ? 'Online · all fixes sent' : 'Online'))
    : `Offline · ${pending} fix${pending === 1 ? '' : 'es'} waiting · "In your browser" shows the surface your phone committed`;
}
async function postBatch(body) {
  const res = await api('/api/session/set_ball_locations', { method: 'POST', body });
  if (res.ok) showServer(res.data.hole_state);
  return res.data;
}
/** Sends what the outbox holds; one sync at a time, another run if fixes came meanwhile. */
async function sync() {
  if (st.syncing) { st.again = true; return; }
  st.syncing = true;
  try {
    do {
      st.again = false;
      await flushOrphans();
      if (st.tracker && st.sessionId) await st.tracker.sync(postBatch, st.sessionId);
      saveOutbox();
      st.online = true;
    } while (st.again);
  } catch (e) {
    if (e.name === 'GreensideError') fail(`${e.code}: ${e.message}`);
    else st.online = false; // the network: the fixes wait
  } finally {
    st.syncing = false;
    showSync();
  }
}
async function sendCup(p) {
  if (!st.sessionId) return fail('Start a session first.');
  fail('');
  setCupMarker(p);
  if (st.tracker) showYardage(st.tracker.setCup(p, Date.now()));
  const res = await api('/api/session/set_cup_location', { method: 'POST', body: { contract_version: CV, session_id: st.sessionId, cup_wgs84: p } });
  if (!res.ok) return fail(errText(res));
  showServer(res.data.hole_state);
}

function mapClick(ev) {
  if (!st.course) return;
  const map = $('map');
  const pt = map.createSVGPoint();
  pt.x = ev.clientX; pt.y = ev.clientY;
  const q = pt.matrixTransform(map.getScreenCTM().inverse());
  const p = st.course.toWgs84(st.hole, { x: q.x, y: -q.y });
  $('lat').value = p.lat.toFixed(7); $('lon').value = p.lon.toFixed(7);
  const mode = document.querySelector('input[name=mode]:checked').value;
  if (mode === 'measure') measureTo(p);
  else if (mode === 'cup') sendCup(p);
  else sendBall(p, Number($('accuracy').value) || undefined);
}
function typed() {
  const lat = Number($('lat').value), lon = Number($('lon').value);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || $('lat').value === '' || $('lon').value === '') { fail('Enter a latitude and a longitude.'); return null; }
  return { lat, lon };
}
function toggleGeo() {
  const b = $('geo');
  if (st.geoWatch !== null) {
    navigator.geolocation.clearWatch(st.geoWatch); st.geoWatch = null; b.setAttribute('aria-pressed', 'false'); return;
  }
  if (!navigator.geolocation) return fail('This browser has no geolocation.');
  st.geoWatch = navigator.geolocation.watchPosition(
    (pos) => sendBall({ lat: pos.coords.latitude, lon: pos.coords.longitude }, pos.coords.accuracy),
    (err) => fail(`Location: ${err.message}`),
    { enableHighAccuracy: true, maximumAge: 2000 },
  );
  b.setAttribute('aria-pressed', 'true');
}

async function advice() {
  fail('');
  const out = $('advice-result');
  out.replaceChildren(el('p', {}, 'Asking…'));
  const res = await api('/api/get_hole_advice', { method: 'POST', body: { contract_version: CV, session_id: st.sessionId, want_plot: $('want-plot').checked } });
  const d = res.data;
  if (!d.plan_type) { out.replaceChildren(); return fail(errText(res)); }
  const head = el('p', {}, `${d.plan_type === 'PUTT' ? 'Putt' : 'Tee to green'} — ${d.reason} `);
  head.id = 'advice-head';
  head.dataset.planType = d.plan_type;
  if (d.fallback_used) head.append(el('span', { class: 'flag' }, `Fallback (${d.error.code}): ${fmt(d.fallback.distance_m, 1)} m at ${fmt(d.fallback.bearing_deg, 0)}°`));
  const items = [head];
  if (d.plan) items.push(el('pre', { id: 'advice-plan' }, JSON.stringify(d.plan, null, 2)));
  if (d.plot?.svg) {
    const fig = el('figure', { id: 'advice-plot' });
    // The server draws this SVG from course data and numbers only; parse it as SVG, not HTML.
    const doc = new DOMParser().parseFromString(d.plot.svg, 'image/svg+xml');
    fig.append(document.importNode(doc.documentElement, true));
    items.push(fig);
  }
  items.push(el('p', {}, `Run ${d.run_id} · ${d.downstream?.latency_ms ?? '—'} ms downstream`));
  out.replaceChildren(...items);
}

// ---------------------------------------------------------------- admin
const pages = { stack: [], next: null, current: null };
function adminFail(msg) { $('admin-error').textContent = msg; }

async function loadHealth() {
  const res = await api('/health');
  const h = res.data;
  const rows = [
    ['Overall', h.status, '', `v${h.version}, contract ${h.contract_version}`],
    ['Dataset registry', h.dataset_registry.status, h.dataset_registry.response_time_ms, `${h.dataset_registry.courses} course(s), ${h.dataset_registry.holes} holes`],
    ['Session store', h.session_store.status, fmt(h.session_store.response_time_ms, 2), `${h.session_store.backend} (requested ${h.session_store.requested})${h.session_store.warnings.length ? ' — ' + h.session_store.warnings.join('; ') : ''}`],
    ['Putt solver', h.downstream.putt_solver.configured ? 'configured' : 'not configured', '', h.downstream.putt_solver.url || ''],
    ['Tee-to-green', h.downstream.tee_to_green.configured ? 'configured' : 'not configured', '', h.downstream.tee_to_green.url || ''],
    ['Debug bundles', h.debug_bundles.enabled ? 'enabled' : 'disabled', '', h.debug_bundles.dir],
  ];
  $('health').tBodies[0].replaceChildren(...rows.map(([a, b, c, d]) => {
    const tr = el('tr'); tr.append(el('th', { scope: 'row' }, a), el('td', { class: `status-${b}` }, b), el('td', {}, c === '' ? '' : `${c} ms`), el('td', {}, d)); return tr;
  }));
  $('prune').hidden = !(h.admin?.enabled && sessionStorage.getItem('greenside-admin-token'));
}

function filterQuery(cursor) {
  const q = new URLSearchParams();
  for (const [id, key] of [['f-status', 'status'], ['f-plan', 'plan_type'], ['f-course', 'course_id']]) if ($(id).value) q.set(key, $(id).value.trim());
  if ($('f-from').value) q.set('created_from_ms', String(new Date($('f-from').value).getTime()));
  if ($('f-to').value) q.set('created_to_ms', String(new Date($('f-to').value).getTime()));
  q.set('limit', $('f-limit').value);
  if (cursor) q.set('cursor', cursor);
  return q.toString();
}
async function loadRuns(cursor) {
  adminFail('');
  const res = await api(`/runs/v1?${filterQuery(cursor)}`, { admin: true });
  if (!res.ok) return adminFail(errText(res));
  pages.current = cursor || null;
  pages.next = res.data.next_cursor;
  $('runs').tBodies[0].replaceChildren(...res.data.runs.map((r) => {
    const tr = el('tr', { 'data-run-id': r.run_id });
    const open = el('button', { type: 'button', 'aria-label': `Open run ${r.run_id}` }, 'Open');
    open.addEventListener('click', () => openRun(r.run_id));
    const td = el('td'); td.append(open);
    tr.append(el('td', {}, new Date(r.created_at_ms).toLocaleString()), el('td', { class: `status-${r.status}` }, r.status), el('td', {}, r.plan_type ?? '—'),
      el('td', {}, `${r.course_id} / ${r.hole_id}`), el('td', {}, r.duration_ms === null ? '—' : `${r.duration_ms} ms`), el('td', {}, r.error_code ?? ''), td);
    return tr;
  }));
  $('page-info').textContent = `Page ${pages.stack.length + 1}: ${res.data.runs.length} run(s)`;
  $('prev-page').disabled = pages.stack.length === 0;
  $('next-page').disabled = !pages.next;
}
async function openRun(id) {
  const [run, bundle] = await Promise.all([api(`/runs/v1/${id}`, { admin: true }), api(`/runs/v1/${id}/bundle`, { admin: true })]);
  if (!run.ok) return adminFail(errText(run));
  const r = run.data;
  $('drawer-title').textContent = `Run ${r.run_id}`;
  dl($('drawer-facts'), [
    ['Status', r.status], ['Plan', r.plan_type ?? '—'], ['Routing', r.routing_reason ?? '—'],
    ['Created', new Date(r.created_at_ms).toISOString()], ['Started', r.started_at_ms ? new Date(r.started_at_ms).toISOString() : '—'],
    ['Finished', r.finished_at_ms ? new Date(r.finished_at_ms).toISOString() : '—'], ['Duration', r.duration_ms === null ? '—' : `${r.duration_ms} ms`],
    ['Downstream', r.downstream_latency_ms === null ? '—' : `${r.downstream_latency_ms} ms`], ['Fallback', r.fallback_used ? 'yes' : 'no'],
    ['Error', r.error_code ? `${r.error_code}: ${r.error_message}` : 'none'],
  ]);
  $('drawer-run').textContent = JSON.stringify(r, null, 2);
  $('drawer-bundle').textContent = bundle.ok ? JSON.stringify(bundle.data, null, 2) : `(no bundle: ${errText(bundle)})`;
  $('drawer').hidden = false;
  $('drawer-close').focus();
}
async function prune(ev) {
  ev.preventDefault();
  if ($('p-confirm').value !== 'PRUNE') return;
  const body = { contract_version: CV };
  if ($('p-max-runs').value) body.max_runs = Number($('p-max-runs').value);
  if ($('p-max-age').value) body.max_age_days = Number($('p-max-age').value);
  const res = await api('/runs/v1/prune', { method: 'POST', body, admin: true });
  if (!res.ok) return adminFail(errText(res));
  $('prune-result').textContent = `scanned ${res.data.scanned}, deleted ${res.data.deleted}, kept ${res.data.kept}`;
  $('p-confirm').value = ''; $('prune-go').disabled = true;
  pages.stack = []; loadRuns();
}


// ---------------------------------------------------------------- round
// A round (docs/golfer.md, "A round"): the server's round, and the same
// round kept on the phone by the package's RoundTracker, so the numbers
// answer at once and go on without signal. Writes the server has not had
// wait in order (fixes are `seq`-idempotent, scores idempotent) and go out
// when the page is online again.
const rd = { id: null, localId: null, tracker: null, seq: 0, queue: [], state: null };
function roundFail(msg) { $('round-error').textContent = msg; }
// The round's id, its last seq and the writes waiting, kept over a reload (nothing is lost offline).
const ROUND = 'greenside-round';
function saveRound() { localStorage.setItem(ROUND, JSON.stringify({ id: rd.id, seq: rd.seq, queue: rd.queue })); }

async function roundTracker() {
  const full = await fullPackage();
  return new full.RoundTracker(full.Course.fromJson(rd.courseJson));
}

function showRoundSync() {
  const n = rd.queue.length;
  $('r-sync').dataset.pending = String(n);
  $('r-sync').textContent = n ? `${n} waiting for the server${navigator.onLine ? '' : ' (offline)'}` : (rd.id ? 'in step with the server' : '');
}

const yn = (v) => (v === null || v === undefined ? '—' : v ? 'yes' : 'no');
function showRound(s) {
  rd.state = s;
  const c = s.current;
  $('r-hole').textContent = `Hole ${c.hole_id} · par ${c.par}${s.competition ? ' · competition' : ''}`;
  const g = c.green_distances;
  $('r-front').textContent = dist(g?.front_m);
  $('r-middle').textContent = dist(g?.middle_m);
  $('r-back').textContent = dist(g?.back_m);
  $('r-lie').textContent = `Ball: ${c.lie ? SURFACE_WORD[c.lie] ?? c.lie : '—'} · shots on this hole ${c.shots}${s.pending_hole_id ? ` · on the tee of hole ${s.pending_hole_id}?` : ''}`;
  const card = s.scorecard;
  const num = (h, key, min) => {
    const i = el('input', { type: 'number', min: String(min), max: '20', inputmode: 'numeric', 'aria-label': `Hole ${h.hole_id} ${key}`, 'data-hole': String(h.hole_id), 'data-key': key, class: 'score' });
    i.value = h[key] ?? '';
    i.disabled = !h.reached;
    if (h[`${key}_source`] === 'ESTIMATE') i.title = 'estimated from the first putt';
    return i;
  };
  $('r-card').tBodies[0].replaceChildren(...card.holes.map((h) => {
    const tr = el('tr', { 'data-hole': String(h.hole_id) });
    tr.append(el('th', { scope: 'row' }, String(h.hole_id)), el('td', {}, String(h.par)));
    const strokes = el('td'); strokes.append(num(h, 'strokes', 1));
    const putts = el('td'); putts.append(num(h, 'putts', 0));
    tr.append(strokes, putts, el('td', {}, String(h.penalties)), el('td', {}, yn(h.fairway_hit)), el('td', {}, yn(h.gir)));
    return tr;
  }));
  $('r-card').tFoot.replaceChildren(...[['Out', card.out], ['In', card.in], ['Total', card.total]].map(([label, t]) => {
    const tr = el('tr');
    tr.append(el('th', { scope: 'row' }, label), el('td', {}, String(t.par)), el('td', {}, `${t.strokes} (${t.to_par > 0 ? '+' : ''}${t.to_par})`), el('td', {}, String(t.putts)), el('td'), el('td'), el('td'));
    return tr;
  }));
  const x = card.stats, sg = x.strokes_gained;
  const ratio = (r) => `${r.made} of ${r.of}`;
  dl($('r-stats-list'), [
    ['Score', `${card.total.strokes} (${card.total.to_par > 0 ? '+' : ''}${card.total.to_par}) over ${card.total.holes} holes`],
    ['Fairways', ratio(x.fairways)], ['Greens in regulation', ratio(x.greens_in_regulation)],
    ['Putts', `${x.putts}${x.putts_per_hole === null ? '' : ` (${fmt(x.putts_per_hole, 2)} a hole)`}`],
    ['Sand saves', ratio(x.sand_saves)], ['Up and downs', ratio(x.up_and_downs)], ['Penalties', String(x.penalties)],
    ['Strokes gained', `off the tee ${fmt(sg.off_the_tee)}, approach ${fmt(sg.approach)}, around the green ${fmt(sg.around_the_green)}, putting ${fmt(sg.putting)}; total ${fmt(sg.total)}`],
  ]);
  for (const id of ['r-send', 'r-putt', 'r-next', 'r-advice']) $(id).disabled = false;
  $('round').dataset.fixCount = String(s.fix_count);
}

async function startRound(ev) {
  ev.preventDefault();
  roundFail('');
  const course = $('r-course').value;
  const body = { contract_version: CV, course_id: course, competition: $('r-competition').checked };
  const res = await api('/api/round/start', { method: 'POST', body });
  if (!res.ok) return roundFail(errText(res));
  const file = await api(`/api/courses/${encodeURIComponent(course)}`);
  if (!file.ok) return roundFail(errText(file));
  rd.courseJson = file.data;
  try {
    rd.tracker = await roundTracker();
    rd.localId = rd.tracker.startWire(JSON.stringify(body), Date.now()).round_state.round_id;
  } catch (e) {
    rd.tracker = null;
    roundFail(`Offline scoring unavailable: ${e.message}`);
  }
  rd.id = res.data.round_state.round_id;
  rd.seq = 0;
  rd.queue = [];
  saveRound();
  $('r-info').textContent = `Round ${rd.id.slice(0, 11)}… started`;
  $('r-advice-result').textContent = '';
  showRound(res.data.round_state);
  showRoundSync();
}

/** One write: on the phone at once, to the server now or when back online. */
async function roundWrite(path, fields, local) {
  roundFail('');
  if (rd.tracker) {
    try { showRound(local.call(rd.tracker, JSON.stringify({ contract_version: CV, round_id: rd.localId, ...fields }), Date.now()).round_state); } catch (e) { return roundFail(`${e.code}: ${e.message}`); }
  }
  rd.queue.push({ path, fields });
  saveRound();
  await flushRound();
}

async function flushRound() {
  while (rd.queue.length && navigator.onLine) {
    const { path, fields } = rd.queue[0];
    let res;
    try { res = await api(path, { method: 'POST', body: { contract_version: CV, round_id: rd.id, ...fields } }); } catch { break; }
    if (res.status === 0) break;
    rd.queue.shift();
    saveRound();
    if (res.ok) showRound(res.data.round_state); else roundFail(errText(res));
  }
  showRoundSync();
}

function roundFix(ev) {
  ev.preventDefault();
  const lat = Number($('r-lat').value), lon = Number($('r-lon').value);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return roundFail('Type a latitude and a longitude.');
  rd.seq += 1;
  return roundWrite('/api/round/set_ball_location', { ball_wgs84: { lat, lon }, accuracy_m: 3, seq: rd.seq, client_time_ms: Date.now() }, rd.tracker?.setBallLocationWire);
}

function roundScore(hole, key, value) {
  const fields = { hole_id: hole };
  if (value === '') fields.clear = [key]; else fields[key] = Number(value);
  return roundWrite('/api/round/set_score', fields, rd.tracker?.setScoreWire);
}

async function roundAdvice() {
  roundFail('');
  $('r-advice-result').textContent = '';
  const res = await api('/api/get_hole_advice', { method: 'POST', body: { contract_version: CV, round_id: rd.id } });
  if (res.data?.error?.code === 'competition_round') {
    $('r-advice-result').textContent = 'No advice in a competition round: the Rules of Golf (Rule 4.3a) allow distances, not advice.';
    return;
  }
  if (!res.ok && !res.data?.plan_type) return roundFail(errText(res));
  $('r-advice-result').textContent = `${res.data.plan_type === 'PUTT' ? 'Putt' : 'Shot plan'}: ${res.data.plan ? JSON.stringify(res.data.plan) : 'the straight line (the service failed)'}`;
}

function roundSetup() {
  $('r-course').replaceChildren(...[...$('course').options].map((o) => el('option', { value: o.value }, o.textContent)));
  $('round-form').addEventListener('submit', startRound);
  $('r-fix').addEventListener('submit', roundFix);
  $('r-putt').addEventListener('click', () => {
    const h = rd.state?.scorecard.holes.find((x) => x.hole_id === rd.state.current.hole_id);
    const putts = (h?.putts_source === 'HAND' ? h.putts : 0) + 1;
    roundScore(rd.state.current.hole_id, 'putts', String(putts));
  });
  $('r-next').addEventListener('click', () => roundWrite('/api/round/next_hole', {}, rd.tracker?.nextHoleWire));
  $('r-advice').addEventListener('click', roundAdvice);
  $('r-card').addEventListener('change', (ev) => {
    const i = ev.target;
    if (i.matches('input.score')) roundScore(Number(i.dataset.hole), i.dataset.key, i.value);
  });
  window.addEventListener('online', flushRound);
  window.addEventListener('offline', showRoundSync);
  // A round from before a reload: its waiting writes go out, then the server's state shows.
  const saved = JSON.parse(localStorage.getItem(ROUND) || 'null');
  if (saved?.id) {
    Object.assign(rd, { id: saved.id, seq: saved.seq, queue: saved.queue });
    $('r-info').textContent = `Round ${rd.id.slice(0, 11)}…`;
    showRoundSync();
    flushRound().then(async () => {
      const res = navigator.onLine ? await api(`/api/round/${rd.id}`).catch(() => null) : null;
      if (res?.ok) showRound(res.data.round_state);
    });
  }
}

function show(view) {
  for (const v of ['golfer', 'round', 'admin']) { $(v).hidden = v !== view; $(`tab-${v}`).setAttribute('aria-pressed', String(v === view)); }
  if (view === 'admin') { loadHealth(); if (sessionStorage.getItem('greenside-admin-token')) loadRuns(); }
  history.replaceState(null, '', view === 'golfer' ? '#' : `#${view}`);
}

// ---------------------------------------------------------------- start
async function loadCourse(id, pending) {
  const res = await (pending ?? api(`/api/courses/${encodeURIComponent(id)}`));
  if (!res.ok) return fail(errText(res));
  st.courseJson = res.data;
  st.course = Course.fromJson(res.data);
  $('hole').replaceChildren(...st.course.holeIds().map((h) => el('option', { value: String(h) }, `Hole ${h}`)));
  st.hole = Number($('hole').value);
  drawMap();
}

async function main() {
  // The page and the wasm stay available offline after this first load.
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
  window.addEventListener('online', () => { st.online = true; sync(); showSync(); });
  window.addEventListener('offline', () => { st.online = false; showSync(); });
  setInterval(() => { if (st.tracker?.pendingFixes().length || orphans().length) sync(); }, 5000);
  // The wasm, the course list and the first course's file come down
  // together, not one after the other (on a phone's slow link each is a
  // round trip or more).
  const wasm = init().then(() => { st.wasm = true; }, (e) => fail(`In-browser classification unavailable: ${e.message}`));
  const listed = api('/api/courses').then((res) => {
    const courses = res.ok ? res.data.courses.filter((c) => c.available) : [];
    // The list shows at once; the map follows once the wasm is ready.
    $('course').replaceChildren(...courses.map((c) => el('option', { value: c.course_id }, c.name)));
    const first = courses.length ? api(`/api/courses/${encodeURIComponent(courses[0].course_id)}`) : null;
    first?.catch(() => {}); // awaited below when used; its failure is reported there
    return { res, courses, first };
  });
  listed.catch(() => {}); // awaited below; its failure is reported there
  await wasm;
  $('tab-golfer').addEventListener('click', () => show('golfer'));
  $('tab-admin').addEventListener('click', () => show('admin'));
  $('tab-round').addEventListener('click', () => show('round'));
  $('start-form').addEventListener('submit', startSession);
  $('course').addEventListener('change', () => loadCourse($('course').value));
  $('hole').addEventListener('change', () => { st.hole = Number($('hole').value); drawMap(); });
  $('map').addEventListener('click', mapClick);
  $('zoom-green').addEventListener('click', () => zoom('green'));
  $('zoom-hole').addEventListener('click', () => zoom('all'));
  $('fix-form').addEventListener('submit', (ev) => { ev.preventDefault(); const p = typed(); if (p) sendBall(p, Number($('accuracy').value) || undefined); });
  $('send-cup').addEventListener('click', () => { const p = typed(); if (p) sendCup(p); });
  $('geo').addEventListener('click', toggleGeo);
  $('advice').addEventListener('click', advice);
  $('units').addEventListener('click', toggleUnits);
  $('here').addEventListener('click', startHere);
  showYardage();
  $('token-form').addEventListener('submit', (ev) => { ev.preventDefault(); sessionStorage.setItem('greenside-admin-token', $('token').value); $('token').value = ''; loadHealth(); pages.stack = []; loadRuns(); });
  $('health-refresh').addEventListener('click', loadHealth);
  $('run-filters').addEventListener('submit', (ev) => { ev.preventDefault(); pages.stack = []; loadRuns(); });
  $('next-page').addEventListener('click', () => { pages.stack.push(pages.current); loadRuns(pages.next); });
  $('prev-page').addEventListener('click', () => loadRuns(pages.stack.pop()));
  $('drawer-close').addEventListener('click', () => { $('drawer').hidden = true; });
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') $('drawer').hidden = true; });
  $('p-confirm').addEventListener('input', () => { $('prune-go').disabled = $('p-confirm').value !== 'PRUNE'; });
  $('prune-form').addEventListener('submit', prune);

  const { res, courses, first } = await listed;
  if (!res.ok) return fail(errText(res));
  // The golfer may have picked another course while the wasm compiled.
  const chosen = $('course').value;
  if (courses.length) await loadCourse(chosen, chosen === courses[0].course_id ? first : undefined);
  roundSetup();
  show(['#admin', '#round'].includes(location.hash) ? location.hash.slice(1) : 'golfer');
  showSync();
  if (orphans().length && navigator.onLine) sync();
  // For tests and the curious: the phone's own state and what waits.
  window.greenside = { state: () => st.tracker?.state() ?? null, pending: () => st.tracker?.pendingFixes() ?? [], sessionId: () => st.sessionId, roundId: () => rd.id, roundWaiting: () => rd.queue.length };
  document.body.dataset.ready = 'true';
}
main().catch((e) => fail(`The page could not load: ${e.message}`));

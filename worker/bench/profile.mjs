// Where the edge worker's CPU goes per set_ball_location: V8's sampling CPU
// profiler, through workerd's inspector (Miniflare's `inspectorPort`), over
// N fixes of one session, on a build that keeps the wasm's names
// (`GREENSIDE_WORKER_NAMES=1 scripts/build-worker`). Every isolate the
// inspector lists (the worker and its Durable Objects) is profiled; the
// self time is summed by bucket (greenside's crates, serde_json, the
// workers-rs and wasm-bindgen glue, the allocator, JS, the runtime) and the
// top functions are listed. Prints Markdown and writes
// target/bench/worker_profile.json.
//
//   node worker/bench/profile.mjs [REQUESTS]    # default 2000

import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import WebSocket from 'ws';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const N = Number(process.argv[2] ?? 2000);
const ON = { lat: 40.26824, lon: -111.65952 };
const OFF = { lat: 40.267728069, lon: -111.659682572 };
const CONTRACT = '0.5.0';

const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** A CDP session on one inspector target. */
function cdp(url) {
  const ws = new WebSocket(url);
  let id = 0;
  const waiting = new Map();
  ws.on('message', (m) => {
    const msg = JSON.parse(m);
    if (msg.id && waiting.has(msg.id)) {
      const { resolve, reject } = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) reject(new Error(JSON.stringify(msg.error))); else resolve(msg.result);
    }
  });
  const opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return {
    async send(method, params = {}) {
      await opened;
      const n = ++id;
      const p = new Promise((resolve, reject) => waiting.set(n, { resolve, reject }));
      ws.send(JSON.stringify({ id: n, method, params }));
      return p;
    },
    close: () => ws.close(),
  };
}

/** Which part of the system a profile frame belongs to. */
function bucket(frame) {
  const f = frame.functionName || '(anonymous)';
  const url = frame.url || '';
  if (f === '(garbage collector)') return 'V8 garbage collector';
  if (f === '(program)' || f === '(idle)' || f === '(root)') return 'runtime (workerd, outside JS and wasm)';
  if (/serde_json/.test(f)) return 'serde_json (JSON in and out)';
  if (/greenside_core/.test(f)) return 'greenside core (rules)';
  if (/greenside_worker/.test(f)) return 'greenside worker (glue)';
  if (/dlmalloc|__rust_alloc|__rdl_|alloc::raw_vec|RawVec|__rust_dealloc|__rust_realloc/.test(f)) return 'allocator';
  if (/^worker::|worker\[|<worker::|workers_rs|worker_sys|js_sys|wasm_bindgen|__wbg|__wbindgen|externref/.test(f)) return 'workers-rs / wasm-bindgen glue';
  if (/core::fmt|alloc::fmt|fmt::/.test(f)) return 'formatting (core::fmt)';
  if (/^\$|::/.test(f) || url.endsWith('.wasm') || /wasm-function/.test(f)) return 'other Rust (std, core, serde)';
  return 'JavaScript (glue, runtime built-ins)';
}

const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'));
const inspectorPort = await freePort();
const mf = new Miniflare({
  ...workerOptions,
  rootPath: root,
  modules: true,
  scriptPath: join(root, 'worker/build/index.js'),
  modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
  bindings: { ...workerOptions.bindings, RATE_LIMIT_ENABLED: 'false' },
  inspectorPort,
  handleRuntimeStdio: (a, b) => { a.resume(); b.resume(); },
});
try {
  await mf.ready;
  const kv = await mf.getKVNamespace('COURSES');
  const data = join(root, 'data/courses');
  const registry = readFileSync(join(data, 'datasets.json'), 'utf8');
  await kv.put('datasets.json', registry);
  for (const d of JSON.parse(registry).datasets) await kv.put(d.path, readFileSync(join(data, d.path), 'utf8'));
  const post = (path, body) => mf.dispatchFetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const started = await (await post('/api/session/start', JSON.stringify({ contract_version: CONTRACT, course_id: 'riverside', hole_id: 1 }))).json();
  const fix = (i) => post('/api/session/set_ball_location', JSON.stringify({ contract_version: CONTRACT, session_id: started.session_id, ball_wgs84: i % 2 ? OFF : ON, accuracy_m: 4.0 }));
  for (let i = 0; i < 200; i++) await (await fix(i)).text();
  // The user worker's isolate (greenside's front and its Durable Objects);
  // Miniflare's own helper workers (assets, KV, cache) are left out.
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()).filter((t) => /core:user:/.test(t.title));
  if (targets.length === 0) throw new Error('no user worker among the inspector targets');
  const sessions = targets.map((t) => ({ title: t.title, c: cdp(t.webSocketDebuggerUrl) }));
  for (const s of sessions) {
    await s.c.send('Profiler.enable');
    await s.c.send('Profiler.setSamplingInterval', { interval: 50 });
    await s.c.send('Profiler.start');
  }
  for (let i = 0; i < N; i++) {
    const r = await fix(i);
    if (!r.ok) throw new Error(`set_ball_location: ${r.status} ${await r.text()}`);
    await r.text();
  }
  const byBucket = new Map();
  const byFunction = new Map();
  // Inclusive time of greenside's own functions (self + everything below).
  const inclusive = new Map();
  let total = 0;
  for (const s of sessions) {
    const { profile } = await s.c.send('Profiler.stop');
    s.c.close();
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map();
    profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    for (const [id, us] of self) {
      const seen = new Set();
      for (let p = id; p !== undefined; p = parent.get(p)) {
        const f = nodes.get(p).callFrame.functionName;
        if (!/greenside_(worker|core)::/.test(f)) continue;
        const name = f.replace(/::h[0-9a-f]{16}$/, '');
        if (seen.has(name)) continue;
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + us);
      }
    }
    for (const [id, us] of self) {
      const frame = nodes.get(id).callFrame;
      if (frame.functionName === '(idle)') continue;
      const b = bucket(frame);
      byBucket.set(b, (byBucket.get(b) ?? 0) + us);
      const name = `${frame.functionName || '(anonymous)'}`.slice(0, 110);
      byFunction.set(name, (byFunction.get(name) ?? 0) + us);
      total += us;
    }
  }
  const per = (us) => (us / N).toFixed(0);
  const lines = [
    `worker profile: ${N} set_ball_location requests, one session; V8 sampling profiler (50 µs) over ${sessions.length} isolates (${sessions.map((s) => s.title).join(', ')}); self time outside idle`,
    '',
    '| where | µs/request | share |',
    '| --- | --- | --- |',
    ...[...byBucket].sort((a, b) => b[1] - a[1]).map(([k, us]) => `| ${k} | ${per(us)} | ${((100 * us) / total).toFixed(1)} % |`),
    `| total | ${per(total)} | 100 % |`,
    '',
    '| function (top 25 by self time) | µs/request |',
    '| --- | --- |',
    ...[...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, us]) => `| \`${k.replaceAll('|', '\\|')}\` | ${(us / N).toFixed(1)} |`),
    '',
    '| greenside function (top 30, inclusive: itself and what it calls) | µs/request |',
    '| --- | --- |',
    ...[...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, us]) => `| \`${k.slice(0, 120).replaceAll('|', '\\|')}\` | ${(us / N).toFixed(1)} |`),
  ];
  console.log(lines.join('\n'));
  mkdirSync(join(root, 'target/bench'), { recursive: true });
  writeFileSync(join(root, 'target/bench/worker_profile.json'), JSON.stringify({ requests: N, total_us: total, buckets: Object.fromEntries(byBucket), functions: Object.fromEntries(byFunction) }, null, 2));
} finally {
  await mf.dispose();
}

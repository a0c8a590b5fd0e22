// The edge worker's CPU time per set_ball_location in workerd, without
// wrangler's proxy: Miniflare's Node API (`new Miniflare`, `dispatchFetch`)
// runs the workerd binary from npm on the build of scripts/build-worker, with
// the bindings of wrangler.toml. Beside it, in the same run and through the
// same client: the floor (worker/floor, the smallest workers-rs worker of the
// same shape: a fetch handler and one Durable Object answering the body back)
// and the native server on its memory store.
//
//   node worker/bench/cpu.mjs [REQUESTS]      # default 2000 per side
//
// CPU time is the server process's user + system time (/proc/PID/stat,
// every thread) across the timed requests, divided by their number: what the edge bills,
// as far as a local workerd can say it (one process holds the worker and
// its Durable Objects). Cold start is from `new Miniflare` to the first
// answer (workerd's spawn, the wasm's compile and instantiation). Prints a
// Markdown table and writes target/bench/worker_cpu.json.

import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const N = Number(process.argv[2] ?? 2000);
const WARM = Math.min(200, N);
const ON = { lat: 40.268240, lon: -111.659520 };
const OFF = { lat: 40.267728069, lon: -111.659682572 };
const CONTRACT = '0.5.0';

for (const f of ['worker/build/index.js', 'worker/floor/build/index.js']) {
  if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run scripts/build-worker first`);
}

/**
 * CPU seconds of a process: user + system time of all its threads, those
 * that have ended included (/proc/PID/stat, in clock ticks of 10 ms; the
 * timed stretch is seconds long).
 */
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
}
const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Every process whose command is `name`, descendants of this one. */
function descendants(name) {
  const parent = new Map();
  const comm = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      comm.set(Number(d), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  const mine = (pid) => { for (let p = pid; p > 1; p = parent.get(p) ?? 0) if (p === process.pid) return true; return false; };
  return [...comm].filter(([pid, c]) => c.startsWith(name) && pid !== process.pid && mine(pid)).map(([pid]) => pid);
}

/** workerd's output (the worker's access lines) is read and dropped, as the native server's is. */
const quiet = (stdout, stderr) => { stdout.resume(); stderr.resume(); };

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/**
 * Times `n` requests made by `send(i)` one after another (a phone's fixes
 * come one after another): wall time per request (p50) and the CPU time of
 * `pids` per request.
 */
async function timed(pids, n, send) {
  for (let i = 0; i < WARM; i++) await send(i);
  const cpu0 = pids.reduce((s, p) => s + cpuOf(p), 0);
  const walls = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await send(i);
    walls.push(performance.now() - t);
  }
  const elapsed = performance.now() - t0;
  const cpu = pids.reduce((s, p) => s + cpuOf(p), 0) - cpu0;
  return { requests: n, cpu_us: (cpu * 1e6) / n, p50_ms: median(walls), rps: (n * 1000) / elapsed };
}

const fixBody = (sessionId, i) => JSON.stringify({
  contract_version: CONTRACT, session_id: sessionId, ball_wgs84: i % 2 ? OFF : ON, accuracy_m: 4.0,
});

async function expectOk(resp, what) {
  const text = await resp.text();
  if (!resp.ok) throw new Error(`${what}: ${resp.status} ${text}`);
  return text;
}

/**
 * greenside's worker in workerd: cold start, then N fixes of one session.
 *
 * `assets: false` leaves out Miniflare's emulation of wrangler.toml's
 * [assets] (the web page): on Cloudflare the asset check runs before the
 * worker and is not the worker's CPU, but Miniflare runs it as helper
 * workers in the same workerd process, so a process-CPU measure would
 * charge it to the worker (about 800 µs per request and 250 ms of cold
 * start, measured: the `with [assets]` row). The main rows measure the
 * worker as the edge bills it, beside a floor without assets either.
 */
function greensideOptions(assets) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'));
  if (!assets) delete workerOptions.assets;
  return {
    ...workerOptions,
    rootPath: root,
    modules: true,
    scriptPath: join(root, 'worker/build/index.js'),
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    bindings: { ...workerOptions.bindings, RATE_LIMIT_ENABLED: 'false' },
    handleRuntimeStdio: quiet,
  };
}

async function greensideWorker({ assets = false } = {}) {
  const t0 = performance.now();
  const mf = new Miniflare(greensideOptions(assets));
  await mf.ready;
  const ready = performance.now() - t0;
  await expectOk(await mf.dispatchFetch('http://localhost/live'), '/live');
  const cold = performance.now() - t0;
  try {
    // The course data, as scripts/seed-kv puts it.
    const kv = await mf.getKVNamespace('COURSES');
    const data = join(root, 'data/courses');
    const registry = readFileSync(join(data, 'datasets.json'), 'utf8');
    await kv.put('datasets.json', registry);
    for (const d of JSON.parse(registry).datasets) await kv.put(d.path, readFileSync(join(data, d.path), 'utf8'));
    const post = (path, body) => mf.dispatchFetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const t1 = performance.now();
    const started = JSON.parse(await expectOk(await post('/api/session/start', JSON.stringify({ contract_version: CONTRACT, course_id: 'riverside', hole_id: 1 })), 'start'));
    const firstStart = performance.now() - t1;
    const pids = descendants('workerd');
    if (pids.length === 0) throw new Error('no workerd process found under this one');
    const r = await timed(pids, N, async (i) => {
      const text = await expectOk(await post('/api/session/set_ball_location', fixBody(started.session_id, i)), 'set_ball_location');
      if (!text.includes('"session_id"')) throw new Error(`unexpected answer: ${text}`);
    });
    // The same session read back (GET): the worker-to-object hop and the
    // record's load and answer, without classification or a write.
    const read = await timed(pids, N, async () => {
      await expectOk(await mf.dispatchFetch(`http://localhost/api/session/${started.session_id}`), 'get_session');
    });
    return { ...r, ready_ms: ready, cold_start_ms: cold, first_start_ms: firstStart, get_session: read };
  } finally {
    await mf.dispose();
  }
}

/**
 * The floor: the same client, the same body size, a worker that forwards it
 * to a Durable Object, which writes one record of greenside's record size
 * and answers the body back (worker/floor).
 */
function floorOptions() {
  // The platform greenside is configured with (wrangler.toml, without the
  // [assets] emulation as for greenside): its KV namespace, R2 bucket and
  // Durable Object namespaces (each served by the floor's one class), so a
  // cold start compares the workers, not Miniflare's set-up of services.
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'));
  delete workerOptions.assets;
  const durableObjects = Object.fromEntries(Object.keys(workerOptions.durableObjects).map((k) => [k, { className: 'Echo', useSQLite: true }]));
  return {
    ...workerOptions,
    name: 'floor',
    rootPath: join(root, 'worker/floor'),
    modules: true,
    scriptPath: join(root, 'worker/floor/build/index.js'),
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    durableObjects: { ...durableObjects, ECHO: { className: 'Echo', useSQLite: true } },
    handleRuntimeStdio: quiet,
  };
}

async function floorWorker() {
  const t0 = performance.now();
  const mf = new Miniflare(floorOptions());
  await mf.ready;
  await expectOk(await mf.dispatchFetch('http://localhost/', { method: 'POST', body: '{}' }), 'floor');
  const cold = performance.now() - t0;
  try {
    const pids = descendants('workerd');
    if (pids.length === 0) throw new Error('no workerd process found under this one');
    const r = await timed(pids, N, async (i) => {
      await expectOk(await mf.dispatchFetch('http://localhost/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: fixBody('0123456789abcdef0123456789abcdef', i) }), 'floor');
    });
    return { ...r, cold_start_ms: cold };
  } finally {
    await mf.dispose();
  }
}

/** The native server on its memory store, through Node's fetch. */
async function native() {
  const bin = [process.env.GREENSIDE_BIN, join(root, 'target/release/greenside'), join(root, 'target/debug/greenside')].find((p) => p && existsSync(p));
  if (!bin) throw new Error('build the server first (cargo build --release -p greenside-server)');
  const server = spawn(bin, ['serve', '--host', '127.0.0.1', '--port', '0'], {
    env: { PATH: process.env.PATH, RATE_LIMIT_ENABLED: 'false', RUN_STORE_DIR: join(root, 'target/bench/worker-cpu-runs') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const base = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('greenside did not start')), 20000);
      createInterface({ input: server.stderr }).on('line', (line) => {
        const m = line.match(/greenside listening on (http:\/\/[0-9.:]+)/);
        if (m) { clearTimeout(t); resolve(m[1]); }
      });
    });
    const post = (path, body) => fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const started = JSON.parse(await expectOk(await post('/api/session/start', JSON.stringify({ contract_version: CONTRACT, course_id: 'riverside', hole_id: 1 })), 'start'));
    return { ...await timed([server.pid], N, async (i) => {
      const text = await expectOk(await post('/api/session/set_ball_location', fixBody(started.session_id, i)), 'set_ball_location');
      if (!text.includes('"session_id"')) throw new Error(`unexpected answer: ${text}`);
    }), binary: bin.replace(root + '/', '') };
  } finally {
    server.kill();
  }
}

/** `new Miniflare` to the first answer, then disposed. */
async function coldStart(options, probe) {
  const t0 = performance.now();
  const mf = new Miniflare(options);
  try {
    await mf.ready;
    await expectOk(await probe(mf), 'cold start');
    return performance.now() - t0;
  } finally {
    await mf.dispose();
  }
}

// Cold starts first, each side in turn, COLD times (the first start of a
// run also warms the disk cache): the median is the figure.
const COLD = 7;
const colds = { greenside: [], floor: [] };
for (let i = 0; i < COLD; i++) {
  colds.greenside.push(await coldStart(greensideOptions(false), (mf) => mf.dispatchFetch('http://localhost/live')));
  colds.floor.push(await coldStart(floorOptions(), (mf) => mf.dispatchFetch('http://localhost/', { method: 'POST', body: '{}' })));
}
const worker = await greensideWorker();
const floor = await floorWorker();
worker.cold_start_ms = median(colds.greenside);
floor.cold_start_ms = median(colds.floor);
const withAssets = await greensideWorker({ assets: true });
const nat = await native();
const rows = [
  ['greenside worker (workerd, Miniflare dispatchFetch)', worker],
  ['floor worker (workerd, one Durable Object writing a record of greenside\'s size, answering the body)', floor],
  [`native server, memory store (${nat.binary})`, nat],
  ['greenside worker, get_session (the same session read back: no classification, no write)', worker.get_session],
  ['greenside worker with Miniflare\'s [assets] emulation in the same process (not billed on the edge)', withAssets],
];
const lines = [
  `worker cpu: ${N} set_ball_location requests per side, one after another, one session; cold start (new Miniflare to the first answer, median of ${COLD} each, in turn): greenside ${worker.cold_start_ms.toFixed(0)} ms (${colds.greenside.map((x) => x.toFixed(0)).join(', ')}; first session start ${worker.first_start_ms.toFixed(0)} ms), floor ${floor.cold_start_ms.toFixed(0)} ms (${colds.floor.map((x) => x.toFixed(0)).join(', ')})`,
  `worker cpu ratio: set_ball_location ${(worker.cpu_us / floor.cpu_us).toFixed(2)}x the floor (target 1.5x), cold start ${(worker.cold_start_ms / floor.cold_start_ms).toFixed(2)}x (target 1.5x)`,
  '',
  '| side | CPU µs/request | p50 ms | req/s | CPU / floor | CPU / native |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(([name, r]) => `| ${name} | ${r.cpu_us.toFixed(0)} | ${r.p50_ms.toFixed(2)} | ${r.rps.toFixed(0)} | ${(r.cpu_us / floor.cpu_us).toFixed(2)} | ${(r.cpu_us / nat.cpu_us).toFixed(2)} |`),
];
console.log(lines.join('\n'));
mkdirSync(join(root, 'target/bench'), { recursive: true });
writeFileSync(join(root, 'target/bench/worker_cpu.json'), JSON.stringify({ requests: N, worker, floor, with_assets: withAssets, native: nat, cold_starts_ms: colds }, null, 2));

// The npm package as a user gets it: `npm pack` of wasm/pkg, installed into
// a fresh temporary project (no link to this checkout), then used from Node
// as CommonJS and as ESM, type-checked from that project with `tsc --strict`,
// loaded by a bundler-free page in Chromium through an import map, and
// `npm publish --dry-run` accepted. Run after scripts/build-wasm.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = join(root, 'wasm', 'pkg');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ON = { lat: 40.26824, lon: -111.65952 };
let dir, project, tarball;

const run = (cmd, args, cwd, input) => execFileSync(cmd, args, { cwd, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

before(() => {
  assert.ok(existsSync(join(pkg, 'package.json')), 'build the package first (scripts/build-wasm)');
  dir = mkdtempSync(join(tmpdir(), 'greenside-pack-'));
  const out = run('npm', ['pack', pkg, '--pack-destination', dir, '--json'], dir);
  tarball = join(dir, JSON.parse(out)[0].filename);
  project = join(dir, 'app');
  run('mkdir', ['-p', project], dir);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'greenside-user', version: '1.0.0', private: true }));
  // From the tarball alone: the registry is not consulted (the package has no dependencies).
  run('npm', ['install', '--no-audit', '--no-fund', '--offline', tarball], project);
});

after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

test('the package.json has what a registry needs, and the tarball only what the package is', () => {
  const meta = JSON.parse(readFileSync(join(project, 'node_modules', 'greenside', 'package.json'), 'utf8'));
  for (const k of ['name', 'version', 'description', 'license', 'files', 'exports', 'types', 'repository', 'keywords']) {
    assert.ok(meta[k] !== undefined, `package.json has ${k}`);
  }
  assert.match(meta.version, /^\d+\.\d+\.\d+$/);
  const files = run('tar', ['-tzf', tarball], dir).trim().split('\n').map((f) => f.replace(/^package\//, '')).sort();
  assert.ok(files.includes('web/greenside_bg.wasm') && files.includes('nodejs/greenside.js') && files.includes('README.md'), files.join(' '));
  assert.ok(files.includes('web/greenside_classify_bg.wasm') && files.includes('nodejs/greenside_classify.js'), files.join(' '));
  assert.ok(files.every((f) => /^(nodejs|web|bundler)\/|^(README\.md|package\.json)$/.test(f)), `unexpected files: ${files.join(' ')}`);
  assert.ok(!files.some((f) => /\.(br|gz)$/.test(f)), 'the server\'s precompressed copies stay out of the package');
});

test('Node: require and import both work from the installed copy', () => {
  const cjs = `const { Course } = require('greenside');
const fs = require('fs');
const c = Course.fromJson(fs.readFileSync(process.argv[2], 'utf8'));
console.log(JSON.stringify({ ...c.classify(1, { lat: ${ON.lat}, lon: ${ON.lon} }), ...c.yardages(1, { lat: ${ON.lat}, lon: ${ON.lon} }) }));`;
  const esm = `import { Course, HoleTracker } from 'greenside';
import { readFileSync } from 'node:fs';
const c = Course.fromJson(readFileSync(process.argv[2], 'utf8'));
const t = new HoleTracker(c, 1);
console.log(JSON.stringify({ surface: t.addFix({ lat: ${ON.lat}, lon: ${ON.lon}, timeMs: 1 }).surfaceState, hole: c.locate({ lat: ${ON.lat}, lon: ${ON.lon} }).holeId }));`;
  writeFileSync(join(project, 'use.cjs'), cjs);
  writeFileSync(join(project, 'use.mjs'), esm);
  const course = join(root, 'data/courses/riverside/course.json');
  const a = JSON.parse(run('node', ['use.cjs', course], project));
  assert.equal(a.surface, 'GREEN');
  assert.ok(a.greenDistances.middleM > 0);
  const b = JSON.parse(run('node', ['use.mjs', course], project));
  assert.deepEqual(b, { surface: 'ON_GREEN', hole: 1 });
  // The classification entry, from CommonJS and ESM.
  writeFileSync(join(project, 'classify.cjs'), `const { Course } = require('greenside/classify');
const c = Course.fromJson(require('fs').readFileSync(process.argv[2], 'utf8'));
console.log(JSON.stringify(c.classify(1, { lat: ${ON.lat}, lon: ${ON.lon} })));`);
  writeFileSync(join(project, 'classify.mjs'), `import { Course } from 'greenside/classify';
import { readFileSync } from 'node:fs';
const c = Course.fromJson(readFileSync(process.argv[2], 'utf8'));
console.log(JSON.stringify(c.classify(1, { lat: ${ON.lat}, lon: ${ON.lon} })));`);
  const fromCjs = JSON.parse(run('node', ['classify.cjs', course], project));
  assert.equal(fromCjs.surface, 'GREEN');
  assert.deepEqual(JSON.parse(run('node', ['classify.mjs', course], project)), fromCjs);
  // Resolved from the project's node_modules, not this checkout's.
  const resolved = run('node', ['-p', "require.resolve('greenside')"], project).trim();
  assert.ok(resolved.startsWith(project), resolved);
});

test('TypeScript: the installed types check under --strict from the project', () => {
  const ts = `import { Course, HoleTracker, type Classification, type TrackerState, type Located, type Yardages } from 'greenside';
declare const text: string;
const course: Course = Course.fromJson(text);
const c: Classification = course.classify(1, { lat: 40.2, lon: -111.6 });
const y: Yardages = course.yardages(1, { lat: 40.2, lon: -111.6 });
const front: number | null = y.greenDistances?.frontM ?? null;
const s: TrackerState = new HoleTracker(course, 1, { shotConfirmFixes: 2 }).addFix({ lat: 1, lon: 2, timeMs: 3 });
const strokes: number = s.strokes;
const l: Located = course.locate([{ lat: 1, lon: 2 }]);
export const all = [front, strokes, l.holeId, y.hazards.map((h) => h.reachM), c.confidence];
`;
  writeFileSync(join(project, 'use.ts'), ts);
  // The classification entry's own types.
  writeFileSync(join(project, 'classify.ts'), `import { Course, surfaceNames, type Classification, type Position, type Yardages, type BatchClassification, type GreensideError, type Measured, type AimPoint, type Layup } from 'greenside/classify';
declare const text: string;
const course: Course = Course.fromJson(text);
const p: Position = { lat: 40.2, lon: -111.6, accuracyM: 4, accuracyKind: 'p68' };
const c: Classification = course.classify(1, p);
const y: Yardages = course.yardages(1, p, { lat: 40.2, lon: -111.6 });
const many: BatchClassification = course.classifyMany(1, new Float64Array([40.2, -111.6]), 5);
const out = new Float64Array(4);
course.classifyInto(1, 40.2, -111.6, undefined, out);
try { course.classify(2, p); } catch (e) { const code: string = (e as GreensideError).code; void code; }
const aim: AimPoint[] = course.yardages(13, p, undefined, 'YARDS').aimPoints;
const marks: Layup[] = y.layups;
const m: Measured = course.measure(13, p, { aim: 1 });
const tap: Measured = course.measure(13, p, { lat: 40.3, lon: -111.6 });
export const all = [c.onGreen, y.hazards.length, many.surface[0], surfaceNames()[out[0]], course.holeIds().length,
  aim[0]?.greenDistances.middleM, marks[0]?.mark, m.surface, tap.greenDistances.frontM];
`);
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  run(tsc, ['--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,dom', '--module', 'nodenext', '--moduleResolution', 'nodenext', 'use.ts', 'classify.ts'], project);
  // And a wrong use is refused: the types are real.
  writeFileSync(join(project, 'wrong.ts'), `import { Course } from 'greenside';\nconst n: string = Course.fromJson('{}').classify(1, { lat: 1, lon: 2 }).confidence;\nexport { n };\n`);
  assert.throws(() => run(tsc, ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', 'wrong.ts'], project),
    (e) => /wrong\.ts\(2,7\): error TS2322/.test(e.stdout), 'a number is not a string');
});

test('a bundler-free page in Chromium imports the installed package through an import map', { timeout: 60000 }, async () => {
  const { chromium } = await import('playwright-core');
  const course = readFileSync(join(root, 'data/courses/riverside/course.json'), 'utf8');
  writeFileSync(join(project, 'index.html'), `<!doctype html><meta charset="utf-8"><title>app</title>
<script type="importmap">{"imports": {"greenside": "/node_modules/greenside/web/greenside.js", "greenside/classify": "/node_modules/greenside/web/greenside_classify.js"}}</script>
<script type="module">
import init, { Course } from 'greenside';
import initClassify, { Course as ClassifyCourse } from 'greenside/classify';
await init();
await initClassify();
const text = await (await fetch('/course.json')).text();
const c = Course.fromJson(text);
const k = ClassifyCourse.fromJson(text);
document.title = JSON.stringify({ surface: c.classify(1, { lat: ${ON.lat}, lon: ${ON.lon} }).surface, hole: c.locate({ lat: ${ON.lat}, lon: ${ON.lon} }).holeId, classify: k.classify(1, { lat: ${ON.lat}, lon: ${ON.lon} }).surface, front: k.yardages(1, { lat: ${ON.lat}, lon: ${ON.lon} }).greenDistances.frontM });
</script>`);
  writeFileSync(join(project, 'course.json'), course);
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
  const server = createServer((req, res) => {
    const path = normalize(join(project, decodeURIComponent(new URL(req.url, 'http://x').pathname === '/' ? '/index.html' : new URL(req.url, 'http://x').pathname)));
    if (!path.startsWith(project) || !existsSync(path)) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'content-type': types[extname(path)] || 'application/octet-stream' });
    res.end(readFileSync(path));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  // A browser that cannot start must fail the test, not leave the server
  // holding the process open.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] })
    .catch((e) => { server.close(); throw e; });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => document.title.startsWith('{'), null, { timeout: 30000 });
    assert.deepEqual(JSON.parse(await page.title()), { surface: 'GREEN', hole: 1, classify: 'GREEN', front: 0 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});

test('npm publish --dry-run accepts the package', () => {
  const out = run('npm', ['publish', '--dry-run', '--json', pkg], dir);
  // npm 11 keys the answer by package name.
  const all = JSON.parse(out.slice(out.indexOf('{')));
  const meta = all.greenside ?? all;
  assert.equal(meta.name, 'greenside');
  assert.ok(meta.files.length >= 10 && readdirSync(pkg).length >= 3);
});

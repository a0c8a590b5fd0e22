// The TypeScript declarations against the code they describe, both entries:
// every class and function declared is exported and every export declared;
// every class member declared exists and every member is declared; the
// objects the package answers have exactly the keys their interfaces
// declare, and the objects it reads are read by exactly the declared keys.
// (`tsc --strict` on usage.ts checks the declarations are well-formed and
// name no undeclared type; this checks they say what the code does.)
// Run after scripts/build-wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = (p) => readFileSync(new URL(`../pkg/${p}`, import.meta.url), 'utf8');
const gs = require('greenside');
const cl = require('greenside/classify');
const COURSE = readFileSync(new URL('../../data/courses/riverside/course.json', import.meta.url), 'utf8');
const AUGUSTA = readFileSync(new URL('../../data/courses/augusta_national/course.json', import.meta.url), 'utf8');
const TEE13 = { lat: 33.494032, lon: -82.0235094 };
const ON = { lat: 40.26824, lon: -111.65952 };
const OFF = { lat: 40.267728069, lon: -111.659682572 };

/** Splits `text` at `sep` outside brackets, braces, parentheses and angle brackets. */
function splitTop(text, sep) {
  const out = [];
  let depth = 0, cur = '';
  for (const ch of text) {
    if ('{[(<'.includes(ch)) depth++;
    // An arrow's `>` closes nothing.
    if ('}])>'.includes(ch) && !(ch === '>' && cur.endsWith('='))) depth--;
    if (ch === sep && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

/** The body of the braces opening at `text[open]`. */
function braced(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unclosed brace at ${open}`);
}

/** What a declaration file declares: classes (members, statics), functions, interfaces (keys, optional or not), types. */
export function parseDts(source) {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const d = { classes: new Map(), functions: new Set(), interfaces: new Map(), types: new Set() };
  for (const m of text.matchAll(/export class (\w+)[^{]*\{/g)) {
    const members = new Set(), statics = new Set();
    for (const line of splitTop(braced(text, m.index + m[0].length - 1), ';')) {
      const n = line.match(/^(static\s+)?(?:readonly\s+|private\s+)?(\[Symbol\.\w+\]|\w+)/);
      assert.ok(n, `class ${m[1]}: cannot read "${line}"`);
      if (n[2] !== 'constructor') (n[1] ? statics : members).add(n[2]);
    }
    d.classes.set(m[1], { members, statics });
  }
  for (const m of text.matchAll(/export function (\w+)/g)) d.functions.add(m[1]);
  for (const m of text.matchAll(/export interface (\w+)[^{]*\{/g)) {
    const keys = new Map();
    for (const field of splitTop(braced(text, m.index + m[0].length - 1), ';')) {
      const k = field.match(/^(?:readonly\s+)?(\w+)(\?)?:/);
      assert.ok(k, `interface ${m[1]}: cannot read "${field}"`);
      keys.set(k[1], k[2] === '?');
    }
    d.interfaces.set(m[1], keys);
  }
  for (const m of text.matchAll(/export type (\w+)/g)) d.types.add(m[1]);
  return d;
}

const TARGETS = ['nodejs', 'web', 'bundler'];
const ENTRIES = [['greenside', 'greenside', gs], ['greenside/classify', 'greenside_classify', cl]];
const declared = (file) => parseDts(pkg(file));

for (const [entry, file, mod] of ENTRIES) {
  test(`${entry}: every export is declared and every declared class and function exported`, () => {
    const d = declared(`nodejs/${file}.d.ts`);
    assert.deepEqual([...d.classes.keys(), ...d.functions].sort(), Object.keys(mod).sort());
  });

  test(`${entry}: every class member is declared and every declared member exists`, () => {
    const d = declared(`nodejs/${file}.d.ts`);
    for (const [name, { members, statics }] of d.classes) {
      const C = mod[name];
      // wasm-bindgen's own plumbing, never part of the API.
      const own = (o) => Object.getOwnPropertyNames(o).filter((k) => !k.startsWith('__'));
      const proto = own(C.prototype).filter((k) => k !== 'constructor');
      const declaredMembers = [...members].filter((k) => !k.startsWith('[Symbol.'));
      assert.deepEqual(declaredMembers.sort(), proto.sort(), `${name}'s members`);
      assert.ok(members.has('[Symbol.dispose]') && typeof C.prototype[Symbol.dispose] === 'function', `${name}[Symbol.dispose]`);
      assert.deepEqual([...statics].sort(), own(C).filter((k) => !['length', 'name', 'prototype'].includes(k)).sort(), `${name}'s statics`);
    }
  });

  test(`${entry}: the three targets declare the same API`, () => {
    const node = declared(`nodejs/${file}.d.ts`);
    for (const target of ['web', 'bundler']) {
      const t = declared(`${target}/${file}.d.ts`);
      assert.deepEqual([...t.classes.keys()], [...node.classes.keys()], target);
      for (const [name, c] of node.classes) assert.deepEqual(t.classes.get(name), c, `${target}: ${name}`);
      // The web target adds its initialisation (`initSync`, the wasm's raw exports).
      assert.deepEqual([...t.functions].filter((f) => f !== 'initSync'), [...node.functions], target);
      t.interfaces.delete('InitOutput');
      assert.deepEqual(t.interfaces, node.interfaces, target);
    }
  });
}

test('the declarations in wasm/src/types.d.ts are the ones shipped', () => {
  const src = parseDts(readFileSync(new URL('../src/types.d.ts', import.meta.url), 'utf8'));
  for (const target of TARGETS) {
    const d = declared(`${target}/greenside.d.ts`);
    for (const [name, keys] of src.interfaces) assert.deepEqual(d.interfaces.get(name), keys, `${target}: ${name}`);
    for (const name of src.types) assert.ok(d.types.has(name), `${target}: type ${name}`);
  }
  // The classification entry's shapes are the full entry's too.
  const full = declared('nodejs/greenside.d.ts'), classify = declared('nodejs/greenside_classify.d.ts');
  for (const [name, keys] of classify.interfaces) assert.deepEqual(full.interfaces.get(name), keys, name);
});

/** `value` has every required key of `iface` and no key it does not declare. */
function shaped(iface, value, what) {
  const keys = declared('nodejs/greenside.d.ts').interfaces.get(iface);
  assert.ok(keys, `no interface ${iface}`);
  assert.ok(value !== null && typeof value === 'object', `${what}: not an object`);
  const have = Object.keys(value);
  for (const k of have) assert.ok(keys.has(k), `${what}: key ${k} is not declared in ${iface}`);
  for (const [k, optional] of keys) assert.ok(optional || have.includes(k), `${what}: ${iface}.${k} is missing`);
}

test('the answers have exactly the declared keys', async () => {
  const course = gs.Course.fromJson(COURSE);
  const t = new gs.HoleTracker(course, 1, { shotConfirmFixes: 1 });
  t.addFix({ ...OFF, accuracyM: 3, timeMs: 1000 });
  t.addFix({ ...ON, accuracyM: 3, accuracyKind: 'p68', seq: 5, timeMs: 2000 });
  const s = t.setCup({ lat: 40.2678, lon: -111.6597 }, 3000);
  shaped('TrackerState', s, 'state()');
  shaped('Transition', s.lastTransition, 'lastTransition');
  shaped('Shot', s.shots[0], 'shots[0]');
  shaped('GreenDistances', s.greenDistances, 'greenDistances');
  assert.ok(s.hazards.length > 0);
  s.hazards.forEach((h, i) => shaped('Hazard', h, `hazards[${i}]`));
  shaped('StateWarning', s.warnings[0], 'warnings[0]');
  shaped('LatLon', s.cup, 'cup');
  shaped('LatLon', s.ball, 'ball');
  t.pendingFixes().forEach((f, i) => shaped('WireFix', f, `pendingFixes()[${i}]`));
  let body;
  const r = await t.sync((b) => { body = b; return { error: { code: 'session_not_found', message: 'gone', details: {} } }; }, 'gs_00000000000000000000000000000000')
    .then(() => assert.fail('resolved'), (e) => e);
  shaped('GreensideError', { name: r.name, code: r.code, details: r.details }, 'sync error');
  shaped('SyncBody', body, 'sync body');
  body.fixes.forEach((f, i) => shaped('WireFix', f, `body.fixes[${i}]`));
  const other = new gs.HoleTracker(course, 1);
  const sid = other.state().sessionId;
  const done = await t.sync((b) => other.setBallLocationsWire(JSON.stringify({ ...b, session_id: sid }), 4000), 'gs_00000000000000000000000000000000');
  shaped('SyncResult', done, 'sync result');

  for (const [entry, , mod] of ENTRIES) {
    const c = mod.Course.fromJson(COURSE);
    const k = c.classify(1, { ...ON, accuracyM: 4 });
    shaped('Classification', k, `${entry}: classify`);
    shaped('LocalXY', k.local, `${entry}: classify.local`);
    const y = c.yardages(1, OFF);
    shaped('Yardages', y, `${entry}: yardages`);
    shaped('GreenDistances', y.greenDistances, `${entry}: yardages.greenDistances`);
    y.hazards.forEach((h, i) => shaped('Hazard', h, `${entry}: yardages.hazards[${i}]`));
    const l = c.locate([ON, ON]);
    shaped('Located', l, `${entry}: locate`);
    shaped('HoleCandidate', l.candidates[0], `${entry}: locate.candidates[0]`);
    shaped('BatchClassification', c.classifyMany(1, new Float64Array([ON.lat, ON.lon])), `${entry}: classifyMany`);
    shaped('FrameDescription', c.greenFrame(1), `${entry}: greenFrame`);
    shaped('LatLon', c.toWgs84(1, c.toLocal(1, ON)), `${entry}: toWgs84`);
    // Aim points, layups and measure, on a hole with a line (Augusta's 13th).
    const a = mod.Course.fromJson(AUGUSTA);
    const ya = a.yardages(13, TEE13, undefined, 'YARDS');
    shaped('Yardages', ya, `${entry}: yardages (aim)`);
    assert.equal(ya.aimPoints.length, 2, entry);
    ya.aimPoints.forEach((p, i) => {
      shaped('AimPoint', p, `${entry}: aimPoints[${i}]`);
      shaped('GreenDistances', p.greenDistances, `${entry}: aimPoints[${i}].greenDistances`);
      p.hazards.forEach((h, j) => shaped('Hazard', h, `${entry}: aimPoints[${i}].hazards[${j}]`));
    });
    assert.equal(ya.layups.length, 3, entry);
    ya.layups.forEach((l, i) => shaped('Layup', l, `${entry}: layups[${i}]`));
    const m = a.measure(13, TEE13, { aim: 1 });
    shaped('Measured', m, `${entry}: measure`);
    shaped('GreenDistances', m.greenDistances, `${entry}: measure.greenDistances`);
    assert.ok(m.hazards.length > 0, entry);
    m.hazards.forEach((h, i) => shaped('Hazard', h, `${entry}: measure.hazards[${i}]`));
  }
  const aug = gs.Course.fromJson(AUGUSTA);
  const s13 = new gs.HoleTracker(aug, 13, { units: 'YARDS' }).addFix({ ...TEE13, timeMs: 1 });
  shaped('TrackerState', s13, 'state() on the 13th');
  assert.equal(s13.units, 'YARDS');
  s13.aimPoints.forEach((p, i) => shaped('AimPoint', p, `tracker aimPoints[${i}]`));
  s13.layups.forEach((l, i) => shaped('Layup', l, `tracker layups[${i}]`));
  assert.deepEqual(s13.layups.map((l) => l.mark), [100, 150, 200]);
});

/** The keys the package reads from an argument, through a Proxy. */
function keysRead(call, value) {
  const read = new Set();
  call(new Proxy(value, { get(t, k, r) { read.add(String(k)); return Reflect.get(t, k, r); } }));
  return [...read].sort();
}
const declaredKeys = (iface) => [...declared('nodejs/greenside.d.ts').interfaces.get(iface).keys()].sort();

test('the arguments are read by exactly the declared keys', () => {
  const course = gs.Course.fromJson(COURSE);
  assert.deepEqual(keysRead((c) => new gs.HoleTracker(course, 1, c), {}), declaredKeys('TrackerConfig'));
  const t = new gs.HoleTracker(course, 1);
  assert.deepEqual(keysRead((f) => t.addFix(f), { ...ON, timeMs: 1 }), declaredKeys('Fix'));
  assert.deepEqual(keysRead((p) => t.setCup(p, 2), { ...ON }), declaredKeys('LatLon'));
  for (const [entry, , mod] of ENTRIES) {
    const c = mod.Course.fromJson(COURSE);
    assert.deepEqual(keysRead((p) => c.classify(1, p), { ...ON }), declaredKeys('Position'), entry);
    assert.deepEqual(keysRead((p) => c.toWgs84(1, p), { x: 1, y: 2 }), declaredKeys('LocalXY'), entry);
  }
});

test('the parser reads what it is given, and a difference fails', () => {
  const d = parseDts('/** doc; with a semicolon */\nexport interface A { a: number; b?: { c: string; d: number }; }\nexport class K {\n  static make(): K;\n  readonly x: number;\n  go(f: (a: A) => void): void;\n  [Symbol.dispose](): void;\n}\nexport function f(): { allow: true; n: number };\nexport type T = "x";\n');
  assert.deepEqual([...d.interfaces.get('A')], [['a', false], ['b', true]]);
  assert.deepEqual(d.classes.get('K'), { members: new Set(['x', 'go', '[Symbol.dispose]']), statics: new Set(['make']) });
  assert.deepEqual([...d.functions, ...d.types], ['f', 'T']);
  assert.throws(() => shaped('LatLon', { lat: 1, lon: 2, alt: 3 }, 'extra'), /alt is not declared/);
  assert.throws(() => shaped('LatLon', { lat: 1 }, 'short'), /LatLon\.lon is missing/);
});

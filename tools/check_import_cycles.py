#!/usr/bin/env python3
"""No import circle between the files of any crate of the workspace.

Reads each crate's sources as text: a file's module path comes from where
it is (`src/a/b.rs` and `src/a/b/mod.rs` are `a::b`), and every `use` and
every `crate::`/`super::`/`self::` path in it names the file of the longest
module prefix it reaches. A file importing from a module that contains it
(or that it contains) is structure, not a peer dependency, and is left out;
any other cycle of files importing from each other fails the check, naming
each file of the circle and what it takes from the next.

    python3 tools/check_import_cycles.py            # the workspace; exit 1 on a circle
    python3 tools/check_import_cycles.py --self-test  # shows that a circle is caught

The test command runs both (scripts/test).
"""
import os
import re
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CRATES = ["core/src", "server/src", "testkit/src", "tools/bindgen/src", "wasm/src", "wasm/classify/src",
          "worker/src", "worker/floor/src"]

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
USE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", re.M)
PATH = re.compile(rf"\b(crate|super|self)((?:::{IDENT})+)")


def modules(src):
    """Module path (tuple) → file, for every .rs file under src."""
    out = {}
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, src)[:-3].split(os.sep)
            if rel[-1] in ("lib", "main") and len(rel) == 1:
                rel = []
            elif rel[-1] == "mod":
                rel = rel[:-1]
            out[tuple(rel)] = full
    return out


def expand(tree):
    """`a::{b, c::{d, e as f}}` → [a::b, a::c::d, a::c::e] (renames dropped)."""
    tree = re.sub(r"\s*(::|\{|\}|,)\s*", r"\1", tree.strip())
    i = tree.find("{")
    if i < 0:
        return [tree.split(" as ")[0].strip()]
    head, body = tree[:i], tree[i + 1:tree.rindex("}")]
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    parts.append(cur)
    return [p for part in parts if part for p in expand(head + part)]


def resolve(me, path, mods):
    """The file a `crate::`/`super::`/`self::` path reaches from module `me`, or None."""
    segs = [s for s in path.split("::") if s]
    if not segs or segs[0] not in ("crate", "super", "self"):
        return None
    base = list(me)
    if segs[0] == "crate":
        base, segs = [], segs[1:]
    else:
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                base = base[:-1]
            segs = segs[1:]
    full = base + segs
    for n in range(len(full), -1, -1):
        if tuple(full[:n]) in mods:
            return tuple(full[:n]), segs[-1] if segs else ""
    return None


def edges(src):
    mods = modules(src)
    out = {}
    for me, path in mods.items():
        text = open(path, encoding="utf-8").read()
        # Tests of a file are its own; what they import is not the file's.
        text = re.split(r"#\[cfg\(test\)\]\s*mod\s+\w+", text)[0]
        # Comments (and doc links in them) are not imports.
        text = re.sub(r"//[^\n]*", "", text)
        refs = []
        for m in USE.finditer(text):
            refs += [p for p in expand(m.group(1)) if p.split("::")[0] in ("crate", "super", "self")]
        refs += [m.group(1) + m.group(2) for m in PATH.finditer(USE.sub("", text))]
        for r in refs:
            hit = resolve(me, r, mods)
            if not hit:
                continue
            to, name = hit
            nested = to[:len(me)] == me or me[:len(to)] == to
            if to != me and not nested:
                out.setdefault(me, {}).setdefault(to, set()).add(name)
    return mods, out


def circles(graph):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, stack, on, comps, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return comps


def check(root, crates):
    found = 0
    for c in crates:
        src = os.path.join(root, c)
        if not os.path.isdir(src):
            continue
        mods, graph = edges(src)
        for comp in circles(graph):
            found += 1
            print(f"import circle in {c}: " + ", ".join(os.path.relpath(mods[m], root) for m in comp))
            for a in comp:
                for b, names in sorted(graph.get(a, {}).items()):
                    if b in comp:
                        print(f"  {os.path.relpath(mods[a], root)} -> {os.path.relpath(mods[b], root)}: {', '.join(sorted(names))}")
    return found


def self_test():
    """A crate with a circle (a → b → a) and one without: only the first fails."""
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "bad/src"))
        os.makedirs(os.path.join(d, "good/src/store"))
        open(os.path.join(d, "bad/src/lib.rs"), "w").write("mod a;\nmod b;\n")
        open(os.path.join(d, "bad/src/a.rs"), "w").write("use crate::b::Thing;\npub struct Other;\n")
        open(os.path.join(d, "bad/src/b.rs"), "w").write("pub struct Thing;\nfn f() -> crate::a::Other { todo!() }\n")
        open(os.path.join(d, "good/src/lib.rs"), "w").write("pub mod store;\nuse store::{self, Store};\n")
        open(os.path.join(d, "good/src/store/mod.rs"), "w").write("pub mod redis;\npub use redis::Redis;\npub struct Store;\n")
        open(os.path.join(d, "good/src/store/redis.rs"), "w").write("use super::{Store};\nuse crate::store::Store as S;\npub struct Redis;\n")
        assert check(d, ["bad/src"]) == 1, "a → b → a was not caught"
        assert check(d, ["good/src"]) == 0, "a module importing from its parent is not a circle"
    print("check_import_cycles: self-test passed (a circle is caught, nesting is not one)")


if __name__ == "__main__":
    if "--self-test" in sys.argv:
        self_test()
        sys.exit(0)
    n = check(ROOT, CRATES)
    if n:
        print(f"check_import_cycles: {n} import circle(s)", file=sys.stderr)
        sys.exit(1)
    print(f"check_import_cycles: no import circle in {len(CRATES)} crates")

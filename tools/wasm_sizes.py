#!/usr/bin/env python3
"""Where a wasm file's bytes go: each function's body size, summed per crate
(from the name section, demangled names as wasm-bindgen leaves them), and
each section's size. No dependencies: reads the binary format directly.

    python3 tools/wasm_sizes.py FILE.wasm [--top N]
"""
import re
import sys
from collections import Counter


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def main():
    path = sys.argv[1]
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 25
    b = open(path, "rb").read()
    i = 8
    sections = Counter()
    bodies = []
    names = {}
    imported_funcs = 0
    while i < len(b):
        sid = b[i]
        size, j = leb(b, i + 1)
        end = j + size
        if sid == 0:
            n, k = leb(b, j)
            name = b[k:k + n].decode()
            sections["custom:" + name] += end - i
            if name == "name":
                k += n
                while k < end:
                    sub = b[k]
                    sl, k2 = leb(b, k + 1)
                    if sub == 1:
                        cnt, m = leb(b, k2)
                        for _ in range(cnt):
                            idx, m = leb(b, m)
                            ln, m = leb(b, m)
                            names[idx] = b[m:m + ln].decode(errors="replace")
                            m += ln
                    k = k2 + sl
        else:
            sections[{1: "type", 2: "import", 3: "function", 5: "memory", 6: "global", 7: "export",
                      9: "elem", 10: "code", 11: "data", 12: "datacount"}.get(sid, str(sid))] += end - i
            if sid == 2:
                cnt, k = leb(b, j)
                for _ in range(cnt):
                    for _ in range(2):
                        ln, k = leb(b, k)
                        k += ln
                    kind = b[k]
                    k += 1
                    if kind == 0:
                        _, k = leb(b, k)
                        imported_funcs += 1
                    elif kind == 1:
                        k += 1
                        fl, k = leb(b, k)
                        _, k = leb(b, k)
                        if fl & 1:
                            _, k = leb(b, k)
                    elif kind == 2:
                        fl, k = leb(b, k)
                        _, k = leb(b, k)
                        if fl & 1:
                            _, k = leb(b, k)
                    elif kind == 3:
                        k += 2
                    else:
                        _, k = leb(b, k)
            if sid == 10:
                cnt, k = leb(b, j)
                for f in range(cnt):
                    sz, k2 = leb(b, k)
                    bodies.append((imported_funcs + f, k2 + sz - k))
                    k = k2 + sz
        i = end
    total = len(b)
    print(f"{path}: {total} bytes")
    for s, n in sections.most_common():
        print(f"  section {s:<24} {n:>9} {100 * n / total:5.1f}%")
    per_crate = Counter()
    for idx, sz in bodies:
        per_crate[crate_of(names.get(idx, "?"))] += sz
    code = sum(sz for _, sz in bodies)
    print(f"\ncode by crate (of {code} bytes of function bodies):")
    for c, n in per_crate.most_common(top):
        print(f"  {c:<40} {n:>8} {100 * n / code:5.1f}%")
    print(f"\nlargest functions:")
    for idx, sz in sorted(bodies, key=lambda x: -x[1])[:top]:
        print(f"  {sz:>7}  {names.get(idx, '?')[:110]}")


def crate_of(name):
    """The crate a function belongs to, from a demangled name (`serde_json::de::…`,
    `<serde_json::… as …>`) or a mangled one as rustc leaves it when nothing
    demangled the name section (legacy `_ZN…E`: its first path component, an
    impl's self type; v0 `_R…`: its first crate root `C…`)."""
    if name.startswith("_ZN"):
        m = re.match(r"_ZN(\d+)", name)
        if m:
            first = name[m.end():m.end() + int(m.group(1))]
            for k, v in (("$LT$", "<"), ("$GT$", ">"), ("$RF$", "&"), ("$u20$", " "), ("$C$", ","), ("..", "::")):
                first = first.replace(k, v)
            first = re.sub(r"^_?<", "", first)
            name = re.sub(r"^(&|mut |dyn |\*const |\*mut |\[)+", "", first)
    elif name.startswith("_R"):
        m = re.search(r"C(?:s[0-9A-Za-z]*_)?(\d+)", name)
        if m:
            return name[m.end():m.end() + int(m.group(1))]
    name = re.sub(r"^<", "", name)
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", name)
    return m.group(1) if m else name.split("(")[0][:40]


if __name__ == "__main__":
    main()

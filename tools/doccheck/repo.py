"""The repository: what a documented command can refer to.

Read from the checkout's files only: the tracked files (git ls-files) and their
modes, the top .gitignore, package.json, the Cargo workspace (members, targets,
features, profiles), and the clap `Parser`/`Subcommand` types of a binary's
source (its subcommands and `--flags`).
"""
import fnmatch
import glob
import json
import os
import re
import subprocess
import tomllib

CARGO_PROFILES = {"dev", "release", "test", "bench"}
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def kebab(name):
    """`ImportOsm` → `import-osm`, `course_id` → `course-id` (clap's default renaming)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).replace("_", "-").lower()


# ---------------------------------------------------------------- the repository

class Repo:
    """What a command can refer to, read from the checkout's files only."""

    def __init__(self, root):
        self.root = root
        self.tracked, self.modes = self._tracked()
        self.dirs = {os.path.dirname(f) for f in self.tracked}
        for d in list(self.dirs):
            while d:
                d = os.path.dirname(d)
                self.dirs.add(d)
        self.top = {f.split("/")[0] for f in self.tracked}
        self.ignored = self._ignore_patterns()
        pkg = os.path.join(root, "package.json")
        self.package_json = json.load(open(pkg, encoding="utf-8")) if os.path.exists(pkg) else {}
        self.packages, self.profiles, self.virtual = self._workspace()
        self._clap = {}

    def _tracked(self):
        try:
            out = subprocess.run(["git", "-C", self.root, "ls-files", "-s", "-z"], capture_output=True, check=True).stdout
            files, modes = set(), {}
            for entry in out.decode("utf-8", "replace").split("\0"):
                if "\t" in entry:
                    meta, path = entry.split("\t", 1)
                    files.add(path)
                    modes[path] = meta.split()[0]
            if files:
                return files, modes
        except (OSError, subprocess.CalledProcessError):
            pass
        # Not a git checkout (the self-test): every file but build output.
        files, modes = set(), {}
        for dirpath, dirnames, names in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if d not in (".git", "node_modules", "target")]
            for n in names:
                full = os.path.join(dirpath, n)
                rel = os.path.relpath(full, self.root).replace(os.sep, "/")
                files.add(rel)
                modes[rel] = "100755" if os.access(full, os.X_OK) else "100644"
        return files, modes

    def _ignore_patterns(self):
        pats = []
        gi = os.path.join(self.root, ".gitignore")
        if os.path.exists(gi):
            for line in open(gi, encoding="utf-8"):
                line = line.strip()
                if line and not line.startswith(("#", "!")):
                    pats.append(line)
        return pats + ["target/", "node_modules/"]

    def is_ignored(self, rel):
        """A build output (the top .gitignore's patterns): a clone does not have it until a build."""
        parts = rel.split("/")
        for p in self.ignored:
            anchored, pat = p.startswith("/"), p.strip("/")
            for i in range(len(parts)):
                if anchored and i > 0:
                    break
                for j in range(i + 1, len(parts) + 1):
                    if fnmatch.fnmatch("/".join(parts[i:j]), pat):
                        return True
        return False

    def exists(self, rel):
        rel = os.path.normpath(rel).replace(os.sep, "/")
        if rel in (".", ""):
            return True
        return rel in self.tracked or rel in self.dirs

    def glob(self, pattern):
        pattern = os.path.normpath(pattern).replace(os.sep, "/")
        return [f for f in self.tracked if fnmatch.fnmatchcase(f, pattern)]

    def executable(self, rel):
        return self.modes.get(rel, "").endswith("755")

    def text(self, rel):
        try:
            return open(os.path.join(self.root, rel), encoding="utf-8", errors="replace").read()
        except OSError:
            return ""

    def _workspace(self):
        manifest = os.path.join(self.root, "Cargo.toml")
        if not os.path.exists(manifest):
            return {}, set(CARGO_PROFILES), True
        top = tomllib.load(open(manifest, "rb"))
        members = []
        for m in top.get("workspace", {}).get("members", []):
            members += sorted(os.path.relpath(p, self.root) for p in glob.glob(os.path.join(self.root, m)))
        if "package" in top:
            members.append(".")
        packages = {}
        for m in members:
            path = os.path.join(self.root, m, "Cargo.toml")
            if os.path.exists(path):
                info = self._package(m.replace(os.sep, "/"), tomllib.load(open(path, "rb")))
                packages[info["name"]] = info
        return packages, CARGO_PROFILES | set(top.get("profile", {})), "package" not in top

    def _package(self, d, man):
        pkg = man.get("package", {})
        name = pkg.get("name", os.path.basename(d))
        base = "" if d == "." else d + "/"

        def targets(kind, folder, auto_key):
            out = {}
            for t in man.get(kind, []):
                out[t["name"]] = base + t.get("path", f"{folder}/{t['name']}.rs")
            if pkg.get(auto_key, True) is not False:
                for f in self.tracked:
                    if not f.startswith(base + folder + "/"):
                        continue
                    rest = f[len(base + folder) + 1:].split("/")
                    if len(rest) == 1 and rest[0].endswith(".rs"):
                        out.setdefault(rest[0][:-3], f)
                    elif len(rest) == 2 and rest[1] == "main.rs":
                        out.setdefault(rest[0], f)
            return out

        bins = {}
        for t in man.get("bin", []):
            bins[t["name"]] = base + t.get("path", f"src/bin/{t['name']}.rs")
        if pkg.get("autobins", True) is not False:
            if base + "src/main.rs" in self.tracked and base + "src/main.rs" not in bins.values():
                bins[name] = base + "src/main.rs"
            for n, f in targets("__none__", "src/bin", "autobins").items():
                bins.setdefault(n, f)
        features = set(man.get("features", {}))
        for section in ("dependencies", "dev-dependencies"):
            for dep, spec in man.get(section, {}).items():
                if isinstance(spec, dict) and spec.get("optional"):
                    features.add(dep)
        return {"name": name, "dir": d, "bins": bins, "features": features,
                "tests": targets("test", "tests", "autotests"),
                "benches": targets("bench", "benches", "autobenches"),
                "examples": targets("example", "examples", "autoexamples"),
                "default_run": pkg.get("default-run")}

    def bin_named(self, name):
        for p in self.packages.values():
            if name in p["bins"]:
                return p["bins"][name]
        return None

    # ---- clap

    def clap(self, src):
        """The command tree of a clap binary: {'flags': {long: takes_value}, 'subs': {name: node}}, or None."""
        if src not in self._clap:
            self._clap[src] = parse_clap(self.text(src)) if src else None
        return self._clap[src]


def rust_items(text):
    """name → (derives, kind, body) for every `#[derive(..)] (pub) struct|enum Name { body }`."""
    text = re.sub(r"//[^\n]*", "", text)
    items = {}
    for m in re.finditer(rf"((?:#\[[^\]]*\]\s*)+)(?:pub(?:\([^)]*\))?\s+)?(struct|enum)\s+({IDENT})[^{{;(]*\{{", text):
        derives = " ".join(re.findall(r"derive\(([^)]*)\)", m.group(1)))
        start, depth, i = m.end(), 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        items[m.group(3)] = (derives, m.group(2), text[start:i - 1])
    return items


def split_top(body):
    """Split a struct/enum body at the commas of its own level."""
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch in "{(<["
        depth -= ch in "})>]"
        cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def attrs_and_rest(part):
    attrs = []
    while True:
        m = re.match(r"\s*#\[", part)
        if not m:
            break
        depth, i = 1, m.end()
        while depth and i < len(part):
            depth += {"[": 1, "]": -1}.get(part[i], 0)
            i += 1
        attrs.append(part[m.end():i - 1])
        part = part[i:]
    return attrs, part.strip()


def clap_fields(body, items, node):
    """Add a struct body's arguments (and its subcommand) to node."""
    for part in split_top(body):
        attrs, rest = attrs_and_rest(part)
        m = re.match(rf"(?:pub(?:\([^)]*\))?\s+)?({IDENT})\s*:\s*(.+)$", rest, re.S)
        if not m:
            continue
        field, ty = m.group(1), re.sub(r"\s+", "", m.group(2))
        inner = re.sub(r"^(?:Option|Box)<(.+)>$", r"\1", ty)
        joined = " ".join(attrs)
        if re.search(r"command\(\s*subcommand", joined):
            sub = clap_enum(inner, items)
            node["subs"].update(sub)
            node["positional"] = False
        elif re.search(r"command\(\s*flatten|clap\(\s*flatten", joined) and inner in items:
            clap_fields(items[inner][2], items, node)
        else:
            for a in attrs:
                if not re.match(r"(arg|clap)\(", a):
                    continue
                lm = re.search(r"\blong\s*=\s*\"([^\"]+)\"", a)
                if lm:
                    long = lm.group(1)
                elif re.search(r"\blong\b", a):
                    long = kebab(field)
                else:
                    continue
                node["flags"][long] = ty not in ("bool",) and "SetTrue" not in a and "Count" not in a
                for al in re.findall(r"\b(?:visible_)?alias\s*=\s*\"([^\"]+)\"", a):
                    node["flags"][al] = node["flags"][long]


def clap_enum(name, items):
    """The subcommands of a `#[derive(Subcommand)] enum`: kebab name → node."""
    if name not in items or "Subcommand" not in items[name][0]:
        return {}
    out = {}
    for part in split_top(items[name][2]):
        attrs, rest = attrs_and_rest(part)
        m = re.match(rf"({IDENT})\s*(\{{.*\}}|\(.*\))?$", rest, re.S)
        if not m:
            continue
        node = {"flags": {}, "subs": {}, "positional": True}
        joined = " ".join(attrs)
        nm = re.search(r"command\([^)]*\bname\s*=\s*\"([^\"]+)\"", joined)
        names = [nm.group(1) if nm else kebab(m.group(1))]
        names += re.findall(r"\b(?:visible_)?alias\s*=\s*\"([^\"]+)\"", joined)
        payload = m.group(2) or ""
        if payload.startswith("{"):
            clap_fields(payload[1:-1], items, node)
        elif payload.startswith("("):
            ty = payload[1:-1].strip()
            if ty in items and "Subcommand" in items[ty][0]:
                node["subs"] = clap_enum(ty, items)
            elif ty in items:
                clap_fields(items[ty][2], items, node)
        for n in names:
            out[n] = node
    return out


def parse_clap(text):
    items = rust_items(text)
    for name, (derives, kind, body) in items.items():
        if "Parser" in derives.split(",") or re.search(r"\bParser\b", derives):
            root = {"flags": {}, "subs": {}, "positional": True}
            if kind == "struct":
                clap_fields(body, items, root)
            else:
                root["subs"] = clap_enum(name, items)
            return root
    return None

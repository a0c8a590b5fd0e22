#!/usr/bin/env python3
"""Every command the docs give works as written, and nothing reaches outside the checkout.

Reads the docs as text and checks, statically, that each shell command they
give resolves in this repository (nothing is run, nothing is built):

- the commands: every line of a ```sh/```bash/```shell/```console block
  (continuations joined, comments dropped; in a console block only `$ `
  lines), and every inline `code` span that starts with `npm run`, `npx`,
  `bash scripts/`, `scripts/`, `cargo run|nextest|test|bench`,
  `python3 tools/`, `node ` or `greenside `, in README.md, ARCHITECTURE.md,
  docs/*.md, worker/README.md, wasm/**/README.md, deploy/README.md and
  data/**/README.md;
- `npm run X`: X is a script of package.json, and its own command is checked
  the same way; `npx T` and npm-installed tools (`tsc`, `wrangler`, ...):
  the package is in package.json's devDependencies;
- `scripts/X`, `bash X`, `python3 X`, `node X`: the file is tracked (a
  `scripts/X` run directly is executable), and every `--flag` given after
  it appears in its text;
- `cargo ...`: every `-p`/`--exclude` package is a workspace member, and
  `--test`/`--bench`/`--example`/`--bin` name one of its targets (a file
  tests/T.rs or tests/T/main.rs, or a [[test]] of its Cargo.toml; the same
  for benches/ and examples/), `--features` are in its [features],
  `--profile` is a profile, and a nextest filter's `test(/^a::b::/)` names
  modules that the test binary declares (`mod a;` in its main.rs, and so on);
- `greenside ...` and `cargo run ... -- ...`: the subcommands and `--flags`
  are those of the clap `Parser`/`Subcommand` types of the binary's source
  (variants kebab-cased, `#[command(subcommand)]` followed into the nested
  enum);
- any argument that names a repository path (a top-level entry of the
  checkout, or containing `/` and ending in an extension; not a placeholder
  such as <x>, `…` or `$VAR`, not a git-ignored build output) exists.

It then reads every tracked text file (git ls-files) for what a clone would
not have: a `../shared` reference, and in the Markdown files every relative
link `[..](path)` must reach a tracked file or directory inside the
checkout (http(s):, mailto: and #anchors are left alone, #fragments
stripped); one that climbs above the repository root fails.

    python3 tools/check_documented_commands.py            # exit 1 on any failure
    python3 tools/check_documented_commands.py --quiet    # only the failures
    python3 tools/check_documented_commands.py --self-test  # shows that a stale command and a stray link are caught

Only files of the checkout are read. The test command runs both (scripts/test).
"""
import contextlib
import fnmatch
import glob
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import tomllib

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

DOC_PATTERNS = ["README.md", "ARCHITECTURE.md", "docs/*.md", "worker/README.md", "wasm/**/README.md",
                "deploy/README.md", "data/**/README.md"]
INLINE_PREFIXES = ("npm run ", "npx ", "bash scripts/", "scripts/", "./scripts/", "cargo run", "cargo nextest",
                   "cargo test", "cargo bench", "python3 tools/", "node ", "greenside ")
SHELL_FENCES = ("sh", "bash", "shell", "console", "shell-session")
# Programs npm installs into node_modules/.bin, and the package that brings each.
NPM_BINS = {"tsc": "typescript", "wrangler": "wrangler", "esbuild": "esbuild", "wasm-opt": "binaryen",
            "miniflare": "miniflare", "lighthouse": "lighthouse", "playwright-core": "playwright-core"}
CARGO_PROFILES = {"dev", "release", "test", "bench"}
SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")", ";;", "|&"}
REDIRECTS = {">", ">>", "<", ">&", "&>", ">|", "<<<", "&>>"}
PLACEHOLDER = "\x00placeholder"
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


# ---------------------------------------------------------------- the docs' commands

def doc_files(repo):
    root, out = repo.root, []
    for pat in DOC_PATTERNS:
        for f in sorted(glob.glob(os.path.join(root, pat), recursive=True)):
            rel = os.path.relpath(f, root).replace(os.sep, "/")
            if "node_modules/" in rel or repo.is_ignored(rel) or rel in out:
                continue
            out.append(rel)
    return out


FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([\w+-]*)[^\n]*$")


def blank_code(text):
    """The text with fenced blocks and inline code spans blanked (same lines), for link scanning."""
    lines, out, fence = text.split("\n"), [], None
    for line in lines:
        m = FENCE.match(line)
        if fence:
            if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= len(fence) and not m.group(3):
                fence = None
            out.append("")
            continue
        if m:
            fence = m.group(2)
            out.append("")
            continue
        out.append(line)
    text = "\n".join(out)
    return re.sub(r"(`+)(.+?)\1", lambda m: " " * len(m.group(0)), text, flags=re.S)


def doc_commands(rel, text):
    """[(line, command text)] of one doc file."""
    found, lines, fence, lang, i = [], text.split("\n"), None, "", 0
    prose = []
    while i < len(lines):
        line = lines[i]
        m = FENCE.match(line)
        if fence:
            if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= len(fence) and not m.group(3):
                fence = None
                prose.append("")
                i += 1
                continue
            prose.append("")
            if lang in SHELL_FENCES:
                start, cmd = i, line
                while cmd.rstrip().endswith("\\") and i + 1 < len(lines) and not FENCE.match(lines[i + 1]):
                    i += 1
                    prose.append("")
                    cmd = cmd.rstrip()[:-1] + " " + lines[i].strip()
                stripped = cmd.strip()
                if lang in ("console", "shell-session"):
                    stripped = stripped[2:] if stripped.startswith("$ ") else ""
                elif stripped.startswith("$ "):
                    stripped = stripped[2:]
                if stripped and not stripped.startswith("#"):
                    found.append((start + 1, stripped))
            i += 1
            continue
        if m:
            fence, lang = m.group(2), m.group(3).lower()
            prose.append("")
        else:
            prose.append(line)
        i += 1
    body = "\n".join(prose)
    for m in re.finditer(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", body, re.S):
        span = re.sub(r"\s+", " ", m.group(2)).strip()
        bare = re.sub(r"^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)+", "", span)
        if bare.startswith(INLINE_PREFIXES):
            found.append((body.count("\n", 0, m.start()) + 1, span))
    return sorted(found)


def tokenize(cmd):
    """Shell words of a command line (comments dropped), or None when it does not parse."""
    cmd = re.sub(r"<[A-Za-z_][^<>\s]*>", PLACEHOLDER, cmd)
    lex = shlex.shlex(cmd, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    try:
        return list(lex)
    except ValueError:
        return None


def simple_commands(words):
    """Split at && || ; | and take redirections out: [(argv, [(op, target)])]."""
    out, argv, redirs, i = [], [], [], 0
    while i < len(words):
        w = words[i]
        if w in SEPARATORS:
            if argv:
                out.append((argv, redirs))
            argv, redirs = [], []
        elif w in REDIRECTS or (w.startswith(("<", ">")) and set(w) <= set("<>&|")):
            if argv and argv[-1].isdigit():
                argv.pop()
            target = words[i + 1] if i + 1 < len(words) else ""
            if not target.isdigit() and target != "-":
                redirs.append((w, target))
            i += 1
        else:
            argv.append(w)
        i += 1
    if argv:
        out.append((argv, redirs))
    return out


def is_placeholder(word):
    return (PLACEHOLDER in word or "…" in word or "..." in word or "$" in word or word.startswith("~")
            or re.fullmatch(r"\[?[A-Z][A-Z0-9_]*\]?", word) is not None)


def clean(word):
    """`[--host` → `--host`, `P]` → `P` (optional parts written in brackets)."""
    return word.strip("[]") if not re.search(r"\[[^\]]*\]", word.strip("[]")) else word


class Checker:
    def __init__(self, repo):
        self.repo = repo
        self.npm_seen = {}

    # ---- paths

    def repo_path(self, word):
        """The repository path a word names, or None when it is not one."""
        if is_placeholder(word) or ":" in word or "=" in word or "'" in word or '"' in word:
            return None
        w = word[2:] if word.startswith("./") else word
        if not re.fullmatch(r"[\w.@*?+-]+(/[\w.@*?+-]*)*", w) or w.startswith("-"):
            return None
        first = w.split("/")[0]
        has_ext = re.search(r"\.[A-Za-z][A-Za-z0-9]*$", w.rstrip("/")) is not None
        if first in self.repo.top and ("/" in w or word.startswith("./")):
            return w.rstrip("/")
        if "/" in w and has_ext:
            return w.rstrip("/")
        return None

    def check_path(self, word, problems, must_exist=True):
        rel = self.repo_path(word)
        if rel is None:
            return
        if self.repo.is_ignored(rel):
            return  # a build output: made by a build, not in a clone
        if any(c in rel for c in "*?"):
            if not self.repo.glob(rel):
                problems.append(f"`{word}` matches no file of the repository")
        elif must_exist and not self.repo.exists(rel):
            problems.append(f"`{word}` is not in the repository")
        elif not must_exist and not self.repo.exists(os.path.dirname(rel)):
            problems.append(f"`{word}`: its directory is not in the repository")

    # ---- one command line

    def check_line(self, cmd, depth=0):
        words = tokenize(cmd)
        if words is None:
            return [f"cannot parse `{cmd}` as a shell command"]
        problems = []
        for argv, redirs in simple_commands(words):
            for op, target in redirs:
                self.check_path(target, problems, must_exist="<" in op)
            self.check_simple([clean(w) for w in argv], problems, depth)
        return problems

    def check_simple(self, argv, problems, depth):
        while argv and re.match(r"[A-Za-z_][A-Za-z0-9_]*=", argv[0]):
            argv = argv[1:]
        if argv and argv[0] in ("env", "exec", "time", "nice", "sudo"):
            argv = argv[1:]
        if not argv:
            return
        prog, args = argv[0], argv[1:]
        if prog in ("npm",) and args[:1] in (["run"], ["run-script"]):
            self.npm_run(args[1:], problems, depth)
        elif prog == "npx":
            rest = [a for a in args if not a.startswith("-")]
            if rest:
                self.npm_bin(rest[0], problems)
                for a in rest[1:]:
                    self.check_path(a, problems)
        elif prog in NPM_BINS and depth > 0:
            self.npm_bin(prog, problems)
            for a in args:
                self.check_path(a, problems)
        elif prog in ("bash", "sh") and args[:1] == ["-c"] and len(args) > 1:
            problems += self.check_line(args[1], depth)
        elif prog in ("bash", "sh", "python3", "python", "node"):
            self.interpreter(prog, args, problems)
        elif re.match(r"(\./)?(scripts|tools)/", prog) or prog.startswith("./"):
            rel = prog[2:] if prog.startswith("./") else prog
            if not self.repo.exists(rel) or rel in self.repo.dirs:
                problems.append(f"`{prog}` is not in the repository")
            elif not self.repo.executable(rel):
                problems.append(f"`{prog}` is run directly but is not executable (git mode {self.repo.modes.get(rel)})")
            else:
                self.script_flags(rel, args, problems)
        elif prog == "cargo":
            self.cargo(args, problems)
        elif self.repo.bin_named(prog) and self.repo.clap(self.repo.bin_named(prog)) is not None:
            self.clap_args(prog, self.repo.bin_named(prog), args, problems)
        else:
            for a in args:
                self.check_path(a, problems)

    def interpreter(self, prog, args, problems):
        i = 0
        while i < len(args) and args[i].startswith("-"):
            i += 1 + (prog.startswith("python") and args[i] in ("-m", "-W", "-X"))
        if i >= len(args):
            return
        target = args[i]
        rel = self.repo_path(target) if not is_placeholder(target) else None
        if rel is None:
            if "/" in target and not is_placeholder(target):
                problems.append(f"`{target}` is not a repository path")
            return
        if self.repo.is_ignored(rel):
            pass
        elif any(c in rel for c in "*?"):
            if not self.repo.glob(rel):
                problems.append(f"`{target}` matches no file of the repository")
        elif not self.repo.exists(rel) or rel in self.repo.dirs:
            problems.append(f"`{target}` is not in the repository")
            return
        else:
            self.script_flags(rel, args[i + 1:], problems)
            return
        for a in args[i + 1:]:
            self.check_path(a, problems)

    def script_flags(self, rel, args, problems):
        text = self.repo.text(rel)
        for a in args:
            if a.startswith("--") and len(a) > 2:
                flag = a.split("=")[0]
                if not re.search(re.escape(flag) + r"(?![\w-])", text):
                    problems.append(f"`{rel}` knows no `{flag}` (not in its text)")
            else:
                self.check_path(a, problems)

    # ---- npm

    def npm_run(self, args, problems, depth):
        if not args:
            return
        name = args[0]
        scripts = self.repo.package_json.get("scripts", {})
        if name not in scripts:
            problems.append(f"package.json has no script `{name}` (it has: {', '.join(sorted(scripts)) or 'none'})")
            return
        if depth > 5:
            return
        if name not in self.npm_seen:
            self.npm_seen[name] = []
            self.npm_seen[name] = [f"npm script `{name}` (`{scripts[name]}`): {p}"
                                   for p in self.check_line(scripts[name], depth + 1)]
        problems += self.npm_seen[name]
        rest = args[1:]
        if rest[:1] == ["--"]:
            for a in rest[1:]:
                self.check_path(a, problems)

    def npm_bin(self, prog, problems):
        pkg = NPM_BINS.get(prog, prog)
        pj = self.repo.package_json
        have = {**pj.get("dependencies", {}), **pj.get("devDependencies", {})}
        if pkg not in have:
            problems.append(f"`{prog}` comes from npm package `{pkg}`, which package.json's devDependencies lack")

    # ---- cargo

    def cargo(self, args, problems):
        if args and args[0].startswith("+"):
            args = args[1:]
        if not args:
            return
        sub, args = args[0], args[1:]
        if sub == "nextest":
            sub, args = ("nextest " + args[0], args[1:]) if args else ("nextest", [])
        if sub in ("install", "new", "init", "search", "login", "publish", "fmt"):
            return
        if "--" in args:
            k = args.index("--")
            args, after = args[:k], args[k + 1:]
        else:
            after = []
        opts = {"packages": [], "exclude": [], "test": [], "bench": [], "example": [], "bin": [], "features": [],
                "profile": [], "filter": [], "manifest": []}
        names = {"-p": "packages", "--package": "packages", "--exclude": "exclude", "--test": "test",
                 "--bench": "bench", "--example": "example", "--bin": "bin", "--features": "features", "-F": "features",
                 "--profile": "profile", "-E": "filter", "--filterset": "filter", "--filter-expr": "filter",
                 "--manifest-path": "manifest"}
        i = 0
        while i < len(args):
            a = args[i]
            key, val = (a.split("=", 1) + [None])[:2] if a.startswith("--") else (a, None)
            if key in names:
                if val is None:
                    i += 1
                    val = args[i] if i < len(args) else ""
                opts[names[key]].append(val)
            i += 1
        packages = self.repo.packages
        for p in opts["packages"] + opts["exclude"]:
            if not is_placeholder(p) and p not in packages:
                problems.append(f"no workspace package `{p}` (members: {', '.join(sorted(packages))})")
        chosen = [packages[p] for p in opts["packages"] if p in packages]
        scope = chosen or list(packages.values())
        for kind in ("test", "bench", "example", "bin"):
            plural = {"test": "tests", "bench": "benches", "example": "examples", "bin": "bins"}[kind]
            for t in opts[kind]:
                if is_placeholder(t):
                    continue
                if not any(t in p[plural] for p in scope):
                    where = " or ".join(p["name"] for p in scope) if chosen else "the workspace"
                    have = sorted({n for p in scope for n in p[plural]})
                    problems.append(f"{where} has no {kind} target `{t}` (it has: {', '.join(have) or 'none'})")
        for f in opts["features"]:
            for feat in re.split(r"[ ,]+", f):
                if feat and not is_placeholder(feat):
                    owner, _, bare = feat.rpartition("/")
                    pool = [packages[owner]] if owner in packages else scope
                    if not any(bare in p["features"] for p in pool):
                        problems.append(f"no feature `{feat}` in {' or '.join(p['name'] for p in pool)}")
        for prof in opts["profile"]:
            if prof not in self.repo.profiles:
                problems.append(f"no cargo profile `{prof}` (the workspace has: {', '.join(sorted(self.repo.profiles))})")
        for m in opts["manifest"]:
            self.check_path(m, problems)
        for expr in opts["filter"]:
            self.nextest_filter(expr, scope, opts["test"], problems)
        if sub == "run":
            if not opts["packages"] and not opts["bin"] and not opts["example"] and self.repo.virtual:
                problems.append("`cargo run` in a virtual workspace needs `-p PACKAGE` or `--bin NAME`")
                return
            src = None
            if opts["example"]:
                src = next((p["examples"][opts["example"][0]] for p in scope if opts["example"][0] in p["examples"]), None)
            elif opts["bin"]:
                src = next((p["bins"][opts["bin"][0]] for p in scope if opts["bin"][0] in p["bins"]), None)
            elif chosen:
                bins = chosen[0]["bins"]
                if chosen[0]["default_run"] in bins:
                    src = bins[chosen[0]["default_run"]]
                elif len(bins) == 1:
                    src = next(iter(bins.values()))
                elif not bins:
                    problems.append(f"package `{chosen[0]['name']}` has no binary to run")
                else:
                    problems.append(f"package `{chosen[0]['name']}` has several binaries ({', '.join(sorted(bins))}): "
                                    "`cargo run` needs `--bin`")
            if src and self.repo.clap(src) is not None:
                name = next((n for p in scope for n, f in p["bins"].items() if f == src), os.path.basename(src))
                self.clap_args(name, src, after, problems)
            else:
                for a in after:
                    self.check_path(a, problems)
        else:
            for a in after:
                self.check_path(a, problems)

    def nextest_filter(self, expr, scope, tests, problems):
        for kind, arg in re.findall(r"\b(package|test|binary|binary_id)\((.*?)\)(?=\s*(?:$|[|&)+-]|and\b|or\b|not\b))",
                                    expr):
            if kind == "package":
                if not arg.startswith(("/", "~", "=", "glob:")) and arg not in self.repo.packages:
                    problems.append(f"filter `{expr}`: no workspace package `{arg}`")
                continue
            if kind in ("binary", "binary_id"):
                name = arg.split("::")[-1].lstrip("=")
                if not any(name in p["tests"] or name in p["bins"] or name == p["name"].replace("-", "_") for p in scope):
                    problems.append(f"filter `{expr}`: no test binary `{name}`")
                continue
            targets = [f for p in scope for n, f in p["tests"].items() if not tests or n in tests]
            targets += [f for p in scope for f in ([p["dir"] + "/src/lib.rs"] if p["dir"] != "." else ["src/lib.rs"])]
            m = re.fullmatch(r"/\^((?:\w+::)+)/", arg)
            if m:
                path = [s for s in m.group(1).split("::") if s]
                if not any(self.module_path_exists(t, path) for t in targets):
                    problems.append(f"filter `{expr}`: no test binary of {' or '.join(p['name'] for p in scope)} "
                                    f"declares the module `{'::'.join(path)}`")
            elif re.fullmatch(r"=?\w+", arg):
                name = arg.lstrip("=")
                texts = "".join(self.repo.text(f) for p in scope for f in self.repo.tracked
                                if f.endswith(".rs") and f.startswith(("" if p["dir"] == "." else p["dir"] + "/")))
                pattern = rf"\bfn\s+{name}\b" if arg.startswith("=") else rf"\bfn\s+\w*{name}\w*"
                if not re.search(pattern, texts):
                    problems.append(f"filter `{expr}`: no test function matches `{name}`")

    def module_path_exists(self, root_file, path):
        """Whether `a::b` is declared as a module starting from a crate root file."""
        if root_file not in self.repo.tracked:
            return False
        cur, text = root_file, self.repo.text(root_file)
        for seg in path:
            m = re.search(rf"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+{seg}\s*([;{{])", re.sub(r"//[^\n]*", "", text), re.M)
            if not m:
                return False
            if m.group(1) == "{":
                return True  # an inline module: its contents are in this file
            base = os.path.dirname(cur)
            if os.path.basename(cur) not in ("main.rs", "lib.rs", "mod.rs"):
                base = os.path.join(base, os.path.basename(cur)[:-3])
            for cand in (f"{base}/{seg}.rs", f"{base}/{seg}/mod.rs"):
                if cand in self.repo.tracked:
                    cur, text = cand, self.repo.text(cand)
                    break
            else:
                return False
        return True

    # ---- clap binaries

    def clap_args(self, prog, src, args, problems):
        node, chain, globals_ = self.repo.clap(src), [prog], {"help": False, "version": False}
        globals_.update(node["flags"])
        i = 0
        while i < len(args):
            a = args[i]
            if a == "--":
                break
            if a.startswith("--") and len(a) > 2:
                flag = a[2:].split("=")[0]
                known = {**globals_, **node["flags"]}
                if PLACEHOLDER in a:
                    pass
                elif flag not in known:
                    problems.append(f"`{' '.join(chain)}` has no option `--{flag}`"
                                    f" (it has: {', '.join('--' + f for f in sorted(node['flags'])) or 'none'})")
                elif known[flag] and "=" not in a:
                    i += 1
            elif a.startswith("-") and len(a) > 1:
                pass
            elif node["subs"]:
                if is_placeholder(a):
                    return
                if a not in node["subs"]:
                    problems.append(f"`{' '.join(chain)}` has no subcommand `{a}` "
                                    f"(it has: {', '.join(sorted(node['subs']))})")
                    return
                node = node["subs"][a]
                chain.append(a)
            else:
                self.check_path(a, problems)
            i += 1


# ---------------------------------------------------------------- what a clone would not have

SHARED = re.compile(r"(?:\.\./)+shared\b")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.M)


def outside_refs(repo):
    """[(file, line, problem)] for ../shared references and Markdown links that leave or miss the checkout."""
    out = []
    for rel in sorted(repo.tracked):
        path = os.path.join(repo.root, rel)
        try:
            data = open(path, "rb").read()
        except OSError:
            continue
        if b"\0" in data[:8192]:
            continue  # binary
        text = data.decode("utf-8", "replace")
        seen = set()
        for m in SHARED.finditer(text):
            if rel == "tools/check_documented_commands.py":
                break  # this file names the pattern it looks for
            line = text.count("\n", 0, m.start()) + 1
            if line not in seen:
                seen.add(line)
                out.append((rel, line, f"refers to `{m.group(0)}`, outside the checkout (a clone has no such directory)"))
        if not rel.endswith(".md"):
            continue
        body = blank_code(text)
        for m in list(LINK.finditer(body)) + list(REF_DEF.finditer(body)):
            target = m.group(1).strip("<>")
            line = body.count("\n", 0, m.start()) + 1
            if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith(("#", "//")):
                continue
            target = re.split(r"[#?]", target)[0]
            if not target:
                continue
            target = re.sub(r"%([0-9A-Fa-f]{2})", lambda h: chr(int(h.group(1), 16)), target)
            base = "" if target.startswith("/") else os.path.dirname(rel)
            resolved = os.path.normpath(os.path.join(base, target.lstrip("/"))).replace(os.sep, "/")
            if resolved == ".." or resolved.startswith("../"):
                out.append((rel, line, f"link `{m.group(1)}` climbs above the repository root (to `{resolved}`)"))
            elif not repo.exists(resolved):
                out.append((rel, line, f"link `{m.group(1)}` reaches no tracked file or directory (`{resolved}`)"))
    return out


# ---------------------------------------------------------------- running it

def check(root, quiet=False):
    """Print every failure (and, unless quiet, every command that resolves); return the failures."""
    repo = Repo(root)
    checker = Checker(repo)
    failures = []
    commands = 0
    for rel in doc_files(repo):
        for line, cmd in doc_commands(rel, repo.text(rel)):
            commands += 1
            problems = list(dict.fromkeys(checker.check_line(cmd)))
            where = f"{rel}:{line}"
            if problems:
                failures.append((where, cmd, problems))
                print(f"FAIL {where}: {cmd}")
                for p in problems:
                    print(f"       {p}")
            elif not quiet:
                print(f"OK   {where}: {cmd}")
    for rel, line, problem in outside_refs(repo):
        failures.append((f"{rel}:{line}", None, [problem]))
        print(f"FAIL {rel}:{line}: {problem}")
    print(f"check_documented_commands: {commands} documented commands, {len(repo.tracked)} tracked files read")
    return failures


def self_test():
    """A fake checkout with a stale npm script, an unknown subcommand, ../shared and a dead link: each is caught."""
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["server"]\n[profile.serve]\ninherits = "release"\n',
        "server/Cargo.toml": '[package]\nname = "demo-server"\n[[bin]]\nname = "greenside"\npath = "src/main.rs"\n'
                             '[features]\nredis = []\n[[bench]]\nname = "router"\nharness = false\n',
        "server/src/main.rs": ("use clap::{Parser, Subcommand};\n#[derive(Parser)]\nstruct Cli {\n"
                               "    #[command(subcommand)]\n    command: Command,\n}\n"
                               "#[derive(Subcommand)]\nenum Command {\n    /// Serve.\n    Serve {\n"
                               "        #[arg(long)]\n        port: Option<u16>,\n    },\n"
                               "    Course {\n        #[command(subcommand)]\n        command: CourseCommand,\n    },\n}\n"
                               "#[derive(Subcommand)]\nenum CourseCommand {\n    ImportOsm { file: String, #[arg(long)] quiet: bool },\n}\n"),
        "server/benches/router.rs": "fn main() {}\n",
        "server/tests/it/main.rs": "mod common;\nmod worker;\n",
        "server/tests/it/common.rs": "",
        "server/tests/it/worker.rs": "#[test]\nfn edge_answers() {}\n",
        "scripts/serve": "#!/bin/sh\n# --port goes to greenside serve\n",
        "tools/ok.py": "print('ok')\n",
        "package.json": json.dumps({"scripts": {
            "test:worker": "cargo nextest run -p demo-server --test worker --locked",
            "test:edge": "cargo nextest run -p demo-server --test it --locked -E 'test(/^worker::/)'",
            "test:gone": "cargo nextest run -p demo-server --test it -E 'test(/^edge::/)'",
            "deploy": "wrangler deploy"}, "devDependencies": {"typescript": "5"}}),
        "README.md": ("# demo\n\n[spec](../shared/x.md) and [ok](server/tests/it/main.rs), [gone](docs/missing.md),\n"
                      "[up](../../outside.md), [web](https://example.com/a.md), [anchor](#demo).\n\n"
                      "```sh\nnpm run test:worker   # stale\nnpm run test:edge\nnpm run test:gone\nnpm run nothing\n"
                      "scripts/serve --port 8080\nscripts/serve --verbose\npython3 tools/ok.py\npython3 tools/gone.py\n"
                      "cargo run -p demo-server -- serve --port 1\ncargo run -p demo-server -- frobnicate\n"
                      "cargo bench -p demo-server --bench router --features redis --profile serve\n"
                      "cargo bench -p demo-server --bench routes --features tls\n"
                      "greenside course import-osm data/x.osm --quiet\ngreenside serve --host h\n"
                      "curl -s localhost:8000/health\nnpx wrangler login\nnpm run deploy\n```\n\n"
                      "Inline: `npm run test:edge` and `greenside serve --port 1` and `cargo run -p nope`.\n"),
    }
    with tempfile.TemporaryDirectory() as d:
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            open(os.path.join(d, rel), "w").write(text)
        os.chmod(os.path.join(d, "scripts/serve"), 0o755)
        os.makedirs(os.path.join(d, "data"))
        open(os.path.join(d, "data/x.osm"), "w").write("<osm/>\n")
        open(os.path.join(d, "data/README.md"), "w").write("Import: `greenside course import-osm data/y.osm`\n")
        with contextlib.redirect_stdout(io.StringIO()):
            failures = check(d, quiet=True)
        text = "\n".join(f"{w} {c} {' / '.join(p)}" for w, c, p in failures)
        expect = [
            ("npm run test:worker", "no test target `worker`"),
            ("npm run test:gone", "declares the module `edge`"),
            ("npm run nothing", "no script `nothing`"),
            ("scripts/serve --verbose", "no `--verbose`"),
            ("python3 tools/gone.py", "`tools/gone.py` is not in the repository"),
            ("-- frobnicate", "no subcommand `frobnicate`"),
            ("--bench routes", "no bench target `routes`"),
            ("--features tls", "no feature `tls`"),
            ("greenside serve --host h", "no option `--host`"),
            ("npx wrangler login", "devDependencies lack"),
            ("npm run deploy", "devDependencies lack"),
            ("cargo run -p nope", "no workspace package `nope`"),
            ("README.md:3", "`../shared`"),
            ("README.md:3", "link `../shared/x.md` climbs above"),
            ("README.md:3", "`docs/missing.md`"),
            ("README.md:4", "climbs above the repository root"),
            ("import-osm data/y.osm", "`data/y.osm` is not in the repository"),
        ]
        for where, what in expect:
            assert any(where in line and what in line for line in text.split("\n")), \
                f"not caught: {where} ({what})\n{text}"
        for ok in ("npm run test:edge", "scripts/serve --port 8080", "python3 tools/ok.py", "serve --port 1",
                   "--bench router --features redis", "curl", "`ok`", "example.com", "#demo"):
            assert not any(ok in line for line in text.split("\n")), f"wrongly failed: {ok}\n{text}"
        count = sum(len(p) for _, _, p in failures)
        assert count == len(expect), f"{count} failures, expected {len(expect)}:\n{text}"
    print(f"check_documented_commands: self-test passed ({len(expect)} planted failures caught, nothing else)")


if __name__ == "__main__":
    if "--self-test" in sys.argv:
        self_test()
        sys.exit(0)
    failed = check(ROOT, quiet="--quiet" in sys.argv)
    if failed:
        print(f"check_documented_commands: {len(failed)} failure(s)", file=sys.stderr)
        sys.exit(1)
    print("check_documented_commands: every documented command resolves, nothing reaches outside the checkout")

"""The Checker: each kind of command (npm, npx, scripts and interpreters, cargo, clap binaries) resolves in the Repo."""
import os
import re

from .shell import PLACEHOLDER, clean, is_placeholder, simple_commands, tokenize

# Programs npm installs into node_modules/.bin, and the package that brings each.
NPM_BINS = {"tsc": "typescript", "wrangler": "wrangler", "esbuild": "esbuild", "wasm-opt": "binaryen",
            "miniflare": "miniflare", "lighthouse": "lighthouse", "playwright-core": "playwright-core"}


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

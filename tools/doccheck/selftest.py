"""The planted-failure self-test: a fake checkout whose every planted mistake is caught, and nothing else."""
import contextlib
import io
import json
import os
import tempfile

from . import check


# The folder beside a checkout a clone lacks (written in two parts so this
# file does not itself refer to it).
SIBLING = ".." + "/" + "shared"

def self_test():
    """A fake checkout with a stale npm script, an unknown subcommand, a link to the sibling `shared` folder and a dead link: each is caught."""
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
        "README.md": ("# demo\n\n[spec](" + SIBLING + "/x.md) and [ok](server/tests/it/main.rs), [gone](docs/missing.md),\n"
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
            ("README.md:3", f"`{SIBLING}`"),
            ("README.md:3", f"link `{SIBLING}/x.md` climbs above"),
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

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
not have: a reference to the `shared` folder beside the checkout, and in the Markdown files every relative
link `[..](path)` must reach a tracked file or directory inside the
checkout (http(s):, mailto: and #anchors are left alone, #fragments
stripped); one that climbs above the repository root fails.

    python3 tools/check_documented_commands.py            # exit 1 on any failure
    python3 tools/check_documented_commands.py --quiet    # only the failures
    python3 tools/check_documented_commands.py --self-test  # shows that a stale command and a stray link are caught

Only files of the checkout are read. The test command runs both (scripts/test).
"""
import os
import sys

# The check lives in the doccheck package beside this file. Import it from there even when
# the script's directory is not put on sys.path (python3 -P, PYTHONSAFEPATH), and leave no
# __pycache__ behind in the checkout.
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

from doccheck import check  # noqa: E402
from doccheck.selftest import self_test  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, ".."))


if __name__ == "__main__":
    if "--self-test" in sys.argv:
        self_test()
        sys.exit(0)
    failed = check(ROOT, quiet="--quiet" in sys.argv)
    if failed:
        print(f"check_documented_commands: {len(failed)} failure(s)", file=sys.stderr)
        sys.exit(1)
    print("check_documented_commands: every documented command resolves, nothing reaches outside the checkout")

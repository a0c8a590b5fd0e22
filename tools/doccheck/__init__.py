"""The documented-commands check, split by concept (tools/check_documented_commands.py runs it):

- repo.py: the Repo (tracked files, package.json, Cargo manifests, clap subcommands);
- collect.py: finding the commands in the docs;
- shell.py: the shell words of a command line;
- commands.py: the Checker of each command kind;
- outside.py: references to the `shared` folder beside the checkout, and Markdown links;
- selftest.py: the planted-failure self-test.
"""
from .collect import doc_commands, doc_files
from .commands import Checker
from .outside import outside_refs
from .repo import Repo


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

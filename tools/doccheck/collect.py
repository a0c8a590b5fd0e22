"""Finding the commands in the docs: which files are docs, their shell blocks and inline command spans."""
import glob
import os
import re

DOC_PATTERNS = ["README.md", "ARCHITECTURE.md", "docs/*.md", "worker/README.md", "wasm/**/README.md",
                "deploy/README.md", "data/**/README.md"]
INLINE_PREFIXES = ("npm run ", "npx ", "bash scripts/", "scripts/", "./scripts/", "cargo run", "cargo nextest",
                   "cargo test", "cargo bench", "python3 tools/", "node ", "greenside ")
SHELL_FENCES = ("sh", "bash", "shell", "console", "shell-session")


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

"""What a clone would not have: references to the `shared` folder beside the checkout, and Markdown links that leave or miss it."""
import os
import re

from .collect import blank_code

SHARED = re.compile(r"(?:\.\./)+shared\b")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.M)


def outside_refs(repo):
    """[(file, line, problem)] for references to the sibling `shared` folder and Markdown links that leave or miss the checkout."""
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

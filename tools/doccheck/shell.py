"""The shell words of a documented command line: tokens, simple commands, redirections, placeholders."""
import re
import shlex

SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")", ";;", "|&"}
REDIRECTS = {">", ">>", "<", ">&", "&>", ">|", "<<<", "&>>"}
PLACEHOLDER = "\x00placeholder"


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

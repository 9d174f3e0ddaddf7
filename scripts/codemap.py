#!/usr/bin/env python3
"""The code's shape, from its KNF layout: function lengths, and which file
of a folder calls which (DESIGN.md). A function definition is a name at
column 0 followed by '(' whose body opens with '{' at column 0 and closes
with '}' at column 0 (style(9)).

  scripts/codemap.py lengths [N]   functions over N lines (60), longest first
  scripts/codemap.py calls         per folder: file -> files it calls
  scripts/codemap.py circles       pairs of files of one folder that call
                                   each other; exit 1 if there are any
  scripts/codemap.py contracts     public declarations in headers with no
                                   comment over them or their group (a run
                                   of declarations without a blank line);
                                   exit 1 if there are any
"""
import os
import re
import sys

FOLDERS = ["common", "spool", "smtpd", "pop3d"]
# CODEMAP_ROOT: another tree of the same layout (the checker's own test)
ROOT = os.environ.get("CODEMAP_ROOT") or \
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DEF = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\(")
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def strip(text):
    """Comments, strings and character constants blanked, lines kept."""
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group()),
                  text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    return re.sub(r"'(\\.|[^'\\\n])*'", "''", text)


def functions(path):
    """(name, first line, line count, body text, static) of each definition."""
    lines = strip(open(path, encoding="utf-8").read()).split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = DEF.match(lines[i])
        if m and not lines[i].rstrip().endswith(";"):
            j = i
            while j < len(lines) and lines[j] != "{":
                if lines[j].rstrip().endswith(";"):
                    break
                j += 1
            if j < len(lines) and lines[j] == "{":
                k = j
                while lines[k] != "}":
                    k += 1
                start = i - 1 if i > 0 and lines[i - 1].strip() else i
                static = "static" in lines[start]
                out.append((m.group(1), start + 1, k - start + 1,
                            "\n".join(lines[j:k + 1]), static))
                i = k
        i += 1
    return out


def sources():
    for folder in FOLDERS:
        if not os.path.isdir(os.path.join(ROOT, folder)):
            continue
        for name in sorted(os.listdir(os.path.join(ROOT, folder))):
            if name.endswith(".c"):
                yield folder, os.path.join(folder, name)


def lengths(limit):
    rows = []
    for _, path in sources():
        for name, line, count, _, _ in functions(os.path.join(ROOT, path)):
            rows.append((count, f"{path}:{line}", name))
    rows.sort(reverse=True)
    over = [r for r in rows if r[0] > limit]
    print(f"{len(rows)} functions; {len(over)} over {limit} lines; "
          f"longest {rows[0][0]} ({rows[0][2]})")
    for count, where, name in over:
        print(f"{count:5d}  {name:32s} {where}")


def call_graph():
    """folder -> {file: set of files of the folder it calls}."""
    graph = {}
    defined = {}
    bodies = {}
    for folder, path in sources():
        for name, _, _, body, static in functions(os.path.join(ROOT, path)):
            if not static:
                defined[(folder, name)] = path
            bodies.setdefault(path, []).append(body)
    for folder, path in sources():
        calls = graph.setdefault(folder, {}).setdefault(path, set())
        # bodies, and file-scope tables of function pointers
        text = strip(open(os.path.join(ROOT, path), encoding="utf-8").read())
        outside = "\n".join(l for l in text.split("\n")
                            if not l.rstrip().endswith(";") or "=" in l or
                            l.startswith((" ", "\t")))
        for body in bodies.get(path, []) + [outside]:
            for word in IDENT.findall(body):
                other = defined.get((folder, word))
                if other is not None and other != path:
                    calls.add(other)
    return graph


def uncovered(path):
    """Function declarations of a header without a contract comment."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out = []
    for i, line in enumerate(lines):
        if not re.match(r"^[A-Za-z_].*\b[A-Za-z_][A-Za-z0-9_]*\(", line) or \
                line.startswith(("#", "typedef", "struct", "enum", "static")):
            continue
        j = i - 1
        # up through the group: declarations and their continuation lines
        while j >= 0 and lines[j].strip() and not lines[j].rstrip().endswith("*/"):
            j -= 1
        if j < 0 or not lines[j].rstrip().endswith("*/"):
            out.append(f"{path}:{i + 1}: {line.strip()}")
    return out


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "lengths"
    if what == "lengths":
        lengths(int(sys.argv[2]) if len(sys.argv) > 2 else 60)
        return 0
    if what == "contracts":
        found = []
        for folder in FOLDERS:
            if not os.path.isdir(os.path.join(ROOT, folder)):
                continue
            for name in sorted(os.listdir(os.path.join(ROOT, folder))):
                if name.endswith(".h"):
                    found += uncovered(os.path.join(ROOT, folder, name))
        print("\n".join(found + [f"{len(found)} without a contract"]))
        return 1 if found else 0
    graph = call_graph()
    if what == "calls":
        for folder in FOLDERS:
            for path, calls in sorted(graph.get(folder, {}).items()):
                print(f"{path} -> {' '.join(sorted(calls)) or '-'}")
        return 0
    found = 0
    for folder in FOLDERS:
        files = graph.get(folder, {})
        for a in sorted(files):
            for b in sorted(files[a]):
                if a < b and a in files.get(b, set()):
                    print(f"circle: {a} <-> {b}")
                    found += 1
    print(f"{found} circles")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

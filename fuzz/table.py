#!/usr/bin/env python3
"""table.py TSV README: the campaign table of fuzz/README.md, from the runs
in TSV (one row per run; campaign.sh and afl.sh append them): per harness
and engine, the runs, the time and executions summed, the coverage of the
last run (libFuzzer cov/ft; AFL++ the bitmap share and edges), crashes
summed (AFL++: hangs too), and the size of the committed corpus. Written between the README's markers."""
import collections
import os
import sys

tsv, readme = sys.argv[1], sys.argv[2]
BEGIN, END = "<!-- campaign table -->", "<!-- end of campaign table -->"

rows = collections.OrderedDict()
with open(tsv) as f:
    next(f)
    for line in f:
        h, engine, date, secs, execs, cov, ft, crashes = \
            line.rstrip("\n").split("\t")
        engine_kind = engine.split()[0]
        r = rows.setdefault((h, engine_kind), dict(
            runs=0, secs=0, execs=0, crashes=0, first=date))
        r["runs"] += 1
        r["secs"] += int(secs)
        r["execs"] += int(execs)
        r["cov"], r["ft"], r["last"] = cov, ft, date
        # libFuzzer's oom/timeout/crash; AFL++'s 0/hangs/crashes: a hang
        # there is a finding, a libFuzzer timeout is one too
        r["crashes"] += sum(int(x) for x in crashes.split("/")[1:])


def corpus(h):
    d = os.path.join(os.path.dirname(readme), "corpus", h)
    if not os.path.isdir(d):
        return "-"
    files = os.listdir(d)
    kb = sum(os.path.getsize(os.path.join(d, x)) for x in files) / 1024
    return "%d (%.0f KB)" % (len(files), kb)


out = [BEGIN, "",
       "| harness | engine | runs | time | executions | coverage (last run) "
       "| crashes, hangs | corpus | dates |",
       "|---|---|---|---|---|---|---|---|---|"]
for (h, engine), r in rows.items():
    took = "%.1f h" % (r["secs"] / 3600) if r["secs"] >= 3600 \
        else "%.1f min" % (r["secs"] / 60)
    cov = "cov %s, ft %s" % (r["cov"], r["ft"]) if engine == "libFuzzer" \
        else "bitmap %s, %s edges" % (r["cov"], r["ft"])
    out.append("| %s | %s | %d | %s | %s | %s | %d | %s | %s |" % (
        h, engine, r["runs"], took, "{:,}".format(r["execs"]), cov,
        r["crashes"], corpus(h) if engine == "libFuzzer" else "-",
        r["first"] if r["first"] == r["last"]
        else "%s to %s" % (r["first"], r["last"])))
out += ["", END]

text = open(readme).read() if os.path.exists(readme) else ""
if BEGIN in text and END in text:
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    text = head + "\n".join(out) + tail
else:
    text = text + "\n" + "\n".join(out) + "\n"
with open(readme, "w") as f:
    f.write(text)

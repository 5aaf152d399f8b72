#!/usr/bin/env python3
"""Query latency benchmark: median wall time of one `mlidx` process per
query (process start included), over repeated runs, on a database of the
10k corpus. The queries are picked from the database itself (the biggest
thread, the longest series, a patch touching many files...) so that they
are the expensive cases, not the cheap ones.

    bench/latency.py --mlidx build/src/mlidx --mbox build/corpus/linuxppc-dev-10k.mbox
"""
import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

# Issue 4's budgets, in milliseconds.
BUDGET = {"show": 10, "thread": 10, "series": 10, "search": 50}

# Representative searches: one per prefix, phrases, ranges, combinations.
SEARCHES = [
    "powerpc",  # the worst case: 5,000 hits, all ranked and printed
    "s:kvm",
    "f:mpe@ellerman.id.au",
    'f:"Christophe Leroy"',
    '"memory leak"',
    'b:"stack protector"',
    "d:2019-06-01..2019-06-30",
    "dfn:arch/powerpc/kernel/",
    "dfn:arch/powerpc/*/setup*.c",
    "s:powerpc dfn:arch/powerpc/kernel/setup_64.c",
    "f:ellerman d:2019-07-01..2019-07-31 NOT s:kvm",
    "(s:xive OR s:pseries) c:linuxppc-dev NOT b:radix",
    "a:npiggin s:radix*",
    'l:linuxppc-dev s:"fix build"',
]


def pick(db):
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    one = lambda sql: c.execute(sql).fetchone()[0]
    median_patch = one("SELECT id FROM messages WHERE kind = 'patch' ORDER BY size "
                       "LIMIT 1 OFFSET (SELECT count(*) / 2 FROM messages WHERE kind = 'patch')")
    return [
        ("show", "patch of median size", ["show", str(median_patch)]),
        ("show", "--json of that patch", ["show", "--json", str(median_patch)]),
        ("show", "patch with most files (425 KB)", ["show", str(one(
            "SELECT patch_id FROM patch_files GROUP BY patch_id ORDER BY count(*) DESC LIMIT 1"))]),
        ("show", "--json of the patch with most files", ["show", "--json", str(one(
            "SELECT patch_id FROM patch_files GROUP BY patch_id ORDER BY count(*) DESC LIMIT 1"))]),
        ("show", "a comment by Message-ID", ["show", one(
            "SELECT msgid FROM messages WHERE kind = 'comment' ORDER BY id LIMIT 1")]),
        ("thread", "largest thread", ["thread", one(
            "SELECT root_msgid FROM threads t WHERE EXISTS (SELECT 1 FROM messages m "
            "WHERE m.msgid = t.root_msgid) ORDER BY message_count DESC LIMIT 1")]),
        ("thread", "largest thread, --json", ["thread", "--json", one(
            "SELECT root_msgid FROM threads t WHERE EXISTS (SELECT 1 FROM messages m "
            "WHERE m.msgid = t.root_msgid) ORDER BY message_count DESC LIMIT 1")]),
        ("series", "longest series", ["series", str(one(
            "SELECT id FROM series ORDER BY total DESC, id LIMIT 1"))]),
        ("series", "list, filtered by version", ["series", "--version", "2"]),
    ] + [("search", q, ["search", q]) for q in SEARCHES]


def run(mlidx, db, args, runs):
    times, rc = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.run([mlidx, *args, "--db", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        times.append((time.perf_counter() - start) * 1000)
        rc = rc or p.returncode
    return statistics.median(times), max(times), rc, p.stdout.count(b"\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlidx", required=True)
    ap.add_argument("--mbox", required=True, help="corpus to import (the 10k one)")
    ap.add_argument("--db", help="existing database to reuse")
    ap.add_argument("--runs", type=int, default=21)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    db = a.db or os.path.join(tmp, "bench.db")
    if not os.path.exists(db):
        subprocess.run([a.mlidx, "import", "--quiet", "--db", db, a.mbox], check=True)
    # Process start alone, as a floor for every figure below.
    floor, _, _, _ = run(a.mlidx, db, ["--version"], a.runs)
    print(f"{'command':<8} {'query':<48} {'median ms':>9} {'max ms':>7} {'lines':>6}  budget")
    print(f"{'(none)':<8} {'mlidx --version (process start)':<48} {floor:9.1f}")
    over = failed = 0
    for cmd, what, args in pick(db):
        med, worst, rc, lines = run(a.mlidx, db, args, a.runs)
        ok = med <= BUDGET[cmd] and rc == 0
        over += med > BUDGET[cmd]
        failed += rc != 0
        label = what if cmd != "search" else f"'{what}'"
        print(f"{cmd:<8} {label[:48]:<48} {med:9.1f} {worst:7.1f} {lines:6}  "
              f"{'ok' if ok else 'OVER' if rc == 0 else f'exit {rc}'} (<= {BUDGET[cmd]} ms)")
    print(f"{over} over budget, {failed} failed")
    return 1 if over or failed else 0


if __name__ == "__main__":
    sys.exit(main())

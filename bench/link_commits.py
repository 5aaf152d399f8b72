#!/usr/bin/env python3
"""link-commits benchmark: a first run over a git history, then re-runs over
the same range, which must read no commit again (issue 8: at least 10x
faster). The history is built from the archive itself so that the first
run matches for real: for each patch of the database, one commit writes
the preimage of the files it touches (rebuilt from its hunks, unchanged
lines made up) and the next commit writes the postimage, with the patch's
subject and author. git fast-import builds it in seconds.

    bench/link_commits.py --mlidx build/src/mlidx --mbox build/corpus/linuxppc-dev-10k.mbox
"""
import argparse
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def files_of(diff):
    """[(path, [hunks])] of a text diff; None for what a made-up preimage
    cannot reproduce (binary, renames, mode changes, no final newline)."""
    if "\\ No newline" in diff or "GIT binary patch" in diff or "Binary files" in diff:
        return None
    out, cur, lines = [], None, diff.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("diff --git "):
            cur = None
        elif line.startswith(("rename ", "copy ", "old mode", "new mode", "similarity")):
            return None
        elif line.startswith("+++ "):
            path = line[4:].split("\t")[0]
            if path == "/dev/null" or not path.startswith("b/"):
                return None
            cur = (path[2:], [])
            out.append(cur)
        elif cur is not None and (m := HUNK.match(line)):
            a, b = int(m.group(1)), int(m.group(2) or 1)
            d = int(m.group(4) or 1)
            pre, post = [], []
            i += 1
            while (len(pre) < b or len(post) < d) and i < len(lines):
                t = lines[i]
                if t.startswith("-"):
                    pre.append(t[1:])
                elif t.startswith("+"):
                    post.append(t[1:])
                else:  # context; a blank line is a context line whose space was lost
                    pre.append(t[1:])
                    post.append(t[1:])
                i += 1
            if len(pre) != b or len(post) != d:
                return None
            cur[1].append((a if b else a + 1, pre, post))
            continue
        i += 1
    return out or None


def images(hunks):
    """Preimage and postimage of one file: the hunks' lines in place, the
    lines between them made up (the same in both)."""
    pre, post, line = [], [], 1
    for start, p, q in hunks:
        if start < line:
            return None
        filler = [f"unchanged line {n}" for n in range(line, start)]
        pre += filler + p
        post += filler + q
        line = start + len(p)
    tail = [f"unchanged line {n}" for n in range(line, line + 3)]
    return "\n".join(pre + tail) + "\n", "\n".join(post + tail) + "\n"


def blob(text):
    data = text.encode("utf-8", "surrogateescape")
    return b"data %d\n%s\n" % (len(data), data)


def build_repo(db, repo):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT p.diff, p.name, p.prefixes, p.submitter_name, p.submitter_email FROM patches p "
                       "ORDER BY p.id").fetchall()
    stream, used, when = [], 0, 1500000000
    for diff, name, prefixes, who, email in rows:
        files = files_of(diff)
        imgs = files and [(path, images(h)) for path, h in files]
        if not imgs or any(i is None for _, i in imgs):
            continue
        title = name.split("] ", 1)[1] if prefixes != "[]" and name.startswith("[") and "] " in name else name
        who = (who or email).replace("<", "").replace(">", "")
        for step, msg in ((0, "bench: preimage"), (1, title)):
            when += 60
            author = f"{who} <{email}>" if step else "Bench <bench@example.org>"
            stream.append(b"commit refs/heads/main\n")
            stream.append(f"author {author} {when} +0000\ncommitter Bench <bench@example.org> {when} +0000\n".encode())
            stream.append(blob(msg))
            for path, (pre, post) in imgs:
                stream.append(f"M 100644 inline {path}\n".encode() + blob(post if step else pre))
        used += 1
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input=b"".join(stream), check=True)
    return used, len(rows)


def timed(cmd):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t, out.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlidx", required=True)
    ap.add_argument("--mbox", required=True)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, repo = os.path.join(tmp, "bench.db"), os.path.join(tmp, "repo")
        subprocess.run([a.mlidx, "import", a.mbox, "--db", db, "--quiet"], check=True)
        used, total = build_repo(db, repo)
        commits = subprocess.run(["git", "-C", repo, "rev-list", "--count", "HEAD"], check=True,
                                 capture_output=True, text=True).stdout.strip()
        print(f"repository: {commits} commits made from {used} of the {total} patches")
        link = [a.mlidx, "link-commits", "--git", repo, "--db", os.path.join(tmp, "run.db")]
        first, again = [], []
        for _ in range(a.runs):
            shutil.copy(db, os.path.join(tmp, "run.db"))
            t, out = timed(link)
            first.append(t)
            for _ in range(3):
                t, out2 = timed(link)
                again.append(t)
        gitlog = statistics.median(timed(["git", "-C", repo, "log", "-p", "--format=%H", "HEAD"])[0]
                                   for _ in range(a.runs))
        print(f"git log -p alone: {gitlog:.3f} s (median of {a.runs})")
        print(f"first run:  {statistics.median(first):.3f} s (median of {len(first)}): {out}")
        print(f"re-run:     {statistics.median(again):.3f} s (median of {len(again)}): {out2}")
        print(f"ratio:      {statistics.median(first) / statistics.median(again):.0f}x")


if __name__ == "__main__":
    main()

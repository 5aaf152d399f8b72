#!/usr/bin/env python3
"""Mutation fuzzing of the whole mlidx command line, where the libFuzzer
targets of fuzz/ stop at the parsers: store, derive pass, series, search
index, incremental import, reindex and the query commands.

Each round mutates a seed mailbox (data/*.mbox, ../shared's Patchwork test
mails): bytes flipped, ranges cut or repeated, mail syntax spliced in
(separators, Message-ID/References, multipart boundaries, encoded words,
diffs, NULs, CRLF). It imports it, appends a second mutated mailbox and
imports again (the resumed tail), then runs stats, series, search, thread,
show, both exports and reindex over the database. A round fails when a
command dies by a signal, exits with anything but 0 or 1, or takes more than
10 s; its inputs are kept.

Each round also checks issue 7's promise on hostile mail: the database the
resumed import leaves, and the one `reindex` leaves, must hold what a
one-shot import of the grown file into a fresh database holds (the same
relations the test suite's dump_relations and derived_rows compare).

In half of the rounds the same mail comes another way, each mail of both
mailboxes one file or one commit (split as bench/mailprep.py splits): a
Maildir that receives the second mailbox's mail in new/ between the two
imports, or a public-inbox v2 epoch whose branch moves on by those commits
(sometimes with a removal: a commit holding one earlier mail as `d`), as a
`git fetch` moves a lore mirror's. The incremental import is compared with
a one-shot import of the grown Maildir or epoch.

    fuzz/pipeline.py [--mlidx build/src/mlidx] [--seconds 300] [--seed 1]
"""
import argparse
import glob
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import mailprep  # noqa: E402

FROM = b"From fuzz@example.org Mon Jan  1 00:00:00 2024\n"
TOKENS = [
    b"\n", b"\n\n", FROM, b">From ", b"\r\n", b"\xff\xfe", b"\x00",
    b"Message-ID: <a@b>\n", b"In-Reply-To: <a@b>\n", b"References: <a@b> <c@d>\n",
    b"Subject: [PATCH v2 1/2] x\n", b"Subject: [PATCH 0/2] y\n", b"Subject: Re: [PATCH 2/2] z\n",
    b"Content-Type: multipart/mixed; boundary=Q\n", b"--Q\n", b"--Q--\n",
    b"Content-Transfer-Encoding: base64\n", b"Content-Transfer-Encoding: quoted-printable\n",
    b"=?utf-8?b?w6k=?=", b"=?iso-8859-1?q?=E9?=", b"Content-Type: message/rfc822\n\n",
    b"diff --git a/x b/x\n", b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
    b"List-Id: <l.example.org>\n", b"Date: Mon, 1 Jan 2024 00:00:00 +0000\n",
    b"X-Patchwork-Hint: ignore\n", b"Reviewed-by: A <a@b>\n",
]


# What must not depend on how the mail arrived: tests/support.cc's
# dump_relations and tests/test_incremental.cc's derived_rows.
RELATIONS = ["messages", "headers", "recipients", "problems", "threads", "ghosts", "patches", "covers",
             "comments", "series", "patch_series", "cover_data", "comment_data", "patch_files", "refs",
             "attachments", "variants", "message_lists"]
DUMP = [f"SELECT '{t}', * FROM {t} ORDER BY 2, 3" for t in RELATIONS] + [
    "SELECT patch_id, group_concat(name || '=' || value || '@' || source_msgid || '/' || inherited, ';') "
    "FROM (SELECT * FROM trailers ORDER BY patch_id, rowid) GROUP BY patch_id ORDER BY patch_id",
]


def search_query(words):
    """Which messages the index finds for each word, in one statement: a
    word of mail replaced or dropped must not be found any more."""
    return " UNION ALL ".join(
        f"SELECT '{w}', (SELECT group_concat(rowid) FROM (SELECT rowid FROM search_fts "
        f"WHERE search_fts MATCH '\"{w}\"' ORDER BY rowid))" for w in words)


def words_of(rnd, data, first):
    """Some words of the grown file, and the one its first part ended in."""
    found = sorted(set(re.findall(rb"[A-Za-z]{3,12}", data)))
    words = rnd.sample(found, min(40, len(found)))
    last = re.search(rb"[A-Za-z0-9]+$", first)
    return [w.decode() for w in words + ([last.group(0)] if last else [])]


def dump(mlidx, db, words):
    out = []
    for q in DUMP + ([search_query(words)] if words else []):
        r = subprocess.run([mlidx, "sql", "--db", db, "--json", q], capture_output=True, timeout=60)
        out.append(r.stdout if r.returncode == 0 else b"exit %d: %s" % (r.returncode, r.stderr))
    return out


def first_difference(a, b):
    for q, x, y in zip(DUMP + ["search"], a, b):
        if x != y:
            n = next(i for i in range(min(len(x), len(y)) + 1) if x[i:i + 1] != y[i:i + 1])
            return f"{q[:40]}...: {x[max(0, n - 80):n + 120]!r} != {y[max(0, n - 80):n + 120]!r}"
    return None


def mutate(rnd, seeds, data):
    d = bytearray(data)
    for _ in range(rnd.randint(1, 12)):
        op = rnd.randrange(6)
        at = rnd.randrange(len(d) + 1)
        if op == 0 and d:
            d[min(at, len(d) - 1)] = rnd.randrange(256)
        elif op == 1:
            d[at:at] = rnd.choice(TOKENS)
        elif op == 2:
            del d[at:at + rnd.randint(1, 200)]
        elif op == 3 and d:
            src = rnd.randrange(len(d))
            d[at:at] = d[src:src + rnd.randint(1, 2000)]
        elif op == 4:
            d[at:at] = rnd.choice(seeds)[:rnd.randint(0, 5000)]
        else:
            d[at:at] = rnd.choice(TOKENS) * rnd.randint(1, 50)
    return bytes(d)


def mails_of(data):
    """The mailbox's mails as a delivery agent would store them."""
    path = os.path.join(tempfile.gettempdir(), "mlidx-fuzz-split-%d" % os.getpid())
    with open(path, "wb") as f:
        f.write(data)
    try:
        return [mailprep.unescaped(mail) for _, mail in mailprep.messages(path)]
    finally:
        os.unlink(path)


class Maildir:
    """Mail delivered into new/, named so that the files sort in delivery
    order (an import reads cur/, then new/, each sorted)."""

    def __init__(self, path):
        self.path, self.k = path, 0
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(path, d), exist_ok=True)

    def deliver(self, mails, rnd):
        for m in mails:
            self.k += 1
            with open(os.path.join(self.path, "new", "%08d.fuzz" % self.k), "wb") as f:
                f.write(m)


class Inbox:
    """A public-inbox v2 epoch (public-inbox-v2-format(5)): a commit a mail,
    its blob `m`; a removal is a commit whose blob is `d`."""

    def __init__(self, path):
        self.path, self.git, self.t = path, os.path.join(path, "git", "0.git"), 1500000000
        self.sent = []
        os.makedirs(os.path.join(path, "git"))
        subprocess.run(["git", "init", "-q", "--bare", "-b", "master", self.git], check=True)

    def deliver(self, mails, rnd):
        commits = [(b"m", m) for m in mails]
        if self.sent and rnd.random() < 0.3:
            commits.insert(rnd.randrange(len(commits) + 1), (b"d", rnd.choice(self.sent)))
        imp = subprocess.Popen(["git", "--git-dir=" + self.git, "fast-import", "--quiet"],
                               stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for i, (name, body) in enumerate(commits):
            self.t += 1
            imp.stdin.write(b"commit refs/heads/master\ncommitter fuzz <fuzz@example.org> %d +0000\n"
                            b"data 2\nm\n" % self.t)
            if i == 0 and self.sent:
                imp.stdin.write(b"from refs/heads/master^0\n")
            imp.stdin.write(b"deleteall\nM 100644 inline %s\ndata %d\n%s\n" % (name, len(body), body))
        imp.stdin.close()
        if imp.wait() != 0:
            raise RuntimeError("git fast-import failed")
        self.sent += mails


def one_shot(mlidx, work, mbox, words):
    """The grown file (or Maildir, or epoch) imported into a fresh database:
    its dump, or a failure."""
    once = os.path.join(work, "once.db")
    r = subprocess.run([mlidx, "import", "--quiet", mbox, "--db", once], capture_output=True, timeout=60)
    if r.returncode not in (0, 1):
        return (["import (one shot)"], r.returncode, 0.0, r.stderr[-400:])
    return dump(mlidx, once, words)


def compare(mlidx, db, expected, after, words):
    diff = first_difference(dump(mlidx, db, words), expected)
    return ([after[0], "(compared)"], "differs from a one-shot import", 0.0, diff) if diff else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mlidx", default="build/src/mlidx")
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", default="build/pipeline-fuzz", help="where failing rounds are kept")
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.environ.get("MLIDX_SHARED", os.path.join(here, "..", "..", "shared"))
    paths = glob.glob(os.path.join(here, "..", "data", "*.mbox"))
    paths += glob.glob(os.path.join(shared, "testdata", "patchwork", "*", "*"))
    seeds = [open(p, "rb").read() for p in paths]
    rnd = random.Random(a.seed)
    mlidx = os.path.abspath(a.mlidx)
    rounds = failed = compared = completed = 0
    codes, kinds = {}, {}
    deadline = time.time() + a.seconds
    with tempfile.TemporaryDirectory() as tmp:
        while time.time() < deadline:
            work = os.path.join(tmp, "round")
            shutil.rmtree(work, ignore_errors=True)
            os.makedirs(work)
            mbox, db = os.path.join(work, "m.mbox"), os.path.join(work, "x.db")
            first = mutate(rnd, seeds, rnd.choice(seeds))
            if rnd.random() < 0.5:
                first = FROM + first
            with open(mbox, "wb") as f:
                f.write(first)
            # Appended as a delivery agent appends mail: a "From " line and a
            # header line after what the file held; in a quarter of the
            # rounds, first the rest of the last mail (the first import read
            # the file while that mail was being written): a line of text or
            # a blank line.
            tail = mutate(rnd, seeds, rnd.choice(seeds))
            if tail.startswith(b"From "):
                tail = tail[tail.find(b"\n") + 1:] if b"\n" in tail else b""
            tail = FROM + b"X-Fuzz-Round: %d\n" % rounds + tail
            if rnd.random() < 0.25:
                tail = rnd.choice([b"rest of the mail %d\n" % rounds, b"\n"]) + tail
            source, kind = mbox, rnd.choice(["mbox", "mbox", "maildir", "inbox"])
            if kind != "mbox":
                source = os.path.join(work, kind)
                box = Maildir(source) if kind == "maildir" else Inbox(source)
                box.deliver(mails_of(first), rnd)
                kinds[kind] = kinds.get(kind, 0) + 1
            steps = [["import", source], None, ["import", source], "compare", ["stats"], ["series"],
                     ["search", "s:patch"], ["thread", "1"], ["show", "1"],
                     ["export", "--thread", "1"], ["export", "--series", "1", "--partial"], ["reindex"], "compare"]
            bad = None
            once = None
            done = []
            for step in steps:
                if step is None:
                    with open(mbox, "ab") as f:
                        f.write(tail)
                    if kind != "mbox":
                        box.deliver(mails_of(tail), rnd)
                    continue
                if step == "compare":
                    # A file that is one mail (no "From " line first) is not
                    # appended to: growing it rewrites its mail.
                    if not os.path.exists(db) or (kind == "mbox" and not first.startswith(b"From ")):
                        continue
                    if once is None:
                        words = words_of(rnd, first + tail, first)
                        once = one_shot(mlidx, work, source, words)
                    compared += 1
                    bad = once if isinstance(once, tuple) else compare(mlidx, db, once, done[-1], words)
                    if bad:
                        break
                    continue
                t = time.time()
                try:
                    r = subprocess.run([mlidx] + step + ["--db", db], capture_output=True, timeout=60)
                except subprocess.TimeoutExpired:
                    bad = (step, "timeout", 60.0, b"")
                    break
                dt = time.time() - t
                done.append(step)
                codes[(step[0], r.returncode)] = codes.get((step[0], r.returncode), 0) + 1
                completed += b"\ncompleted: " in b"\n" + r.stdout
                if r.returncode not in (0, 1) or dt > 10:
                    bad = (step, r.returncode, dt, r.stderr[-400:])
                    break
            rounds += 1
            if bad:
                failed += 1
                keep = os.path.join(a.keep, f"seed{a.seed}-round{rounds}")
                shutil.copytree(work, keep, dirs_exist_ok=True)
                print(f"FAILED {bad[0]}: exit {bad[1]}, {bad[2]:.1f} s, {bad[3]!r}; kept in {keep}", flush=True)
    print(f"{rounds} rounds, {failed} failed, {compared} databases compared with a one-shot import "
          f"({completed} imports completed a message stored cut short); rounds from a Maildir or "
          f"an epoch: {kinds}; exit codes: "
          + ", ".join(f"{c} {k}: {n}" for (c, k), n in sorted(codes.items())))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Parity of mlidx with Patchwork: how far the database mlidx builds agrees,
field by field, with what Patchwork's own parser stored (../shared/expected/).

Usage:
  bench/parity.py corpus   [--db DB] [--mbox PATH] [common options]
  bench/parity.py testdata [common options]

common options:
  --mlidx PATH           the mlidx binary (default: build/src/mlidx under the repo root)
  --shared DIR           the shared reference directory (default: $MLIDX_SHARED,
                         else ../shared next to the repo root)
  --json                 machine output (one JSON object on stdout)
  --show-diffs FIELD [N] print N (default 10) example disagreements of FIELD
                         (msgid, expected, ours); FIELD may be a full figure name
                         (`patch.hash`) or a part of names (`hash`, `tags`);
                         `all` shows every figure; repeatable
  --min PCT              exit 1 if any figure (rules applied) is below PCT

corpus: without --db, imports the 10k corpus (build/corpus/linuxppc-dev-10k.mbox,
  else ../shared/corpus/linuxppc-dev-10k.mbox.xz unpacked to a temp file, or
  --mbox PATH) into a temporary database with `mlidx import`. With --db, an
  existing database is used as it is; a missing one is created by importing
  the corpus into it (and kept). Compared with
  expected/linuxppc-dev-10k.patchwork.jsonl.xz and expected/linuxppc-dev-10k.series.jsonl.
testdata: imports each mbox under testdata/patchwork/{mail,series} into a fresh
  database of its own (`--list-id test.example.com`, the list Patchwork's tests
  force) and compares with expected/patchwork-testdata.jsonl; rows of mails
  without a Message-ID (Patchwork invented `<pworacle-...>`) are matched by
  their position in the file (mbox_index). Per-file agreement, then the overall figures.

Figures (each agree/compared over EVERY expected row; a row missing from our
database is a disagreement; rows we have and Patchwork has not are not
counted, only listed as "extra"):
  kind                         messages.kind vs the expected kind
  patch.name/hash/pull_url/submitter(email, case-insensitive)/date/number
  patch.series_version/series_total/series_name   from our series row of the patch
                               (Patchwork's NULL series name equals our '')
  cover.name/date/submitter
  series.membership            per expected series with >= 1 patch: its set of patch
                               msgids == the patches of the series our DB puts its
                               first patch in (split/merged series counted apart)
  comment.parent               (parent kind, parent msgid) via comment_data
  tags.Acked-by/Reviewed-by/Tested-by  Patchwork's tag counts vs rows of our
                               `trailers` for the patch (inherited=1 rows excluded:
                               Patchwork does not propagate cover-letter tags)
Patch fields are read from patch_data (the `patches` view), cover fields from
cover_data, whatever messages.kind says; kind is measured on its own.

Deviation rules (SPEC.md: where we deliberately do better than Patchwork, each
deviation is a named rule documented in docs/): a `deviations` JSON array column
on messages / patch_data / cover_data / comment_data (whichever exist) names the
rules a mail follows. A disagreeing row is excused when one of its rules maps
to that figure in RULES below. Excused rows are counted apart; the "w/rules"
percentage counts them as agreeing, the "strict" one does not.

Exit status: 0 (the figures are information), 1 if --min is given and a
figure is below it, 2 if something failed to run (import, missing files).
"""

import argparse
import collections
import json
import lzma
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

# Rule name -> figures it may excuse. Extend here when docs/ names a new rule.
RULES = {
    # "[PATCHv2 2/3]": Patchwork reads version 1 and keeps "PATCHv2" in the
    # name; we read version 2, so name, numbering and series grouping differ.
    "version-glued": {
        "patch.name", "patch.number", "patch.series_version", "patch.series_total",
        "patch.series_name", "series.membership",
    },
    # A reply that arrived before its patch: Patchwork drops it, we keep it as
    # a comment. Such rows exist only in our database, which never counts
    # against us; the rule is listed so that "extra" rows can be attributed.
    # The rule also excuses tag counts that differ because such a reply's
    # trailers are counted on the patch (rules of a trailer's source mail
    # apply to the tag figures of its patch).
    "reply-before-patch": {"tags.Acked-by", "tags.Reviewed-by", "tags.Tested-by"},
    # Raw UTF-8 in the Subject header: Patchwork turns each byte into U+FFFD
    # ("Rafa\ufffd\ufffd"), we keep the text it spells.
    "utf8-headers": {"patch.name", "patch.series_name", "cover.name"},
}

FIGURES = [
    "kind",
    "patch.name", "patch.hash", "patch.pull_url", "patch.submitter", "patch.date",
    "patch.number", "patch.series_version", "patch.series_total", "patch.series_name",
    "cover.name", "cover.date", "cover.submitter",
    "series.membership",
    "comment.parent",
    "tags.Acked-by", "tags.Reviewed-by", "tags.Tested-by",
]
TAGS = ("Acked-by", "Reviewed-by", "Tested-by")
CANON_TAG = {t.lower(): t for t in TAGS}

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Failure(Exception):
    pass


def strip_id(msgid):
    if msgid is None:
        return None
    msgid = msgid.strip()
    if msgid.startswith("<") and msgid.endswith(">"):
        msgid = msgid[1:-1]
    return msgid


def parse_rules(text):
    if not text:
        return ()
    try:
        v = json.loads(text)
    except ValueError:
        return tuple(s.strip() for s in text.split(",") if s.strip())
    if isinstance(v, str):
        return (v,)
    if isinstance(v, list):
        return tuple(str(x) for x in v)
    return ()


# --------------------------------------------------------------------------
# our database


class Ours:
    """Our tables, loaded into dicts with a handful of queries."""

    def __init__(self, path):
        if not os.path.exists(path):
            raise Failure(f"no database at {path}")
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = {r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table','view')")}

        def cols(t):
            return {r[1] for r in db.execute(f"PRAGMA table_info({t})")} if t in tables else set()

        self.columns = {t: cols(t) for t in
                        ("messages", "patch_data", "cover_data", "comment_data", "series", "trailers")}
        # message id -> set of rules, from every table that carries them
        self.rules = collections.defaultdict(set)
        for t, key in (("messages", "id"), ("patch_data", "message_id"),
                       ("cover_data", "message_id"), ("comment_data", "message_id")):
            if "deviations" in self.columns[t]:
                for mid, d in db.execute(
                        f"SELECT {key}, deviations FROM {t} "
                        "WHERE deviations IS NOT NULL AND deviations NOT IN ('', '[]')"):
                    self.rules[mid].update(parse_rules(d))

        # messages, in import order (ids grow with the position in the input)
        self.msg = {}      # msgid -> (id, kind, date, from_email)
        self.id2msgid = {}
        self.order = []    # msgids by id
        for mid, msgid, kind, date, email in db.execute(
                "SELECT id, msgid, kind, date, from_email FROM messages ORDER BY id"):
            self.msg[msgid] = (mid, kind, date, email)
            self.id2msgid[mid] = msgid
            self.order.append(msgid)

        self.patch = {}    # message id -> dict
        if self.columns["patch_data"]:
            # patch_data: what a mail says alone; patch_series: its place in a
            # series (derived by the series pass).
            q = ("SELECT p.message_id, p.name, p.version, s.number, s.total, p.hash, p.pull_url, "
                 "s.series_id FROM patch_data p LEFT JOIN patch_series s ON s.patch_id = p.message_id")
            for mid, name, version, number, total, h, url, sid in db.execute(q):
                self.patch[mid] = dict(name=name, version=version, number=number, total=total,
                                       hash=h, pull_url=url, series_id=sid)

        self.cover = {}
        if self.columns["cover_data"]:
            c = self.columns["cover_data"]
            q = ("SELECT message_id, name, "
                 + ("series_id" if "series_id" in c else "NULL") + " FROM cover_data")
            for mid, name, sid in db.execute(q):
                self.cover[mid] = dict(name=name, series_id=sid)

        self.comment = {}  # message id -> (patch_id, cover_id)
        if self.columns["comment_data"]:
            for mid, pid, cid in db.execute(
                    "SELECT message_id, patch_id, cover_id FROM comment_data"):
                self.comment[mid] = (pid, cid)

        self.series = {}   # id -> dict
        if self.columns["series"]:
            for sid, name, version, total, cover in db.execute(
                    "SELECT id, name, version, total, cover_id FROM series"):
                self.series[sid] = dict(name=name, version=version, total=total, cover_id=cover)
        self.series_patches = collections.defaultdict(set)  # series id -> msgids
        for mid, p in self.patch.items():
            if p["series_id"] is not None:
                self.series_patches[p["series_id"]].add(self.id2msgid.get(mid))

        self.tags = collections.defaultdict(collections.Counter)  # patch id -> Counter
        self.tag_sources = collections.defaultdict(set)  # patch id -> source msgids
        if self.columns["trailers"]:
            c = self.columns["trailers"]
            where = "AND inherited = 0" if "inherited" in c else ""
            src = "source_msgid" if "source_msgid" in c else "NULL"
            for pid, name, source, n in db.execute(
                    f"SELECT patch_id, lower(name), {src}, count(*) FROM trailers "
                    f"WHERE lower(name) IN ('acked-by', 'reviewed-by', 'tested-by') {where} "
                    "GROUP BY 1, 2, 3"):
                self.tags[pid][CANON_TAG[name]] += n
                if source is not None:
                    self.tag_sources[pid].add(source)
        db.close()


# --------------------------------------------------------------------------
# comparison


class Figure:
    def __init__(self, name):
        self.name = name
        self.compared = 0
        self.agree = 0
        self.excused = collections.Counter()  # rule -> rows
        self.diffs = []          # unexcused: (key, expected, ours)
        self.excused_diffs = []  # (key, expected, ours, rule)

    def add(self, key, expected, ours, ok, rules=()):
        self.compared += 1
        if ok:
            self.agree += 1
            return True
        for r in sorted(rules):
            if self.name in RULES.get(r, ()):
                self.excused[r] += 1
                self.excused_diffs.append((key, expected, ours, r))
                return True
        self.diffs.append((key, expected, ours))
        return False

    def n_excused(self):
        return sum(self.excused.values())

    def merge(self, other):
        self.compared += other.compared
        self.agree += other.agree
        self.excused.update(other.excused)
        self.diffs.extend(other.diffs)
        self.excused_diffs.extend(other.excused_diffs)


def pct(a, n):
    """Percentage floored to 2 decimals: 100.00 only when everything agrees."""
    if not n:
        return 100.0
    return (10000 * a // n) / 100.0


class Comparison:
    def __init__(self):
        self.fig = {f: Figure(f) for f in FIGURES}
        self.rule_rows = collections.defaultdict(set)  # rule -> keys of rows it excuses
        self.split = 0
        self.merged = 0
        self.extra = collections.Counter()             # kind -> rows ours only
        self.extra_rules = collections.Counter()       # rule -> extra rows carrying it

    def add(self, field, key, expected, ours, ok, rules=()):
        f = self.fig[field]
        before = f.n_excused()
        f.add(key, expected, ours, ok, rules)
        if f.n_excused() != before:
            self.rule_rows[f.excused_diffs[-1][3]].add(key)

    def merge(self, other):
        for k, f in other.fig.items():
            self.fig[k].merge(f)
        for r, keys in other.rule_rows.items():
            self.rule_rows[r] |= keys
        self.split += other.split
        self.merged += other.merged
        self.extra.update(other.extra)
        self.extra_rules.update(other.extra_rules)

    def totals(self):
        n = sum(f.compared for f in self.fig.values())
        a = sum(f.agree for f in self.fig.values())
        e = sum(f.n_excused() for f in self.fig.values())
        return a, e, n


def compare(rows, series_list, ours, prefix=""):
    """rows: expected rows (msgids already translated to ours, without <>);
    series_list: [(label, [patch msgids, first first])]."""
    c = Comparison()
    expected_ids = set()
    for r in rows:
        msgid = r["_msgid"]
        key = prefix + (r["msgid"] or "")
        expected_ids.add(msgid)
        m = ours.msg.get(msgid)
        mid = m[0] if m else None
        rules = ours.rules.get(mid, ())
        kind = r["kind"]
        c.add("kind", key, kind, m[1] if m else None, m is not None and m[1] == kind, rules)

        if kind == "patch":
            p = ours.patch.get(mid)
            s = ours.series.get(p["series_id"]) if p and p["series_id"] is not None else None

            def cmp(field, exp, got, eq=None):
                ok = p is not None and (eq(exp, got) if eq else exp == got)
                c.add(field, key, exp, got if p is not None else None, ok, rules)

            cmp("patch.name", r["name"], p and p["name"])
            cmp("patch.hash", r["hash"], p and p["hash"])
            cmp("patch.pull_url", r["pull_url"], p and p["pull_url"])
            cmp("patch.submitter", r["submitter_email"], m and m[3],
                lambda a, b: (a or "").lower() == (b or "").lower())
            cmp("patch.date", r["date"], m and m[2])
            cmp("patch.number", r["patch_number"], p and p["number"])
            cmp("patch.series_version", r["series_version"], s and s["version"])
            cmp("patch.series_total", r["series_total"], s and s["total"])
            # Patchwork's NULL series name (no cover, patch 1 not received) is
            # our '' (series.name is NOT NULL DEFAULT '').
            cmp("patch.series_name", r["series_name"], s and s["name"],
                lambda a, b: (a or "") == (b or ""))
            got = ours.tags.get(mid, {}) if p is not None else None
            trules = set(rules)
            for src in ours.tag_sources.get(mid, ()):
                sm = ours.msg.get(src)
                if sm:
                    trules |= ours.rules.get(sm[0], set())
            for t in TAGS:
                exp = (r.get("tags") or {}).get(t, 0)
                g = got.get(t, 0) if got is not None else None
                c.add("tags." + t, key, exp, g, g == exp, trules)

        elif kind == "cover":
            cv = ours.cover.get(mid)
            ok = cv is not None
            c.add("cover.name", key, r["name"], cv and cv["name"],
                  ok and cv["name"] == r["name"], rules)
            c.add("cover.date", key, r["date"], m and m[2] if ok else None,
                  ok and m[2] == r["date"], rules)
            c.add("cover.submitter", key, r["submitter_email"], m and m[3] if ok else None,
                  ok and (m[3] or "").lower() == (r["submitter_email"] or "").lower(), rules)

        elif kind == "comment":
            cm = ours.comment.get(mid)
            exp = (r["parent_kind"], r["_parent"])
            got = None
            if cm is not None:
                pid, cid = cm
                if pid is not None:
                    got = ("patch", ours.id2msgid.get(pid))
                elif cid is not None:
                    got = ("cover", ours.id2msgid.get(cid))
                else:
                    got = (None, None)
                # the parent's rules may explain the disagreement too
                rules = set(rules) | ours.rules.get(pid or cid, set())
            c.add("comment.parent", key, fmt_parent(exp), fmt_parent(got), got == exp, rules)

    # series membership
    for label, msgids in series_list:
        exp = set(msgids)
        first = msgids[0]
        m = ours.msg.get(first)
        p = ours.patch.get(m[0]) if m else None
        sid = p["series_id"] if p else None
        got = ours.series_patches.get(sid, set()) if sid is not None else set()
        # split: the expected patches land in more than one of our series (or none)
        sids = set()
        union = set()
        rules = set()
        for x in exp:
            mm = ours.msg.get(x)
            pp = ours.patch.get(mm[0]) if mm else None
            if mm:
                rules |= ours.rules.get(mm[0], set())
            s2 = pp["series_id"] if pp else None
            sids.add(s2)
            if s2 is not None:
                union |= ours.series_patches.get(s2, set())
        for x in got:
            mm = ours.msg.get(x)
            if mm:
                rules |= ours.rules.get(mm[0], set())
        ok = got == exp
        if not ok:
            if len(sids) > 1 or None in sids:
                c.split += 1
            if union - exp:
                c.merged += 1
        c.add("series.membership", prefix + label,
              fmt_set(exp - got, "missing"), fmt_set(got - exp, "extra"), ok, rules)

    # rows we have and Patchwork has not (information only)
    for msgid, (mid, kind, _, _) in ours.msg.items():
        if kind in ("patch", "cover", "comment") and msgid not in expected_ids:
            c.extra[kind] += 1
            for rl in ours.rules.get(mid, ()):
                c.extra_rules[rl] += 1
    return c


def fmt_parent(p):
    if p is None:
        return None
    return f"{p[0]}:<{p[1]}>" if p[1] is not None else f"{p[0]}:-"


def fmt_set(s, what):
    if not s:
        return f"{what}: none"
    ids = sorted(f"<{x}>" for x in s)
    more = f" (+{len(ids) - 3} more)" if len(ids) > 3 else ""
    return f"{what} {len(ids)}: " + " ".join(ids[:3]) + more


# --------------------------------------------------------------------------
# running mlidx


def import_mbox(mlidx, files, db, list_id=None):
    cmd = [mlidx, "import", *files, "--db", db, "--quiet"]
    if list_id:
        cmd += ["--list-id", list_id]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise Failure(f"{' '.join(cmd)} failed with status {r.returncode}: "
                      f"{r.stderr.strip()[-500:]}")


def find_mlidx(args):
    path = args.mlidx or os.path.join(REPO, "build", "src", "mlidx")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise Failure(f"no mlidx binary at {path} (build it, or pass --mlidx)")
    return path


def find_shared(args):
    d = args.shared or os.environ.get("MLIDX_SHARED") or os.path.join(REPO, "..", "shared")
    d = os.path.abspath(d)
    if not os.path.isdir(d):
        raise Failure(f"no shared directory at {d} (pass --shared or set MLIDX_SHARED)")
    return d


def need(path):
    if not os.path.exists(path):
        raise Failure(f"missing {path}")
    return path


# --------------------------------------------------------------------------
# modes


def run_corpus(args, out):
    shared = find_shared(args)
    exp_rows_path = need(os.path.join(shared, "expected", "linuxppc-dev-10k.patchwork.jsonl.xz"))
    exp_series_path = need(os.path.join(shared, "expected", "linuxppc-dev-10k.series.jsonl"))
    tmp = tempfile.mkdtemp(prefix="parity-")
    try:
        db = args.db
        t0 = time.time()
        imported = False
        if db is None or not os.path.exists(db):
            mlidx = find_mlidx(args)
            mbox = args.mbox
            if mbox is None:
                mbox = os.path.join(REPO, "build", "corpus", "linuxppc-dev-10k.mbox")
                if not os.path.exists(mbox):
                    xz = need(os.path.join(shared, "corpus", "linuxppc-dev-10k.mbox.xz"))
                    mbox = os.path.join(tmp, "linuxppc-dev-10k.mbox")
                    with lzma.open(xz, "rb") as src, open(mbox, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
            need(mbox)
            if db is None:
                db = os.path.join(tmp, "corpus.db")
            import_mbox(mlidx, [mbox], db)
            imported = True
        t1 = time.time()
        ours = Ours(db)
        rows = []
        with lzma.open(exp_rows_path, "rt", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    r["_msgid"] = strip_id(r["msgid"])
                    r["_parent"] = strip_id(r.get("parent_msgid"))
                    rows.append(r)
        series_list = []
        with open(exp_series_path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                s = json.loads(line)
                ps = sorted(s.get("patches") or [],
                            key=lambda p: (p.get("number") is None, p.get("number") or 0))
                if ps:
                    series_list.append((f"series {s['series_id']} {s.get('name') or '(no name)'!r}",
                                        [strip_id(p["msgid"]) for p in ps]))
        c = compare(rows, series_list, ours)
        t2 = time.time()
        info = {
            "mode": "corpus", "db": db if args.db else "(temporary)",
            "imported": imported, "import_seconds": round(t1 - t0, 2) if imported else None,
            "compare_seconds": round(t2 - t1, 2), "expected_rows": len(rows),
            "expected_series": len(series_list), "columns_deviations": sorted(
                t for t, cs in ours.columns.items() if "deviations" in cs),
        }
        return report(args, c, info, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_testdata(args, out):
    shared = find_shared(args)
    mlidx = find_mlidx(args)
    exp_path = need(os.path.join(shared, "expected", "patchwork-testdata.jsonl"))
    by_file = collections.defaultdict(list)
    with open(exp_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                by_file[r["file"]].append(r)
    files = []
    for sub in ("mail", "series"):
        d = need(os.path.join(shared, "testdata", "patchwork", sub))
        files += [f"{sub}/{n}" for n in sorted(os.listdir(d)) if n.endswith(".mbox")]
    unknown = sorted(set(by_file) - set(files))
    total = Comparison()
    per_file = []
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="parity-") as tmp:
        for i, name in enumerate(files):
            db = os.path.join(tmp, f"{i}.db")
            import_mbox(mlidx, [os.path.join(shared, "testdata", "patchwork", name)], db,
                        "test.example.com")
            ours = Ours(db)

            def translate(msgid, r):
                if msgid and msgid.startswith("<pworacle-"):
                    idx = r.get("mbox_index")
                    if idx is not None and 0 <= idx < len(ours.order):
                        return ours.order[idx]
                    return None
                return strip_id(msgid)

            rows = by_file.get(name, [])
            trans = {}
            for r in rows:
                r["_msgid"] = translate(r["msgid"], r)
                trans[r["msgid"]] = r["_msgid"]
            for r in rows:
                p = r.get("parent_msgid")
                r["_parent"] = trans.get(p, strip_id(p)) if p else None
            groups = collections.defaultdict(list)
            for r in rows:
                if r["kind"] == "patch" and r.get("series_id") is not None:
                    groups[r["series_id"]].append(r)
            series_list = []
            for sid, ps in sorted(groups.items()):
                ps.sort(key=lambda r: (r.get("patch_number") is None, r.get("patch_number") or 0,
                                       r.get("mbox_index") or 0))
                series_list.append((f"series {sid} {ps[0].get('series_name') or '(no name)'!r}",
                                    [r["_msgid"] for r in ps]))
            c = compare(rows, series_list, ours, prefix=name + ": ")
            a, e, n = c.totals()
            per_file.append({
                "file": name, "expected_rows": len(rows),
                "ours": dict(collections.Counter(k for (_, k, _, _) in ours.msg.values())),
                "agree": a, "excused": e, "compared": n, "pct": round(pct(a + e, n), 2),
                "failing": sorted(k for k, f in c.fig.items() if f.diffs),
            })
            total.merge(c)
    info = {"mode": "testdata", "files": len(files),
            "files_with_expected_rows": sum(1 for p in per_file if p["expected_rows"]),
            "expected_rows": sum(len(v) for v in by_file.values()),
            "seconds": round(time.time() - t0, 2), "per_file": per_file}
    if unknown:
        info["expected_files_not_found"] = unknown
    return report(args, total, info, out)


# --------------------------------------------------------------------------
# output


def resolve_fields(specs):
    res = []
    for spec in specs or []:
        field = spec[0]
        n = int(spec[1]) if len(spec) > 1 else 10
        if field == "all":
            res += [(f, n) for f in FIGURES]
            continue
        if field in FIGURES:
            res.append((field, n))
            continue
        cand = [f for f in FIGURES if field.lower() in f.lower()]
        if not cand:
            raise Failure(f"--show-diffs: {field!r} names no figure "
                          f"(figures: {', '.join(FIGURES)}, all)")
        res += [(f, n) for f in cand]  # `tags` shows the three tag figures
    return res


def report(args, c, info, out):
    shows = resolve_fields(args.show_diffs)
    a, e, n = c.totals()
    figs = {}
    for name in FIGURES:
        f = c.fig[name]
        figs[name] = {
            "agree": f.agree, "excused": f.n_excused(), "compared": f.compared,
            "pct": round(pct(f.agree + f.n_excused(), f.compared), 2),
            "strict_pct": round(pct(f.agree, f.compared), 2),
            "excused_by": dict(f.excused),
        }
    rules = {}
    for r in sorted(set(RULES) | set(c.rule_rows) | set(c.extra_rules)):
        rules[r] = {
            "rows": len(c.rule_rows.get(r, ())),
            "by_figure": {k: c.fig[k].excused[r] for k in FIGURES if c.fig[k].excused[r]},
            "extra_rows": c.extra_rules.get(r, 0),
            "known": r in RULES,
        }
    below = [k for k, v in figs.items() if args.min is not None and v["compared"]
             and v["pct"] < args.min]
    if args.json:
        doc = dict(info)
        doc.update({
            "figures": figs,
            "overall": {"agree": a, "excused": e, "compared": n,
                        "pct": round(pct(a + e, n), 2), "strict_pct": round(pct(a, n), 2)},
            "series": {"split": c.split, "merged": c.merged},
            "rules": rules,
            "extra_rows": dict(c.extra),
        })
        if shows:
            doc["diffs"] = {f: [{"key": k, "expected": x, "ours": y} for k, x, y in
                                c.fig[f].diffs[:nn]] for f, nn in shows}
        if below:
            doc["below_min"] = below
        json.dump(doc, out, indent=1, ensure_ascii=False)
        out.write("\n")
        return 1 if below else 0

    w = out.write
    if info["mode"] == "corpus":
        w(f"parity with Patchwork: corpus linuxppc-dev-10k, db {info['db']}\n")
        if info["imported"]:
            w(f"  import {info['import_seconds']} s, ")
        else:
            w("  ")
        w(f"comparison {info['compare_seconds']} s; {info['expected_rows']} expected rows, "
          f"{info['expected_series']} expected series with patches\n")
    else:
        w(f"parity with Patchwork: testdata, {info['files']} mbox files "
          f"({info['files_with_expected_rows']} with expected rows), "
          f"{info['expected_rows']} expected rows, {info['seconds']} s\n\n")
        w(f"{'file':<52} {'exp':>4} {'ours p/c/cm':>11} {'agree':>9} {'%':>7}  disagreeing figures\n")
        for p in info["per_file"]:
            o = p["ours"]
            pcm = f"{o.get('patch', 0)}/{o.get('cover', 0)}/{o.get('comment', 0)}"
            w(f"{p['file']:<52} {p['expected_rows']:>4} {pcm:>11} "
              f"{p['agree'] + p['excused']:>4}/{p['compared']:<4} {p['pct']:>6.1f}%  "
              f"{', '.join(p['failing'])}\n")
        if info.get("expected_files_not_found"):
            w(f"expected rows for files not found: {', '.join(info['expected_files_not_found'])}\n")
    w("\n")
    w(f"{'figure':<22} {'agree':>7} {'excused':>8} {'compared':>9} {'strict':>8} {'w/rules':>8}\n")
    for name in FIGURES:
        v = figs[name]
        mark = "  <" if name in below else ""
        w(f"{name:<22} {v['agree']:>7} {v['excused']:>8} {v['compared']:>9} "
          f"{v['strict_pct']:>7.2f}% {v['pct']:>7.2f}%{mark}\n")
    w(f"{'overall':<22} {a:>7} {e:>8} {n:>9} {pct(a, n):>7.2f}% {pct(a + e, n):>7.2f}%\n")
    w("(w/rules counts rows excused by a deviation rule as agreeing; strict does not)\n")
    w(f"\nseries membership: {c.split} expected series split over several of ours (or left out), "
      f"{c.merged} merged with other patches\n")
    w("deviation rules:\n")
    for r, v in rules.items():
        by = ", ".join(f"{k} {x}" for k, x in v["by_figure"].items())
        by = f" ({by})" if by else ""
        unk = "" if v["known"] else "  (not in RULES: excuses nothing)"
        w(f"  {r:<20} excuses {v['rows']} rows{by}; named on {v['extra_rows']} extra rows{unk}\n")
    w("extra rows (ours, not in expected; not counted): "
      + ", ".join(f"{k} {c.extra.get(k, 0)}" for k in ("patch", "cover", "comment")) + "\n")
    if below:
        w(f"below --min {args.min}%: {', '.join(below)}\n")
    for f, nn in shows:
        fig = c.fig[f]
        w(f"\n{f}: {len(fig.diffs)} disagreements"
          f" (+{fig.n_excused()} excused)" + (f", first {min(nn, len(fig.diffs))}" if fig.diffs else "")
          + "\n")
        for k, x, y in fig.diffs[:nn]:
            w(f"  {k}\n    expected: {x!r}\n    ours:     {y!r}\n")
    return 1 if below else 0


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Field-by-field agreement of an mlidx database with Patchwork's.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("mode", choices=("corpus", "testdata"))
    ap.add_argument("--db", help="corpus: use this database (imported into if missing)")
    ap.add_argument("--mbox", help="corpus: the mbox to import (default: the 10k corpus)")
    ap.add_argument("--mlidx", help="the mlidx binary (default: build/src/mlidx)")
    ap.add_argument("--shared", help="the shared directory (default: $MLIDX_SHARED, else ../shared)")
    ap.add_argument("--json", action="store_true", help="machine output")
    ap.add_argument("--show-diffs", nargs="+", action="append", metavar=("FIELD", "N"),
                    help="print N (default 10) disagreements of FIELD; repeatable")
    ap.add_argument("--min", type=float, metavar="PCT",
                    help="exit 1 if any figure (rules applied) is below PCT")
    args = ap.parse_args(argv)
    for spec in args.show_diffs or []:
        if len(spec) > 2 or (len(spec) == 2 and not spec[1].isdigit()):
            ap.error("--show-diffs takes FIELD [N]")
    try:
        if args.mode == "corpus":
            return run_corpus(args, sys.stdout)
        return run_testdata(args, sys.stdout)
    except Failure as e:
        print(f"parity: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Time of `mlidx import` on each hostile input of tests/test_hostile.cc
(the tests check what is stored; this measures how long it takes). Issue 5:
each must finish in under 10 s on the project's machine.

    bench/hostile.py --mlidx build/src/mlidx [--runs 3]
"""
import argparse
import os
import random
import statistics
import subprocess
import tempfile
import time

FROM = b"From hostile@example.org Thu Jan  1 00:00:00 1970\n"


def mail(headers, body):
    return (FROM + b"From: H <h@example.org>\nMessage-ID: <hostile@example.org>\n"
            b"Date: Mon, 1 Dec 2025 10:00:00 +0000\n" + headers + b"\n" + body)


def inputs():
    rnd = random.Random(7)
    refs = b"References:" + b"".join(b" <r%d@x>" % k for k in range(100000))
    deep = b"".join(b"Content-Type: message/rfc822\n\n" for _ in range(10000)) + b"innermost\n"
    multi = b"".join(b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (d, d + 1)
                     for d in range(10000)) + b"innermost\n"
    bad = b"\xff\xfe\xc3("
    return [
        ("1 MB header field", mail(b"X-Huge: " + b"a" * (1 << 20) + b"\nSubject: s\n", b"body\n")),
        ("8 MB header field", mail(b"X-Huge: " + b"a" * (8 << 20) + b"\nSubject: s\n", b"body\n")),
        ("10,000-deep message/rfc822", mail(b"Subject: s\nMIME-Version: 1.0\nContent-Type: message/rfc822\n", deep)),
        ("10,000-deep multipart", mail(b"Subject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b0\n", multi)),
        ("100,000-entry References", mail(b"Subject: s\n" + refs + b"\n", b"body\n")),
        ("References cycle", FROM + b"Message-ID: <a@x>\nIn-Reply-To: <b@x>\n\na\n" +
         FROM + b"Message-ID: <b@x>\nIn-Reply-To: <a@x>\n\nb\n"),
        # Both end in a line end, as in tests/test_hostile.cc: without one an
        # mbox looks cut short (stored, exit 1; tests/test_stop.cc).
        ("50 MB random bytes after headers", mail(b"Subject: s\n", rnd.randbytes(50 << 20) + b"\n")),
        ("only headers", FROM + b"From: H <h@x>\nMessage-ID: <o@x>\nSubject: no body\n"),
        ("invalid UTF-8, unknown charsets", FROM + b"From: =?x-unknown?Q?caf=E9?= " + bad +
         b" <h@x>\nTo: " + bad + b" <t@x>\nMessage-ID: <u@x>\nSubject: =?x-klingon?Q?q?= " + bad +
         b"\nContent-Type: text/plain; charset=x-unknown\n\n" + bad + b" body\n"),
        ("1 MB of NUL bytes (refused)", b"\0" * (1 << 20)),
        ("1 MB random bytes, no From line (refused)", b"\x01" + rnd.randbytes(1 << 20)),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlidx", required=True)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    print(f"{'input':<42} {'MB':>6} {'median s':>9} {'exit':>5}")
    for name, data in inputs():
        path = os.path.join(tmp, "in.mbox")
        with open(path, "wb") as f:
            f.write(data)
        times, code = [], 0
        for _ in range(a.runs):
            db = os.path.join(tmp, "h.db")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
            start = time.perf_counter()
            code = subprocess.run([a.mlidx, "import", "--quiet", "--db", db, path],
                                  stderr=subprocess.DEVNULL).returncode
            times.append(time.perf_counter() - start)
        print(f"{name:<42} {len(data) / 1e6:6.1f} {statistics.median(times):9.2f} {code:5}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Input preparation for the peer and scale benchmarks (issue 6).

Messages are split the way mlidx splits an mbox: a line is a separator when
it looks like one by git mailsplit's rule (a "From " line ending in a time
stamp and a year), so the counts here are mlidx's.

  mailprep.py count MBOX...              number of messages
  mailprep.py head N OUT MBOX...         the first N messages, byte for byte
  mailprep.py maildir DIR MBOX...        a Maildir (DIR/cur, one file a mail,
                                         mboxrd ">From " unescaped)
  mailprep.py mairix OUT MBOX...         one mbox whose "From " lines carry
                                         each mail's Date (mairix needs them)
                                         and a sender mairix accepts
  mailprep.py inbox DIR MBOX...          a public-inbox v2 inbox with one epoch
                                         (DIR/git/0.git): a commit a mail, its
                                         blob `m` as the Maildir's; appended
                                         to DIR's epoch when it exists
  mailprep.py scale OUT N MBOX...        the input N times; in copy K >= 1
                                         every id of Message-ID, In-Reply-To
                                         and References becomes <id.rK> (a
                                         bare id: id.rK)
Each command prints one summary line on stderr.
"""
import email.utils
import os
import re
import subprocess
import sys
import time

FROM_RE = re.compile(rb'^From [^\n]*\n', re.M)


def is_from_line(line):
    """git's mailsplit is_from_line(): "From ", a colon with digits around
    it (HH:MM:SS) and a year > 90 after the last one."""
    line = line.rstrip(b'\n')
    if len(line) < 20 or not line.startswith(b'From '):
        return False
    colon = line.rfind(b':', 5, len(line) - 1)
    if colon < 9 or colon + 3 > len(line):
        return False
    digits = (line[colon - 4:colon - 3], line[colon - 2:colon - 1], line[colon - 1:colon],
              line[colon + 1:colon + 2], line[colon + 2:colon + 3])
    if not all(d.isdigit() for d in digits):
        return False
    m = re.match(rb'\s*([+-]?\d+)', line[colon + 3:])
    return bool(m) and int(m.group(1)) > 90


def messages(path):
    """Yields (from_line, mail) per message; mail excludes the From line."""
    with open(path, 'rb') as f:
        data = f.read()
    starts = [m.start() for m in FROM_RE.finditer(data) if is_from_line(m.group(0))]
    if not starts or starts[0] != 0:
        # A file that does not start with a separator: one message, or a
        # preamble before the first one (neither happens in the corpora).
        starts = [0] + starts
    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else len(data)
        nl = data.index(b'\n', s) + 1 if data.startswith(b'From ', s) else s
        yield data[s:nl], data[nl:e]


def all_messages(paths):
    for p in paths:
        yield from messages(p)


def header_block(mail):
    end = mail.find(b'\n\n')
    if end < 0:
        end = len(mail)
    crlf = mail.find(b'\r\n\r\n')
    if 0 <= crlf < end:
        end = crlf
    return end


MBOXRD_RE = re.compile(rb'^>(>*From )', re.M)


def cmd_count(paths):
    n = sum(1 for _ in all_messages(paths))
    print(n)


def cmd_head(n, out, paths):
    k = 0
    with open(out + '.tmp', 'wb') as f:
        for line, mail in all_messages(paths):
            if k == n:
                break
            f.write(line)
            f.write(mail)
            k += 1
    os.rename(out + '.tmp', out)
    print(f'mailprep: {out}: the first {k} messages', file=sys.stderr)


def unescaped(mail):
    """The mail as delivered: mboxrd's '>' of a quoted From line and the
    blank line that ends each mbox entry are the mbox's."""
    body = MBOXRD_RE.sub(rb'\1', mail)
    return body[:-1] if body.endswith(b'\n\n') else body


def cmd_inbox(out, paths):
    git = os.path.join(out, 'git', '0.git')
    fresh = not os.path.isdir(git)
    if fresh:
        os.makedirs(os.path.join(out, 'git'))
        subprocess.run(['git', 'init', '-q', '--bare', '-b', 'master', git], check=True)
    # git fast-import: ~50,000 commits a minute where one commit-tree per
    # mail managed a few hundred.
    # Commit times go on from the branch's last, as public-inbox's do: git
    # stops its history walks early on them (rev-list A..B, merge-base), and
    # restarting them at an append made both walk the whole epoch.
    t0 = 1500000000
    if not fresh:
        t0 = int(subprocess.run(['git', '--git-dir=' + git, 'log', '-1', '--format=%ct', 'master'],
                                check=True, capture_output=True).stdout)
    imp = subprocess.Popen(['git', '--git-dir=' + git, 'fast-import', '--quiet'], stdin=subprocess.PIPE)
    k = 0
    for _, mail in all_messages(paths):
        body = unescaped(mail)
        k += 1
        imp.stdin.write(b'commit refs/heads/master\ncommitter mlidx-bench <bench@example.org> %d +0000\n'
                        b'data 2\nm\n' % (t0 + k))
        if k == 1 and not fresh:
            imp.stdin.write(b'from refs/heads/master^0\n')
        imp.stdin.write(b'deleteall\nM 100644 inline m\ndata %d\n' % len(body))
        imp.stdin.write(body)
        imp.stdin.write(b'\n')
    imp.stdin.close()
    if imp.wait() != 0:
        sys.exit('mailprep: git fast-import failed')
    print(f'mailprep: {out}: {k} messages {"in a new inbox" if fresh else "appended"}', file=sys.stderr)


def cmd_maildir(out, paths):
    tmp = out + '.tmp'
    cur = os.path.join(tmp, 'cur')
    for d in ('cur', 'new', 'tmp'):
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
    host = 'mlidx-bench'
    k = 0
    for _, mail in all_messages(paths):
        body = unescaped(mail)
        k += 1
        with open(os.path.join(cur, f'{1500000000 + k}.M{k}P1.{host}:2,S'), 'wb') as f:
            f.write(body)
    os.rename(tmp, out)
    print(f'mailprep: {out}: {k} messages', file=sys.stderr)


DATE_RE = re.compile(rb'^Date:[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)', re.M | re.I)


def cmd_mairix(out, paths):
    k = fallback = 0
    last = 'Mon Jan  1 00:00:00 2001'
    with open(out + '.tmp', 'wb') as f:
        for line, mail in all_messages(paths):
            k += 1
            stamp = None
            m = DATE_RE.search(mail, 0, header_block(mail))
            if m:
                try:
                    d = email.utils.parsedate_to_datetime(
                        m.group(1).decode('ascii', 'replace').replace('\n', ' '))
                    stamp = time.asctime(time.gmtime(d.timestamp()))
                except (TypeError, ValueError, OverflowError, IndexError):
                    pass
            if stamp is None:
                fallback += 1
                stamp = last  # the previous mail's date keeps the order
            last = stamp
            # mairix 0.24 rejects public-inbox's "mboxrd@z" (a one-letter
            # domain) as a sender, and the line with it: every mail after the
            # first would be read as part of the first.
            f.write(b'From MAILER-DAEMON ' + stamp.encode() + b'\n')
            f.write(mail)
    os.rename(out + '.tmp', out)
    print(f'mailprep: {out}: {k} messages, {fallback} without a readable Date '
          f'(previous date used)', file=sys.stderr)


ID_HEADERS_RE = re.compile(rb'^(Message-ID|In-Reply-To|References)([ \t]*:)([^\n]*(?:\n[ \t][^\n]*)*)',
                           re.M | re.I)
# In an id header: an <id>, a (comment), a "quoted string", or a bare id
# (a word with an @: mlidx, like Patchwork, reads those too).
ID_TOKEN_RE = re.compile(rb'<([^<>]*)>|\([^()]*\)|"[^"]*"|[^\s<>()",;]+@[^\s<>()",;]+')


def rewrite_ids(mail, suffix):
    """Every id of the three headers, <id> or bare, becomes id + suffix; a
    Message-ID with neither gets the suffix after its value. Returns the
    mail and whether its Message-ID changed."""
    end = header_block(mail)
    changed = False

    def token(t):
        whole = t.group(0)
        if whole.startswith(b'<'):
            return b'<' + t.group(1) + suffix + b'>'
        if whole.startswith((b'(', b'"')):
            return whole
        return whole + suffix

    def header(m):
        nonlocal changed
        name, sep, value = m.group(1), m.group(2), m.group(3)
        new = ID_TOKEN_RE.sub(token, value)
        if new == value and name.lower() == b'message-id' and value.strip():
            core = value.rstrip()
            new = core + suffix + value[len(core):]
        if name.lower() == b'message-id' and new != value:
            changed = True
        return name + sep + new

    head = ID_HEADERS_RE.sub(header, mail[:end])
    return head + mail[end:], changed


def cmd_scale(out, n, paths):
    k = unchanged = 0
    with open(out + '.tmp', 'wb') as f:
        for copy in range(n):
            suffix = f'.r{copy}'.encode()
            for line, mail in all_messages(paths):
                k += 1
                if copy:
                    mail, changed = rewrite_ids(mail, suffix)
                    unchanged += not changed
                f.write(line)
                f.write(mail)
    os.rename(out + '.tmp', out)
    print(f'mailprep: {out}: {k} messages ({n} copies); {unchanged} copied mails had no '
          f'Message-ID to rewrite', file=sys.stderr)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == 'count':
        cmd_count(argv[2:])
    elif cmd == 'head':
        cmd_head(int(argv[2]), argv[3], argv[4:])
    elif cmd == 'maildir':
        cmd_maildir(argv[2], argv[3:])
    elif cmd == 'inbox':
        cmd_inbox(argv[2], argv[3:])
    elif cmd == 'mairix':
        cmd_mairix(argv[2], argv[3:])
    elif cmd == 'scale':
        cmd_scale(argv[2], int(argv[3]), argv[4:])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)

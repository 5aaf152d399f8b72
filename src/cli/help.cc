#include "cli/help.hh"

#include <array>
#include <utility>

namespace mlidx::cli {
namespace {

constexpr const char* kOverview = R"(usage: mlidx COMMAND [ARGS] [--db PATH]

Commands:
  import        read mbox files, Maildirs and public-inbox archives
  sql           run SQL over the archive (read-only unless --write)
  show          one patch, cover letter, comment or message
  thread        the thread of a message, as a tree or an mbox
  series        list patch series, or show one
  search        full-text search with lore-style prefixes
  export        write a series (ready for git am) or a thread as an mbox
  stats         counts and the problems recorded during import
  reindex       re-derive everything from the stored raw mail
  link-commits  mark patches found in a git repository as accepted
  state         record a patch's state by hand (rejected, changes-requested...)

'mlidx COMMAND --help' describes one command; 'man mlidx' all of them.
Every command takes --db PATH (default: $MLIDX_DB, else ./mlidx.db); only
import creates a missing database.
Exit codes: 0 success, 1 failure (bad input, unknown id, database error, an
mbox cut short), 2 bad command line, 130 import stopped by Ctrl-C.
)";

// One entry per command, in the order of the overview.
constexpr std::array<std::pair<const char*, const char*>, 11> kCommands = {{
    {"import", R"(usage: mlidx import PATH... [--list-id ID] [--no-search] [--wait SECONDS]
                    [--quiet] [--timing] [--db PATH]

Reads mail into the database, creating it if needed. PATH is
  an mbox file  mboxrd, mboxo, CRLF line ends; a file that starts with a
                header line instead of a 'From ' line is one message;
                gzip-compressed (.gz) files are inflated
  -             standard input: an mbox or one message (or gzip of either)
  a Maildir     a directory with cur/ and new/ (tmp/ is not read)
  an inbox      a public-inbox v2 inbox (INBOX/git/0.git, 1.git, ...: a
                'git clone --mirror' of a lore list) or one epoch N.git;
                needs git. Removed messages are kept, marked 'removed'.
Importing the same mail again adds nothing. An mbox file or an epoch
imported before is read from where the last import stopped (appended mail
only, or the commits fetched since); an mbox rewritten since is read in
full. A Maildir imported before is read for the files changed since (their
ctime; the others are not even opened). Ctrl-C stores the mail read so far
and stops (exit 130): the same import run again continues. An mbox whose
last line has no line end was cut short: its mail is stored, the last
message with a 'truncated' problem, and the exit status is 1; the import
that reads that message whole stores it in its place ("completed:" in the
summary).
  --list-id ID      the list of mail that has no List-Id header (it
                    outranks X-Mailing-List); mail already stored that
                    names no list of its own joins this list too.
                    The same Message-ID seen through several lists is
                    one message on each of them (message_lists)
  --no-search       leave the full-text index behind (faster); the next
                    import without it indexes what is missing
  --wait SECONDS    how long to wait for another import of the same
                    database to finish (default 60; 0: fail at once)
  --quiet           no progress and no summary
  --timing          print the time of each import stage, and how long
                    the parser and the writer waited for each other
)"},
    {"sql", R"(usage: mlidx sql QUERY [VALUE...] [--param NAME=VALUE]... [--write]
                 [--table|--tsv|--csv|--json|--jsonl] [--db PATH]

Runs one SQL statement over the archive; the relations are described in
docs/SCHEMA.md. Read-only unless --write.
  VALUE...            bound to the statement's ? parameters, in order
  --param NAME=VALUE  bound to :NAME (repeatable); values are never
                      spliced into the SQL text. A value that is a plain
                      integer is bound as an integer, anything else as text.
  --table             aligned columns (the default on a terminal)
  --tsv               tab-separated (the default otherwise)
  --csv, --json, --jsonl
)"},
    {"show", R"(usage: mlidx show ID|MSGID [--json|--raw] [--db PATH]

One patch, cover letter, comment or plain message, by its id (messages.id)
or its Message-ID (with or without angle brackets): headers, a patch's
state, content and diff (coloured on a terminal unless NO_COLOR is set).
  --json  the Patchwork REST record shape (msgid, date, name, submitter,
          commit_ref, state, archived, hash, prefixes, series, headers,
          content, diff, pull_url, tags), plus patch_id, match_kind, files
          and trailers
  --raw   the original bytes of the mail
)"},
    {"thread", R"(usage: mlidx thread ID|MSGID [--json|--mbox] [--db PATH]

The whole thread of a message (an id, a Message-ID with or without <>, or
the Message-ID of a mail referenced but never received) as an indented
tree: id, date (UTC), author, kind (patch, cover, comment, message) and
subject of each mail, replies under what they answer, sorted by date. Mail
that was referenced but never received shows as [not received] <msgid>;
past 30 levels the depth is printed as [N] instead of indented.
  --json  the threads row plus "messages", a flat list in tree order, each
          with its depth and parent Message-ID (kind "ghost" for mail never
          received)
  --mbox  every received message of the thread, in date order, as mboxrd
)"},
    {"series", R"(usage: mlidx series [--submitter EMAIL] [--since DATE] [--until DATE]
                    [--name TEXT] [--version N] [--list ID] [--state STATE]
                    [--incomplete]
                    [--json] [--db PATH]
       mlidx series ID [--json] [--db PATH]

Without ID: the series, newest first, with their version, received/total
patches, submitter, date and cover letter. DATE is YYYY-MM-DD (the whole
day) or YYYY-MM-DDTHH:MM:SS, UTC; --name matches a substring of the name,
ignoring ASCII case; --list keeps series with a patch or cover letter
received through that list (its id, or its short name: linuxppc-dev);
--incomplete keeps series with patches missing; --state keeps series with
a patch in that state (--state new --submitter EMAIL: what of mine is
still pending). STATE column: the states of its patches, joined by '+'.
With ID: one series, its cover letter, its patches in order with their
state and trailers, the comments on it, and its other versions (v1 ... vN),
marking the current one.
)"},
    {"search", R"(usage: mlidx search QUERY... [--json|--mbox] [--limit N] [--db PATH]

Full-text search. Terms are ANDed; OR, NOT and parentheses combine them;
"quoted phrases" match words in sequence. Prefixes:
  s:  subject          f:  from (name or address)
  t:  to               c:  cc             a:  any address
  b:  body             l:  list (id or short name; any
                           list the mail came through)
  d:FROM..TO           date range, YYYY-MM-DD, both ends inclusive;
                       either end may be left out (d:2019-06-01..)
  dfn:PATH             file touched by a patch: a path, a directory
                       (arch/powerpc/) or a glob (arch/powerpc/*)
Bare words search the subject and the body; word* matches words that
start with it. Bodies are indexed without the lines they quote ("> ..."),
so a reply is found by its own words. Hits are ranked, newest first among
equals. A malformed query (unbalanced quote or parenthesis, unknown
prefix, bad date) exits 2 with what is wrong.
  --json      hits as a JSON array
  --mbox      the hits' raw mail as mboxrd, for a mail reader
  --limit N   at most N hits
)"},
    {"export", R"(usage: mlidx export --series ID [--partial] [--link] [--link-pattern URL]
                    [-o FILE [--force]] [--db PATH]
       mlidx export --thread ID|MSGID [-o FILE [--force]] [--db PATH]

Writes an mbox. For a series: its patches in order, ready for 'git am',
with the review trailers given in replies (to a patch, or to the cover
letter for every patch) added to each commit message; the in-body From:
is kept so that git credits the author. An incomplete series is refused
unless --partial. For a thread: every received message, in date order.
  --link               add a Link: trailer to each patch
  --link-pattern URL   where %s is the Message-ID
                       (default https://lore.kernel.org/r/%s)
  -o FILE              write to FILE instead of stdout; an existing file
                       is kept unless --force
)"},
    {"stats", R"(usage: mlidx stats [--json] [--db PATH]

Counts (messages, variants, threads, ghosts, patches, cover letters,
comments, series complete and incomplete, lists), the date range, the
problems recorded during import, by kind, the patches in each state, and
the same counts per list (a mail sent to two lists counts on both; mail
without a list is listed as '(none)').
)"},
    {"reindex", R"(usage: mlidx reindex [--quiet] [--db PATH]

Re-derives everything that is not raw mail (headers, threads,
classification, series, trailers, the search index) from the stored raw
messages, as a fresh import of them would, after the rules changed. The new
database replaces the old one in one rename: an interrupted reindex leaves
the old one as it was. Human decisions (mlidx state) and commits found
by link-commits are kept.
)"},
    {"link-commits", R"(usage: mlidx link-commits --git REPO [REV...] [--quiet] [--db PATH]

Reads the commits of REV... (a git revision range, default HEAD; merges
left out) in the git repository REPO and marks each patch whose change one
of them carries as accepted, with the commit as its commit_ref. A commit
matches patches by git's stable patch-id, else by Patchwork's hash of the
diff, else by subject (the patch name without its [...] prefix) and author
email, for changes edited on the way in; match_kind says which. When
several versions of a series carry the same change, the current one gets
it. A state set by hand (mlidx state) is kept. Commits read once are
remembered per repository: a second run over the same range reads none.
Needs git in PATH.
  --quiet   no summary
)"},
    {"state", R"(usage: mlidx state set ID|MSGID STATE [--reason TEXT] [--archived] [--db PATH]
       mlidx state clear ID|MSGID [--db PATH]

A patch's state by hand, for what only a human knows. STATE is one of
Patchwork's: new, under-review, accepted, rejected, rfc, not-applicable,
changes-requested, awaiting-upstream, superseded, deferred. The decision
is kept with its reason and time (UTC) by the patch's Message-ID, through
reindex; no automatic rule overrides it. Without one a patch is accepted
when link-commits found its commit, superseded when a later version of its
series exists, else new. 'clear' forgets the decision.
  --reason TEXT  why (shown by 'mlidx show')
  --archived     also set Patchwork's archived flag
)"},
}};

}  // namespace

std::string_view overview_help() { return kOverview; }

std::optional<std::string_view> command_help(std::string_view command) {
  for (const auto& [name, text] : kCommands)
    if (command == name) return std::string_view(text);
  return std::nullopt;
}

}  // namespace mlidx::cli

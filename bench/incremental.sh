#!/usr/bin/env bash
# Incremental import benchmark (issue 7): MBOX is imported into a fresh
# database, N messages (the first N of MORE) are appended to it, and the
# same file is imported again - which reads only the appended tail. Timed
# against the two ways of reading it all: a fresh import of the grown file
# ("full re-import"), and a re-import into the same database with the
# incremental state deleted (every message hashed and found known).
# Dirty pages are written out (sync) before each timed import, so that no
# run pays for the previous one's writes.
# Medians of RUNS (default 3); the first run's summary is shown.
#   bench/incremental.sh MLIDX MBOX MORE [N]
#   bench/incremental.sh MLIDX --last N MBOX...
#       the MBOX files in turn, all but their last N messages as the
#       imported file and those N as the appended tail
# INBOX=1: the same as a public-inbox v2 inbox (bench/mailprep.py inbox),
# one commit a mail; "appended" is its branch moved from the base's last
# commit to the grown one's (what a git fetch does to a lore mirror).
set -euo pipefail
mlidx=$1
runs=${RUNS:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# Wall seconds from bash's microsecond clock (time(1)'s %e has 10 ms steps).
timed() {
  local out=$1; shift; sync
  local t0=$EPOCHREALTIME
  "$@"
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", b - a }' >> "$tmp/$out"
}
# Messages N+1... of the FILEs in turn (FIRST=1: messages 1..N): a "From "
# line after a blank line (or at the start) begins one.
cut_at() {
  local n=$1; shift
  awk -v n="$n" -v first="${FIRST:-0}" '/^From / && (NR == 1 || prev == "") { ++k }
    first && k > n { exit }
    (first && k <= n) || (!first && k > n) { print } { prev = $0 }' "$@"
}
count() { awk '/^From / && (NR == 1 || prev == "") { ++k } { prev = $0 } END { print k + 0 }' "$@"; }

if [ "$2" = --last ]; then
  n=$3; shift 3
  total=$(count "$@")
  FIRST=1 cut_at $((total - n)) "$@" > "$tmp/base.mbox"
  cut_at $((total - n)) "$@" > "$tmp/tail.mbox"
  base=$tmp/base.mbox more="$* (the last $n)"
else
  base=$2 more=$3 n=${4:-500}
  FIRST=1 cut_at "$n" "$more" > "$tmp/tail.mbox"
fi
echo "input: $base ($(count "$base") messages, $(($(stat -L -c %s "$base") / 1000000)) MB)" \
     "+ $(count "$tmp/tail.mbox") appended from $more, $runs runs"

: > "$tmp/base"; : > "$tmp/inc"; : > "$tmp/full"; : > "$tmp/reread"
# The grown file, for the full re-import: a copy, so that the import of
# MBOX and the full re-import are timed side by side at the start of each
# round (timed last, after three imports, the full re-import took 25-35 %
# longer than the import of MBOX, which is 5 % smaller).
cat "$base" "$tmp/tail.mbox" > "$tmp/grown.mbox"
here=$(dirname "$0")
if [ "${INBOX:-0}" = 1 ]; then
  python3 "$here/mailprep.py" inbox "$tmp/grown" "$tmp/grown.mbox" 2>/dev/null
  python3 "$here/mailprep.py" inbox "$tmp/list" "$base" 2>/dev/null
  git_list() { git --git-dir="$tmp/list/git/0.git" "$@"; }
  base_commit=$(git_list rev-parse HEAD)
  python3 "$here/mailprep.py" inbox "$tmp/list" "$tmp/tail.mbox" 2>/dev/null
  grown_commit=$(git_list rev-parse HEAD)
  grown=$tmp/grown list=$tmp/list
  to_base() { git_list update-ref refs/heads/master "$base_commit"; }
  to_grown() { git_list update-ref refs/heads/master "$grown_commit"; }
else
  grown=$tmp/grown.mbox list=$tmp/list.mbox
  to_base() { cp "$base" "$tmp/list.mbox"; }
  to_grown() { cat "$tmp/tail.mbox" >> "$tmp/list.mbox"; }
fi
for i in $(seq "$runs"); do
  rm -f "$tmp"/*.db*
  timed full "$mlidx" import --quiet --db "$tmp/c.db" "$grown"
  to_base
  timed base "$mlidx" import --quiet --db "$tmp/a.db" "$list"
  to_grown
  cp "$tmp/a.db" "$tmp/b.db"
  if [ "$i" -eq 1 ]; then
    timed inc "$mlidx" import --db "$tmp/a.db" "$list" > "$tmp/summary"
    sed 's/^/  | /' "$tmp/summary"
  else
    timed inc "$mlidx" import --quiet --db "$tmp/a.db" "$list"
  fi
  "$mlidx" sql --write --db "$tmp/b.db" "DELETE FROM import_state" >/dev/null
  timed reread "$mlidx" import --quiet --db "$tmp/b.db" "$list"
done
b=$(median < "$tmp/base"); inc=$(median < "$tmp/inc"); full=$(median < "$tmp/full"); re=$(median < "$tmp/reread")
awk -v b="$b" -v inc="$inc" -v full="$full" -v re="$re" 'BEGIN {
  printf "import of MBOX (fresh db):             median %.3f s\n", b
  printf "full re-import (fresh db, grown file): median %.3f s\n", full
  printf "re-import without incremental state:   median %.3f s  (%.0f %% of the full re-import)\n", re, 100 * re / full
  printf "incremental re-import (tail only):     median %.3f s  (%.1f %% of the full re-import, %.0f %% of the one without state)\n", inc, 100 * inc / full, 100 * inc / re
}'

#!/usr/bin/env bash
# Incremental import benchmark (issue 7): MBOX is imported into a fresh
# database, N messages (the first N of MORE) are appended to it, and the
# same file is imported again - which reads only the appended tail. Timed
# against the two ways of reading it all: a fresh import of the grown file
# ("full re-import"), and a re-import into the same database with the
# incremental state deleted (every message hashed and found known).
# Medians of RUNS (default 3); the first run's summary is shown.
#   bench/incremental.sh MLIDX MBOX MORE [N]
set -euo pipefail
mlidx=$1 base=$2 more=$3 n=${4:-500}
runs=${RUNS:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timed() { local out=$1; shift; /usr/bin/time -f '%e' -o "$tmp/t" "$@"; cat "$tmp/t" >> "$tmp/$out"; }

# The first N messages of MORE: a "From " line after a blank line (or at
# the start) begins one.
awk -v n="$n" '/^From / && (NR == 1 || prev == "") { if (++k > n) exit } { print; prev = $0 }' \
  "$more" > "$tmp/tail.mbox"
echo "input: $base ($(grep -c '^From ' "$base") messages, $(($(stat -L -c %s "$base") / 1000000)) MB)" \
     "+ $n appended from $more, $runs runs"

: > "$tmp/base"; : > "$tmp/inc"; : > "$tmp/full"; : > "$tmp/reread"
for i in $(seq "$runs"); do
  rm -f "$tmp"/*.db*
  cp "$base" "$tmp/list.mbox"
  timed base "$mlidx" import --quiet --db "$tmp/a.db" "$tmp/list.mbox"
  cat "$tmp/tail.mbox" >> "$tmp/list.mbox"
  cp "$tmp/a.db" "$tmp/b.db"
  if [ "$i" -eq 1 ]; then
    /usr/bin/time -f '%e' -o "$tmp/t" "$mlidx" import --db "$tmp/a.db" "$tmp/list.mbox" | sed 's/^/  | /'
    cat "$tmp/t" >> "$tmp/inc"
  else
    timed inc "$mlidx" import --quiet --db "$tmp/a.db" "$tmp/list.mbox"
  fi
  "$mlidx" sql --write --db "$tmp/b.db" "DELETE FROM import_state" >/dev/null
  timed reread "$mlidx" import --quiet --db "$tmp/b.db" "$tmp/list.mbox"
  timed full "$mlidx" import --quiet --db "$tmp/c.db" "$tmp/list.mbox"
done
b=$(median < "$tmp/base"); inc=$(median < "$tmp/inc"); full=$(median < "$tmp/full"); re=$(median < "$tmp/reread")
awk -v b="$b" -v inc="$inc" -v full="$full" -v re="$re" 'BEGIN {
  printf "import of MBOX (fresh db):            median %.2f s\n", b
  printf "full re-import (fresh db, grown file): median %.2f s\n", full
  printf "re-import without incremental state:  median %.2f s  (%.0f %% of the full re-import)\n", re, 100 * re / full
  printf "incremental re-import (tail only):    median %.2f s  (%.1f %% of the full re-import, %.0f %% of the one without state)\n", inc, 100 * inc / full, 100 * inc / re
}'

#!/usr/bin/env bash
# Import benchmark: median throughput and peak RSS of `mlidx import` into a
# fresh database, without and with the search index, and of a no-op
# re-import, with a reference measured in the same runs (`gzip -1` over the
# same input: one CPU-bound pass over every byte) so that figures from a
# noisy shared machine compare as ratios.
#   bench/import.sh MLIDX MBOX... (RUNS=3 by default)
set -euo pipefail
mlidx=$1; shift
runs=${RUNS:-3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

msgs=0; bytes=0
for f in "$@"; do
  msgs=$((msgs + $(grep -c '^From ' "$f")))
  bytes=$((bytes + $(stat -c %s "$f")))
done
echo "input: $* ($msgs messages, $((bytes / 1000000)) MB), $runs runs"

: > "$tmp/ref"; : > "$tmp/imp"; : > "$tmp/rss"; : > "$tmp/re"; : > "$tmp/nos"; : > "$tmp/nosrss"
for i in $(seq "$runs"); do
  /usr/bin/time -f '%e' -o "$tmp/t" sh -c 'cat "$@" | gzip -1 > /dev/null' sh "$@"; cat "$tmp/t" >> "$tmp/ref"
  rm -f "$tmp/db"*
  /usr/bin/time -f '%e %M' -o "$tmp/t" "$mlidx" import --quiet --no-search --db "$tmp/db" "$@"
  read -r secs rss < "$tmp/t"; echo "$secs" >> "$tmp/nos"; echo "$rss" >> "$tmp/nosrss"
  nosize=$(stat -c %s "$tmp/db")
  rm -f "$tmp/db"*
  /usr/bin/time -f '%e %M' -o "$tmp/t" "$mlidx" import --quiet --db "$tmp/db" "$@"
  read -r secs rss < "$tmp/t"; echo "$secs" >> "$tmp/imp"; echo "$rss" >> "$tmp/rss"
  /usr/bin/time -f '%e' -o "$tmp/t" "$mlidx" import --quiet --db "$tmp/db" "$@"; cat "$tmp/t" >> "$tmp/re"
done
ref=$(median < "$tmp/ref"); imp=$(median < "$tmp/imp"); re=$(median < "$tmp/re")
rss=$(median < "$tmp/rss"); nos=$(median < "$tmp/nos"); nosrss=$(median < "$tmp/nosrss")
awk -v m="$msgs" -v b="$bytes" -v imp="$imp" -v ref="$ref" -v re="$re" -v rss="$rss" \
    -v nos="$nos" -v nosrss="$nosrss" 'BEGIN {
  printf "import --no-search:  median %.2f s  %.0f messages/s  %.1f MB/s  (%.2fx the reference, peak RSS %.0f MB)\n", nos, m/nos, b/1e6/nos, nos/ref, nosrss/1024
  printf "import (fresh db):   median %.2f s  %.0f messages/s  %.1f MB/s  (with the search index)\n", imp, m/imp, b/1e6/imp
  printf "re-import (no-op):   median %.2f s  %.0f messages/s\n", re, m/re
  printf "reference gzip -1:   median %.2f s  (import takes %.2fx the reference)\n", ref, imp/ref
  printf "peak RSS (import):   median %.0f MB\n", rss/1024
}'
echo "database size: $(($(stat -c %s "$tmp/db") / 1000000)) MB ($((nosize / 1000000)) MB without the search index)"

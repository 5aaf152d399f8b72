#!/usr/bin/env bash
# A Maildir that receives mail, imported again (issue 7): two builds A and B
# each import BASE written as a Maildir plus the first of N (500) new mails
# from MORE, delivered 2.1 s after the folder was written (mail arrives
# over time; a folder written in one go is all inside the 2 s margin of
# its newest file, schema/0010), then the other N-1 are delivered into new/
# and the import is timed. Alternated run by run; medians of RUNS (5).
#   bench/maildir-append.sh A B BASE MORE [N]
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
a=$(realpath "$1") b=$(realpath "$2"); base=$3 more=$4 n=${5:-500}
runs=${RUNS:-5}
here=$(dirname "$0")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
python3 "$here/mailprep.py" head "$n" "$tmp/tail.mbox" "$more" 2>/dev/null
python3 "$here/mailprep.py" maildir "$tmp/base" "$base" 2>/dev/null
python3 "$here/mailprep.py" maildir "$tmp/tail" "$tmp/tail.mbox" 2>/dev/null
mapfile -t new < <(ls "$tmp/tail/cur")
echo "input: $base as a Maildir ($(ls "$tmp/base/cur" | wc -l) files) + ${#new[@]} delivered from $more, $runs runs"
for i in $(seq "$runs"); do
  for build in a b; do
    rm -rf "$tmp/w" "$tmp"/*.db*; cp -r "$tmp/base" "$tmp/w"; sleep 2.1
    cp "$tmp/tail/cur/${new[0]}" "$tmp/w/new/"
    "${!build}" import --quiet --db "$tmp/m.db" "$tmp/w"
    for f in "${new[@]:1}"; do cp "$tmp/tail/cur/$f" "$tmp/w/new/"; done
    sync; t0=$EPOCHREALTIME
    "${!build}" import --db "$tmp/m.db" "$tmp/w" | head -1 > "$tmp/summary"
    t=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
    echo "$t" >> "$tmp/$build"
    echo "$build $t s  $(cat "$tmp/summary")"
  done
done
for build in a b; do echo "$build (${!build}): median $(median < "$tmp/$build") s"; done

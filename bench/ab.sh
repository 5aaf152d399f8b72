#!/usr/bin/env bash
# Two mlidx builds timed against each other, alternated run by run so that
# the machine's drift (a quarter within minutes here) falls on both alike.
#   bench/ab.sh A B MBOX...
#       a fresh import of MBOX... into a new database per run
#   bench/ab.sh --incremental A B BASE MORE [N]
#       each build imports BASE once; then per run its database is copied
#       (and synced), BASE with the first N (500) messages of MORE appended
#       is imported again, and that resumed import is timed
# Environment: RUNS (5), IMPORT_ARGS (e.g. --no-search). Prints each run's
# wall seconds and peak RSS, then per build the sorted times and median.
# Build A from another commit in a worktree, e.g.
#   git worktree add /tmp/a REV && meson setup /tmp/a/build --buildtype=release
#   ninja -C /tmp/a/build src/mlidx
set -euo pipefail
incremental=false
if [ "${1:-}" = --incremental ]; then incremental=true; shift; fi
[ $# -ge 3 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
a=$(realpath "$1") b=$(realpath "$2"); shift 2
runs=${RUNS:-5}
read -r -a extra <<< "${IMPORT_ARGS:-}"
. "$(dirname "$0")/lib.sh"
if $incremental; then bench_setup ab "$1" "$2"; n=${3:-500}; else bench_setup ab "$@"; fi

timed() {  # build-name, then the import's arguments
  local name=$1; shift
  # Wall time from bash's microsecond clock: time(1)'s %e has 10 ms steps,
  # a tenth of an incremental import.
  local t0=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$work/t" "${!name}" import --quiet "${extra[@]}" "$@" > /dev/null
  secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
  read -r rss < "$work/t"
  echo "$secs" >> "$work/$name"
  echo "$name $secs s  $((rss / 1024)) MB"
}

if $incremental; then
  base=${inputs[0]} more=${inputs[1]}
  # The state is keyed by the file's path: the base is imported from the
  # same path that later holds the grown file.
  for name in a b; do
    cp "$base" "$work/list.mbox"
    "${!name}" import --quiet "${extra[@]}" --db "$work/$name-base.db" "$work/list.mbox"
  done
  awk -v n="$n" '/^From / && (NR == 1 || prev == "") { if (++k > n) exit } { print; prev = $0 }' \
    "$more" >> "$work/list.mbox"
  for i in $(seq "$runs"); do
    for name in a b; do
      rm -f "$work"/run.db*
      cp "$work/$name-base.db" "$work/run.db"
      sync
      timed "$name" --db "$work/run.db" "$work/list.mbox"
    done
  done
else
  for i in $(seq "$runs"); do
    for name in a b; do
      rm -f "$work"/run.db*
      timed "$name" --db "$work/run.db" "${inputs[@]}"
    done
  done
fi
for name in a b; do
  printf '%s (%s): %s   median %s s\n' "$name" "${!name}" "$(sort -n "$work/$name" | tr '\n' ' ')" \
    "$(median < "$work/$name")"
done

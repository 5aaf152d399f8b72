#!/usr/bin/env bash
# Import cost against input size (issue 6, the scale note): mlidx imports,
# into a fresh database without and with the search index, the first MBOX
# alone, all of them, and all of them repeated COPIES times (default 7:
# 349,986 messages from the two corpora) with every Message-ID,
# In-Reply-To and References id rewritten per copy (<id> becomes <id.rK> in
# copy K >= 1; the mail is otherwise byte-identical, "From " line included),
# so that every copy is new mail with its own threads and series. Prints
# time, messages/s, time per message, peak RSS and database size (and bytes
# per message) for each, then the growth between the sizes. The import's
# summary of each size is shown: with the ids rewritten, the repeated
# input has COPIES times the threads, ghosts and series of the original.
#   bench/scale.sh MLIDX MBOX...
# Environment: RUNS (1; the median is shown), COPIES (7), BENCH_CACHE
# (build/bench-cache: the repeated input is made once and kept there).
# Databases are deleted after each measurement.
set -euo pipefail
mlidx=$(realpath "$1"); shift
[ $# -gt 0 ] || { echo "usage: bench/scale.sh MLIDX MBOX..." >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
runs=${RUNS:-1} copies=${COPIES:-7}
. "$(dirname "$0")/lib.sh"
bench_setup scale "$@"
mb() { awk -v b="$1" 'BEGIN {printf "%.0f", b / 1e6}'; }

key=$(for f in "${inputs[@]}"; do printf '%s %s\n' "$(basename "$f")" "$(stat -L -c %s "$f")"; done |
      sha1sum | cut -c1-12)
bytes=0
for f in "${inputs[@]}"; do bytes=$((bytes + $(stat -L -c %s "$f"))); done
scaled="$cache/scale-$key-x$copies.mbox"

# Space: the repeated input (unless cached), and its database, which is
# about twice the input's size; 3x for room.
need=$((bytes * copies * 3))
[ -f "$scaled" ] && need=$((bytes * copies * 2))
avail=$(df -P -B1 "$cache" | awk 'NR == 2 {print $4}')
echo "disk: $(mb "$avail") MB free in $cache, about $(mb "$need") MB needed"
if [ "$avail" -lt "$need" ]; then
  echo "scale: not enough disk space" >&2
  exit 1
fi
if [ ! -f "$scaled" ]; then
  echo "making $scaled ($copies copies, ids rewritten; once, cached)"
  python3 "$here/mailprep.py" scale "$scaled" "$copies" "${inputs[@]}" 2>&1 | sed 's/^/  | /'
fi

/usr/bin/time -f '%e' -o "$work/gz" sh -c 'cat "$@" | gzip -1 > /dev/null' sh "${inputs[@]}"
echo "mlidx: $("$mlidx" --version 2>&1 | head -n 1); $runs run(s) per figure; machine: $(nproc) cores," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reference: gzip -1 over $(mb "$bytes") MB (all MBOX) $(cat "$work/gz") s"

points=(all scaled)
[ ${#inputs[@]} -gt 1 ] && points=(first all scaled)
: > "$work/summary"
for p in "${points[@]}"; do
  case $p in
    first) files=("${inputs[0]}") ;;
    all) files=("${inputs[@]}") ;;
    scaled) files=("$scaled") ;;
  esac
  pbytes=0
  for f in "${files[@]}"; do pbytes=$((pbytes + $(stat -L -c %s "$f"))); done
  echo ""
  echo "== $(for f in "${files[@]}"; do basename "$f"; done | tr '\n' ' ')($(mb "$pbytes") MB)"
  for variant in no-search search; do
    flag=(); [ "$variant" = no-search ] && flag=(--no-search)
    : > "$work/runs"
    for i in $(seq "$runs"); do
      rm -f "$work"/db*
      if ! /usr/bin/time -f '%e %M' -o "$work/time" "$mlidx" import --timing "${flag[@]}" \
           --db "$work/db" "${files[@]}" > "$work/log-$i" 2>&1; then
        echo "FAILED:"; tail -n 20 "$work/log-$i"; exit 1
      fi
      read -r secs rss < "$work/time"
      echo "$secs $rss $(stat -c %s "$work/db") $i" >> "$work/runs"
      rm -f "$work"/db*
    done
    t=$(cut -d' ' -f1 "$work/runs" | median)
    r=$(cut -d' ' -f2 "$work/runs" | median)
    s=$(cut -d' ' -f3 "$work/runs" | median)
    run=$(awk -v t="$t" '$1 == t {print $4; exit}' "$work/runs"); run=${run:-1}
    n=$(sed -n 's/^read \([0-9]*\) messages.*/\1/p' "$work/log-$run")
    if [ "$variant" = no-search ]; then
      grep -E '^(read|archive:|threads:) ' "$work/log-$run" | sed 's/^/  | /' || true
    fi
    awk -v v="$variant" -v t="$t" -v n="$n" -v b="$pbytes" -v r="$r" -v s="$s" 'BEGIN {
      printf "%-10s %7.2f s  %6.0f messages/s  %5.1f MB/s  %6.1f us/message  peak RSS %5.0f MB  database %6.0f MB  %5.0f bytes/message\n",
        v, t, n / t, b / 1e6 / t, 1e6 * t / n, r / 1024, s / 1e6, s / n }'
    sed -n 's/^time: /  | time: /p' "$work/log-$run"
    echo "$variant $n $t $r $s" >> "$work/summary"
  done
done

echo ""
echo "== growth (each size against the one before)"
awk '{
  v = $1; n = $2; t = $3; r = $4; s = $5
  if (v in pn)
    printf "%-10s %7d -> %7d messages (x%.1f): time x%.2f, time per message x%.2f, database x%.2f, bytes per message x%.2f, peak RSS %.0f -> %.0f MB (+%.0f bytes per added message)\n",
      v, pn[v], n, n / pn[v], t / pt[v], (t / n) / (pt[v] / pn[v]), s / ps[v], (s / n) / (ps[v] / pn[v]),
      pr[v] / 1024, r / 1024, (r - pr[v]) * 1024 / (n - pn[v])
  pn[v] = n; pt[v] = t; pr[v] = r; ps[v] = s
}' "$work/summary"

#!/usr/bin/env bash
# mlidx against its peers (issue 6), side by side in one run on the same
# input: mlidx import into a fresh database without and with the search
# index (median of RUNS, default 3), then mairix, notmuch and mu, each with
# its documented default configuration (PEER_RUNS each, default 1), and a
# `gzip -1` reference over the same input timed next to each of them, so
# that the machine's drift during the run shows.
#   bench/peers.sh MLIDX MBOX...
# mairix, the fast peer, runs in the same rounds as mlidx (RUNS of them:
# mlidx without, mlidx with the search index, mairix), so that its ratios
# compare runs seconds apart rather than minutes: this machine's speed
# drifts by a quarter within minutes. The mairix ratios are printed both
# as medians' ratios and as the median of the rounds' own ratios.
# Environment: RUNS (3), PEER_RUNS (1), PEERS ("mairix notmuch mu"),
# BENCH_CACHE (build/bench-cache), WORD (powerpc: the subject word every
# tool is asked for, to check it indexed the mail).
#
# Prepared outside the timed part and cached in BENCH_CACHE, keyed by the
# inputs' names and sizes: a copy of the input whose "From " lines carry each
# mail's Date (mairix's mbox reader needs real dates there), and a Maildir
# with one file per mail (notmuch and mu index Maildirs). Each peer runs in
# a temporary directory with its own configuration and HOME; nothing touches
# the user's. Wall time and peak RSS come from /usr/bin/time.
set -euo pipefail
mlidx=$(realpath "$1"); shift
[ $# -gt 0 ] || { echo "usage: bench/peers.sh MLIDX MBOX..." >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
runs=${RUNS:-3} peer_runs=${PEER_RUNS:-1}
peers=${PEERS:-mairix notmuch mu}
word=${WORD:-powerpc}
# The work directory sits beside the cache: the peers' Maildirs are
# hard-linked copies of the cached one.
. "$(dirname "$0")/lib.sh"
bench_setup peers "$@"
say() { printf '%s\n' "$*"; }
note() { printf '  | %s\n' "$*"; }
mb() { awk -v b="$1" 'BEGIN {printf "%.0f", b / 1e6}'; }
# Runs "$@" under /usr/bin/time; sets secs and rss (KB). Output goes to $log.
timed() {
  local log=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" > "$log" 2>&1 || {
    echo "FAILED: $* (see below)"; tail -n 20 "$log"; return 1; }
  read -r secs rss < "$work/time"
}
gzip_ref() {
  /usr/bin/time -f '%e' -o "$work/gz" sh -c 'cat "$@" | gzip -1 > /dev/null' sh "${inputs[@]}"
  cat "$work/gz"
}

key=$(for f in "${inputs[@]}"; do printf '%s %s\n' "$(basename "$f")" "$(stat -L -c %s "$f")"; done |
      sha1sum | cut -c1-12)
bytes=0
for f in "${inputs[@]}"; do bytes=$((bytes + $(stat -L -c %s "$f"))); done
avail=$(df -P -B1 "$cache" | awk 'NR == 2 {print $4}')
need=$((bytes * 8))
if [ "$avail" -lt "$need" ]; then
  echo "peers: $cache has $(mb "$avail") MB free, needs about $(mb "$need") MB (8x the input)" >&2
  exit 1
fi

if [ ! -f "$cache/count-$key" ]; then
  python3 "$here/mailprep.py" count "${inputs[@]}" > "$cache/count-$key.tmp"
  mv "$cache/count-$key.tmp" "$cache/count-$key"
fi
msgs=$(cat "$cache/count-$key")

say "input: $* ($msgs messages, $(mb "$bytes") MB)"
say "mlidx: $("$mlidx" --version 2>&1 | head -n 1), $runs runs; peers: $peer_runs run(s) each"
say "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# --- peers' set-up ---------------------------------------------------------
prepare_mairix() {
  local out="$cache/mairix-$key.mbox"
  if [ ! -f "$out" ]; then
    python3 "$here/mailprep.py" mairix "$out" "${inputs[@]}" 2>&1 | sed 's/^/  | /'
  fi
}
prepare_maildir() {
  local out="$cache/maildir-$key"
  if [ ! -d "$out" ]; then
    rm -rf "$out.tmp"
    python3 "$here/mailprep.py" maildir "$out" "${inputs[@]}" 2>&1 | sed 's/^/  | /'
  fi
}
# Each peer: set-up (untimed), the timed index run, then its count check.
# Sets secs, rss, size (bytes of its database) and count (what it reports).
# The peers' environment: a HOME of their own in the run's directory.
penv() { penv=(env HOME="$1/home" XDG_CONFIG_HOME="$1/home/.config" XDG_CACHE_HOME="$1/home/.cache"
               XDG_DATA_HOME="$1/home/.local/share"); mkdir -p "$1/home"; }
run_mairix() {
  local d=$1 mbox="$cache/mairix-$key.mbox"
  local hits
  penv "$d"
  ln "$mbox" "$d/input.mbox"  # a hard link: mairix skips symbolic ones
  printf 'base=%s\nmbox=input.mbox\ndatabase=%s/mairix.db\nmfolder=%s/found\n' "$d" "$d" "$d" > "$d/mairixrc"
  timed "$d/index.log" "${penv[@]}" mairix -f "$d/mairixrc"
  size=$(stat -c %s "$d/mairix.db")
  count=$("${penv[@]}" mairix -f "$d/mairixrc" -d | sed -n '2s/ messages$//p')
  hits=$("${penv[@]}" mairix -f "$d/mairixrc" "s:$word" 2>&1 | sed -n 's/^Matched \([0-9]*\) messages$/\1/p') 
  count="$count messages in its database (mairix -d); search 's:$word': ${hits:-?} hits"
}
run_notmuch() {
  local d=$1
  local hits
  penv "$d"
  cp -al "$cache/maildir-$key" "$d/mail"
  : > "$d/notmuch-config"
  "${penv[@]}" NOTMUCH_CONFIG="$d/notmuch-config" notmuch config set database.path "$d/mail"
  timed "$d/index.log" "${penv[@]}" NOTMUCH_CONFIG="$d/notmuch-config" notmuch new
  size=$(du -sb "$d/mail/.notmuch" | cut -f1)
  local n files
  n=$("${penv[@]}" NOTMUCH_CONFIG="$d/notmuch-config" notmuch count '*')
  files=$("${penv[@]}" NOTMUCH_CONFIG="$d/notmuch-config" notmuch count --output=files '*')
  hits=$("${penv[@]}" NOTMUCH_CONFIG="$d/notmuch-config" notmuch count "subject:$word")
  count="$n messages, $files files (notmuch count); search 'subject:$word': $hits hits"
}
run_mu() {
  local d=$1
  local hits
  penv "$d"
  cp -al "$cache/maildir-$key" "$d/mail"
  "${penv[@]}" mu init --maildir="$d/mail" --muhome="$d/muhome" > "$d/init.log" 2>&1
  timed "$d/index.log" "${penv[@]}" mu index --muhome="$d/muhome"
  size=$(du -sb "$d/muhome" | cut -f1)
  local n
  n=$("${penv[@]}" mu info store --muhome="$d/muhome" | sed -n 's/^| messages in store *| \([0-9]*\).*/\1/p')
  hits=$("${penv[@]}" mu find --muhome="$d/muhome" "subject:$word" 2>/dev/null | wc -l || true)
  count="${n:-?} messages in store (mu info store); search 'subject:$word': $hits hits"
}
# --- mlidx ----------------------------------------------------------------
paired=""
case " $peers " in *" mairix "*) command -v mairix > /dev/null && paired=mairix ;; esac
: > "$work/ref"; : > "$work/nos"; : > "$work/idx"; : > "$work/mairix"; : > "$work/mairix.runs"
[ -z "$paired" ] || prepare_mairix
for i in $(seq "$runs"); do
  gzip_ref >> "$work/ref"
  rm -f "$work"/db*
  timed "$work/nos-$i.log" "$mlidx" import --timing --no-search --db "$work/db" "${inputs[@]}"
  echo "$secs $rss $(stat -c %s "$work/db") $i" >> "$work/nos"
  rm -f "$work"/db*
  timed "$work/idx-$i.log" "$mlidx" import --timing --db "$work/db" "${inputs[@]}"
  echo "$secs $rss $(stat -c %s "$work/db") $i" >> "$work/idx"
  if [ "$i" -eq 1 ]; then
    hits=$("$mlidx" search "s:$word" --db "$work/db" | wc -l)
    stored=$("$mlidx" sql --tsv --db "$work/db" "SELECT count(*) FROM messages" | tail -n 1)
  fi
  rm -f "$work"/db*
  if [ -n "$paired" ]; then
    d="$work/mairix-$i"; mkdir -p "$d"
    sync
    run_mairix "$d"
    echo "$secs $rss $size" >> "$work/mairix"
    echo "run $i: $secs s, peak RSS $((rss / 1024)) MB, database $(mb "$size") MB; in round $i with mlidx" \
         "$(tail -n 1 "$work/nos" | cut -d' ' -f1) s / $(tail -n 1 "$work/idx" | cut -d' ' -f1) s" >> "$work/mairix.runs"
    echo "indexed: $count" >> "$work/mairix.runs"
    rm -rf "$d"
  fi
done
ref=$(median < "$work/ref")
# One line per variant: median time, messages/s, MB/s, median peak RSS,
# database size, and the stages of the run whose time is the median.
mlidx_line() {
  local what=$1 file=$2 t r size run
  t=$(cut -d' ' -f1 "$file" | median)
  r=$(cut -d' ' -f2 "$file" | median)
  size=$(cut -d' ' -f3 "$file" | median)
  run=$(awk -v t="$t" '$1 == t {print $4; exit}' "$file"); run=${run:-1}
  awk -v w="$what" -v t="$t" -v m="$msgs" -v b="$bytes" -v r="$r" -v s="$size" -v ref="$ref" 'BEGIN {
    printf "mlidx import %-13s median %6.2f s  %6.0f messages/s  %5.1f MB/s  (%.2fx gzip)  peak RSS %4.0f MB  database %4.0f MB\n",
      w, t, m / t, b / 1e6 / t, t / ref, r / 1024, s / 1e6 }'
  note "$(grep -E '^time:' "$work/$3-$run.log")"
  echo "$t" > "$work/$3.median"
}
say ""
say "== mlidx (median of $runs; stages of the median run)"
note "$(grep -E '^read ' "$work/idx-1.log")"
note "stored: $stored messages; search 's:$word': $hits hits"
mlidx_line "--no-search:" "$work/nos" nos
mlidx_line "(search):" "$work/idx" idx
awk -v r="$ref" -v b="$bytes" 'BEGIN {printf "reference gzip -1:        median %6.2f s  %5.1f MB/s\n", r, b / 1e6 / r}'
t_nos=$(cat "$work/nos.median"); t_idx=$(cat "$work/idx.median")

# --- peers ----------------------------------------------------------------
version() {
  case $1 in
    mairix) dpkg-query -W -f='mairix ${Version}' mairix 2>/dev/null || echo mairix ;;
    notmuch) notmuch --version ;;
    mu) mu --version | head -n 1 | sed 's/.*version /mu /' ;;
  esac
}
bin() { case $1 in mu) echo mu ;; *) echo "$1" ;; esac; }

# The peer's runs of its own (mairix's are in the mlidx rounds), each right
# after a gzip -1 reference.
run_peer() {
  local p=$1 i d gz
  case $p in
    mairix) prepare_mairix ;;
    notmuch | mu) prepare_maildir ;;
    *) say "unknown peer $p"; exit 2 ;;
  esac
  : > "$work/$p"
  for i in $(seq "$peer_runs"); do
    d="$work/$p-$i"; mkdir -p "$d"
    gz=$(gzip_ref)
    sync
    "run_$p" "$d"
    echo "$secs $rss $size" >> "$work/$p"
    note "run $i: $secs s, peak RSS $((rss / 1024)) MB, database $(mb "$size") MB; gzip -1 just before: $gz s"
    note "indexed: $count"
    rm -rf "$d"
  done
}
declare -A peer_time
for p in $peers; do
  say ""
  if ! command -v "$(bin "$p")" > /dev/null; then
    say "== $p: not installed, skipped (./dev bench-peers installs it)"
    continue
  fi
  if [ "$p" = "$paired" ]; then
    say "== $(version "$p") ($runs run(s), in the mlidx rounds above)"
    sed 's/^/  | /' "$work/mairix.runs"
  else
    say "== $(version "$p") ($peer_runs run(s))"
    run_peer "$p"
  fi
  t=$(cut -d' ' -f1 "$work/$p" | median); r=$(cut -d' ' -f2 "$work/$p" | median)
  s=$(cut -d' ' -f3 "$work/$p" | median)
  peer_time[$p]=$t
  awk -v p="$p" -v t="$t" -v m="$msgs" -v b="$bytes" -v r="$r" -v s="$s" -v ref="$ref" 'BEGIN {
    printf "%-8s median %8.2f s  %6.0f messages/s  %5.1f MB/s  (%.1fx gzip)  peak RSS %4.0f MB  database %4.0f MB\n",
      p, t, m / t, b / 1e6 / t, t / ref, r / 1024, s / 1e6 }'
done

# --- ratios ---------------------------------------------------------------
say ""
say "== ratios (peer time / mlidx time; targets of issue 6)"
ratio() {
  local label=$1 peer=$2 mine=$3 target=$4
  local t=${peer_time[$peer]:-}
  if [ -z "$t" ]; then printf "%-36s not measured\n" "$label"; return; fi
  awk -v l="$label" -v p="$t" -v m="$mine" -v tg="$target" 'BEGIN {
    r = p / m
    if (tg == "") { printf "%-36s %6.1fx  (no target)\n", l, r; exit }
    printf "%-36s %6.1fx  (target >= %sx: %s)\n", l, r, tg, (r >= tg) ? "target met" : "NOT met" }'
}
ratio "mlidx with index vs mairix:" mairix "$t_idx" 2
ratio "mlidx with index vs notmuch:" notmuch "$t_idx" 40
ratio "mlidx with index vs mu:" mu "$t_idx" ""
ratio "mlidx without index vs mairix:" mairix "$t_nos" 6
# The median of each round's own ratio: drift between rounds cancels.
paired_ratio() {
  local label=$1 mine=$2 target=$3
  [ -n "$paired" ] && [ -s "$work/mairix" ] || return 0
  paste -d' ' <(cut -d' ' -f1 "$work/mairix") <(cut -d' ' -f1 "$work/$mine") |
    awk '{print $1 / $2}' | median |
    awk -v l="$label" -v tg="$target" '{
      printf "%-38s %4.1fx  (median of the rounds; target >= %sx: %s)\n", l, $1, tg, ($1 >= tg) ? "target met" : "NOT met" }'
}
paired_ratio "mlidx without index vs mairix, rounds:" nos 6
paired_ratio "mlidx with index vs mairix, rounds:" idx 2

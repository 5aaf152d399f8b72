# Shared set-up of bench/peers.sh and bench/scale.sh (sourced): the inputs
# as absolute paths, the cache directory, a work directory inside it named
# after $1 and removed on exit, and median().
bench_setup() {
  cache=${BENCH_CACHE:-build/bench-cache}
  inputs=()
  for f in "${@:2}"; do inputs+=("$(realpath "$f")"); done
  mkdir -p "$cache"
  cache=$(realpath "$cache")
  work=$(mktemp -d "$cache/$1-run.XXXXXX")
  trap 'rm -rf "$work"' EXIT
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

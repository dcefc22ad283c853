#!/bin/sh
# make bench: benchmarks, not tests. Generates synthetic exports with
# testdata/gen.py (cached under tests/bench/work/) and times the stages with
# /usr/bin/time -v: wall time, rows/s and peak memory (max RSS).
#
#   sh tests/bench/run.sh BUILD_DIR [HOUSEHOLDS]
set -eu
build=${1:-build}
big=${2:-1000000}
bin=$(cd "$build/bin" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$top/tests/bench/work
mkdir -p "$work"

gen() { # gen N DIR [PREFIX]
	if [ ! -f "$2/.done" ]; then
		rm -rf "$2"
		echo "generating $1 households into $2 ..."
		python3 "$top/testdata/gen.py" --households "$1" --seed 7 \
			--roster-layout household --out "$2" ${3:+--prefix "$3"}
		touch "$2/.done"
	fi
}

# timed LABEL ROWS CMD...: run CMD under /usr/bin/time -v and report.
timed() {
	label=$1 rows=$2
	shift 2
	/usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
	secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
	rate=$(awk -v r="$rows" -v s="$secs" 'BEGIN { if (s > 0 && r > 0) printf "%d", r / s; else print "-" }')
	printf '%-34s %10s rows  %8ss  %10s rows/s  peak %6d MiB\n' \
		"$label" "$rows" "$secs" "$rate" "$((rss / 1024))"
}

rows() { # data rows of the files (lines minus one header each, roughly)
	cat "$@" | wc -l
}

bench_size() { # bench_size N DIR
	n=$1 dir=$2
	ws=$work/ws-$n.db
	rm -f "$ws"
	timed "ingest roster ($n)" "$(rows "$dir"/roster_*.csv)" \
		"$bin/anju-ingest" --db "$ws" --kind roster --as-of 2020-12-31 "$dir"/roster_*.csv
	if ls "$dir"/members*.csv >/dev/null 2>&1; then
		timed "ingest members ($n)" "$(rows "$dir"/members*.csv)" \
			"$bin/anju-ingest" --db "$ws" --kind members --as-of 2020-12-31 "$dir"/members*.csv
	fi
	timed "ingest platform ($n)" "$(rows "$dir"/platform_*.csv)" \
		"$bin/anju-ingest" --db "$ws" --kind platform --as-of 2020-12-31 "$dir"/platform_*.csv
	if [ -x "$bin/anju-match" ]; then
		timed "match ($n households)" "$n" "$bin/anju-match" --db "$ws" --as-of 2020-12-31
	fi
	if [ -x "$bin/anju-verify" ]; then
		timed "verify ($n households)" "$n" "$bin/anju-verify" --db "$ws" --as-of 2020-12-31 --out "$work"
	fi
	if [ -x "$bin/anju-run" ]; then
		rm -rf "$work/run-$n"
		set -- --platform "$dir"/platform_*.csv --roster "$dir"/roster_*.csv
		if ls "$dir"/members*.csv >/dev/null 2>&1; then
			set -- "$@" --members "$dir"/members*.csv
		fi
		timed "anju-run whole chain ($n)" "$n" "$bin/anju-run" "$@" \
			--as-of 2020-12-31 --out "$work/run-$n"
	fi
}

gen 41248 "$work/fuxin" 2109
bench_size 41248 "$work/fuxin"
gen "$big" "$work/big"
bench_size "$big" "$work/big"

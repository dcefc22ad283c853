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

gen() { # gen N DIR [PREFIX [SEED]]
	if [ ! -f "$2/.done" ]; then
		rm -rf "$2"
		echo "generating $1 households into $2 ..."
		python3 "$top/testdata/gen.py" --households "$1" --seed "${4:-7}" \
			--roster-layout household --out "$2" ${3:+--prefix "$3"}
		touch "$2/.done"
	fi
}

# timed LABEL ROWS CMD...: run CMD under /usr/bin/time -v and report.
timed() {
	label=$1 rows=$2
	shift 2
	/usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt"
	report "$label" "$rows"
}

# report LABEL ROWS: print wall time, rate and peak memory of time.txt.
report() {
	label=$1 rows=$2
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
	secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
	rate=$(awk -v r="$rows" -v s="$secs" 'BEGIN { if (s > 0 && r > 0) printf "%d", r / s; else print "-" }')
	printf '%-34s %10s rows  %8ss  %10s rows/s  peak %6d MiB\n' \
		"$label" "$rows" "$secs" "$rate" "$((rss / 1024))"
}

# rows_read WS KIND: the rows the workspace says it read for KIND.
rows_read() {
	sqlite3 "$1" "SELECT total(rows_read) FROM input_files WHERE kind = '$2'" | cut -d. -f1
}

# ingest_timed N WS KIND FILES...: time one ingest, then report its rows.
ingest_timed() {
	n=$1 ws=$2 kind=$3
	shift 3
	/usr/bin/time -v -o "$work/time.txt" "$bin/anju-ingest" --db "$ws" \
		--kind "$kind" --as-of 2020-12-31 "$@" >/dev/null
	report "ingest $kind ($n)" "$(rows_read "$ws" "$kind")"
}

bench_size() { # bench_size N DIR
	n=$1 dir=$2
	ws=$work/ws-$n.db
	rm -f "$ws"
	ingest_timed "$n" "$ws" roster "$dir"/roster_*.csv
	if ls "$dir"/members*.csv >/dev/null 2>&1; then
		ingest_timed "$n" "$ws" members "$dir"/members*.csv
	fi
	ingest_timed "$n" "$ws" platform "$dir"/platform_*.csv
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

# night2 N DIR: a second night on the exports in DIR, diffed against the
# first night's run of bench_size. DIR holds other households (seed 8), so
# every finding of the first night is resolved and every one of the second
# is new: the most work anju-diff and the 变化 sheets can get.
night2() {
	n=$1 dir=$2
	rm -rf "$work/run2-$n"
	set -- --platform "$dir"/platform_*.csv --roster "$dir"/roster_*.csv \
		--members "$dir"/members*.csv
	timed "anju-run second night ($n)" "$n" "$bin/anju-run" "$@" \
		--as-of 2021-01-07 --previous "$work/run-$n" --out "$work/run2-$n"
}

gen 41248 "$work/fuxin" 2109
bench_size 41248 "$work/fuxin"
gen 41248 "$work/fuxin-night2" 2109 8
night2 41248 "$work/fuxin-night2"
gen "$big" "$work/big"
bench_size "$big" "$work/big"
gen "$big" "$work/big-night2" "" 8
night2 "$big" "$work/big-night2"

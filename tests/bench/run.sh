#!/bin/sh
# make bench: benchmarks, not tests. Generates synthetic exports with
# testdata/gen.py (cached under tests/bench/work/) and times the stages with
# /usr/bin/time -v: wall time, rows/s and peak memory (max RSS).
#
#   sh tests/bench/run.sh BUILD_DIR [HOUSEHOLDS [REPEATS]]
#
# ANJU_BENCH_WORK names another folder for the data and the workspaces.
#
# Every Fuxin-size step runs REPEATS times (default 5), each from the same
# starting state, and the report gives the fastest run and the median:
# this host's speed drifts by 20-40 % from one minute to the next, and the
# fastest run is the one the host disturbed least. The national steps take
# minutes and run once.
set -eu
build=${1:-build}
big=${2:-1000000}
repeats=${3:-5}
bin=$(cd "$build/bin" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${ANJU_BENCH_WORK:-$top/tests/bench/work}
mkdir -p "$work"

gen() { # gen N DIR [PREFIX [SEED [LAYOUT]]]
	if [ ! -f "$2/.done" ]; then
		rm -rf "$2"
		echo "generating $1 households into $2 ..."
		python3 "$top/testdata/gen.py" --households "$1" --seed "${4:-7}" \
			--roster-layout "${5:-household}" --out "$2" ${3:+--prefix "$3"}
		touch "$2/.done"
	fi
}

# secs: the wall time of time.txt in seconds.
secs() {
	awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt" |
		awk -F: '{ if (NF == 3) print $1*3600+$2*60+$3; else print $1*60+$2 }'
}

# timed LABEL ROWS CMD...: run CMD $runs times under /usr/bin/time -v, each
# after the shell command in $before (if any), and report. ROWS "ws:KIND"
# means the rows the workspace $ws says it read for KIND, after the runs.
timed() {
	label=$1 rows=$2
	shift 2
	: >"$work/walls.txt"
	peak=0
	i=0
	while [ "$i" -lt "$runs" ]; do
		if [ -n "${before:-}" ]; then eval "$before"; fi
		# the disk writes of earlier steps (and of the copy above) are
		# not this step's: flush them before the clock starts
		sync
		/usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
			cat "$work/stderr.txt" >&2
			exit 1
		}
		secs >>"$work/walls.txt"
		rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
		[ "$rss" -gt "$peak" ] && peak=$rss
		i=$((i + 1))
	done
	case $rows in
	ws:*) rows=$(rows_read "$ws" "${rows#ws:}") ;;
	esac
	report "$label" "$rows" "$peak"
}

# report LABEL ROWS PEAK_KB: the fastest and the median of walls.txt.
report() {
	sort -n "$work/walls.txt" | awk -v label="$1" -v r="$2" -v kb="$3" '
		{ w[NR] = $1 }
		END {
			med = (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
			rate = (w[1] > 0 && r > 0) ? sprintf("%d", r / w[1]) : "-"
			mrate = (med > 0 && r > 0) ? sprintf("%d", r / med) : "-"
			if (NR > 1)
				printf "%-38s %9s rows  %6.2fs (median %5.2fs)  %8s rows/s (median %8s)  peak %5d MiB\n",
				    label, r, w[1], med, rate, mrate, kb / 1024
			else
				printf "%-38s %9s rows  %6.2fs  %8s rows/s  peak %5d MiB\n",
				    label, r, w[1], rate, kb / 1024
		}'
}

# rows_read WS KIND: the rows the workspace says it read for KIND.
rows_read() {
	sqlite3 "$1" "SELECT total(rows_read) FROM input_files WHERE kind = '$2'" | cut -d. -f1
}

# ingest_timed N KIND FILES...: time ingesting FILES into $ws as it stood
# before (each run starts from a copy of it).
ingest_timed() {
	n=$1 kind=$2
	shift 2
	# one run: the workspace is already as the step finds it
	if [ "$runs" -gt 1 ]; then
		if [ -f "$ws" ]; then cp "$ws" "$ws.before"; else rm -f "$ws.before"; fi
		before='rm -f "$ws"; if [ -f "$ws.before" ]; then cp "$ws.before" "$ws"; fi'
	fi
	timed "ingest $kind ($n)" "ws:$kind" "$bin/anju-ingest" --db "$ws" \
		--kind "$kind" --as-of 2020-12-31 "$@"
	before=
	rm -f "$ws.before"
}

# stage_timed N STAGE ARGS...: time a later stage on $ws as it stood.
stage_timed() {
	n=$1 stage=$2
	shift 2
	if [ "$runs" -gt 1 ]; then
		cp "$ws" "$ws.before"
		before='cp "$ws.before" "$ws"'
	fi
	timed "$stage ($n households)" "$n" "$bin/anju-$stage" --db "$ws" "$@"
	before=
	rm -f "$ws.before"
}

# chain_timed LABEL N OUT ARGS...: time anju-run into OUT (made afresh).
chain_timed() {
	label=$1 n=$2 out=$3
	shift 3
	before="rm -rf '$out'"
	timed "$label" "$n" "$bin/anju-run" "$@" --out "$out"
	before=
}

# inputs DIR: the anju-run options for the exports in DIR.
inputs() {
	echo --platform "$1"/platform_*.csv --roster "$1"/roster_*.csv
	if ls "$1"/members*.csv >/dev/null 2>&1; then
		echo --members "$1"/members*.csv
	fi
}

bench_size() { # bench_size N DIR
	n=$1 dir=$2
	ws=$work/ws-$n.db
	rm -f "$ws"
	ingest_timed "$n" roster "$dir"/roster_*.csv
	if ls "$dir"/members*.csv >/dev/null 2>&1; then
		ingest_timed "$n" members "$dir"/members*.csv
	fi
	ingest_timed "$n" platform "$dir"/platform_*.csv
	stage_timed "$n" match --as-of 2020-12-31
	stage_timed "$n" verify --as-of 2020-12-31 --out "$work"
	# shellcheck disable=SC2046 # the file lists are meant to split
	chain_timed "anju-run whole chain ($n)" "$n" "$work/run-$n" \
		$(inputs "$dir") --as-of 2020-12-31
}

# night2 N DIR: a second night on the exports in DIR, diffed against the
# first night's run of bench_size. DIR holds other households (seed 8), so
# every finding of the first night is resolved and every one of the second
# is new: the most work anju-diff and the 变化 sheets can get.
night2() {
	n=$1 dir=$2
	# shellcheck disable=SC2046
	chain_timed "anju-run second night ($n)" "$n" "$work/run2-$n" \
		$(inputs "$dir") --as-of 2021-01-07 --previous "$work/run-$n"
}

runs=$repeats
gen 41248 "$work/fuxin" 2109
bench_size 41248 "$work/fuxin"
gen 41248 "$work/fuxin-night2" 2109 8
night2 41248 "$work/fuxin-night2"
# The poverty system's own roster export: one row a person, one file.
gen 41248 "$work/fuxin-person" 2109 7 person
# shellcheck disable=SC2046
chain_timed "anju-run, person-level roster (41248)" 41248 "$work/run-person" \
	$(inputs "$work/fuxin-person") --as-of 2020-12-31

runs=1
gen "$big" "$work/big"
bench_size "$big" "$work/big"
gen "$big" "$work/big-night2" "" 8
night2 "$big" "$work/big-night2"

#!/bin/sh
# make sample: run the whole chain (anju-run, explicit mode) on the bundled
# sample and show where the outputs and county packs are.
#
#   sh testdata/run-sample.sh BUILD_DIR
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$build/bin" && pwd)
sample=$top/testdata/sample
out=$top/testdata/out/sample-run

rm -rf "$out"
mkdir -p "$(dirname "$out")"
set -- --platform "$sample"/platform_*.csv --roster "$sample"/roster_*.csv
if ls "$sample"/members*.csv >/dev/null 2>&1; then
	set -- "$@" --members "$sample"/members*.csv
fi
"$bin/anju-run" "$@" --as-of "$(cat "$sample/truth/as_of.txt")" --out "$out"

echo
echo "Row accounting per input file (rows read = kept + rejected):"
sqlite3 -separator '  ' "$out/anju.db" \
	"SELECT kind, name, encoding, rows_read || ' = ' || rows_kept || ' + ' || rows_rejected FROM input_files ORDER BY kind, name"
echo
echo "Households by status (核验结果):"
sqlite3 -separator '  ' "$out/anju.db" \
	"SELECT status, count(*) FROM household_status GROUP BY status ORDER BY count(*) DESC"
echo
echo "Outputs in $out:"
ls "$out"
echo
echo "County packs (one folder per county code):"
for d in "$out"/counties/*/; do
	printf '  %s: %s\n' "$d" "$(ls "$d" | tr '\n' ' ')"
done

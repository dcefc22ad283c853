#!/bin/sh
# check_ingest.sh WORKSPACE TRUTH_DIR: compare what anju-ingest stored with
# the generator's expected normalised rows, accounting and rejects.
# Prints every difference (at most 20 per table) and exits 1 if any.
set -eu
ws=$1 truth=$2
n() { printf "ifnull(%s, '')" "$1"; }
money() { printf "CASE WHEN %s IS NULL THEN '' ELSE printf('%%.2f', %s) END" "$1" "$1"; }
# SQLite 3.40 has no concat_ws: join the expressions with || '|' ||.
cat_ws() {
	sep=""
	for e in "$@"; do printf "%s%s" "$sep" "$e"; sep=" || '|' || "; done
}

platform_cols=$(cat_ws f.name p.line p.record_id "$(n p.county_code)" "$(n p.township_code)" "$(n p.village_code)" "$(n p.head_name)" "$(n p.head_id)" p.head_id_state "$(n p.household_size)" "$(n p.household_type)" "$(n p.safety_grade)" "$(n p.appraisal_date)" "$(n p.renovation_type)" "$(n p.build_mode)" "$(money p.area_m2)" "$(money p.subsidy_yuan)" "$(n p.start_date)" "$(n p.completion_date)" "$(n p.acceptance_date)" "$(n p.acceptance_result)" "$(n p.safety_means)" "$(n p.safety_category)" "$(n p.verified)" "$(n p.photos_materials)" "$(n p.photos_training)" "$(n p.photos_foundation)" "$(n p.photos_completion)" "$(n p.toilet)" "$(n p.plan_year)")
roster_cols=$(cat_ws f.name r.line r.household_id "$(n r.county_code)" "$(n r.township_code)" "$(n r.village_code)" "$(n r.head_name)" "$(n r.head_id)" r.head_id_state "$(n r.household_size)" "$(n r.poverty_attr)" "$(n r.poverty_status)")
members_cols=$(cat_ws f.name m.line m.household_id "$(n m.name)" "$(n m.id)" m.id_state "$(n m.relation)")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in platform roster members accounting rejects; do
	[ -f "$truth/expected_$t.csv" ] || continue
	echo ".import --csv --schema exp $truth/expected_$t.csv exp_$t"
done > "$tmp/import.sql"

cat > "$tmp/check.sql" <<SQL
ATTACH '$tmp/exp.db' AS exp;
.read $tmp/import.sql
CREATE TEMP VIEW act_platform AS SELECT $platform_cols AS r
  FROM platform_records p JOIN input_files f USING (file_id);
CREATE TEMP VIEW act_roster AS SELECT $roster_cols AS r
  FROM roster_households r JOIN input_files f USING (file_id);
CREATE TEMP VIEW act_members AS SELECT $members_cols AS r
  FROM members m JOIN input_files f USING (file_id);
CREATE TEMP VIEW act_accounting AS SELECT $(cat_ws name rows_read rows_kept rows_rejected) AS r FROM input_files;
CREATE TEMP VIEW act_rejects AS SELECT $(cat_ws f.name j.line) AS r FROM rejects j JOIN input_files f USING (file_id);
SQL
for t in platform roster members accounting rejects; do
	[ -f "$truth/expected_$t.csv" ] || continue
	cols=$(head -n 1 "$truth/expected_$t.csv" | sed "s/\r\$//; s/,/\" || '|' || \"/g; s/^/\"/; s/\$/\"/")
	cat >> "$tmp/check.sql" <<SQL
SELECT '$t missing: ' || r FROM (SELECT $cols AS r FROM exp.exp_$t EXCEPT SELECT r FROM act_$t) LIMIT 20;
SELECT '$t unexpected: ' || r FROM (SELECT r FROM act_$t EXCEPT SELECT $cols FROM exp.exp_$t) LIMIT 20;
SQL
done
out=$(sqlite3 -batch "$ws" < "$tmp/check.sql")
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	exit 1
fi

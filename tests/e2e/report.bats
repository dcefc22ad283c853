#!/usr/bin/env bats
# anju-report and anju-diff end to end: the real executables on a workspace
# built with the sqlite3 CLI (report_helpers/workspace.sql), the outputs
# read back the way a spreadsheet reads them (report_helpers/csvcheck.py).

: "${ANJU_BIN:=$BATS_TEST_DIRNAME/../../build/bin}"
SCHEMA="$BATS_TEST_DIRNAME/../../schemas/workspace.sql"
HELPERS="$BATS_TEST_DIRNAME/report_helpers"

setup() {
	TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/anju-report.XXXXXX")"
	WS="$TMP/run/anju.db"
	mkdir -p "$TMP/run"
	sqlite3 -batch "$WS" <"$SCHEMA"
	sqlite3 -batch "$WS" <"$HELPERS/workspace.sql"
}

teardown() {
	rm -rf "$TMP"
}

q() {
	sqlite3 -batch "$WS" "$1"
}

csvcheck() {
	python3 "$HELPERS/csvcheck.py" "$@"
}

report() {
	run "$ANJU_BIN/anju-report" --db "$WS" --out "$TMP/out" "$@"
}

@test "--help, --version and usage errors" {
	for s in report diff; do
		run "$ANJU_BIN/anju-$s" --help
		[ "$status" -eq 0 ]
		[[ "$output" == *"usage: anju-$s"* ]]
		run "$ANJU_BIN/anju-$s" --version
		[ "$status" -eq 0 ]
		[[ "$output" == "anju-$s "* ]]
		run "$ANJU_BIN/anju-$s" --bogus
		[ "$status" -eq 64 ]
	done
	run "$ANJU_BIN/anju-report" --db "$WS"
	[ "$status" -eq 64 ]
	run "$ANJU_BIN/anju-report" --db "$WS" --out "$TMP/o" --deadline-days x
	[ "$status" -eq 64 ]
	run "$ANJU_BIN/anju-diff" --db "$WS" --as-of 2020-02-30
	[ "$status" -eq 64 ]
	[[ "$output" == "anju-diff: --as-of 2020-02-30: not a date"* ]]
}

@test "summary, rejects and one pack per county code" {
	report
	[ "$status" -eq 0 ]
	[ -f "$TMP/out/summary.csv" ]
	[ -f "$TMP/out/rejects.csv" ]
	[ "$(ls "$TMP/out/counties")" = "$(printf '210921\n210922')" ]
	for c in 210921 210922; do
		for f in 问题清单 汇总 变化; do
			# UTF-8 with BOM
			[ "$(head -c 3 "$TMP/out/counties/$c/$f.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]
		done
	done
	[ "$(csvcheck column "$TMP/out/summary.csv" code | paste -sd ' ')" = "210921 210922 " ]
	[ "$(csvcheck column "$TMP/out/summary.csv" verified_rate | paste -sd ' ')" = "66.67% 0.00% 100.00%" ]
	[ "$(csvcheck column "$TMP/out/rejects.csv" line)" = 7 ]
}

@test "rejects.csv shows a rejected row's invalid bytes and NULs as \\xNN, and stays UTF-8" {
	# 王 in GBK (CD F5) pasted into a UTF-8 file, and a NUL
	q "INSERT INTO rejects (file_id, line, reason, raw) SELECT file_id, 9,
	   'invalid UTF-8 byte sequence', CAST(X'4831CDF52C00332C58' AS TEXT)
	   FROM input_files LIMIT 1"
	report
	[ "$status" -eq 0 ]
	python3 -c 'import sys; open(sys.argv[1], encoding="utf-8").read()' "$TMP/out/rejects.csv"
	csvcheck column "$TMP/out/rejects.csv" raw | grep -qxF 'H1\xCD\xF5,\x003,X'
}

@test "a pack never holds another county's household" {
	report
	[ "$status" -eq 0 ]
	for c in 210921 210922; do
		own="$(q "SELECT household_id FROM roster_households WHERE county_code = '$c'")"
		for f in 问题清单 变化; do
			while IFS= read -r hh; do
				hh="${hh#$'\t'}"
				[ -z "$hh" ] && continue
				if ! grep -qxF -- "$hh" <<<"$own"; then
					echo "$c/$f.csv holds $hh" >&2
					return 1
				fi
			done < <(csvcheck column "$TMP/out/counties/$c/$f.csv" 户编号)
			while IFS= read -r v; do
				v="${v#$'\t'}"
				[ -z "$v" ] || [[ "$v" == "$c"* ]]
			done < <(csvcheck column "$TMP/out/counties/$c/$f.csv" 村代码)
		done
	done
	# the household whose county did not resolve is in no pack at all
	! grep -rq H000000001 "$TMP/out/counties"
	grep -q H210922001 "$TMP/out/counties/210922/问题清单.csv"
}

@test "a malicious cell comes out inert" {
	report
	[ "$status" -eq 0 ]
	run csvcheck formulas "$TMP/out"/*.csv "$TMP/out"/counties/*/*.csv
	[ "$status" -eq 0 ]
	[ "$(csvcheck column "$TMP/out/counties/210922/问题清单.csv" 户主姓名)" = "'=HYPERLINK(\"http://x\",\"y\")" ]
	[ "$(csvcheck column "$TMP/out/rejects.csv" raw)" = "'=HYPERLINK(\"http://x\",\"y\"),3" ]
	[ "$(csvcheck column "$TMP/out/counties/210922/问题清单.csv" 问题详情)" = "'-1+1 C级危房未改造" ]
}

@test "ID numbers masked by default, in full with --no-mask" {
	# A malformed ID typed in groups, as D02 quotes it from the export.
	q "INSERT INTO findings (stage, code, severity, county_code, township_code,
	   detail, source) VALUES ('ingest', 'D02', 'medium', '210921', '210921999',
	   '户主身份证号\"210921 1965 0812 001\"格式错误（应为18位）', 'roster.csv:3')"
	report
	[ "$status" -eq 0 ]
	! grep -rqE '[0-9]{15,18}' "$TMP/out/counties"
	! grep -rq '1965 0812' "$TMP/out/counties"
	grep -q '210921\*\*\*\*\*\*\*\*\*\* 001' "$TMP/out/counties/210921/问题清单.csv"
	[ "$(csvcheck column "$TMP/out/counties/210921/问题清单.csv" 户主身份证号 | head -1)" = "210921********0013" ]
	grep -q '花名册户主（210921\*\*\*\*\*\*\*\*0013）' "$TMP/out/counties/210921/问题清单.csv"
	report --no-mask
	[ "$status" -eq 0 ]
	[ "$(csvcheck column "$TMP/out/counties/210921/问题清单.csv" 户主身份证号 | head -1)" = $'\t210921196508120013' ]
}

@test "LibreOffice reads the unmasked ID cells back as text" {
	if ! command -v soffice >/dev/null; then
		skip "soffice (LibreOffice) is not installed"
	fi
	report --no-mask
	[ "$status" -eq 0 ]
	cp "$TMP/out/counties/210921/问题清单.csv" "$TMP/pack.csv"
	# 44 = comma, 34 = quote, 76 = UTF-8, 1 = start line; the rest of
	# the import options are LibreOffice's defaults
	HOME="$TMP" timeout 120 soffice --headless --infilter="CSV:44,34,76,1" \
		--convert-to xlsx --outdir "$TMP" "$TMP/pack.csv" >/dev/null 2>&1
	[ -f "$TMP/pack.xlsx" ]
	[ "$(csvcheck xlsx-cell "$TMP/pack.xlsx" 210921196508120013)" = s ]
	[ "$(csvcheck xlsx-cell "$TMP/pack.xlsx" 210921100201)" = s ]
}

@test "the county workbook, when built with libxlsxwriter: strings, and numbers for counts" {
	report
	[ "$status" -eq 0 ]
	book="$TMP/out/counties/210922/核验结果.xlsx"
	if [ ! -f "$book" ]; then
		skip "anju-report built without libxlsxwriter (no .xlsx)"
	fi
	run csvcheck xlsx-strings "$book"
	[ "$status" -eq 0 ]
	# the malicious name is a plain string cell, never a formula
	[[ "$output" == *$'\n=HYPERLINK("http://x","y")\n'* ]]
	[[ "$output" == *$'\n210922********0027\n'* ]]
	[[ "$output" != *H210921* ]]
	# 汇总's counts are numbers a SUM adds up; codes stay text
	grep -qx '#[0-9]*' <<<"$output"
	grep -qx '21092[0-9]*' <<<"$output"
	# 核验率 is a number too (a percentage), so it sorts as one
	! grep -qx '[0-9.]*%' <<<"$output"
	! grep -qE '[0-9]{15,18}' <<<"$output"
	report --no-mask
	run csvcheck xlsx-strings "$book"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\n210922196001010027\n'* ]]
}

@test "anju-diff: new, resolved, persisting and first_seen over three runs" {
	for n in 1 2 3; do
		mkdir -p "$TMP/r$n"
		sqlite3 -batch "$TMP/r$n/anju.db" <"$SCHEMA"
		sqlite3 -batch "$TMP/r$n/anju.db" <"$HELPERS/workspace.sql"
	done
	# night 2: V01 fixed; night 3: M02 gone too, a new M06
	sqlite3 "$TMP/r2/anju.db" "DELETE FROM findings WHERE code = 'V01'"
	sqlite3 "$TMP/r3/anju.db" "DELETE FROM findings WHERE code IN ('V01', 'M02');
		INSERT INTO findings (stage, code, severity, county_code, household_id, detail, source)
		VALUES ('match', 'M06', 'low', '210921', 'H210921002', '人口数不一致', 'roster.csv:3')"
	run "$ANJU_BIN/anju-diff" --db "$TMP/r1/anju.db" --as-of 2020-12-01
	[ "$status" -eq 0 ]
	[ "$(grep -c '^new,' "$TMP/r1/diff.csv")" -eq 4 ]
	run "$ANJU_BIN/anju-diff" --db "$TMP/r2/anju.db" --previous "$TMP/r1" --as-of 2020-12-10
	[ "$status" -eq 0 ]
	[ "$(grep -c '^persisting,' "$TMP/r2/diff.csv")" -eq 3 ]
	[ "$(grep -c '^resolved,V01,' "$TMP/r2/diff.csv")" -eq 1 ]
	run "$ANJU_BIN/anju-diff" --db "$TMP/r3/anju.db" --previous "$TMP/r2/anju.db" --as-of 2020-12-20 --out "$TMP"
	[ "$status" -eq 0 ]
	grep -q '^persisting,M01,.*,2020-12-01,19$' "$TMP/diff.csv"
	grep -q '^resolved,M02,.*,2020-12-01,19$' "$TMP/diff.csv"
	grep -q '^new,M06,.*,2020-12-20,0$' "$TMP/diff.csv"
	! grep -q V01 "$TMP/diff.csv"
	# the packs' 变化 says the same per county
	run "$ANJU_BIN/anju-report" --db "$TMP/r3/anju.db" --out "$TMP/out3" --deadline-days 15
	[ "$status" -eq 0 ]
	grep -q '^本期新增,1$' "$TMP/out3/counties/210921/变化.csv"
	grep -q '^已整改,1$' "$TMP/out3/counties/210921/变化.csv"
	grep -q '^未整改,1$' "$TMP/out3/counties/210921/变化.csv"
	grep -q '^其中超过整改期限（15天）,1$' "$TMP/out3/counties/210921/变化.csv"
	# same data, same bytes
	cp "$TMP/diff.csv" "$TMP/diff1.csv"
	run "$ANJU_BIN/anju-diff" --db "$TMP/r3/anju.db" --previous "$TMP/r2/anju.db" --as-of 2020-12-20 --out "$TMP"
	cmp "$TMP/diff.csv" "$TMP/diff1.csv"
}

@test "missing inputs give 66, an unwritable output 73" {
	run "$ANJU_BIN/anju-diff" --db "$WS" --previous "$TMP/no-such-run"
	[ "$status" -eq 66 ]
	[[ "$output" == *"previous run not found"* ]]
	run "$ANJU_BIN/anju-report" --db "$TMP/none.db" --out "$TMP/out"
	[ "$status" -eq 66 ]
	[ ! -e "$TMP/none.db" ]
	touch "$TMP/file"
	run "$ANJU_BIN/anju-report" --db "$WS" --out "$TMP/file/out"
	[ "$status" -eq 73 ]
}

@test "households that moved county: counted in the old county's 变化 without a line, open ones listed in the new one's" {
	for n in 1 2; do
		mkdir -p "$TMP/r$n"
		sqlite3 -batch "$TMP/r$n/anju.db" <"$SCHEMA"
		sqlite3 -batch "$TMP/r$n/anju.db" <"$HELPERS/workspace.sql"
	done
	# night 2: H210921001 (its M01 open since night 1) now belongs to
	# 彰武县; H210922001 moved the other way and its V01 was fixed on the
	# way (resolved, but no longer 彰武县's household).
	sqlite3 "$TMP/r2/anju.db" "UPDATE findings SET county_code = '210922',
		township_code = '210922100', village_code = '210922100201'
		WHERE household_id = 'H210921001';
		UPDATE roster_households SET county_code = '210922',
		township_code = '210922100', village_code = '210922100201'
		WHERE household_id = 'H210921001';
		DELETE FROM findings WHERE household_id = 'H210922001';
		UPDATE roster_households SET county_code = '210921',
		township_code = '210921100', village_code = '210921100201'
		WHERE household_id = 'H210922001'"
	run "$ANJU_BIN/anju-diff" --db "$TMP/r1/anju.db" --as-of 2020-12-01
	[ "$status" -eq 0 ]
	run "$ANJU_BIN/anju-diff" --db "$TMP/r2/anju.db" --previous "$TMP/r1" --as-of 2020-12-10
	[ "$status" -eq 0 ]
	grep -q '^persisting,M01,.*,2020-12-01,9$' "$TMP/r2/diff.csv"
	grep -q '^resolved,V01,.*,2020-12-01,9$' "$TMP/r2/diff.csv"
	run "$ANJU_BIN/anju-report" --db "$TMP/r2/anju.db" --out "$TMP/out"
	[ "$status" -eq 0 ]
	fushun="$TMP/out/counties/210921/变化.csv" zhangwu="$TMP/out/counties/210922/变化.csv"
	grep -q '^转至其他县区,1$' "$fushun"
	grep -q '^未整改,1$' "$fushun" # M02 stays here
	grep -q '^已整改,0$' "$fushun"
	! grep -q 'H210921001' "$fushun"
	! grep -q 'H210922001' "$fushun"
	grep -q '^未整改,M01,.*,H210921001,' "$zhangwu"
	grep -q '^转至其他县区,1$' "$zhangwu"
	grep -q '^已整改,0$' "$zhangwu"
	grep -q '^未整改,1$' "$zhangwu"
	! grep -q 'H210922001' "$zhangwu"
	# the counts are diff.csv's, split by county
	assert_changes() { [ "$(grep -c "^$1," "$TMP/r2/diff.csv")" -eq "$2" ]; }
	assert_changes persisting 3
	assert_changes resolved 1
}

@test "a detail longer than an Excel cell holds: the workbook cuts it, the CSV keeps it" {
	q "INSERT INTO findings (stage, code, severity, county_code, township_code, detail, source)
	   VALUES ('ingest', 'D08', 'low', '210921', '210921999',
	   '备注' || replace(printf('%.40000c', '*'), '*', '很'), 'roster.csv:4')"
	report
	[ "$status" -eq 0 ]
	[ "$(grep -c '很很很很' "$TMP/out/counties/210921/问题清单.csv")" -eq 1 ]
	python3 - "$TMP/out/counties/210921/核验结果.xlsx" <<'PYEOF'
import sys, zipfile, re
z = zipfile.ZipFile(sys.argv[1])
text = z.read('xl/sharedStrings.xml').decode()
cells = [c for c in re.findall(r'<t[^>]*>([^<]*)</t>', text) if c.startswith('备注')]
assert len(cells) == 1 and len(cells[0]) == 32767 and cells[0].endswith('很…'), len(cells[0])
PYEOF
}

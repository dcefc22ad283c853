#!/usr/bin/env bats
# anju-ingest end to end: the real executable on files from testdata/ and on
# bad inputs made here. Each test checks the exit code, the message and that
# no row vanished.

load helpers

ingest() {
	run "$ANJU_BIN/anju-ingest" --db "$WS" --as-of 2020-12-31 "$@"
}

# same_workspaces A B: the two workspaces hold the same rows (row ids of
# findings, ingest times and the random row hash of a household made for
# people without a 户主 row aside).
same_workspaces() {
	local t cols a b
	for t in input_files platform_records roster_households members rejects findings; do
		case $t in
		input_files) cols="file_id, kind, name, sha256, encoding, layout, rows_read, rows_kept, rows_rejected" ;;
		findings) cols="stage, file_id, code, county_code, village_code, household_id, record_id, detail, source, record_key, household_key, member_key" ;;
		roster_households) cols="household_key, file_id, line, household_id, county_code, village_code, head_name, head_id, head_id_state, household_size, poverty_attr, duplicate_of" ;;
		*) cols="*" ;;
		esac
		a=$(sqlite3 "$1" "SELECT $cols FROM $t" | sort)
		b=$(sqlite3 "$2" "SELECT $cols FROM $t" | sort)
		assert_eq "$a" "$b"
	done
}

@test "--help and --version" {
	run "$ANJU_BIN/anju-ingest" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: anju-ingest"* ]]
	run "$ANJU_BIN/anju-ingest" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "anju-ingest "* ]]
	run "$ANJU_BIN/anju-ingest" --bogus
	[ "$status" -eq 64 ]
}

@test "platform: BOM, CRLF, title and blank lines, aliases, multi-line field, 合计 line" {
	ingest --kind platform "$TESTDATA/ingest/platform_quirks.csv"
	[ "$status" -eq 0 ]
	[[ "$output" == *"platform_quirks.csv"*"rows read 4 = kept 3 + rejected 1"* ]]
	assert_accounting_balances
	assert_eq "8|total line (合计), not a household" \
		"$(q "SELECT line, reason FROM rejects")"
	assert_eq "UTF-8-BOM|,|3" \
		"$(q "SELECT encoding, delimiter, header_line FROM input_files")"
	# The first record, every normaliser at once.
	assert_eq "4|佛寺镇危改字[2020]12号|210921|210921103|210921103200|王小明|21092119650812001X|valid|3|建档立卡贫困户|D|2020-04-30|原址翻建|12000.0|2020-05-10|2020-08-01|2020-09-01|pass|改造安全|改造安全|1|2020" \
		"$(q "SELECT line, record_id, county_code, township_code, village_code, head_name, head_id, head_id_state, household_size, household_type, safety_grade, appraisal_date, renovation_type, subsidy_yuan, start_date, completion_date, acceptance_date, acceptance_result, safety_means, safety_category, verified, plan_year FROM platform_records WHERE line = 4")"
	# Excel serial date, a lower-case grade with 级, a middle-dot variant,
	# a county short form and 村民委员会; no 档案编号 means FILE:LINE.
	assert_eq "platform_quirks.csv:6|210921103201|阿卜杜拉·买买提|A|2020-04-30|鉴定安全|1" \
		"$(q "SELECT record_id, village_code, head_name, safety_grade, appraisal_date, safety_means, verified FROM platform_records WHERE line = 6")"
	# Excel damage, 1.2万, 局部危险 and 村村委会.
	assert_eq "210922100200|210922|excel_sci|6|C|12000.0|农村分散供养特困人员|0" \
		"$(q "SELECT village_code, head_id, head_id_state, head_id_known, safety_grade, subsidy_yuan, household_type, verified FROM platform_records WHERE line = 7")"
	assert_eq "D03|platform_quirks.csv:7" "$(q "SELECT code, source FROM findings")"
}

@test "roster: GB18030, household layout, unknown village gives D05" {
	ingest --kind roster "$TESTDATA/ingest/roster_household_gb18030.csv"
	[ "$status" -eq 0 ]
	assert_accounting_balances
	assert_eq "GB18030|household|4|4|0" \
		"$(q "SELECT encoding, layout, rows_read, rows_kept, rows_rejected FROM input_files")"
	assert_eq "H002|210921103201|阿卜杜拉·买买提|低保脱贫户|已脱贫" \
		"$(q "SELECT household_id, village_code, head_name, poverty_attr, poverty_status FROM roster_households WHERE household_id = 'H002'")"
	assert_eq "已脱贫(不再享受政策)" \
		"$(q "SELECT poverty_status FROM roster_households WHERE household_id = 'H003'")"
	assert_eq "D05|H004|210922|" \
		"$(q "SELECT code, household_id, county_code, village_code FROM findings")"
}

@test "roster: UTF-16LE tab-delimited person layout, head from the 户主 row" {
	ingest --kind roster "$TESTDATA/ingest/roster_person_utf16le.csv"
	[ "$status" -eq 0 ]
	assert_accounting_balances
	assert_eq "UTF-16LE|	|person|4|4" \
		"$(q "SELECT encoding, delimiter, layout, rows_read, rows_kept FROM input_files")"
	assert_eq "P001|张三|210921195511200032|3|210921103203
P002|孙七|21092119491001008X|1|210921103204" \
		"$(q "SELECT household_id, head_name, head_id, household_size, village_code FROM roster_households ORDER BY household_id")"
	assert_eq "4" "$(q "SELECT count(*) FROM members")"
	# The son's 17-digit ID is D02, reported on his household.
	assert_eq "D02|P001|210921195511200032|210921103203" \
		"$(q "SELECT code, household_id, head_id, village_code FROM findings")"
}

@test "members export" {
	ingest --kind members "$TESTDATA/ingest/members.csv"
	[ "$status" -eq 0 ]
	assert_eq "3" "$(q "SELECT count(*) FROM members WHERE household_id = 'H001'")"
	assert_eq "配偶" "$(q "SELECT relation FROM members WHERE name = '陈红'")"
}

@test "several files form one source; a re-run of a file replaces its rows" {
	ingest --kind roster "$TESTDATA/ingest/roster_household_gb18030.csv" \
		"$TESTDATA/ingest/roster_person_utf16le.csv"
	[ "$status" -eq 0 ]
	assert_eq "6" "$(q "SELECT count(*) FROM roster_households")"
	ingest --kind roster "$TESTDATA/ingest/roster_household_gb18030.csv"
	[ "$status" -eq 0 ]
	assert_eq "6|2" "$(q "SELECT (SELECT count(*) FROM roster_households), (SELECT count(*) FROM input_files)")"
	assert_eq "1" "$(q "SELECT count(*) FROM findings WHERE code = 'D05'")"
	assert_eq "64" "$(q "SELECT length(sha256) FROM input_files LIMIT 1")"
	assert_accounting_balances
}

@test "the same file twice in one call, or the same content under two names: the accounting says which one was replaced" {
	cp "$TESTDATA/ingest/members.csv" "$TMP/m1.csv"
	cp "$TMP/m1.csv" "$TMP/m2.csv"
	ingest --kind members "$TMP/m1.csv" "$TMP/m2.csv"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"m1.csv"*"then replaced by m2.csv (the same content)" ]]
	[[ "${lines[1]}" != *replaced* ]]
	assert_eq "m2.csv" "$(q "SELECT name FROM input_files")"
	assert_accounting_balances
}

@test "exact duplicate rows are kept once for matching and flagged D09" {
	{ head -n 2 "$TESTDATA/ingest/members.csv"; sed -n 2p "$TESTDATA/ingest/members.csv"; } > "$TMP/dup.csv"
	ingest --kind members "$TMP/dup.csv"
	[ "$status" -eq 0 ]
	assert_eq "2|2" "$(q "SELECT rows_read, rows_kept FROM input_files")"
	assert_eq "D09|dup.csv:3" "$(q "SELECT code, source FROM findings")"
	assert_eq "1" "$(q "SELECT count(*) FROM members WHERE duplicate_of IS NULL")"
}

@test "a record written two ways (county file, township copy in GBK) is one record and a D09, not an M03 later" {
	printf '档案编号,县,乡镇,村,户主姓名,户主身份证号,鉴定日期,补助资金\n东梁镇危改字[2020]1号,阜蒙县,东梁镇,新村,王五,21092119650812001X,2020-04-30,12000\n' >"$TMP/county.csv"
	printf '档案编号,县,乡镇,村,户主姓名,户主身份证号,鉴定日期,补助资金\n东梁镇危改字[2020]1号,阜新县,东梁镇,新村,王五,21092119650812001x,2020/4/30,1.2万\n' |
		iconv -f UTF-8 -t GB18030 >"$TMP/township.csv"
	ingest --kind platform "$TMP/county.csv" "$TMP/township.csv"
	[ "$status" -eq 0 ]
	assert_eq "1" "$(q "SELECT count(*) FROM platform_records WHERE duplicate_of IS NULL")"
	assert_eq "D09|township.csv:2" "$(q "SELECT code, source FROM findings WHERE code = 'D09'")"
	# a real difference is not a copy
	printf '档案编号,县,乡镇,村,户主姓名,户主身份证号,鉴定日期,补助资金\n东梁镇危改字[2020]1号,阜蒙县,东梁镇,新村,王五,21092119650812001X,2020-05-30,12000\n' >"$TMP/township.csv"
	rm -f "$WS"
	ingest --kind platform "$TMP/county.csv" "$TMP/township.csv"
	[ "$status" -eq 0 ]
	assert_eq "2" "$(q "SELECT count(*) FROM platform_records WHERE duplicate_of IS NULL")"
}

@test "members ingested before their roster: a person's finding still gets the household's county and head" {
	printf '户编号,姓名,身份证号,与户主关系\nH1,王小二,210921199001010013,之子\n' >"$TMP/m.csv"
	printf '户编号,县,乡镇,村,户主姓名,户主证件号码\nH1,阜蒙县,佛寺镇,佛寺村,王五,21092119650812001X\n' >"$TMP/r.csv"
	ingest --kind members "$TMP/m.csv"
	[ "$status" -eq 0 ]
	ingest --kind roster "$TMP/r.csv"
	[ "$status" -eq 0 ]
	assert_eq "D01|210921|王五|21092119650812001X" \
		"$(q "SELECT code, county_code, head_name, head_id FROM findings WHERE member_key IS NOT NULL")"
}

@test "D09 across two ingests: the later file's copy is flagged, the earlier row kept" {
	head -n 2 "$TESTDATA/ingest/members.csv" > "$TMP/a.csv"
	{ head -n 1 "$TESTDATA/ingest/members.csv"; sed -n 3p "$TESTDATA/ingest/members.csv"; sed -n 2p "$TESTDATA/ingest/members.csv"; } > "$TMP/b.csv"
	ingest --kind members "$TMP/a.csv"
	[ "$status" -eq 0 ]
	ingest --kind members "$TMP/b.csv"
	[ "$status" -eq 0 ]
	assert_eq "D09|b.csv:3|与a.csv第2行完全重复" "$(q "SELECT code, source, detail FROM findings")"
	# Ingesting a.csv again replaces it: its row comes after b.csv's now.
	ingest --kind members "$TMP/a.csv"
	[ "$status" -eq 0 ]
	assert_eq "D09|a.csv:2|与b.csv第3行完全重复" "$(q "SELECT code, source, detail FROM findings")"
	assert_eq "2" "$(q "SELECT count(*) FROM members WHERE duplicate_of IS NULL")"
}

@test "D08 across files of one ingest, and in a later ingest; a D09 copy is not a D08" {
	printf '户编号,户主姓名,户主证件号码,家庭人口数,县,乡镇,村\nH1,王五,210921195511200032,3,阜蒙县,佛寺镇,团山子村\nH2,李四,21092119650812001X,2,阜蒙县,佛寺镇,团山子村\n' > "$TMP/r1.csv"
	printf '户编号,户主姓名,户主证件号码,家庭人口数,县,乡镇,村\nH2,李四,21092119650812001X,2,阜蒙县,佛寺镇,团山子村\nH1,赵六,210921197003040027,1,阜蒙县,佛寺镇,团山子村\n' > "$TMP/r2.csv"
	ingest --kind roster "$TMP/r1.csv" "$TMP/r2.csv"
	[ "$status" -eq 0 ]
	assert_eq "D08|H1|r2.csv:3|户编号H1重复：r1.csv第2行是同一户编号的另一户（户主王五）
D09|H2|r2.csv:2|与r1.csv第3行完全重复" \
		"$(q "SELECT code, household_id, source, detail FROM findings ORDER BY code")"
	# The same checks when the first file is already in the workspace.
	rm -f "$WS"
	ingest --kind roster "$TMP/r1.csv"
	ingest --kind roster "$TMP/r2.csv"
	[ "$status" -eq 0 ]
	assert_eq "D08|H1|r2.csv:3
D09|H2|r2.csv:2" "$(q "SELECT code, household_id, source FROM findings ORDER BY code")"
}

@test "a version 1 or 2 workspace is brought up to date" {
	ingest --kind members "$TESTDATA/ingest/members.csv"
	[ "$status" -eq 0 ]
	cp "$WS" "$TMP/v2.db"
	q "DROP INDEX platform_copies; DROP INDEX roster_copies; DROP INDEX members_copies; PRAGMA user_version = 1"
	ingest --kind members "$TESTDATA/ingest/members.csv"
	[ "$status" -eq 0 ]
	assert_eq "3|3" "$(q "PRAGMA user_version; SELECT count(*) FROM sqlite_master WHERE name LIKE '%_copies'" | paste -sd'|')"
	# version 2: finding_changes without previous_county_code
	WS="$TMP/v2.db"
	q "DROP TABLE finding_changes; CREATE TABLE finding_changes (finding_id TEXT PRIMARY KEY,
	   change TEXT NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL, county_code TEXT,
	   township_code TEXT, village_code TEXT, household_id TEXT, record_id TEXT,
	   head_id TEXT, head_name TEXT, detail TEXT NOT NULL, source TEXT NOT NULL,
	   first_seen TEXT NOT NULL, days_open INTEGER NOT NULL) STRICT; PRAGMA user_version = 2"
	run "$ANJU_BIN/anju-diff" --db "$WS" --as-of 2020-12-31
	[ "$status" -eq 0 ]
	assert_eq "3|1" "$(q "PRAGMA user_version; SELECT count(*) FROM pragma_table_info('finding_changes') WHERE name = 'previous_county_code'" | paste -sd'|')"
}

@test "missing required column: 65 naming the file and the column" {
	printf '户编号,户主姓名,家庭人口\nH1,王五,3\n' > "$TMP/nocol.csv"
	ingest --kind roster "$TMP/nocol.csv"
	[ "$status" -eq 65 ]
	[[ "$output" == *"anju-ingest: $TMP/nocol.csv:1: required column 户主证件号码 (head_id) missing"* ]]
	assert_eq "0" "$(q "SELECT count(*) FROM input_files")"
}

@test "many files: stored and counted in the order given; a bad one among them stops all with its own message" {
	for i in 1 2 3 4 5 6 7; do
		printf '户编号,县,乡镇,村,户主姓名,户主证件号码\nH%s1,阜蒙县,佛寺镇,佛寺村,王五,210921195511200032\nH%s2,阜蒙县,佛寺镇,佛寺村,张三,21092119650812001X\n' "$i" "$i" > "$TMP/r$i.csv"
	done
	ingest --kind roster "$TMP"/r1.csv "$TMP"/r2.csv "$TMP"/r3.csv \
		"$TMP"/r4.csv "$TMP"/r5.csv "$TMP"/r6.csv "$TMP"/r7.csv
	[ "$status" -eq 0 ]
	assert_eq "r1.csv r2.csv r3.csv r4.csv r5.csv r6.csv r7.csv" \
		"$(echo "$output" | cut -f2 | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "7" "$(q "SELECT count(*) FROM input_files f WHERE name = 'r' || file_id || '.csv'")"
	assert_eq "0" "$(q "SELECT count(*) FROM roster_households r JOIN input_files f USING (file_id) WHERE substr(r.household_id, 2, 1) <> substr(f.name, 2, 1)")"
	assert_accounting_balances
	rm -f "$WS"
	printf '户编号,户主姓名,家庭人口\nH1,王五,3\n' > "$TMP/r4.csv"
	printf 'not,an,export\n' > "$TMP/r5.csv"
	ingest --kind roster "$TMP"/r1.csv "$TMP"/r2.csv "$TMP"/r3.csv \
		"$TMP"/r4.csv "$TMP"/r5.csv "$TMP"/r6.csv "$TMP"/r7.csv
	[ "$status" -eq 65 ]
	# Only the first bad file is named, as if the files were read one by one.
	assert_eq "anju-ingest: $TMP/r4.csv:1: required column 户主证件号码 (head_id) missing" "$output"
	assert_eq "0|0" "$(q "SELECT (SELECT count(*) FROM input_files), (SELECT count(*) FROM roster_households)")"
}

@test "one field named by two columns: 65" {
	printf '户编号,户主姓名,证件号码,身份证号\nH1,王五,210921195511200032,210921195511200032\n' > "$TMP/twice.csv"
	ingest --kind roster "$TMP/twice.csv"
	[ "$status" -eq 65 ]
	[[ "$output" == *"twice.csv:1: field head_id named by two columns"* ]]
}

@test "empty file, BOM only, blank lines only, title only: 65 no header row" {
	: > "$TMP/empty.csv"
	printf '\xef\xbb\xbf' > "$TMP/bom.csv"
	printf '\r\n\n,,,\n' > "$TMP/blank.csv"
	printf '阜新市建档立卡贫困户花名册\n' > "$TMP/title.csv"
	for f in empty bom blank title; do
		ingest --kind roster "$TMP/$f.csv"
		[ "$status" -eq 65 ]
		[[ "$output" == *"anju-ingest: $TMP/$f.csv: "*"no header row"* ]]
	done
	# separated by semicolons: the message says so
	printf '户编号;户主姓名;户主证件号码\nH1;王五;21092119650812001X\n' >"$TMP/semi.csv"
	ingest --kind roster "$TMP/semi.csv"
	[ "$status" -eq 65 ]
	[[ "$output" == *"no header row found (its cells seem separated by ';'"* ]]
}

@test "header only: 0 rows, exit 0" {
	printf '户编号,户主姓名,户主证件号码\r\n' > "$TMP/hdr.csv"
	ingest --kind roster "$TMP/hdr.csv"
	[ "$status" -eq 0 ]
	assert_eq "0|0|0" "$(q "SELECT rows_read, rows_kept, rows_rejected FROM input_files")"
}

@test "binary garbage, a ZIP (xlsx), NUL-filled: 65 not a text export" {
	head -c 4096 /dev/urandom > "$TMP/garbage.csv"
	printf 'PK\003\004\024\000\006\000' > "$TMP/book.xlsx"
	head -c 4096 /dev/zero > "$TMP/nul.csv"
	for f in garbage.csv book.xlsx nul.csv; do
		ingest --kind platform "$TMP/$f"
		[ "$status" -eq 65 ]
		[[ "$output" == *"anju-ingest: $TMP/$f: "* ]]
	done
}

@test "invalid UTF-8 in a UTF-8 file: that row rejected, the rest kept" {
	{ printf '户编号,户主姓名,户主证件号码\n'
	  printf 'H1,王五,210921195511200032\n'
	  printf 'H2,\377\376李,210921197003040027\n'
	  printf 'H3,张三,21092119650812001X\n'; } > "$TMP/bad.csv"
	ingest --kind roster "$TMP/bad.csv"
	[ "$status" -eq 0 ]
	assert_eq "UTF-8|3|2|1" "$(q "SELECT encoding, rows_read, rows_kept, rows_rejected FROM input_files")"
	[[ "$(q "SELECT line || ' ' || reason FROM rejects")" == "3 invalid"* ]]
	assert_accounting_balances
}

@test "unterminated quote at end of file: only that row is lost" {
	printf '户编号,户主姓名,户主证件号码\nH1,王五,210921195511200032\nH2,"李,210921197003040027\nH3,张三,21092119650812001X\n' > "$TMP/quote.csv"
	ingest --kind roster "$TMP/quote.csv"
	[ "$status" -eq 0 ]
	assert_eq "3|2|1" "$(q "SELECT rows_read, rows_kept, rows_rejected FROM input_files")"
	[[ "$(q "SELECT line || ' ' || reason FROM rejects")" == "3 unterminated"* ]]
	assert_eq "H1 H3" "$(q "SELECT group_concat(household_id, ' ') FROM roster_households")"
}

@test "a 1 MB field is rejected with its line, not a crash" {
	{ printf '户编号,户主姓名,户主证件号码\nH1,'; head -c 1048576 /dev/zero | tr '\0' 'a'; printf ',210921195511200032\nH2,张三,21092119650812001X\n'; } > "$TMP/big.csv"
	ingest --kind roster "$TMP/big.csv"
	[ "$status" -eq 0 ]
	assert_eq "2|1|1" "$(q "SELECT rows_read, rows_kept, rows_rejected FROM input_files")"
	[[ "$(q "SELECT line || ' ' || reason FROM rejects")" == "2 field longer than"* ]]
}

@test "NUL bytes inside a row: that row rejected" {
	printf '户编号,户主姓名,户主证件号码\nH1,王\000五,210921195511200032\nH2,张三,21092119650812001X\n' > "$TMP/nul.csv"
	ingest --kind roster "$TMP/nul.csv"
	[ "$status" -eq 0 ]
	assert_eq "2|1|1" "$(q "SELECT rows_read, rows_kept, rows_rejected FROM input_files")"
	[[ "$(q "SELECT line || ' ' || reason FROM rejects")" == "2 NUL"* ]]
}

@test "ragged row: rejected with the field counts" {
	printf '户编号,户主姓名,户主证件号码\nH1,王五\nH2,张三,21092119650812001X,,\nH3,李,210921197003040027,x\n' > "$TMP/ragged.csv"
	ingest --kind roster "$TMP/ragged.csv"
	[ "$status" -eq 0 ]
	assert_eq "3|1|2" "$(q "SELECT rows_read, rows_kept, rows_rejected FROM input_files")"
	[[ "$(q "SELECT group_concat(line || ' ' || reason, ';') FROM rejects")" == "2 expected 3 fields, found 2;4 expected 3 fields, found 4" ]]
}

@test "a GBK roster from WPS with its header over two rows (merged cells): the places from the upper row are kept" {
	printf '阜新市建档立卡贫困户花名册\r\n序号,户编号,县区,乡镇,村,户主信息,,家庭人口\r\n,,,,,户主姓名,户主证件号码,\r\n1,H1,彰武县,彰武镇,西郊村,刘凤霞,210922197206070062,3\r\n' |
		iconv -f UTF-8 -t GB18030 >"$TMP/two.csv"
	ingest --kind roster "$TMP/two.csv"
	[ "$status" -eq 0 ]
	assert_eq "GB18030|3|1|1" "$(q "SELECT encoding, header_line, rows_read, rows_kept FROM input_files")"
	assert_eq "彰武县|彰武镇|西郊村|刘凤霞|3" "$(q "SELECT county, township, village, head_name, household_size FROM roster_households")"
}

@test "a printed form's column numbers, a place's subtotal and the signed-off footer are rejected as such" {
	printf '档案编号,县,乡镇,村,户主姓名,户主身份证号,补助资金\n甲,1,2,3,4,5,6\nX1,阜蒙县,佛寺镇,佛寺村,王五,21092119650812001X,12000\n,,佛寺镇小计,,,,12000\n填表人：王会计,,,审核人：李站长,,联系电话：0418-1234567,\n' >"$TMP/form.csv"
	ingest --kind platform "$TMP/form.csv"
	[ "$status" -eq 0 ]
	assert_eq "4|1|3" "$(q "SELECT rows_read, rows_kept, rows_rejected FROM input_files")"
	assert_eq "2 the form's column numbers (甲, 1, 2, 3 ...), not a household
4 total line (合计), not a household
5 the form's footer (填表人, 审核人 ...), not a household" "$(q "SELECT line || ' ' || reason FROM rejects ORDER BY line")"
	assert_eq "0" "$(q "SELECT count(*) FROM findings")"
}

@test "rows that only look like a form's footer or column numbers, a label row above the header, and near-copies stay what they are" {
	# a 备注 first column reading 审核：已通过, a sparse row of small numbers
	printf '备注,户编号,县,乡镇,村,户主姓名,户主证件号码,家庭人口\n审核：已通过,H1,阜蒙县,佛寺镇,佛寺村,郭宏勇,21092119650812001X,3\n,2,,,,王,,3\n' >"$TMP/r.csv"
	ingest --kind roster "$TMP/r.csv"
	[ "$status" -eq 0 ]
	assert_eq "2|2|0" "$(q "SELECT rows_read, rows_kept, rows_rejected FROM input_files")"
	# a label row above a header whose first column is unnamed: not merged
	rm -f "$WS"
	printf '县,阜新县,乡镇,东梁镇,,,\n,户编号,乡镇,村,户主姓名,户主证件号码,家庭人口\n1,H2,东梁镇,南荒村,李四,210921197003040027,2\n' >"$TMP/h.csv"
	ingest --kind roster "$TMP/h.csv"
	[ "$status" -eq 0 ]
	assert_eq "|东梁镇" "$(q "SELECT ifnull(county, ''), township FROM roster_households")"
	# people differing only in 人编号, records differing only in an
	# unreadable date: not copies (D09)
	rm -f "$WS"
	printf '户编号,人编号,姓名,证件号码,与户主关系\nH001,H00102,王丽,,之女\nH001,H00103,王丽,,之女\n' >"$TMP/m.csv"
	ingest --kind members "$TMP/m.csv"
	[ "$status" -eq 0 ]
	printf '档案编号,县,乡镇,村,户主姓名,户主身份证号,鉴定日期\n,阜蒙县,佛寺镇,佛寺村,王五,21092119650812001X,2020年4月\n,阜蒙县,佛寺镇,佛寺村,王五,21092119650812001X,2021年5月\n' >"$TMP/p.csv"
	ingest --kind platform "$TMP/p.csv"
	[ "$status" -eq 0 ]
	assert_eq "0" "$(q "SELECT count(*) FROM findings WHERE code = 'D09'")"
}

@test "an unnamed last column (a 备注 nobody titled): its cells are kept as an extra column's, not a ragged row" {
	printf '户编号,户主姓名,户主证件号码,\nH1,张三,210922197206070062,已故\nH2,李四,210922197206070062,,\nH3,王五,210922197206070062,,x\n' >"$TMP/blank.csv"
	ingest --kind roster "$TMP/blank.csv"
	[ "$status" -eq 0 ]
	assert_eq "3|2|1" "$(q "SELECT rows_read, rows_kept, rows_rejected FROM input_files")"
	assert_eq "H1 H2" "$(q "SELECT group_concat(household_id, ' ') FROM roster_households")"
	assert_eq "4" "$(q "SELECT line FROM rejects")"
}

@test "missing file or a directory: 66; FIFO: 65 without blocking" {
	ingest --kind roster "$TMP/nope.csv"
	[ "$status" -eq 66 ]
	[[ "$output" == *"anju-ingest: $TMP/nope.csv: "* ]]
	ingest --kind roster "$TMP"
	[ "$status" -eq 66 ]
	mkfifo "$TMP/fifo.csv"
	run timeout 10 "$ANJU_BIN/anju-ingest" --db "$WS" --kind roster "$TMP/fifo.csv"
	[ "$status" -eq 65 ]
}

@test "a file named like an option after --" {
	cp "$TESTDATA/ingest/members.csv" "$TMP/-x.csv"
	cd "$TMP"
	run "$ANJU_BIN/anju-ingest" --db "$WS" --kind members -- -x.csv
	[ "$status" -eq 0 ]
}

@test "several kinds in one call: the same workspace as one call per kind, in the order given" {
	S="$TESTDATA/sample"
	WS="$TMP/one.db" ingest --kind platform "$S"/platform_*.csv \
		--kind roster "$S"/roster_*.csv --kind members "$S/members.csv"
	[ "$status" -eq 0 ]
	echo "$output" >"$TMP/one.out"
	: >"$TMP/each.out"
	for k in platform roster members; do
		files=$(ls "$S"/${k}*.csv)
		# shellcheck disable=SC2086
		WS="$TMP/each.db" ingest --kind "$k" $files
		[ "$status" -eq 0 ]
		echo "$output" >>"$TMP/each.out"
	done
	cmp "$TMP/one.out" "$TMP/each.out"
	same_workspaces "$TMP/each.db" "$TMP/one.db"
}

@test "the same kind twice, another between: as separate calls (the later run's finish sees what the first changed)" {
	h='序号,户编号,区划代码,与户主关系,家庭人口,村委会,区县,姓名,身份证号,镇'
	{ echo "$h"
	  echo '1,2109041012030009,210904101203,妻子,2,那台营子村,太平区,李一,210904196311231289,水泉镇'
	  echo '2,2109041012030009,210904101203,儿子,2,那台营子村,太平区,李二,210904197905246378,水泉镇'
	  echo '3,2109041012030008,210904101203,户主,2,那台营子村,太平区,张三,210904194511160455,水泉镇'
	  echo '4,2109041012030008,210904101203,户主,2,那台营子村,太平区,张四,210904195810188786,水泉镇'; } >"$TMP/rp.csv"
	{ echo "$h"
	  echo '4,2109041012030008,210904101203,户主,2,那台营子村,太平区,张四,210904195810188786,水泉镇'; } >"$TMP/rp2.csv"
	P="$TESTDATA/sample/platform_210921.csv"
	WS="$TMP/one.db" ingest --kind roster "$TMP/rp.csv" --kind platform "$P" \
		--kind roster "$TMP/rp2.csv"
	[ "$status" -eq 0 ]
	WS="$TMP/each.db" ingest --kind roster "$TMP/rp.csv"
	WS="$TMP/each.db" ingest --kind platform "$P"
	WS="$TMP/each.db" ingest --kind roster "$TMP/rp2.csv"
	[ "$status" -eq 0 ]
	same_workspaces "$TMP/each.db" "$TMP/one.db"
	# 张四's second 户主 row is a member again, with a D08, not a household
	assert_eq "0" "$(sqlite3 "$TMP/one.db" "SELECT count(*) FROM roster_households WHERE head_name = '张四'")"
	[[ "$(sqlite3 "$TMP/one.db" "SELECT detail FROM findings WHERE source = 'rp2.csv:2'")" == *"有多个户主行"* ]]
}

@test "a person-level roster's own findings (second 户主, no 户主, duplicate person) outlive a later roster ingest" {
	h='序号,户编号,区划代码,与户主关系,家庭人口,村委会,区县,姓名,身份证号,镇'
	{ echo "$h"
	  echo '1,2109211262120059,210921126212,户主,3,水泉村,阜新县,赵行磊,210921195009229091,七家子镇'
	  echo '2,2109211262120059,210921126212,户主,3,水泉村,阜新县,黄叶嘉,210921194710035004,七家子镇'
	  echo '3,2109211262120059,210921126212,之子,3,水泉村,阜新县,赵才信,210921197912203938,七家子镇'
	  echo '3,2109211262120059,210921126212,之子,3,水泉村,阜新县,赵才信,210921197912203938,七家子镇'
	  echo '4,2109211262120060,210921126212,配偶,2,水泉村,阜新县,罗薇勤,210921194306172883,七家子镇'; } >"$TMP/person.csv"
	{ echo '户编号,户主身份证号,县,行政村,乡（镇）,户主'
	  echo '2109031012020001,210903194801236933,新邱区,金家洼子村,长营子镇,白广贵'; } >"$TMP/household.csv"
	WS="$TMP/one.db" ingest --kind roster "$TMP/person.csv" "$TMP/household.csv"
	[ "$status" -eq 0 ]
	assert_eq "D07 D08 D09" "$(sqlite3 "$TMP/one.db" "SELECT code FROM findings ORDER BY code" | tr '\n' ' ' | sed 's/ $//')"
	q1="SELECT code, detail, source FROM findings ORDER BY 1, 2, 3"
	# The same files in two calls, then the person file again (which
	# replaces its rows): the same findings, each once.
	for f in person household person; do
		WS="$TMP/each.db" ingest --kind roster "$TMP/$f.csv"
		[ "$status" -eq 0 ]
		[ "$f" = person ] ||
			assert_eq "$(sqlite3 "$TMP/one.db" "$q1")" "$(sqlite3 "$TMP/each.db" "$q1")"
	done
	assert_eq "$(sqlite3 "$TMP/one.db" "$q1")" "$(sqlite3 "$TMP/each.db" "$q1")"
	assert_eq "3" "$(sqlite3 "$TMP/each.db" "SELECT count(*) FROM roster_households")"
	WS="$TMP/each.db" assert_accounting_balances
}

@test "--kind: files before any take the first; after -- the last; an unknown kind or one without files is 64" {
	cp "$TESTDATA/ingest/members.csv" "$TMP/-m.csv"
	cd "$TMP"
	run "$ANJU_BIN/anju-ingest" --db "$WS" "$TESTDATA/ingest/platform_quirks.csv" \
		--kind platform --kind members -- -m.csv
	[ "$status" -eq 0 ]
	assert_eq "platform|platform_quirks.csv
members|-m.csv" "$(q "SELECT kind, name FROM input_files ORDER BY file_id")"
	run "$ANJU_BIN/anju-ingest" --db "$WS" --kind household -- -m.csv
	[ "$status" -eq 64 ]
	[[ "$output" == *"anju-ingest: --kind household: expected platform, roster or members"* ]]
	run "$ANJU_BIN/anju-ingest" --db "$WS" -- -m.csv
	[ "$status" -eq 64 ]
	[[ "$output" == *"usage: anju-ingest"* ]]
	# A --kind with no file after it is a forgotten list, not nothing to do.
	run "$ANJU_BIN/anju-ingest" --db "$WS" --kind members -- -m.csv --kind roster
	[ "$status" -eq 66 ]
	run "$ANJU_BIN/anju-ingest" --db "$WS" --kind members ./-m.csv --kind roster
	[ "$status" -eq 64 ]
	[[ "$output" == *"anju-ingest: --kind roster: no file follows it"* ]]
	run "$ANJU_BIN/anju-ingest" --db "$WS" --kind roster --kind members ./-m.csv
	[ "$status" -eq 64 ]
	[[ "$output" == *"anju-ingest: --kind roster: no file follows it"* ]]
}

@test "unwritable workspace: 73" {
	ingest --kind members "$TESTDATA/ingest/members.csv"
	run "$ANJU_BIN/anju-ingest" --db "$TMP/no/such/dir/anju.db" --kind members "$TESTDATA/ingest/members.csv"
	[ "$status" -eq 73 ]
	[[ "$output" == *"anju-ingest: $TMP/no/such/dir/anju.db: "* ]]
	run "$ANJU_BIN/anju-ingest" --db "$TMP" --kind members "$TESTDATA/ingest/members.csv"
	[ "$status" -eq 73 ]
}

@test "a device is refused with 65 without being read" {
	ingest --kind roster /dev/null
	[ "$status" -eq 65 ]
	[[ "$output" == *"anju-ingest: /dev/null: "* ]]
	run timeout 10 "$ANJU_BIN/anju-ingest" --db "$WS" --kind roster /dev/zero
	[ "$status" -eq 65 ]
}

@test "--divisions replaces the shipped table; a missing one is 66" {
	{ echo "code,name"
	  echo "210921,阜新蒙古族自治县"
	  echo "210921103,佛寺镇"
	  echo "210921103999,新名村委会"; } > "$TMP/div.csv"
	printf '户编号,县,乡镇,村,户主姓名,户主证件号码\nH1,阜蒙县,佛寺镇,新名村,王五,210921195511200032\nH2,阜蒙县,佛寺镇,佛寺村,张三,21092119650812001X\n' > "$TMP/r.csv"
	sed 's/^H/K/' "$TMP/r.csv" > "$TMP/r2.csv"
	# Two files: each reader thread looks names up in its own copy.
	ingest --kind roster --divisions "$TMP/div.csv" "$TMP/r.csv" "$TMP/r2.csv"
	[ "$status" -eq 0 ]
	# Only the given table counts: 佛寺村 is not in it.
	assert_eq "H1|210921103999
H2|
K1|210921103999
K2|" "$(q "SELECT household_id, ifnull(village_code, '') FROM roster_households ORDER BY household_id")"
	assert_eq "D05|H2
D05|K2" "$(q "SELECT code, household_id FROM findings ORDER BY household_id")"
	rm -f "$WS"
	ingest --kind roster --divisions "$TMP/none.csv" "$TMP/r.csv"
	[ "$status" -eq 66 ]
	[[ "$output" == *"anju-ingest: $TMP/none.csv"* ]]
}

@test "zero-width, NBSP and full-width spaces, middle dots and full-width IDs" {
	printf '户编号,户主姓名,户主证件号码,家庭人口\nH1,\342\200\213王\302\240小明\343\200\200,\357\274\222\357\274\221\357\274\220\357\274\231\357\274\222\357\274\221\357\274\221\357\274\231\357\274\225\357\274\225\357\274\221\357\274\221\357\274\222\357\274\220\357\274\220\357\274\220\357\274\223\357\274\222,\357\274\223\nH2,\"\350\211\276\345\260\224\302\267\344\271\260\342\200\242\346\217\220\",\t210921197003040027,2\n' > "$TMP/zw.csv"
	ingest --kind roster "$TMP/zw.csv"
	[ "$status" -eq 0 ]
	assert_eq "H1|王小明|210921195511200032|valid|3
H2|艾尔·买·提|210921197003040027|valid|2" \
		"$(q "SELECT household_id, head_name, head_id, head_id_state, household_size FROM roster_households ORDER BY household_id")"
}

@test "person layout: a household without 户主 row is kept (D07); a second 户主 row is a member of the first's household (D08)" {
	printf '户编号,人编号,姓名,证件号码,与户主关系,县,乡镇,村\nP1,1,张三,210921195511200032,配偶,阜蒙县,佛寺镇,团山子村\nP2,1,李四,21092119650812001X,户主,阜蒙县,佛寺镇,团山子村\nP2,2,李五,210921197003040027,户主,阜蒙县,佛寺镇,团山子村\n' > "$TMP/r.csv"
	ingest --kind roster "$TMP/r.csv"
	[ "$status" -eq 0 ]
	assert_eq "P1||1
P2|李四|2" "$(q "SELECT household_id, ifnull(head_name, ''), household_size FROM roster_households ORDER BY household_id, line")"
	assert_eq "D07|P1|r.csv:2
D08|P2|r.csv:4" "$(q "SELECT code, household_id, source FROM findings ORDER BY code")"
	assert_eq "李四|户编号P2有多个户主行：李五也标为户主，按家庭成员处理（户主取r.csv第3行的李四）" \
		"$(q "SELECT head_name, detail FROM findings WHERE code = 'D08'")"
	assert_eq "李四|户主
李五|户主" "$(q "SELECT name, relation FROM members WHERE household_id = 'P2' ORDER BY line")"
	# The headless household is placed where its people live.
	assert_eq "210921103203|210921103203" "$(q "SELECT r.village_code, f.village_code FROM roster_households r JOIN findings f USING (household_id) WHERE household_id = 'P1'")"
	# A re-ingest makes them afresh, never twice.
	ingest --kind roster "$TMP/r.csv"
	assert_eq "2" "$(q "SELECT count(*) FROM findings")"
	assert_eq "2" "$(q "SELECT count(*) FROM roster_households")"
}

@test "person layout: a 户编号 in several runs of rows; the same households whether or not older person files are in the workspace" {
	h='户编号,人编号,姓名,证件号码,与户主关系,县,乡镇,村'
	# S1's 户主 row comes after another household's; S3 never has one,
	# in three runs; S4's 户主 row is refused (ragged), so it has none;
	# nor has S5, the file's last run.
	{ echo "$h"
	  echo 'S1,2,张三,210921195511200032,配偶,阜蒙县,佛寺镇,团山子村'
	  echo 'S3,1,王一,21092119650812001X,之子,阜蒙县,佛寺镇,佛寺村'
	  echo 'S2,1,李四,210921197003040027,户主,阜蒙县,佛寺镇,团山子村'
	  echo 'S3,2,王二,,之女,阜蒙县,佛寺镇,佛寺村'
	  echo 'S1,1,张大,210921194807150017,户主,阜蒙县,佛寺镇,团山子村'
	  echo 'S4,1,赵一,210921195001010012,户主,阜蒙县,佛寺镇,团山子村,多,余'
	  echo 'S4,2,赵二,,配偶,阜蒙县,佛寺镇,团山子村'
	  echo 'S3,3,王三,,之孙子,阜蒙县,佛寺镇,佛寺村'
	  echo 'S5,1,钱一,,之子,阜蒙县,佛寺镇,佛寺村'; } >"$TMP/split.csv"
	{ echo "$h"
	  echo 'T1,1,周五,210921196001010034,户主,阜蒙县,佛寺镇,团山子村'; } >"$TMP/other.csv"
	WS="$TMP/alone.db" ingest --kind roster "$TMP/split.csv"
	[ "$status" -eq 0 ]
	households="SELECT household_id, line, ifnull(head_name, ''), ifnull(village_code, ''), household_size FROM roster_households WHERE household_id LIKE 'S%' ORDER BY household_id"
	assert_eq "S1|6|张大|210921103203|2
S2|4|李四|210921103203|1
S3|3||210921103200|3
S4|8||210921103203|1
S5|10||210921103200|1" "$(sqlite3 "$TMP/alone.db" "$households")"
	d07="SELECT household_id, source FROM findings WHERE code = 'D07' ORDER BY household_id"
	assert_eq "S3|split.csv:3
S4|split.csv:8
S5|split.csv:10" "$(sqlite3 "$TMP/alone.db" "$d07")"
	# An older person file in the workspace: every person is looked at.
	WS="$TMP/after.db" ingest --kind roster "$TMP/other.csv"
	WS="$TMP/after.db" ingest --kind roster "$TMP/split.csv"
	[ "$status" -eq 0 ]
	assert_eq "$(sqlite3 "$TMP/alone.db" "$households")" "$(sqlite3 "$TMP/after.db" "$households")"
	assert_eq "$(sqlite3 "$TMP/alone.db" "$d07")" "$(sqlite3 "$TMP/after.db" "$d07")"
	WS="$TMP/after.db" assert_accounting_balances
}

@test "village codes as spreadsheets leave them: '210921103201 and 210921103200.0" {
	printf '户编号,户主姓名,户主证件号码,区划代码\nH1,王五,210921195511200032,210921103200.0\nH2,李,210921197003040027,'"'"'210921103201\nH3,赵,21092119650812001X,2109211032\n' > "$TMP/c.csv"
	ingest --kind roster "$TMP/c.csv"
	[ "$status" -eq 0 ]
	assert_eq "H1|210921103200
H2|210921103201
H3|" "$(q "SELECT household_id, ifnull(village_code, '') FROM roster_households ORDER BY line")"
	assert_eq "D05|H3" "$(q "SELECT code, household_id FROM findings")"
}

@test "platform: required-column marks in the header, subsidy counted in 万元 (a bare 12000 there was typed in yuan)" {
	printf '*户主姓名,*身份证号码,县,乡镇,村,补助资金（万元）,改造方式\n王五,210921195511200032,阜蒙县,佛寺镇,佛寺村,1.5,修缮加固\n张三,21092119650812001X,阜蒙县,佛寺镇,佛寺村,12000元,修缮加固\n李四,210921196508120036,阜蒙县,佛寺镇,佛寺村,12000,修缮加固\n' > "$TMP/wan.csv"
	ingest --kind platform "$TMP/wan.csv"
	[ "$status" -eq 0 ]
	assert_eq "王五|15000.0
张三|12000.0
李四|12000.0" "$(q "SELECT head_name, subsidy_yuan FROM platform_records ORDER BY line")"
}

@test "a county written with its city (阜新市彰武县), a village with its township, still resolve" {
	printf '户编号,县,乡镇,村,户主姓名,户主证件号码\nH1,阜新市彰武县,彰武镇,彰武镇西郊村,王五,210921195511200032\nH2,辽宁省阜新市阜新蒙古族自治县,佛寺镇,佛寺村,张三,21092119650812001X\nH3,开原市,八宝镇,不存在村,李,210921197003040027\n' > "$TMP/city.csv"
	ingest --kind roster "$TMP/city.csv"
	[ "$status" -eq 0 ]
	assert_eq "H1|210922|210922100200
H2|210921|210921103200
H3|211282|" "$(q "SELECT household_id, county_code, ifnull(village_code, '') FROM roster_households ORDER BY line")"
	assert_eq "D05|H3" "$(q "SELECT code, household_id FROM findings")"
}

# ---- exports as people make them ----------------------------------------

@test "a header cell with a line break in it (Excel's Alt+Enter), under a title" {
	printf '阜新市危房改造台账\n户主姓名,"身份证\n号码",县,乡镇,村,鉴定等级\n王小明,21092119650812001X,阜蒙县,佛寺镇,团山子村,A级\n' > "$TMP/h.csv"
	ingest --kind platform "$TMP/h.csv"
	[ "$status" -eq 0 ]
	assert_eq "2|1|1" "$(q "SELECT header_line, rows_read, rows_kept FROM input_files")"
	assert_eq "4|王小明|21092119650812001X|A|210921103203" \
		"$(q "SELECT line, head_name, head_id, safety_grade, village_code FROM platform_records")"
	# the same as Excel's Unicode text: UTF-16LE, tabs, CRLF
	printf '\xff\xfe' > "$TMP/h16.txt"
	printf '户主姓名\t"身份证\r\n号码"\t县\t乡镇\t村\r\n王小明\t21092119650812001X\t阜蒙县\t佛寺镇\t团山子村\r\n' |
		iconv -f UTF-8 -t UTF-16LE >> "$TMP/h16.txt"
	ingest --kind platform "$TMP/h16.txt"
	[ "$status" -eq 0 ]
	assert_eq "1|1|0" "$(q "SELECT rows_read, rows_kept, rows_rejected FROM input_files WHERE name = 'h16.txt'")"
}

@test "the header again in the middle (sheets pasted together) and a short 合计 line are rejected as such" {
	printf '户编号,户主姓名,户主证件号码,家庭人口数\nH1,王五,210921195511200032,3\n户编号,户主姓名,户主身份证号,家庭人口数\nH2,李四,21092119650812001X,2\n合计,2\n' > "$TMP/r.csv"
	ingest --kind roster "$TMP/r.csv"
	[ "$status" -eq 0 ]
	assert_eq "4|2|2" "$(q "SELECT rows_read, rows_kept, rows_rejected FROM input_files")"
	assert_eq "3|the header row again (表头重复), not a household
5|total line (合计), not a household" "$(q "SELECT line, reason FROM rejects ORDER BY line")"
	assert_eq "H1
H2" "$(q "SELECT household_id FROM roster_households ORDER BY line")"
	assert_accounting_balances
}

@test "a sheet's title pasted mid-file is rejected as a title; a row with only its 户编号, its name or its ID is kept" {
	printf '户编号,户主姓名,户主身份证号,县,乡镇,村,人口数\n2109211032000001,王小明,21092119650812001X,阜蒙县,佛寺镇,佛寺村,3\n\n彰武县建档立卡贫困户花名册,,,,,,\n户编号,户主姓名,户主身份证号,县,乡镇,村,人口数\n2109221000000001,李四,210921196508120036,彰武县,彰武镇,站前社区,2\n2109221000000002,,,,,,\n2021年度阜蒙县农村低收入人口动态监测对象,,,,,,\nFM-佛寺-2020-0012-01,,,,,,\n' > "$TMP/r.csv"
	printf '户主姓名,身份证号,县,乡镇,村\n王五,21092119650812001X,阜蒙县,佛寺镇,佛寺村\n2020年彰武县农村危房改造农户档案,,,,\n张三,,,,\n,,,,2020年阜蒙县佛寺镇危房改造花名册\n阿卜杜热合曼•买买提明阿卜杜,,,,\n,2.10921E+17,,,\n阿不都热合曼∙阿不都克热木,,,,\n王淑珍（已故由儿子代管）,,,,\n' > "$TMP/p.csv"
	ingest --kind roster "$TMP/r.csv"
	[ "$status" -eq 0 ]
	ingest --kind platform "$TMP/p.csv"
	[ "$status" -eq 0 ]
	assert_eq "p.csv|3|a title line (a sheet pasted under another), not a household
p.csv|5|a title line (a sheet pasted under another), not a household
r.csv|4|a title line (a sheet pasted under another), not a household
r.csv|5|the header row again (表头重复), not a household
r.csv|8|a title line (a sheet pasted under another), not a household" \
		"$(q "SELECT f.name, line, reason FROM rejects JOIN input_files f USING (file_id) ORDER BY 1, 2")"
	assert_eq "2109211032000001
2109221000000001
2109221000000002
FM-佛寺-2020-0012-01" "$(q "SELECT household_id FROM roster_households ORDER BY line")"
	assert_eq "王五
张三
阿卜杜热合曼·买买提明阿卜杜
-
阿不都热合曼·阿不都克热木
王淑珍" "$(q "SELECT ifnull(head_name, '-') FROM platform_records ORDER BY line")"
	assert_accounting_balances
}

@test "header variants seen in county spreadsheets: 所属县区, 村名, 户主名, 身份证件号码, 房屋危险等级, 完工日期, 竣工验收日期, 验收结论, 改造类型, 户人口数, 农户属性" {
	printf '所属县区,所属乡镇,村名,户主名,户主身份证件号码,户人口数,农户属性,房屋危险等级,改造类型,完工日期,竣工验收日期,验收结论\n阜蒙县,佛寺镇,佛寺村,王五,21092119650812001X,3,建档立卡贫困户,D级,原址翻建,2020-05-01,2020-05-20,合格\n' > "$TMP/p.csv"
	printf '户编号,户主名,身份证件号码,县市区,乡镇名,村委会名称\nH1,李四,210921195511200032,阜蒙县,佛寺镇,佛寺村\n' > "$TMP/r.csv"
	ingest --kind platform "$TMP/p.csv"
	[ "$status" -eq 0 ]
	ingest --kind roster "$TMP/r.csv"
	[ "$status" -eq 0 ]
	assert_eq "210921103200|王五|21092119650812001X|3|建档立卡贫困户|D|原址翻建|2020-05-01|2020-05-20|pass" \
		"$(q "SELECT village_code, head_name, head_id, household_size, household_type, safety_grade, renovation_type, completion_date, acceptance_date, acceptance_result FROM platform_records")"
	assert_eq "H1|210921103200|李四|210921195511200032" \
		"$(q "SELECT household_id, village_code, head_name, head_id FROM roster_households")"
	assert_eq "0" "$(q "SELECT count(*) FROM findings WHERE code IN ('D05', 'D07', 'D08')")"
	# Beside the SPEC's own names, those columns are extra ones.
	printf '档案编号,户主姓名,身份证号,鉴定等级,鉴定结果,户主名,竣工日期,完工日期\n1,张三,21092119650812001X,C,D级危房,李,2020-01-01,2020-02-02\n' > "$TMP/both.csv"
	ingest --kind platform "$TMP/both.csv"
	[ "$status" -eq 0 ]
	assert_eq "张三|C|2020-01-01" "$(q "SELECT head_name, safety_grade, completion_date FROM platform_records WHERE record_id = '1'")"
}

@test "ledger marks, placeholders, a label in the ID cell, a note after a name, a bracketed header note" {
	printf '户主姓名,户主身份证号码（18位）,县,乡镇,村,开工日期,补助资金（元）,核验结果,竣工照片,户厕改造,建设方式\n赵大山（已故）,身份证：210921195511200032,阜蒙县,佛寺镇,团山子村,/,—,√,×,√,无\n' > "$TMP/p.csv"
	ingest --kind platform "$TMP/p.csv"
	[ "$status" -eq 0 ]
	assert_eq "赵大山|赵大山(已故)|210921195511200032|valid|||1|0|1|" \
		"$(q "SELECT head_name, head_name_raw, head_id, head_id_state, start_date, subsidy_yuan, verified, photos_completion, toilet, build_mode FROM platform_records")"
	assert_eq "0" "$(q "SELECT count(*) FROM findings")"
}

@test "county-level cities without counties (中山市, 东莞市, 儋州市) resolve to their own codes" {
	printf '档案编号,县(市、区),乡(镇),村,户主姓名,户主身份证号\nZ1,中山市,黄圃镇,团范村民委员会,王一,442000194801267939\nZ2,东莞市,石碣镇,西南村村民委员会,王二,441900193607207338\nZ3,儋州市,东成镇,洪山村委会,王三,460400197301085108\n' > "$TMP/p.csv"
	ingest --kind platform "$TMP/p.csv"
	[ "$status" -eq 0 ]
	assert_eq "Z1|442000|442000101
Z2|441900|441900101
Z3|460400|460400115" "$(q "SELECT record_id, county_code, township_code FROM platform_records ORDER BY line")"
	assert_eq "0" "$(q "SELECT count(*) FROM findings")"
}

@test "a village not found keeps the county and township its names did resolve (D05 reaches the county's pack)" {
	printf '档案编号,县(市、区),乡(镇),村,户主姓名,户主身份证号\nX1,蚌埠市高新技术开发区,秦集镇,南甸子三村,马诚贵,340371198201035493\n' > "$TMP/p.csv"
	ingest --kind platform "$TMP/p.csv"
	[ "$status" -eq 0 ]
	assert_eq "D05|340371|340371100|" "$(q "SELECT code, county_code, township_code, ifnull(village_code, '') FROM findings")"
}


@test "lines ending in CR alone (Excel for Mac) are read, in UTF-8 and GBK" {
	printf '户主姓名,户主身份证号,县,乡镇,村\r王小明,21092119650812001X,阜蒙县,佛寺镇,团山子村\r李四,210921197003040027,阜蒙县,佛寺镇,团山子村\r' > "$TMP/mac.csv"
	ingest --kind platform "$TMP/mac.csv"
	[ "$status" -eq 0 ]
	assert_eq "2|2|0" "$(q "SELECT rows_read, rows_kept, rows_rejected FROM input_files")"
	iconv -f UTF-8 -t GB18030 "$TMP/mac.csv" > "$TMP/macgbk.csv"
	ingest --kind platform "$TMP/macgbk.csv"
	[ "$status" -eq 0 ]
	assert_eq "GB18030|2" "$(q "SELECT encoding, rows_kept FROM input_files WHERE name = 'macgbk.csv'")"
	# an Alt+Enter LF inside a cell of a CR file
	printf '户主姓名,户主身份证号,县,乡镇,村,备注\r王小明,21092119650812001X,阜蒙县,佛寺镇,团山子村,"第一行\n第二行"\r李四,210921197003040027,阜蒙县,佛寺镇,团山子村,\r' > "$TMP/maclf.csv"
	ingest --kind platform "$TMP/maclf.csv"
	[ "$status" -eq 0 ]
	assert_eq "2|2" "$(q "SELECT rows_read, rows_kept FROM input_files WHERE name = 'maclf.csv'")"
}

@test "a row pasted from a GBK file into a small UTF-8 file is rejected, the rest kept" {
	printf '户主姓名,户主身份证号,县,乡镇,村\n王小明,21092119650812001X,阜蒙县,佛寺镇,团山子村\n' > "$TMP/mix.csv"
	printf '李四,210921197003040027,阜蒙县,佛寺镇,团山子村\n' | iconv -f UTF-8 -t GB18030 >> "$TMP/mix.csv"
	printf '张三,210921195511200032,阜蒙县,佛寺镇,团山子村\n' >> "$TMP/mix.csv"
	ingest --kind platform "$TMP/mix.csv"
	[ "$status" -eq 0 ]
	assert_eq "UTF-8|3|2|1" "$(q "SELECT encoding, rows_read, rows_kept, rows_rejected FROM input_files")"
	assert_eq "3|invalid UTF-8 byte sequence" "$(q "SELECT line, reason FROM rejects")"
	# as many bad lines as good ones: still UTF-8, the header is good
	printf '户主姓名,户主身份证号,县,乡镇,村\n' > "$TMP/mix1.csv"
	printf '李四,210921197003040027,阜蒙县,佛寺镇,团山子村\n' | iconv -f UTF-8 -t GB18030 >> "$TMP/mix1.csv"
	ingest --kind platform "$TMP/mix1.csv"
	[ "$status" -eq 0 ]
	assert_eq "UTF-8|1|0|1" "$(q "SELECT encoding, rows_read, rows_kept, rows_rejected FROM input_files WHERE name = 'mix1.csv'")"
}

@test "户编号 as spreadsheets leave it: text marks and .0 taken off, scientific notation rejected" {
	printf '户编号,姓名,证件号码,与户主关系\n'"'"'02109210010001,王五,210921195511200032,户主\n="02109210010001",王六,210921197003040027,配偶\n2109210010002.0,李四,21092119650812001X,户主\n=\"2109210010003.0\",赵六,210921196508120028,户主\n\u201c2109210010003\u201d,赵七,210921197003040027,配偶\n2.10921E+13,张三,210921195511200032,户主\n' > "$TMP/m.csv"
	ingest --kind members "$TMP/m.csv"
	[ "$status" -eq 0 ]
	assert_eq "02109210010001|王五
02109210010001|王六
2109210010002|李四
2109210010003|赵六
2109210010003|赵七" "$(q "SELECT household_id, name FROM members ORDER BY line")"
	assert_eq "7|no usable key: 户编号 turned into scientific notation by Excel" "$(q "SELECT line, reason FROM rejects")"
	assert_accounting_balances
}

@test "CR CR LF line ends (a CRLF file saved again in text mode), a quoted cell across them" {
	printf '户主姓名,户主身份证号,县,乡镇,村,备注\r\r\n王小明,21092119650812001X,阜蒙县,佛寺镇,团山子村,"a\r\r\nb"\r\r\n李四,210921197003040027,阜蒙县,佛寺镇,团山子村,\r\r\n' > "$TMP/crcrlf.csv"
	ingest --kind platform "$TMP/crcrlf.csv"
	[ "$status" -eq 0 ]
	assert_eq "2|2|0" "$(q "SELECT rows_read, rows_kept, rows_rejected FROM input_files")"
}

@test "a county or township code in the village code column: D05 says so, and the names are used" {
	printf '户主姓名,户主身份证号,县,乡镇,村,行政区划代码\n王小明,21092119650812001X,阜蒙县,佛寺镇,团山子村,210921103\n' > "$TMP/code.csv"
	ingest --kind platform "$TMP/code.csv"
	[ "$status" -eq 0 ]
	assert_eq "D05|行政区划代码210921103是县或乡镇的代码，不是村的" "$(q "SELECT code, detail FROM findings")"
	assert_eq "210921103203" "$(q "SELECT village_code FROM platform_records")"
}

@test "a row the workspace refuses: 73 naming its line, and nothing of the call is kept" {
	ingest --kind members "$TESTDATA/ingest/members.csv"
	[ "$status" -eq 0 ]
	before=$(q "SELECT count(*) FROM members")
	# 100 people, the 70th refused by a trigger the test adds: the row sits
	# inside a multi-row INSERT, so the writer has to go row by row to
	# find it.
	{ echo '户编号,姓名,证件号码,与户主关系'
	  for i in $(seq 1 100); do echo "H$i,成员$i,,户主"; done; } >"$TMP/many.csv"
	q "CREATE TRIGGER refuse BEFORE INSERT ON members WHEN NEW.name = '成员70'
	   BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
	ingest --kind members "$TMP/many.csv" --kind platform "$TESTDATA/ingest/platform_quirks.csv"
	[ "$status" -eq 73 ]
	[[ "$output" == *"anju-ingest: $TMP/many.csv:71: cannot store row: refused by the test"* ]]
	assert_eq "$before|1|0" "$(q "SELECT count(*), (SELECT count(*) FROM input_files), (SELECT count(*) FROM platform_records) FROM members")"
	assert_accounting_balances
}


@test "the workspace cannot grow (a full disk): 73, and the workspace as it was" {
	ingest --kind members "$TESTDATA/ingest/members.csv"
	[ "$status" -eq 0 ]
	{ echo '户编号,姓名,证件号码,与户主关系'
	  for i in $(seq 1 3000); do echo "H$i,成员$i,,户主"; done; } >"$TMP/many.csv"
	state="SELECT (SELECT count(*) FROM members), (SELECT group_concat(name) FROM input_files),
	  (SELECT count(*) FROM findings), (SELECT count(*) FROM pragma_foreign_key_check)"
	before=$(q "$state")
	# No file of the process may grow past the workspace's size and 40
	# KB. SIGXFSZ is ignored so that the write fails with EFBIG instead.
	limit=$(( $(stat -c %s "$WS") / 1024 + 40 ))
	run bash -c 'trap "" XFSZ; ulimit -f "$1"; shift; exec "$@"' _ "$limit" \
		"$ANJU_BIN/anju-ingest" --db "$WS" --kind members "$TMP/many.csv"
	[ "$status" -eq 73 ]
	[[ "$output" == "anju-ingest: "*": disk I/O error"* ]]
	assert_eq "$before" "$(q "$state")"
}

@test "a write to the journal fails in the middle of an ingest: 73, and the workspace as it was" {
	shim="$ANJU_BIN/../tests/journal_write_fails.so"
	[ -f "$shim" ] || skip "$shim is built by make check"
	{ echo '户编号,姓名,证件号码,与户主关系'
	  for i in $(seq 1 3000); do echo "H$i,成员$i,,户主"; done; } >"$TMP/base.csv"
	# New households sort between the old ones: storing them changes
	# pages that were there before, whose old content goes to the journal.
	{ echo '户编号,姓名,证件号码,与户主关系'
	  for i in $(seq 1 3000); do echo "H${i}b,新成员$i,,户主"; done; } >"$TMP/more.csv"
	ingest --kind members "$TMP/base.csv"
	[ "$status" -eq 0 ]
	state="SELECT (SELECT count(*) FROM members), (SELECT group_concat(name) FROM input_files),
	  (SELECT count(*) FROM findings), (SELECT count(*) FROM pragma_foreign_key_check)"
	before=$(q "$state")
	cp "$WS" "$TMP/base.db"
	# One write fails, the ones after it work: SQLite has given the
	# transaction up by then, and a stage that went on would store rows
	# one autocommit at a time.
	for n in 2 8 20; do
		cp "$TMP/base.db" "$WS"
		run env LD_PRELOAD="$shim" ANJU_FAIL_WRITE="$n" \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
			"$ANJU_BIN/anju-ingest" --db "$WS" --kind members "$TMP/more.csv"
		[ "$status" -eq 73 ]
		[[ "$output" == *"anju-ingest: $TMP/more.csv"*": disk I/O error"* ]]
		assert_eq "$before" "$(q "$state")"
	done
}

#!/bin/bash
# The whole chain on generated data: ingest -> match -> verify -> diff ->
# report. The generator writes the truth beside the exports; every
# normalised value, every row's accounting, every injected fault and every
# household status must come out as the truth says.

load helpers

GEN="$TESTDATA/gen.py"
SCORE="$TESTDATA/score.py"
CHECK="$BATS_TEST_DIRNAME/check_ingest.sh"

# chain DIR OUT: the stages one by one, as an analyst would run them.
chain() {
	local dir=$1 out=$2 asof
	asof=$(cat "$dir/truth/as_of.txt")
	mkdir -p "$out"
	WS="$out/anju.db"
	"$ANJU_BIN/anju-ingest" --db "$WS" --kind roster --as-of "$asof" "$dir"/roster_*.csv
	if ls "$dir"/members*.csv >/dev/null 2>&1; then
		"$ANJU_BIN/anju-ingest" --db "$WS" --kind members --as-of "$asof" "$dir"/members*.csv
	fi
	"$ANJU_BIN/anju-ingest" --db "$WS" --kind platform --as-of "$asof" "$dir"/platform_*.csv
	"$ANJU_BIN/anju-match" --db "$WS" --as-of "$asof"
	"$ANJU_BIN/anju-verify" --db "$WS" --as-of "$asof" --out "$out"
}

@test "chain: the bundled sample ingests to the truth, every fault found, every status right" {
	chain "$TESTDATA/sample" "$TMP/out" >/dev/null
	run sh "$CHECK" "$WS" "$TESTDATA/sample/truth"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_accounting_balances
	run python3 "$SCORE" --min-precision 1 --min-recall 1 --min-status 1 \
		"$TESTDATA/sample" "$TMP/out"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "chain: 3,000 generated households in both roster layouts, faults at 10%" {
	python3 "$GEN" --households 3000 --seed 11 --prefix 21 \
		--roster-layout mixed --fault-rate 0.10 --out "$TMP/gen"
	chain "$TMP/gen" "$TMP/out" >/dev/null
	run sh "$CHECK" "$WS" "$TMP/gen/truth"
	echo "$output"
	[ "$status" -eq 0 ]
	run python3 "$SCORE" --min-precision 1 --min-recall 1 --min-status 1 \
		"$TMP/gen" "$TMP/out"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "chain: clean households give no finding at all" {
	python3 "$GEN" --households 1500 --seed 5 --prefix 2109 \
		--roster-layout household --fault-rate 0 --out "$TMP/gen"
	chain "$TMP/gen" "$TMP/out" >/dev/null
	assert_eq 1 "$(wc -l <"$TMP/out/findings.csv")"
	assert_eq 1500 "$(q "SELECT count(*) FROM household_status WHERE status IN ('鉴定安全', '改造安全', '保障安全', '改造中')")"
}

@test "chain: two runs on the same data give byte-identical outputs" {
	chain "$TESTDATA/sample" "$TMP/a" >/dev/null
	chain "$TESTDATA/sample" "$TMP/b" >/dev/null
	cmp "$TMP/a/findings.csv" "$TMP/b/findings.csv"
	cmp "$TMP/a/households.csv" "$TMP/b/households.csv"
}

@test "chain: anju-match and anju-verify re-run on a workspace replace their results" {
	chain "$TESTDATA/sample" "$TMP/out" >/dev/null
	local before
	before=$(q "SELECT count(*) FROM findings")
	"$ANJU_BIN/anju-match" --db "$WS" --as-of 2020-12-31
	"$ANJU_BIN/anju-verify" --db "$WS" --as-of 2020-12-31 --out "$TMP/out"
	assert_eq "$before" "$(q "SELECT count(*) FROM findings")"
}

@test "chain: match and verify on a missing workspace give 66" {
	run "$ANJU_BIN/anju-match" --db "$TMP/none.db"
	[ "$status" -eq 66 ]
	run "$ANJU_BIN/anju-verify" --db "$TMP/none.db"
	[ "$status" -eq 66 ]
}

@test "chain: every finding has SPEC 5's severity for its code" {
	chain "$TESTDATA/sample" "$TMP/out" >/dev/null
	run python3 - "$TMP/out/findings.csv" <<'PY'
import csv, sys
# SPEC 5: high blocks 有保障, medium, low (data hygiene); M03 is high
# when two of the records received a subsidy.
spec = {c: "low" for c in "D01 D02 D04 D06 D08 D09 M06 V08 V09".split()}
spec.update({c: "medium" for c in "D03 D05 D07 M03 M04 M05 M07 M08 M10 V02 V03 V05".split()})
spec.update({c: "high" for c in "M01 M02 M09 V01 V04 V06 V07".split()})
bad = [(r["code"], r["severity"]) for r in csv.DictReader(open(sys.argv[1]))
       if r["severity"] != spec[r["code"]]
       and not (r["code"] == "M03" and r["severity"] == "high")]
print(bad)
sys.exit(1 if bad else 0)
PY
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "chain: a second 户主 row of a household is a member, and a record in that person's name matches it (M07)" {
	mkdir -p "$TMP/in" "$TMP/out"
	printf '户编号,人编号,姓名,证件号码,与户主关系,县,乡镇,村\nP2,1,李四,21092119650812001X,户主,阜蒙县,佛寺镇,团山子村\nP2,2,李五,210921197003040027,户主,阜蒙县,佛寺镇,团山子村\n' > "$TMP/in/roster.csv"
	printf '档案编号,县,乡镇,村,户主姓名,户主身份证号,农户类型,鉴定等级,住房安全保障方式\nF2,阜蒙县,佛寺镇,团山子村,李五,210921197003040027,建档立卡贫困户,B,鉴定安全\n' > "$TMP/in/platform.csv"
	WS="$TMP/out/anju.db"
	"$ANJU_BIN/anju-ingest" --db "$WS" --kind roster --as-of 2020-12-31 "$TMP/in/roster.csv" >/dev/null
	"$ANJU_BIN/anju-ingest" --db "$WS" --kind platform --as-of 2020-12-31 "$TMP/in/platform.csv" >/dev/null
	"$ANJU_BIN/anju-match" --db "$WS" --as-of 2020-12-31
	"$ANJU_BIN/anju-verify" --db "$WS" --as-of 2020-12-31 --out "$TMP/out"
	assert_eq "P2,210921,210921103203,21092119650812001X,李四,鉴定安全,F2,member" \
		"$(tail -n +2 "$TMP/out/households.csv")"
	assert_eq "D08
M07" "$(q "SELECT code FROM findings ORDER BY code")"
}

@test "chain: members whose 户编号 is on no roster household are counted in match's log" {
	mkdir -p "$TMP/in" "$TMP/out"
	printf '户编号,户主姓名,户主证件号码,县,乡镇,村\n02109210010001,王五,210921195511200032,阜蒙县,佛寺镇,团山子村\n' > "$TMP/in/roster.csv"
	printf '户编号,姓名,证件号码,与户主关系\n2109210010001,王六,210921197003040027,配偶\n02109210010001,王七,21092119650812001X,之子\n' > "$TMP/in/members.csv"
	WS="$TMP/out/anju.db"
	"$ANJU_BIN/anju-ingest" --db "$WS" --kind roster --as-of 2020-12-31 "$TMP/in/roster.csv" >/dev/null
	"$ANJU_BIN/anju-ingest" --db "$WS" --kind members --as-of 2020-12-31 "$TMP/in/members.csv" >/dev/null
	run "$ANJU_BIN/anju-match" --db "$WS" --as-of 2020-12-31
	[ "$status" -eq 0 ]
	[[ "$output" == *"anju-match: 1 members with a valid ID belong to no roster household"* ]]
}

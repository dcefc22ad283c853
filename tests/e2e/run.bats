#!/usr/bin/env bats
# anju-run end to end: the real stages, nightly and explicit mode, runs
# killed in every stage, two runs at once, unwritable folders.
#
# Inputs are made here by nightly_inbox (below): households whose findings
# are known by design and change between two nights, so the diff's new,
# resolved and persisting rows can be checked one by one. testdata/gen.py
# feeds the test that runs the generated sample.

load helpers

RUN="$ANJU_BIN/anju-run"

# make_exports DIR NIGHT N: platform and roster exports of N households
# of 阜新蒙古族自治县 佛寺镇 for night 1 or 2. By household number i:
#   i % 10 == 3  no platform record on night 1 (M01), grade A on night 2
#   i % 10 == 4  grade D, nothing done, on both nights (V01)
#   i % 10 == 5  grade A on night 1, record gone on night 2 (M01)
#   otherwise    grade A, 鉴定安全, verified
# Night 2 writes the platform under a new dated name, so the night 1 file
# is superseded in the inbox.
make_exports() {
	python3 - "$@" <<'EOF'
import csv, datetime, os, sys

out, night, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def idcard(i):
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=i // 900)
    body = "210921" + birth.strftime("%Y%m%d") + "%03d" % (100 + i % 900)
    s = sum(int(c) * w for c, w in zip(body, W)) % 11
    return body + "10X98765432"[s]
SUR = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIV = "玉秀英华明国建文军平志春海金兰凤兴德永淑宝成林桂芳荣云福庆贵山红丽新"
def name(i):
    g = len(GIV)  # unique for i < 30 * g * g
    return SUR[i % 30] + GIV[(i // 30) % g] + GIV[(i // (30 * g)) % g]
VILLAGES = ["佛寺村委会", "查干哈达村委会", "团山子村委会", "八道岭村委会"]
os.makedirs(out, exist_ok=True)
ros = ["户编号", "县", "乡镇", "村", "户主姓名", "户主证件号码", "家庭人口",
       "贫困户属性", "脱贫状态"]
pla = ["档案编号", "县（市、区）", "乡（镇）", "行政村", "户主姓名", "身份证号码",
       "家庭人口数", "农户类型", "鉴定等级", "鉴定日期", "住房安全保障方式",
       "核验结果", "年度"]
pname = "platform_210921.csv" if night == 1 else "platform_210921_20201102.csv"
with open(os.path.join(out, "roster_210921.csv"), "w", newline="",
          encoding="utf-8") as r, \
     open(os.path.join(out, pname), "w", newline="", encoding="utf-8") as p:
    rw, pw = csv.writer(r), csv.writer(p)
    rw.writerow(ros)
    pw.writerow(pla)
    for i in range(1, n + 1):
        v = VILLAGES[i % 4]
        rw.writerow(["H%05d" % i, "阜新蒙古族自治县", "佛寺镇", v, name(i),
                     idcard(i), 3, "一般脱贫户", "已脱贫"])
        kind = i % 10
        if (kind == 3 and night == 1) or (kind == 5 and night == 2):
            continue
        grade, means, ok = ("D", "", "否") if kind == 4 else ("A", "鉴定安全", "是")
        pw.writerow(["佛寺镇危改字[2020]%d号" % i, "阜新蒙古族自治县", "佛寺镇", v,
                     name(i), idcard(i), 3, "建档立卡贫困户", grade,
                     "2020-03-01", means, ok, 2020])
EOF
}

# nightly_inbox NIGHT N: (re)fill $TMP/inbox for that night; night 2's
# files are given a later modification time.
nightly_inbox() {
	make_exports "$TMP/inbox" "$1" "$2"
	if [ "$1" = 2 ]; then
		touch -d '+1 minute' "$TMP/inbox/platform_210921_20201102.csv"
	fi
}

nightly() {
	run "$RUN" --inbox "$TMP/inbox" --runs "$TMP/runs" "$@"
}

# The dated runs and latest's target, one line: "a b -> c".
runs_state() {
	local names
	names=$(cd "$TMP/runs" && ls -d 20* 2>/dev/null | tr '\n' ' ')
	echo "${names}-> $(readlink "$TMP/runs/latest" 2>/dev/null)"
}

# Finding identities (SPEC 7) of a findings.csv: code plus household_id,
# or plus head_id for a finding about a platform record alone.
finding_keys() {
	python3 - "$1" <<'EOF'
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    keys = {r["code"] + "|" + (r["household_id"] or "head:" + r["head_id"])
            for r in csv.DictReader(f)}
print("\n".join(sorted(keys)))
EOF
}

# diff_rows DIFF_CSV CHANGE: "code|key|days_open" rows of that change.
diff_rows() {
	python3 - "$1" "$2" <<'EOF'
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = [r for r in csv.DictReader(f) if r["change"] == sys.argv[2]]
for r in sorted(rows, key=lambda r: (r["code"], r["household_id"])):
    print(r["code"] + "|" + (r["household_id"] or "head:" + r["head_id"])
          + "|" + r["days_open"])
EOF
}

# json FILE EXPR: a value from a JSON file (EXPR in Python on m).
json() {
	python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# slow_stages: point RUN at a copy of anju-run whose stages each wait 0.4 s
# before they start, so that a test sees every one of them running: the
# real ones take a few milliseconds at this size, less than one look for
# them takes on a busy machine (pgrep reads all of /proc).
slow_stages() {
	local s
	mkdir -p "$TMP/slowbin/bin"
	cp "$ANJU_BIN/anju-run" "$TMP/slowbin/bin/"
	for s in ingest match verify diff report; do
		printf '#!/bin/sh\nsleep 0.4\nexec "%s/anju-%s" "$@"\n' \
			"$ANJU_BIN" "$s" >"$TMP/slowbin/bin/anju-$s"
		chmod +x "$TMP/slowbin/bin/anju-$s"
	done
	ln -s "$ANJU_BIN/../share" "$TMP/slowbin/share"
	RUN="$TMP/slowbin/bin/anju-run"
}

# wait_for_stage PID STAGE: until anju-STAGE runs as a child of PID.
# Prints the stage's pid; fails if PID ends first.
wait_for_stage() {
	local child
	for _ in $(seq 1 3000); do
		child=$(pgrep -P "$1" -x "anju-$2" | head -n 1)
		if [ -n "$child" ]; then
			echo "$child"
			return 0
		fi
		kill -0 "$1" 2>/dev/null || break
		sleep 0.002
	done
	echo "anju-$2 was never seen running under pid $1" >&2
	return 1
}

@test "run: --help, --version and usage errors" {
	run "$RUN" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: anju-run"* ]]
	[[ "$output" == *"--inbox DIR --runs DIR"* ]]
	run "$RUN" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "anju-run "[0-9]* ]]
	run "$RUN" --bogus
	[ "$status" -eq 64 ]
	[[ "$output" == *"anju-run: --bogus: unknown option"* ]]
	run "$RUN" --platform a.csv --out "$TMP/o"
	[ "$status" -eq 64 ]
	run "$RUN" --inbox "$TMP" --runs "$TMP/r" --out "$TMP/o"
	[ "$status" -eq 64 ]
	run "$RUN" --inbox "$TMP" --runs "$TMP/r" --keep 0
	[ "$status" -eq 64 ]
	run "$RUN" --inbox "$TMP" --runs "$TMP/r" --as-of 2020-02-30
	[ "$status" -eq 64 ]
	[ ! -e "$TMP/r" ]
}

@test "run: two nights, diff.csv has the right new, resolved and persisting findings" {
	nightly_inbox 1 200
	nightly --as-of 2020-11-01
	[ "$status" -eq 0 ]
	[ "$(runs_state)" = "2020-11-01 -> 2020-11-01" ]
	# The first night has nothing to compare with: every finding is new.
	[ "$(grep -c '^new,' "$TMP/runs/2020-11-01/diff.csv")" -gt 0 ]
	run grep -v '^new,\|^change,' "$TMP/runs/2020-11-01/diff.csv"
	[ "$status" -eq 1 ]

	nightly_inbox 2 200
	nightly --as-of 2020-11-02
	[ "$status" -eq 0 ]
	[ "$(runs_state)" = "2020-11-01 2020-11-02 -> 2020-11-02" ]
	[[ "$output" == *"runs/2020-11-02: published"* ]]
	local one="$TMP/runs/2020-11-01" two="$TMP/runs/2020-11-02"
	finding_keys "$one/findings.csv" >"$TMP/f1"
	finding_keys "$two/findings.csv" >"$TMP/f2"

	# The designed changes, household by household.
	diff_rows "$two/diff.csv" resolved >"$TMP/resolved"
	diff_rows "$two/diff.csv" new >"$TMP/new"
	diff_rows "$two/diff.csv" persisting >"$TMP/persisting"
	for i in 3 13 103 193; do
		grep -qx "M01|H$(printf %05d $i)|.*" "$TMP/resolved"
		grep -qx "M01|H$(printf %05d $((i + 2)))|.*" "$TMP/new"
		grep -qx "V01|H$(printf %05d $((i + 1)))|1" "$TMP/persisting"
	done
	assert_eq 20 "$(grep -c '^M01|' "$TMP/resolved")"
	assert_eq 20 "$(grep -c '^M01|' "$TMP/new")"
	assert_eq 20 "$(grep -c '^V01|' "$TMP/persisting")"

	# And the counts agree with the two runs' own findings.
	assert_eq "$(comm -13 "$TMP/f1" "$TMP/f2" | wc -l)" \
		"$(wc -l <"$TMP/new")"
	assert_eq "$(comm -23 "$TMP/f1" "$TMP/f2" | wc -l)" \
		"$(wc -l <"$TMP/resolved")"
	assert_eq "$(comm -12 "$TMP/f1" "$TMP/f2" | wc -l)" \
		"$(wc -l <"$TMP/persisting")"

	# The manifest: the newest platform file only, its sha256, balanced
	# rows, every stage timed, the previous run named.
	local m="$two/manifest.json"
	assert_eq "2020-11-02" "$(json "$m" 'm["as_of"]')"
	assert_eq "2020-11-02" "$(json "$m" 'm["run"]')"
	assert_eq "$(readlink -f "$one")" "$(json "$m" 'm["previous"]')"
	assert_eq "platform_210921_20201102.csv roster_210921.csv" \
		"$(json "$m" '" ".join(i["name"] for i in m["inputs"])')"
	assert_eq "['platform_210921.csv']" \
		"$(json "$m" 'm["superseded_inputs"]')"
	assert_eq "$(sha256sum <"$TMP/inbox/platform_210921_20201102.csv" | cut -c1-64)" \
		"$(json "$m" 'm["inputs"][0]["sha256"]')"
	assert_eq "True" "$(json "$m" 'all(i["rows_read"] == i["rows_kept"] + i["rows_rejected"] for i in m["inputs"])')"
	assert_eq "200" "$(json "$m" 'm["inputs"][1]["rows_read"]')"
	assert_eq "ingest match verify diff report" \
		"$(json "$m" '" ".join(s["name"] for s in m["stages"])')"
	assert_eq "200" "$(json "$m" 'm["counts"]["households"]')"
	assert_eq "20" "$(json "$m" 'm["counts"]["by_status"]["无记录"]')"
	assert_eq "$(wc -l <"$TMP/new")" "$(json "$m" 'm["changes"]["new"]')"
	assert_eq "0" "$(json "$m" 'm["exit_status"]')"
	# One line per stage in the log, and nothing left behind.
	assert_eq 5 "$(grep -c '^anju-run: [a-z-]*: [0-9.]* s, exit 0$' <<<"$output")"
	[ -z "$(ls -A "$TMP/runs" | grep '^\.tmp-')" ]
}

@test "run: a second run the same day gets a suffix; --keep prunes the oldest" {
	nightly_inbox 1 20
	for day in 01 01 02 03; do
		nightly --as-of 2020-11-$day --keep 3
		[ "$status" -eq 0 ]
	done
	[ "$(runs_state)" = "2020-11-01-2 2020-11-02 2020-11-03 -> 2020-11-03" ]
	[[ "$output" == *"runs/2020-11-01: pruned"* ]]
	# Log-friendly: nothing on stdout, no progress lines off a terminal.
	local out
	out=$("$RUN" --inbox "$TMP/inbox" --runs "$TMP/runs" --as-of 2020-11-04 2>"$TMP/log")
	[ -z "$out" ]
	! grep -q ' \.\.\.$' "$TMP/log" || false
	assert_eq 5 "$(grep -c '^anju-run: [a-z-]*: [0-9.]* s, exit 0$' "$TMP/log")"
	grep -q '^anju-run: .*: pid [0-9]*, as of 2020-11-04$' "$TMP/log"
}

@test "run: nightly runs only go forward; a redo of the latest night compares with the night before" {
	nightly_inbox 1 20
	nightly --as-of 2020-11-01
	[ "$status" -eq 0 ]
	# files that just arrived may be half copied: the log says so
	[[ "$output" == *"roster_210921.csv: changed "*" s ago: if it was still being copied in, only part of it is read"* ]]
	nightly --as-of 2020-11-02
	[ "$status" -eq 0 ]
	# An earlier night is refused: latest would go back in time.
	nightly --as-of 2020-11-01
	[ "$status" -eq 64 ]
	[[ "$output" == *"as of 2020-11-01 is before the newest run, 2020-11-02"* ]]
	[ "$(runs_state)" = "2020-11-01 2020-11-02 -> 2020-11-02" ]
	# Redoing the latest night: published as -2, diffed with 2020-11-01.
	nightly --as-of 2020-11-02
	[ "$status" -eq 0 ]
	[ "$(runs_state)" = "2020-11-01 2020-11-02 2020-11-02-2 -> 2020-11-02-2" ]
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["previous"].endswith("/2020-11-01"), m["previous"]' \
		"$TMP/runs/latest/manifest.json"
	# Pruning leaves no half run behind, and the log names what the
	# inbox held but the night did not use.
	: > "$TMP/inbox/readme.txt"
	nightly --as-of 2020-11-03 --keep 1
	[ "$status" -eq 0 ]
	[ "$(runs_state)" = "2020-11-03 -> 2020-11-03" ]
	[ -z "$(ls -A "$TMP/runs" | grep -v -e '^2020-11-03$' -e '^latest$' -e '^\.lock$')" ]
	[[ "$output" == *"readme.txt: not an export, not used"* ]]
}

@test "run: a county's own pack sent back is not an export; a redo keeps history when the night before was pruned; latest must be a link" {
	nightly_inbox 1 20
	nightly --as-of 2020-11-01
	[ "$status" -eq 0 ]
	# a redo of the first night is still a first night: all new
	nightly --as-of 2020-11-01
	[ "$status" -eq 0 ]
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["previous"] is None, m["previous"]' \
		"$TMP/runs/latest/manifest.json"
	! grep -q '^persisting,' "$TMP/runs/latest/diff.csv"
	# the county returns its 问题清单 with its replies: ignored
	cp "$TMP/runs/latest/counties/210921/问题清单.csv" "$TMP/inbox/阜蒙县问题清单_整改回复.csv"
	nightly --as-of 2020-11-02 --keep 1
	[ "$status" -eq 0 ]
	[[ "$output" == *"阜蒙县问题清单_整改回复.csv: not an export, not used"* ]]
	assert_eq "20" "$(sqlite3 "$TMP/runs/latest/anju.db" "SELECT count(*) FROM roster_households")"
	# 2020-11-01 is pruned; a redo of 2020-11-02 compares with the run it
	# redoes, so first_seen stays 2020-11-01
	[ "$(runs_state)" = "2020-11-02 -> 2020-11-02" ]
	nightly --as-of 2020-11-02 --keep 1
	[ "$status" -eq 0 ]
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["previous"].endswith("/2020-11-02"), m["previous"]' \
		"$TMP/runs/latest/manifest.json"
	grep -q ',2020-11-01,1$' "$TMP/runs/latest/diff.csv"
	# a real folder where the link should be: refused before any stage
	local target
	target=$(readlink "$TMP/runs/latest")
	rm "$TMP/runs/latest"
	cp -a "$TMP/runs/$target" "$TMP/runs/latest"
	nightly --as-of 2020-11-03
	[ "$status" -eq 73 ]
	[[ "$output" == *"runs/latest: not a symbolic link"* ]]
	[ -z "$(ls -d "$TMP"/runs/2020-11-03* 2>/dev/null)" ]
}

@test "run: killed with SIGKILL in each stage, latest stays and the next run succeeds" {
	slow_stages
	nightly_inbox 1 15000
	nightly --as-of 2020-11-01
	[ "$status" -eq 0 ]
	nightly_inbox 2 15000
	local before pid stage stage_pid
	before=$(runs_state)
	for stage in ingest match verify diff report; do
		"$RUN" --inbox "$TMP/inbox" --runs "$TMP/runs" \
			--as-of 2020-11-02 2>"$TMP/log" &
		pid=$!
		stage_pid=$(wait_for_stage "$pid" "$stage")
		kill -KILL "$pid"
		wait "$pid" || true
		# The stage dies with its driver; nothing was published.
		for _ in $(seq 1 200); do
			kill -0 "$stage_pid" 2>/dev/null || break
			sleep 0.01
		done
		if kill -0 "$stage_pid" 2>/dev/null; then
			echo "anju-$stage outlived its killed driver" >&2
			false
		fi
		assert_eq "$before" "$(runs_state)"
		[ -n "$(ls -A "$TMP/runs" | grep '^\.tmp-')" ]
	done
	nightly --as-of 2020-11-02
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed what a killed run left"* ]]
	[ "$(runs_state)" = "2020-11-01 2020-11-02 -> 2020-11-02" ]
	[ -z "$(ls -A "$TMP/runs" | grep '^\.tmp-')" ]
	[ -s "$TMP/runs/latest/diff.csv" ]
}

@test "run: a stage killed with SIGKILL fails the run (70), which cleans up after itself" {
	slow_stages
	nightly_inbox 1 15000
	nightly --as-of 2020-11-01
	[ "$status" -eq 0 ]
	nightly_inbox 2 15000
	local before pid stage stage_pid rc
	before=$(runs_state)
	for stage in ingest match verify diff report; do
		"$RUN" --inbox "$TMP/inbox" --runs "$TMP/runs" \
			--as-of 2020-11-02 2>"$TMP/log" &
		pid=$!
		stage_pid=$(wait_for_stage "$pid" "$stage")
		kill -KILL "$stage_pid"
		rc=0
		wait "$pid" || rc=$?
		assert_eq 70 "$rc"
		grep -q "anju-run: $stage[a-z-]*: killed by signal 9" "$TMP/log"
		grep -q "nothing published" "$TMP/log"
		assert_eq "$before" "$(runs_state)"
		[ -z "$(ls -A "$TMP/runs" | grep '^\.tmp-')" ]
	done
}

@test "run: SIGTERM stops the stage, removes the temporary run and exits 70" {
	slow_stages
	nightly_inbox 1 15000
	"$RUN" --inbox "$TMP/inbox" --runs "$TMP/runs" --as-of 2020-11-01 \
		2>"$TMP/log" &
	local pid=$!
	wait_for_stage "$pid" match >/dev/null
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	assert_eq 70 "$rc"
	grep -q "stopped by signal 15; nothing published" "$TMP/log"
	assert_eq "-> " "$(runs_state)"
	[ -z "$(ls -A "$TMP/runs" | grep '^\.tmp-')" ]
}

@test "run: a second run while one holds the lock exits 75 naming its pid" {
	slow_stages
	nightly_inbox 1 15000
	"$RUN" --inbox "$TMP/inbox" --runs "$TMP/runs" --as-of 2020-11-01 \
		2>"$TMP/log" &
	local pid=$!
	wait_for_stage "$pid" ingest >/dev/null
	nightly --as-of 2020-11-01
	[ "$status" -eq 75 ]
	[[ "$output" == *"runs/.lock: another run (pid $pid) holds the lock"* ]]
	wait "$pid"
	# The first run was not disturbed and the second left nothing.
	[ "$(runs_state)" = "2020-11-01 -> 2020-11-01" ]
}

@test "run: two runs started together, one publishes and the other exits 75 or runs after" {
	nightly_inbox 1 500
	"$RUN" --inbox "$TMP/inbox" --runs "$TMP/runs" --as-of 2020-11-01 \
		2>"$TMP/log1" &
	local p1=$!
	"$RUN" --inbox "$TMP/inbox" --runs "$TMP/runs" --as-of 2020-11-01 \
		2>"$TMP/log2" &
	local p2=$! r1=0 r2=0
	wait "$p1" || r1=$?
	wait "$p2" || r2=$?
	# Whichever lost the race says who won.
	if [ "$r1" = 75 ]; then
		[ "$r2" = 0 ]
		grep -q "(pid $p2) holds the lock" "$TMP/log1"
		[ "$(runs_state)" = "2020-11-01 -> 2020-11-01" ]
	elif [ "$r2" = 75 ]; then
		[ "$r1" = 0 ]
		grep -q "(pid $p1) holds the lock" "$TMP/log2"
		[ "$(runs_state)" = "2020-11-01 -> 2020-11-01" ]
	else
		# One finished before the other started: two whole runs.
		[ "$r1" = 0 ] && [ "$r2" = 0 ]
		[ "$(runs_state)" = "2020-11-01 2020-11-01-2 -> 2020-11-01-2" ]
	fi
}

@test "run: unwritable runs folder gives 73 and no partial run" {
	nightly_inbox 1 20
	mkdir "$TMP/runs"
	if [ "$(id -u)" = 0 ]; then
		# root writes anywhere: run as nobody on a folder root owns.
		chmod 755 "$TMP" "$TMP/inbox"
		chmod 644 "$TMP"/inbox/*
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			test -x "$RUN" || skip "nobody cannot run $RUN"
		run setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$RUN" --inbox "$TMP/inbox" --runs "$TMP/runs"
	else
		chmod 555 "$TMP/runs"
		nightly
		chmod 755 "$TMP/runs"
	fi
	[ "$status" -eq 73 ]
	[[ "$output" == *"runs/.lock: cannot create the lock file"* ]]
	[ -z "$(ls -A "$TMP/runs")" ]
	# A runs path that is a file, or under one, is 73 too.
	touch "$TMP/file"
	run "$RUN" --inbox "$TMP/inbox" --runs "$TMP/file"
	[ "$status" -eq 73 ]
	run "$RUN" --inbox "$TMP/inbox" --runs "$TMP/file/runs"
	[ "$status" -eq 73 ]
}

@test "run: an inbox file anju cannot read, which may be an export, gives 66 naming it and publishes nothing" {
	nightly_inbox 1 20
	# recognised by its header only, as a county's own file name would be
	cp "$TMP"/inbox/platform_*.csv "$TMP/inbox/彰武县2020年导出.csv"
	chmod 600 "$TMP/inbox/彰武县2020年导出.csv"
	mkdir "$TMP/runs"
	if [ "$(id -u)" = 0 ]; then
		# root reads anything: run as nobody, the file root's own.
		chmod 755 "$TMP" "$TMP/inbox"
		chown 65534:65534 "$TMP/runs"
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			test -x "$RUN" || skip "nobody cannot run $RUN"
		for f in "$TMP"/inbox/*; do
			[ "$f" = "$TMP/inbox/彰武县2020年导出.csv" ] || chmod 644 "$f"
		done
		run setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$RUN" --inbox "$TMP/inbox" --runs "$TMP/runs"
	else
		chmod 000 "$TMP/inbox/彰武县2020年导出.csv"
		nightly
	fi
	[ "$status" -eq 66 ]
	[[ "$output" == *"彰武县2020年导出.csv: cannot read: Permission denied"* ]]
	[ -z "$(ls "$TMP/runs" | grep -v '^\.lock$')" ]
}

@test "run: a leftover the run cannot remove (another user's) is named every night, and the night goes on" {
	[ "$(id -u)" = 0 ] || skip "needs root to make another user's leftover"
	nightly_inbox 1 20
	mkdir -p "$TMP/runs/.tmp-pruned-2020-10-01/sub"
	touch "$TMP/runs/.tmp-pruned-2020-10-01/sub/anju.db"
	chmod 755 "$TMP" "$TMP/inbox"
	chmod 644 "$TMP"/inbox/*
	chown 65534:65534 "$TMP/runs"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		test -x "$RUN" || skip "nobody cannot run $RUN"
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$RUN" --inbox "$TMP/inbox" --runs "$TMP/runs" --as-of 2020-11-01
	[ "$status" -eq 0 ]
	[[ "$output" == *".tmp-pruned-2020-10-01: cannot remove what an earlier run left: Permission denied"* ]]
	[ -d "$TMP/runs/.tmp-pruned-2020-10-01" ]
	[ "$(runs_state)" = "2020-11-01 -> 2020-11-01" ]
}

@test "run: a previous run whose anju.db was deleted by hand is passed over for the one before it" {
	nightly_inbox 1 200
	nightly --as-of 2020-11-01
	[ "$status" -eq 0 ]
	nightly --as-of 2020-11-02
	[ "$status" -eq 0 ]
	rm "$TMP/runs/2020-11-02/anju.db"
	nightly_inbox 2 200
	nightly --as-of 2020-11-03
	[ "$status" -eq 0 ]
	[[ "$output" == *"runs/2020-11-02/anju.db: missing (deleted by hand?): passed over for an older run"* ]]
	assert_eq "$TMP/runs/2020-11-01" "$(json "$TMP/runs/2020-11-03/manifest.json" 'm["previous"]')"
	# persisting findings keep their first night
	grep -q ',2020-11-01,2$' "$TMP/runs/2020-11-03/diff.csv"
	# With no run left that has one, the night stops rather than start
	# every finding's history afresh without a word.
	rm "$TMP/runs/2020-11-01/anju.db" "$TMP/runs/2020-11-03/anju.db"
	nightly --as-of 2020-11-04
	[ "$status" -eq 66 ]
	[[ "$output" == *"no earlier run has its anju.db any more"* ]]
	[ "$(readlink "$TMP/runs/latest")" = 2020-11-03 ]
}

@test "run: a redo whose run lost its anju.db compares with an earlier run of the date, or stops; a file named like a date is no run" {
	nightly_inbox 1 200
	nightly --as-of 2020-11-01
	nightly --as-of 2020-11-02 --keep 2
	nightly --as-of 2020-11-02 --keep 2
	[ "$status" -eq 0 ]
	# 2020-11-01 is pruned; 2020-11-02 and 2020-11-02-2 carry the history.
	[ "$(runs_state)" = "2020-11-02 2020-11-02-2 -> 2020-11-02-2" ]
	rm "$TMP/runs/2020-11-02-2/anju.db"
	nightly --as-of 2020-11-02 --keep 2
	[ "$status" -eq 0 ]
	[[ "$output" == *"2020-11-02-2/anju.db: missing (deleted by hand?)"* ]]
	assert_eq "$TMP/runs/2020-11-02" "$(json "$TMP/runs/2020-11-02-3/manifest.json" 'm["previous"]')"
	# No run of the date left with its anju.db: stop, do not start afresh.
	rm "$TMP/runs/2020-11-02-3/anju.db"
	rm -f "$TMP/runs/2020-11-02/anju.db"
	nightly --as-of 2020-11-02 --keep 2
	[ "$status" -eq 66 ]
	[[ "$output" == *"no earlier run has its anju.db any more"* ]]
	# A stray file named like a run is ignored, with a word.
	rm -rf "$TMP/runs"
	nightly --as-of 2020-11-01
	touch "$TMP/runs/2020-11-02"
	nightly --as-of 2020-11-03
	[ "$status" -eq 0 ]
	[[ "$output" == *"runs/2020-11-02: not a run folder: ignored"* ]]
	assert_eq "$TMP/runs/2020-11-01" "$(json "$TMP/runs/2020-11-03/manifest.json" 'm["previous"]')"
}

@test "run: a missing input gives 66 and publishes nothing" {
	nightly_inbox 1 20
	run "$RUN" --platform "$TMP/inbox/platform_210921.csv" \
		--roster "$TMP/inbox/no_such_roster.csv" --out "$TMP/out"
	[ "$status" -eq 66 ]
	[[ "$output" == *"no_such_roster.csv: No such file or directory"* ]]
	[ ! -e "$TMP/out" ]
	[ -z "$(ls -A "$TMP" | grep '^\.out\.tmp-')" ]
	# Nightly: an inbox with no roster export.
	nightly --as-of 2020-11-01
	[ "$status" -eq 0 ]
	rm "$TMP/inbox/roster_210921.csv"
	nightly --as-of 2020-11-02
	[ "$status" -eq 66 ]
	[[ "$output" == *"no roster export"* ]]
	[ "$(runs_state)" = "2020-11-01 -> 2020-11-01" ]
	run "$RUN" --inbox "$TMP/no_inbox" --runs "$TMP/runs"
	[ "$status" -eq 66 ]
}

@test "run: a stage's failure code is passed on and nothing is published" {
	nightly_inbox 1 20
	nightly --as-of 2020-11-01
	[ "$status" -eq 0 ]
	# An XLSX saved with a .csv name: ingest refuses it with 65.
	printf 'PK\003\004\024\000\006\000\010\000\000\000!\000' \
		>"$TMP/inbox/roster_210921.csv"
	touch -d '+2 minutes' "$TMP/inbox/roster_210921.csv"
	nightly --as-of 2020-11-02
	[ "$status" -eq 65 ]
	[[ "$output" == *"roster_210921.csv"* ]]
	[[ "$output" == *"nothing published"* ]]
	[ "$(runs_state)" = "2020-11-01 -> 2020-11-01" ]
	[ -z "$(ls -A "$TMP/runs" | grep '^\.tmp-')" ]
}

@test "run: explicit mode, several files per option, -- and an existing --out" {
	make_exports "$TMP/a" 1 30
	mkdir -p "$TMP/b"
	# The roster split in two files, one with a name like an option.
	head -n 16 "$TMP/a/roster_210921.csv" >"$TMP/b/-r1.csv"
	{ head -n 1 "$TMP/a/roster_210921.csv"; tail -n +17 "$TMP/a/roster_210921.csv"; } >"$TMP/b/r2.csv"
	cd "$TMP/b"
	run "$RUN" --as-of 2020-11-01 --out "$TMP/out" \
		--platform "$TMP/a/platform_210921.csv" --roster r2.csv -- -r1.csv
	[ "$status" -eq 0 ]
	[[ "$output" == *"published $TMP/out"* ]]
	for f in anju.db findings.csv households.csv summary.csv manifest.json; do
		[ -s "$TMP/out/$f" ]
	done
	assert_eq "explicit" "$(json "$TMP/out/manifest.json" 'm["mode"]')"
	assert_eq "3" "$(json "$TMP/out/manifest.json" 'len(m["inputs"])')"
	assert_eq "30" "$(json "$TMP/out/manifest.json" 'm["counts"]["households"]')"
	# Never overwritten.
	run "$RUN" --platform "$TMP/a/platform_210921.csv" \
		--roster "$TMP/a/roster_210921.csv" --out "$TMP/out"
	[ "$status" -eq 73 ]
	[[ "$output" == *"never overwrites"* ]]
	# An empty folder is fine, and a previous run gives a diff.
	mkdir "$TMP/empty"
	run "$RUN" --as-of 2020-11-02 --previous "$TMP/out" --out "$TMP/empty" \
		--platform "$TMP/a/platform_210921.csv" --roster "$TMP/a/roster_210921.csv"
	[ "$status" -eq 0 ]
	[ -s "$TMP/empty/diff.csv" ]
}

@test "run: the generated sample, nightly: accounting and statuses as gen.py's truth says" {
	[ -f "$TESTDATA/gen.py" ] || skip "testdata/gen.py not there"
	python3 "$TESTDATA/gen.py" --households 300 --seed 7 --out "$TMP/gen"
	mkdir "$TMP/inbox"
	cp "$TMP"/gen/*.csv "$TMP/inbox/"
	nightly --as-of "$(cat "$TMP/gen/truth/as_of.txt")"
	[ "$status" -eq 0 ]
	local m="$TMP/runs/latest/manifest.json"
	# Every file, as the manifest tells it, against the truth.
	assert_eq "$(tail -n +2 "$TMP/gen/truth/expected_accounting.csv" | sort)" \
		"$(json "$m" '"\n".join(sorted("%s,%d,%d,%d" % (i["name"], i["rows_read"], i["rows_kept"], i["rows_rejected"]) for i in m["inputs"]))')"
	assert_eq "$(python3 -c 'import csv, collections, sys; c = collections.Counter(r["status"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))); print(sorted(c.items()))' "$TMP/gen/truth/expected_status.csv")" \
		"$(json "$m" 'sorted((k, v) for k, v in m["counts"]["by_status"].items() if v)')"
	[ -d "$TMP/runs/latest/counties" ]
}

@test "run: inbox files whose names say nothing are recognised by their header" {
	mkdir -p "$TMP/inbox"
	cp "$TESTDATA/sample/platform_210904.csv" "$TMP/inbox/太平区2020年档案.csv"
	cp "$TESTDATA/sample/platform_210921.csv" "$TMP/inbox/阜蒙县导出.csv"
	cp "$TESTDATA/sample/platform_210922.csv" "$TMP/inbox/platform_210922.csv"
	cp "$TESTDATA/sample/roster_household.csv" "$TMP/inbox/名单甲.csv"
	cp "$TESTDATA/sample/roster_person.csv" "$TMP/inbox/名单乙.csv"
	cp "$TESTDATA/sample/members.csv" "$TMP/inbox/成员.csv"
	echo "说明" > "$TMP/inbox/说明.txt"
	nightly --as-of 2020-12-31
	[ "$status" -eq 0 ]
	local m="$TMP/runs/latest/manifest.json"
	assert_eq "members 成员.csv
platform platform_210922.csv
platform 太平区2020年档案.csv
platform 阜蒙县导出.csv
roster 名单乙.csv
roster 名单甲.csv" "$(json "$m" '"\n".join(sorted(i["kind"] + " " + i["name"] for i in m["inputs"]))')"
	# The same households as the sample's truth.
	run python3 "$TESTDATA/score.py" --min-precision 1 --min-recall 1 \
		--min-status 1 "$TESTDATA/sample" "$TMP/runs/latest"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "report: a disk that fills while the workbooks are written leaves none cut short" {
	[ -f "$TESTDATA/gen.py" ] || skip "testdata/gen.py not there"
	python3 "$TESTDATA/gen.py" --households 3000 --seed 5 --prefix 2109 \
		--roster-layout household --out "$TMP/gen" >/dev/null
	run "$RUN" --platform "$TMP/gen"/platform_*.csv --roster "$TMP/gen"/roster_*.csv \
		--members "$TMP/gen"/members.csv --as-of 2020-12-31 --out "$TMP/run"
	[ "$status" -eq 0 ]
	# libxlsxwriter writes each sheet to a scratch file it does not check;
	# with these limits a sheet is cut short while the zip still fits.
	seen=""
	for k in 12 14 16 18 24 32; do
		rm -rf "$TMP/w" && mkdir "$TMP/w" && cp "$TMP/run/anju.db" "$TMP/w/"
		run bash -c 'trap "" XFSZ; ulimit -f "$1"; shift; exec "$@"' _ "$k" \
			"$ANJU_BIN/anju-report" --db "$TMP/w/anju.db" --out "$TMP/w"
		[ "$status" -eq 0 ] || [ "$status" -eq 73 ]
		seen="$seen $status"
		python3 - "$TMP/w" <<'PYEOF'
import glob, sys, zipfile, xml.dom.minidom
for f in glob.glob(sys.argv[1] + '/counties/*/*.xlsx'):
    z = zipfile.ZipFile(f)
    for part in z.namelist():
        if part.endswith('.xml') or part.endswith('.rels'):
            xml.dom.minidom.parseString(z.read(part))
PYEOF
	done
	# both sides were reached: some limits failed the report, some did not
	[[ "$seen" == *73* && "$seen" == *" 0"* ]]
}

@test "match, verify, diff: a journal write that fails gives 73 and leaves the workspace as it was" {
	shim="$ANJU_BIN/../tests/journal_write_fails.so"
	[ -f "$shim" ] || skip "$shim is built by make check"
	s="$TESTDATA/sample"
	run "$RUN" --platform "$s"/platform_*.csv --roster "$s"/roster_*.csv \
		--members "$s"/members.csv --as-of 2020-12-31 --out "$TMP/run"
	[ "$status" -eq 0 ]
	for stage in match verify diff; do
		for n in 1 3 8; do
			cp "$TMP/run/anju.db" "$TMP/ws.db"
			before=$(sqlite3 "$TMP/ws.db" .dump | md5sum)
			out=(--out "$TMP")
			[ "$stage" != match ] || out=()
			run env LD_PRELOAD="$shim" ANJU_FAIL_WRITE="$n" \
				ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
				"$ANJU_BIN/anju-$stage" --db "$TMP/ws.db" --as-of 2021-03-01 "${out[@]}"
			[ "$status" -eq 73 ] || { echo "$stage N=$n: exit $status: $output"; false; }
			[[ "$output" == *"anju-$stage: "*"disk I/O error"* ]]
			# the as-of date too: a later report would carry the new one
			assert_eq "$before" "$(sqlite3 "$TMP/ws.db" .dump | md5sum)"
		done
	done
}

# Shared setup for the end-to-end tests: the real executables from
# $ANJU_BIN (make e2e sets it), a fresh temporary directory per test.

: "${ANJU_BIN:=$BATS_TEST_DIRNAME/../../build/bin}"
TESTDATA="$BATS_TEST_DIRNAME/../../testdata"

setup() {
	TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/anju-e2e.XXXXXX")"
	WS="$TMP/anju.db"
}

teardown() {
	rm -rf "$TMP"
}

# q SQL: run a query on the workspace, '|'-separated output.
q() {
	sqlite3 -batch "$WS" "$1"
}

# Every file's accounting must balance: read = kept + rejected, and the
# kept and rejected counts must equal the rows actually stored.
assert_accounting_balances() {
	local bad
	bad=$(q "SELECT f.name FROM input_files f WHERE f.rows_read <> f.rows_kept + f.rows_rejected
	  OR f.rows_rejected <> (SELECT count(*) FROM rejects r WHERE r.file_id = f.file_id)
	  OR f.rows_kept <> (SELECT count(*) FROM platform_records p WHERE p.file_id = f.file_id)
	     + (SELECT count(*) FROM members m WHERE m.file_id = f.file_id)
	     + (SELECT count(*) FROM roster_households h WHERE h.file_id = f.file_id
	        AND (f.layout IS NOT 'person'))")
	if [ -n "$bad" ]; then
		echo "accounting does not balance for: $bad" >&2
		return 1
	fi
	# anju-ingest cascades a replaced file's rows by a trigger, not by
	# the foreign keys: no row may be left naming a file that is gone.
	bad=$(q "PRAGMA foreign_key_check")
	if [ -n "$bad" ]; then
		echo "rows of files no longer in input_files: $bad" >&2
		return 1
	fi
}

# assert_eq EXPECTED ACTUAL
assert_eq() {
	if [ "$1" != "$2" ]; then
		printf 'expected: %s\nactual:   %s\n' "$1" "$2" >&2
		return 1
	fi
}

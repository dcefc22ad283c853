-- anju workspace, schema version 3.
--
-- One SQLite file per run. Stages apply this file when user_version is
-- below 3; everything is IF NOT EXISTS so applying it twice is harmless
-- (version 2 only added the *_copies indexes: a version 1 workspace is
-- brought up to date by applying this file; version 3 added
-- finding_changes.previous_county_code, which db.c adds to an older
-- table after applying this file).
-- Tables are STRICT so a wrong type is an error, not a silent conversion.
-- A CHECK on a set of values is written x = 'a' OR x = 'b': SQLite 3.40
-- builds x IN ('a', 'b') as a temporary table for every row inserted,
-- which costs more than the rest of the insert.
-- Dates are ISO text (YYYY-MM-DD); codes are text (leading zeros matter).

PRAGMA foreign_keys = ON;

-- One row per input file ingested. A re-run of the same file (same real
-- path or same sha256 within a kind) replaces its row and, by cascade,
-- every row and finding that came from it.
CREATE TABLE IF NOT EXISTS input_files (
	file_id       INTEGER PRIMARY KEY,
	kind          TEXT NOT NULL CHECK (kind = 'platform' OR kind = 'roster'
	                                   OR kind = 'members'),
	path          TEXT NOT NULL,          -- real path at ingest time
	name          TEXT NOT NULL,          -- base name, used in "source"
	sha256        TEXT NOT NULL,
	encoding      TEXT NOT NULL,
	delimiter     TEXT NOT NULL,
	header_line   INTEGER NOT NULL,
	layout        TEXT,                   -- roster: 'person' or 'household'
	rows_read     INTEGER NOT NULL,
	rows_kept     INTEGER NOT NULL,
	rows_rejected INTEGER NOT NULL,
	ingested_at   TEXT NOT NULL,
	CHECK (rows_read = rows_kept + rows_rejected)
) STRICT;

-- Rows that could not be used at all.
CREATE TABLE IF NOT EXISTS rejects (
	file_id INTEGER NOT NULL REFERENCES input_files ON DELETE CASCADE,
	line    INTEGER NOT NULL,
	reason  TEXT NOT NULL,
	raw     TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS rejects_file ON rejects (file_id, line);

-- Platform records (SPEC 2.1), normalised. Raw spellings are kept beside
-- the values an analyst is most likely to question.
CREATE TABLE IF NOT EXISTS platform_records (
	record_key        INTEGER PRIMARY KEY,
	file_id           INTEGER NOT NULL REFERENCES input_files ON DELETE CASCADE,
	line              INTEGER NOT NULL,
	record_id         TEXT NOT NULL,      -- 档案编号, or FILE:LINE if absent
	county            TEXT,
	township          TEXT,
	village           TEXT,
	county_code       TEXT,
	township_code     TEXT,
	village_code      TEXT,
	head_name         TEXT,               -- SPEC 3 normalised
	head_name_raw     TEXT,
	head_id           TEXT,               -- idcard.h normalised
	head_id_raw       TEXT,
	head_id_state     TEXT NOT NULL,      -- idcard.h id_state_name()
	head_id_known     INTEGER NOT NULL,   -- trusted leading characters
	household_size    INTEGER,
	household_type    TEXT,               -- canonical, schemas/values.tsv
	safety_grade      TEXT CHECK (safety_grade = 'A' OR safety_grade = 'B'
	                       OR safety_grade = 'C' OR safety_grade = 'D'),
	appraisal_date    TEXT,
	renovation_type   TEXT,
	build_mode        TEXT,
	area_m2           REAL,
	subsidy_yuan      REAL,
	start_date        TEXT,
	completion_date   TEXT,
	acceptance_date   TEXT,
	acceptance_result TEXT CHECK (acceptance_result = 'pass'
	                       OR acceptance_result = 'fail'),
	safety_means      TEXT,
	safety_category   TEXT,               -- 鉴定安全 / 改造安全 / 保障安全
	verified          INTEGER,            -- 1 yes, 0 no, NULL not given
	photos_materials  INTEGER,
	photos_training   INTEGER,
	photos_foundation INTEGER,
	photos_completion INTEGER,
	toilet            INTEGER,
	plan_year         INTEGER,
	row_hash          INTEGER NOT NULL,   -- of the normalised values, for D09
	duplicate_of      INTEGER             -- record_key of the first copy (D09)
) STRICT;
CREATE INDEX IF NOT EXISTS platform_file ON platform_records (file_id);
-- D09 copies are few: a partial index finds them without reading the
-- table, and costs an insert nothing when duplicate_of is NULL.
CREATE INDEX IF NOT EXISTS platform_copies ON platform_records (duplicate_of)
	WHERE duplicate_of IS NOT NULL;

-- Roster households (SPEC 2.2), one row per household whichever layout
-- the export had.
CREATE TABLE IF NOT EXISTS roster_households (
	household_key  INTEGER PRIMARY KEY,
	file_id        INTEGER NOT NULL REFERENCES input_files ON DELETE CASCADE,
	line           INTEGER NOT NULL,      -- the household row, or its 户主 row
	household_id   TEXT NOT NULL,
	county         TEXT,
	township       TEXT,
	village        TEXT,
	county_code    TEXT,
	township_code  TEXT,
	village_code   TEXT,
	head_name      TEXT,
	head_name_raw  TEXT,
	head_id        TEXT,
	head_id_raw    TEXT,
	head_id_state  TEXT NOT NULL,
	head_id_known  INTEGER NOT NULL,
	household_size INTEGER,
	poverty_attr   TEXT,
	poverty_status TEXT,
	row_hash       INTEGER NOT NULL,
	duplicate_of   INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS roster_file ON roster_households (file_id);
CREATE INDEX IF NOT EXISTS roster_copies ON roster_households (duplicate_of)
	WHERE duplicate_of IS NOT NULL;

-- Household members (SPEC 2.3): from a members export, or the rows of a
-- person-level roster (the 户主 row included, relation '户主').
CREATE TABLE IF NOT EXISTS members (
	member_key   INTEGER PRIMARY KEY,
	file_id      INTEGER NOT NULL REFERENCES input_files ON DELETE CASCADE,
	line         INTEGER NOT NULL,
	household_id TEXT NOT NULL,
	name         TEXT,
	name_raw     TEXT,
	id           TEXT,
	id_raw       TEXT,
	id_state     TEXT NOT NULL,
	id_known     INTEGER NOT NULL,
	relation     TEXT,
	-- the place of a person-level roster row (NULL for a members export):
	-- a household without a 户主 row takes it from its first person
	county_code   TEXT,
	township_code TEXT,
	village_code  TEXT,
	row_hash     INTEGER NOT NULL,
	duplicate_of INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS members_file ON members (file_id);
CREATE INDEX IF NOT EXISTS members_household ON members (household_id);
CREATE INDEX IF NOT EXISTS members_copies ON members (duplicate_of)
	WHERE duplicate_of IS NOT NULL;

-- Every finding of every stage (SPEC 5). stage tells which stage wrote it,
-- so a stage re-run replaces only its own; file_id ties ingest findings to
-- their file so a re-ingest replaces them.
CREATE TABLE IF NOT EXISTS findings (
	finding_key   INTEGER PRIMARY KEY,
	stage         TEXT NOT NULL CHECK (stage = 'ingest' OR stage = 'match'
	                                   OR stage = 'verify'),
	file_id       INTEGER REFERENCES input_files ON DELETE CASCADE,
	code          TEXT NOT NULL,
	severity      TEXT NOT NULL CHECK (severity = 'high' OR severity = 'medium'
	                                   OR severity = 'low'),
	county_code   TEXT,
	township_code TEXT,
	village_code  TEXT,
	household_id  TEXT,
	record_id     TEXT,
	head_id       TEXT,
	head_name     TEXT,
	detail        TEXT NOT NULL,
	source        TEXT NOT NULL,          -- FILE:LINE
	-- what the finding is about, for joins: one of these is set
	record_key    INTEGER,
	household_key INTEGER,
	member_key    INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS findings_stage ON findings (stage, code);
CREATE INDEX IF NOT EXISTS findings_file ON findings (file_id);
CREATE INDEX IF NOT EXISTS findings_household ON findings (household_id);

-- anju-match: which platform records belong to which roster household.
CREATE TABLE IF NOT EXISTS matches (
	household_key INTEGER NOT NULL,
	record_key    INTEGER NOT NULL,
	method        TEXT NOT NULL,   -- id, member, repair_15, repair_000,
	                               -- repair_sci, repair_digit, repair_swap
	evidence      TEXT NOT NULL,   -- which fields agreed
	corrected_id  TEXT,            -- for repairs
	PRIMARY KEY (household_key, record_key)
) STRICT;
CREATE INDEX IF NOT EXISTS matches_record ON matches (record_key);

-- anju-match: same name, same village, two valid IDs (M09).
CREATE TABLE IF NOT EXISTS review_candidates (
	household_key INTEGER NOT NULL,
	record_key    INTEGER NOT NULL,
	reason        TEXT NOT NULL,
	PRIMARY KEY (household_key, record_key)
) STRICT;

-- anju-verify: one status per roster household (SPEC 6).
CREATE TABLE IF NOT EXISTS household_status (
	household_key INTEGER PRIMARY KEY,
	household_id  TEXT NOT NULL,
	status        TEXT NOT NULL CHECK (status = '鉴定安全' OR status = '改造安全'
	              OR status = '保障安全' OR status = '改造中' OR status = '未保障'
	              OR status = '无记录' OR status = '待核实'),
	record_key    INTEGER,         -- the record the status rests on
	match_method  TEXT
) STRICT;

-- Key/value facts about the run (as-of date, stage timings ...).
CREATE TABLE IF NOT EXISTS run_info (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

-- anju-diff: the date each finding identity was first seen, carried from
-- run to run (a persisting finding inherits it from the previous run's
-- table) so days_open is right after any number of runs. finding_id is
-- diff_finding_key(): code + household_id, or for a platform record alone
-- code + its normalised head ID.
CREATE TABLE IF NOT EXISTS finding_history (
	finding_id TEXT PRIMARY KEY,
	code       TEXT NOT NULL,
	first_seen TEXT NOT NULL       -- YYYY-MM-DD
) STRICT;

-- anju-diff: this run's findings compared with the previous run's, one row
-- per finding identity (diff.csv; read by anju-report for 变化). A
-- resolved row carries the previous run's finding.
CREATE TABLE IF NOT EXISTS finding_changes (
	finding_id    TEXT PRIMARY KEY,
	change        TEXT NOT NULL CHECK (change = 'new' OR change = 'resolved'
	              OR change = 'persisting'),
	code          TEXT NOT NULL,
	severity      TEXT NOT NULL,
	county_code   TEXT,
	township_code TEXT,
	village_code  TEXT,
	household_id  TEXT,
	record_id     TEXT,
	head_id       TEXT,
	head_name     TEXT,
	detail        TEXT NOT NULL,
	source        TEXT NOT NULL,
	first_seen    TEXT NOT NULL,
	days_open     INTEGER NOT NULL,
	-- the county of the previous run's finding (persisting, resolved):
	-- a household that moved county still shows in the old one's 变化
	previous_county_code TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS finding_changes_county
	ON finding_changes (county_code, change);

PRAGMA user_version = 3;

-- A small workspace for tests/e2e/report.bats, loaded with the sqlite3 CLI
-- after schemas/workspace.sql: two counties of Fuxin (210921 阜新蒙古族自治县,
-- 210922 彰武县), a household whose county did not resolve, findings of
-- every kind of owner and a malicious cell in the inputs.
INSERT INTO input_files (file_id, kind, path, name, sha256, encoding,
	delimiter, header_line, rows_read, rows_kept, rows_rejected,
	ingested_at)
VALUES (1, 'roster', '/in/roster.csv', 'roster.csv', 'aa', 'UTF-8', ',', 1,
	6, 5, 1, '2020-12-31T00:00:00'),
       (2, 'platform', '/in/platform_210921.csv', 'platform_210921.csv',
	'bb', 'UTF-8', ',', 1, 1, 1, 0, '2020-12-31T00:00:00');

INSERT INTO rejects (file_id, line, reason, raw) VALUES
	(1, 7, 'wrong number of fields', '=HYPERLINK("http://x","y"),3');

INSERT INTO roster_households (household_key, file_id, line, household_id,
	county, township, village, county_code, township_code, village_code,
	head_name, head_id, head_id_state, head_id_known, row_hash)
VALUES
 (1, 1, 2, 'H210921001', '阜新蒙古族自治县', '佛寺镇', '佛寺村', '210921',
  '210921100', '210921100201', '王小明', '210921196508120013', 'valid', 18,
  1),
 (2, 1, 3, 'H210921002', '阜新蒙古族自治县', '佛寺镇', '佛寺村', '210921',
  '210921100', '210921100201', '李四', '210921195001010014', 'valid', 18,
  2),
 (3, 1, 4, 'H210921003', '阜新蒙古族自治县', '大巴镇', '大巴村', '210921',
  '210921101', '210921101201', '赵六', '21092119550505001X', 'valid', 18,
  3),
 (4, 1, 5, 'H210922001', '彰武县', '章古台镇', '章古台村', '210922',
  '210922100', '210922100201', '孙七', '210922196001010027', 'valid', 18,
  4),
 (5, 1, 6, 'H000000001', '不存在县', '', '', NULL, NULL, NULL, '周八',
  '210922197001010021', 'valid', 18, 5);

INSERT INTO household_status (household_key, household_id, status,
	match_method)
VALUES (1, 'H210921001', '无记录', NULL),
       (2, 'H210921002', '鉴定安全', 'id'),
       (3, 'H210921003', '改造安全', 'id'),
       (4, 'H210922001', '未保障', 'id'),
       (5, 'H000000001', '鉴定安全', 'id');

INSERT INTO findings (stage, code, severity, county_code, township_code,
	village_code, household_id, record_id, head_id, head_name, detail,
	source)
VALUES
 ('match', 'M01', 'high', '210921', '210921100', '210921100201',
  'H210921001', NULL, '210921196508120013', '王小明',
  '花名册户主（210921196508120013）在平台无危房改造档案（漏录）',
  'roster.csv:2'),
 ('match', 'M02', 'high', '210921', '210921101', '210921101201', NULL,
  '佛寺镇危改字[2020]12号', '210921198001010011', '钱九',
  '平台建档立卡户户主不在花名册', 'platform_210921.csv:2'),
 ('verify', 'V01', 'high', '210922', '210922100', '210922100201',
  'H210922001', 'R4', '210922196001010027', '=HYPERLINK("http://x","y")',
  '-1+1 C级危房未改造', 'platform_210922.csv:5'),
 ('ingest', 'D05', 'medium', NULL, NULL, NULL, 'H000000001', NULL,
  '210922197001010021', '周八', '县区名称"不存在县"无法识别',
  'roster.csv:6');

INSERT OR REPLACE INTO run_info (key, value) VALUES ('as_of', '2020-12-31');

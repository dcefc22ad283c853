#!/usr/bin/env python3
"""score.py - score an anju run against the generator's truth.

    score.py EXPECTED_DIR OUT_DIR [--min-precision P] [--min-recall R]
             [--min-status S] [--show N]

EXPECTED_DIR is a folder made by gen.py (or its truth/ folder); OUT_DIR is
the run's output folder with findings.csv and households.csv (SPEC 7).

A finding matches an expected one when the codes are equal and, when the
expected row has a household_id, the household_ids are equal, else the
head_ids are (findings about a platform record alone).  Each finding
matches at most one expected row.  Prints TP, FP, FN, precision and recall
per code and the household status accuracy; exits 1 when a code is below
--min-precision or --min-recall or the accuracy below --min-status, 2 when
a file is missing or unreadable, else 0.
"""
import argparse
import csv
import os
import sys


def read_rows(path, need):
    """Rows of the CSV at PATH as dicts; exits 2 when a column in NEED is
    missing.  Accepts a UTF-8 BOM."""
    try:
        with open(path, encoding='utf-8-sig', newline='') as f:
            rd = csv.DictReader(f)
            missing = [c for c in need if c not in (rd.fieldnames or ())]
            if missing:
                fail('%s: missing column %s' % (path, ', '.join(missing)))
            return list(rd)
    except OSError as e:
        fail('%s: %s' % (path, e.strerror))


def fail(msg):
    """Print MSG and exit 2: the scoring itself could not be done."""
    print('score.py: ' + msg, file=sys.stderr)
    sys.exit(2)


def truth_dir(d):
    t = os.path.join(d, 'truth')
    return t if os.path.isdir(t) else d


def match_findings(expected, actual):
    """Pair expected and actual findings.  Returns {code: [tp, fp_rows,
    fn_rows]} with the unmatched rows kept for the report."""
    by_household, by_head = {}, {}
    for i, a in enumerate(actual):
        code = a['code'].strip()
        hid = a['household_id'].strip()
        if hid:
            by_household.setdefault((code, hid), []).append(i)
        by_head.setdefault((code, a['head_id'].strip()), []).append(i)
    used = [False] * len(actual)
    result = {}

    def take(ids):
        while ids:
            i = ids.pop()
            if not used[i]:
                used[i] = True
                return True
        return False

    # Household findings first: they are the more specific key.
    order = sorted(expected, key=lambda e: e['household_id'] == '')
    for e in order:
        code = e['code']
        r = result.setdefault(code, [0, [], []])
        if e['household_id']:
            hit = take(by_household.get((code, e['household_id']), []))
        else:
            hit = take(by_head.get((code, e['head_id']), []))
        if hit:
            r[0] += 1
        else:
            r[2].append(e)
    for i, a in enumerate(actual):
        if not used[i]:
            result.setdefault(a['code'].strip(), [0, [], []])[1].append(a)
    return result


def ratio(num, den):
    return num / den if den else 1.0


def main(argv=None):
    ap = argparse.ArgumentParser(
        description='Score an anju run against gen.py truth.')
    ap.add_argument('expected_dir')
    ap.add_argument('out_dir')
    ap.add_argument('--min-precision', type=float, default=0.98)
    ap.add_argument('--min-recall', type=float, default=0.98)
    ap.add_argument('--min-status', type=float, default=0.99)
    ap.add_argument('--show', type=int, default=5,
                    help='misses listed per failing code (default 5)')
    args = ap.parse_args(argv)
    t = truth_dir(args.expected_dir)
    expected = read_rows(os.path.join(t, 'expected_findings.csv'),
                         ('code', 'household_id', 'head_id'))
    exp_status = read_rows(os.path.join(t, 'expected_status.csv'),
                           ('household_id', 'status'))
    actual = read_rows(os.path.join(args.out_dir, 'findings.csv'),
                       ('code', 'household_id', 'head_id'))
    households = read_rows(os.path.join(args.out_dir, 'households.csv'),
                           ('household_id', 'status'))

    result = match_findings(expected, actual)
    failed = []
    print('%-5s %7s %7s %7s %9s %7s' % ('code', 'TP', 'FP', 'FN',
                                         'precision', 'recall'))
    for code in sorted(result):
        tp, fps, fns = result[code]
        p = ratio(tp, tp + len(fps))
        r = ratio(tp, tp + len(fns))
        bad = p < args.min_precision or r < args.min_recall
        print('%-5s %7d %7d %7d %9.4f %7.4f%s' % (code, tp, len(fps),
                                                  len(fns), p, r,
                                                  '  FAIL' if bad else ''))
        if bad:
            failed.append(code)

    got = {h['household_id'].strip(): h['status'].strip() for h in households}
    wrong = [(e['household_id'], e['status'], got.get(e['household_id']))
             for e in exp_status if got.get(e['household_id']) != e['status']]
    acc = ratio(len(exp_status) - len(wrong), len(exp_status))
    print('status accuracy %.4f (%d of %d households right)' %
          (acc, len(exp_status) - len(wrong), len(exp_status)))

    for code in failed:
        tp, fps, fns = result[code]
        print('\n%s misses:' % code)
        for e in fns[:args.show]:
            print('  FN household_id=%s head_id=%s' % (e['household_id'],
                                                       e['head_id']))
        for a in fps[:args.show]:
            print('  FP household_id=%s head_id=%s record_id=%s source=%s' %
                  (a.get('household_id', ''), a.get('head_id', ''),
                   a.get('record_id', ''), a.get('source', '')))
    if acc < args.min_status:
        print('\nstatus misses:')
        for hid, want, have in wrong[:args.show]:
            print('  %s expected %s, got %s' % (hid, want,
                                               have or '(missing)'))
    return 1 if failed or acc < args.min_status else 0


if __name__ == '__main__':
    sys.exit(main())

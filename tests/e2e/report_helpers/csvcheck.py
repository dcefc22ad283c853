#!/usr/bin/env python3
"""Read anju's CSV outputs the way a spreadsheet would, for report.bats.

  csvcheck.py column FILE NAME   values of column NAME, one a line (the
                                 header is the first row holding NAME)
  csvcheck.py formulas FILE...   print every cell a spreadsheet would read
                                 as a formula; exit 1 when there is one
  csvcheck.py xlsx-cell FILE.xlsx TEXT
                                 type of the cell whose text is TEXT after
                                 a LibreOffice conversion: "s" (text) or
                                 "n" (number); exit 1 when not found
  csvcheck.py xlsx-strings FILE.xlsx
                                 every cell's text, one a line, a number
                                 cell as "#N", a rate (a fraction from 0
                                 to 1, 核验率) as "%N"; exit 1 when a cell
                                 holds a formula or is another number
"""
import csv
import html
import re
import sys
import zipfile


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def column(path, name):
    col = None
    for row in rows(path):
        if col is None:
            if name in row:
                col = row.index(name)
            continue
        if len(row) > col:
            print(row[col])


def formulas(paths):
    bad = 0
    for path in paths:
        for n, row in enumerate(rows(path), 1):
            for cell in row:
                if cell[:1] in ("=", "+", "-", "@"):
                    print(f"{path}:{n}: {cell}")
                    bad = 1
    return bad


def xlsx_cell(path, text):
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        try:
            shared = z.read("xl/sharedStrings.xml").decode()
        except KeyError:
            shared = ""
    strings = [re.sub(r"<[^>]+>", "", si)
               for si in re.findall(r"<si>(.*?)</si>", shared, re.S)]
    for typ, value in re.findall(r'<c [^>]*?t="(\w+)"[^>]*>\s*<v>([^<]*)</v>',
                                 sheet):
        cell = strings[int(value)] if typ == "s" else value
        cell = cell.replace("&#9;", "\t")
        if cell.strip() == text or value == text:
            print(typ)
            return 0
    # a number LibreOffice made of it: 2.1092119650812E+017
    for value in re.findall(r'<c [^>]*?t="n"[^>]*>\s*<v>([^<]*)</v>', sheet):
        try:
            if abs(float(value) - float(text)) < 1e4:
                print("n")
                return 0
        except ValueError:
            pass
    return 1


def xlsx_strings(path):
    bad = 0
    with zipfile.ZipFile(path) as z:
        shared = z.read("xl/sharedStrings.xml").decode()
        strings = [html.unescape(re.sub(r"<[^>]+>", "", si))
                   for si in re.findall(r"<si>(.*?)</si>", shared, re.S)]
        sheets = [n for n in z.namelist()
                  if n.startswith("xl/worksheets/sheet")]
        for name in sorted(sheets):
            sheet = z.read(name).decode()
            if "<f>" in sheet or "<f " in sheet:
                bad = 1
            for attrs, value in re.findall(r"<c ([^>]*)>(.*?)</c>", sheet):
                v = re.search(r"<v>([^<]*)</v>", value)
                if 't="s"' in attrs:
                    print(strings[int(v.group(1))])
                elif 't=' not in attrs and v and \
                        re.fullmatch(r"\d{1,9}", v.group(1)):
                    print("#" + v.group(1))
                elif 't=' not in attrs and v and \
                        re.fullmatch(r"0\.\d+", v.group(1)):
                    print("%" + v.group(1))
                else:
                    bad = 1
    return bad


def main(argv):
    if len(argv) >= 4 and argv[1] == "column":
        column(argv[2], argv[3])
        return 0
    if len(argv) >= 3 and argv[1] == "formulas":
        return formulas(argv[2:])
    if len(argv) == 3 and argv[1] == "xlsx-strings":
        return xlsx_strings(argv[2])
    if len(argv) == 4 and argv[1] == "xlsx-cell":
        return xlsx_cell(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))

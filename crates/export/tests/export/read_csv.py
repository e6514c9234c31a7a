"""Reads every CSV file of a folder with Python's csv module (strict RFC 4180 quoting) and
prints them as JSON: {"file.csv": {"header": [...], "rows": [[...], ...]}}."""
import csv
import json
import pathlib
import sys

out = {}
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.csv")):
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f, strict=True)
        header = next(reader)
        rows = list(reader)
    for row in rows:
        if len(row) != len(header):
            sys.exit(f"{path.name}: a row has {len(row)} fields, the header {len(header)}")
    out[path.name] = {"header": header, "rows": rows}
json.dump(out, sys.stdout)

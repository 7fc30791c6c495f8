"""Checks a CIN census XML file with the community validator (csc-validator-be-cin) and prints one JSON object.

Usage: <venv>/bin/python scripts/validate-cin.py FILE.xml [RULESET]   (RULESET defaults to cin2025_26)

Prints {"ruleset", "childIssues": [...], "returnIssues": [...], "ruleErrors": [...]}: child-level issues from
`.full_issue_df`, header and return-level issues from `.multichild_issues` (the validator's CLI never shows these),
and every rule that raised instead of running (the validator only prints those and carries on). Exits 0 when it
could run the validator (whatever it found), 2 when it could not read the file or load the ruleset.
"""
import contextlib
import warnings
import importlib
import io
import json
import re
import sys
import xml.etree.ElementTree as ET


def records(df, columns):
    rows = []
    for row in df.to_dict(orient="records"):
        rows.append({key: (None if value is None or value != value else str(value)) for key, value in row.items() if key in columns})
    return rows


def main() -> int:
    warnings.simplefilter("ignore")
    if len(sys.argv) < 2:
        print(json.dumps({"error": "usage: validate-cin.py FILE.xml [RULESET]"}))
        return 2
    ruleset = sys.argv[2] if len(sys.argv) > 2 else "cin2025_26"
    try:
        from cin_validator.cin_validator import CinValidator, convert_data, process_data

        registry = importlib.import_module(f"cin_validator.rules.{ruleset}").registry
        root = ET.parse(sys.argv[1]).getroot()
    except Exception as error:  # the file or the ruleset cannot be read: say so as JSON
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
        return 2

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        data = process_data(convert_data(root))
        validator = CinValidator(data, registry)
    rule_errors = [
        {"rule": match.group(1), "error": match.group(2)}
        for match in re.finditer(r"Error with rule (\S+): (.*)", printed.getvalue())
    ]
    child = records(validator.full_issue_df, {"child_id", "rule_code", "rule_description", "tables_affected", "columns_affected", "row_id"})
    multichild = records(validator.multichild_issues, {"rule_code", "rule_description"})
    print(json.dumps({"ruleset": ruleset, "childIssues": child, "returnIssues": multichild, "ruleErrors": rule_errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

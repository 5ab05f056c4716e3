"""Validate feed records against the published schema (``exports/article.schema.json``)."""

import datetime as dt
import json
from pathlib import Path

import jsonschema

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "exports" / "article.schema.json").read_text("utf-8"))
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def assert_valid(record: dict) -> None:
    errors = sorted(_VALIDATOR.iter_errors(record), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors)
    # jsonschema only checks "date-time" when an optional package is installed: check it here.
    for key in ("published_at", "crawled_at"):
        assert dt.datetime.fromisoformat(record[key]).tzinfo is not None, key


def csv_row_to_record(row: dict) -> dict:
    """A CSV row back to a record: empty cells are absent fields, list fields are JSON text."""
    record = {}
    for key, value in row.items():
        if value == "":
            continue
        record[key] = json.loads(value) if key in ("body", "tags", "images") else value
    return record

"""Rewrite the generated column tables of docs/exports.md from the column definitions.

python -m reports.exports.docs
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "exports.md"


def rewrite(text: str, tables: str, begin: str, end: str) -> str:
    """`text` with everything from `begin` to `end` (both included) replaced by `tables`."""
    if begin not in text or end not in text:
        raise SystemExit(f"{DOCS} has no generated section ({begin} … {end}).")
    head, rest = text.split(begin, 1)
    _old, tail = rest.split(end, 1)
    return head + tables + tail


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring.settings")
    import django

    django.setup()
    from reports.exports.columns import DOCS_BEGIN, DOCS_END, docs_markdown

    DOCS.write_text(rewrite(DOCS.read_text(), docs_markdown(), DOCS_BEGIN, DOCS_END))
    sys.stdout.write(f"Rewrote the column tables of {DOCS}\n")


if __name__ == "__main__":
    main()

from pathlib import Path

from django.conf import settings

from reports.exports.columns import DATASETS, DOCS_BEGIN, DOCS_END, docs_markdown
from reports.exports.docs import rewrite
from reports.models import ExportJob

DOCS = Path(settings.BASE_DIR) / "docs" / "exports.md"


def test_the_column_tables_in_the_docs_match_the_code():
    text = DOCS.read_text()

    assert docs_markdown() in text, "docs/exports.md is out of date: run `python -m reports.exports.docs`"
    assert rewrite(text, docs_markdown(), DOCS_BEGIN, DOCS_END) == text


def test_every_dataset_and_column_is_documented():
    text = DOCS.read_text()

    assert set(DATASETS) == set(ExportJob.Dataset.values)
    for dataset in DATASETS.values():
        assert f"(`{dataset.key}`)" in text
        for column in dataset.columns:
            assert f"| `{column.name}` | {column.kind.value} |" in text
        assert len(set(dataset.header)) == len(dataset.header)


def test_the_settings_are_documented():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()

    for name in ("EXPORT_EXPIRY_HOURS", "EXPORT_STREAM_MAX_ROWS"):
        assert f"`{name}`" in DOCS.read_text() + readme
        assert f"`{name}`" in readme
    assert settings.EXPORT_EXPIRY_HOURS == 24
    assert settings.EXPORT_STREAM_MAX_ROWS == 50_000
    assert settings.CELERY_BEAT_SCHEDULE["cleanup-exports"]["task"] == "reports.tasks.cleanup_exports_task"

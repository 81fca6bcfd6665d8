"""What every benchmark shares: a fresh database, timing, peak memory, a readable table
and the final JSON line (see BENCHMARKS.md).

A benchmark script calls `bootstrap()` before importing any Django model, does its work
inside `with bench.step("preview"):` blocks, and ends with `bench.report(...)`.

The database is never the development one (var/db.sqlite3):
- by default a SQLite file in a temporary folder, with the same settings as the embedded
  default (WAL, immediate transactions), deleted afterwards;
- with DATABASE_URL set (PostgreSQL), Django's test-database creation makes a throwaway
  `test_<name>` database next to it, migrated from scratch and dropped afterwards.
"""

import json
import os
import platform
import resource
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Bench:
    name: str
    database: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    _workdir: Path | None = None
    _test_database: str | None = None
    _old_name: str | None = None

    @contextmanager
    def step(self, key: str) -> Iterator[None]:
        """Time a block; the figure is stored as `<key>_seconds`."""
        started = time.perf_counter()
        yield
        self.timings[f"{key}_seconds"] = round(time.perf_counter() - started, 3)
        print(f"  {key}: {self.timings[f'{key}_seconds']:.2f} s", file=sys.stderr, flush=True)

    def teardown(self) -> None:
        from django.db import connection

        if self._test_database is not None:
            connection.creation.destroy_test_db(self._old_name, verbosity=0)
        connection.close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def report(self, figures: dict[str, Any], table: list[tuple[str, str]]) -> None:
        """Print the table for people, then one JSON line for machines (always last)."""
        figures = {"bench": self.name, **figures, **self.timings, "peak_mib": peak_mib()}
        rows = [
            *table,
            *(
                (key.removesuffix("_seconds").replace("_", " "), f"{value:.2f} s")
                for key, value in self.timings.items()
            ),
            ("peak memory", f"{figures['peak_mib']:.0f} MiB"),
            ("database", self.database),
            ("machine", f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"),
        ]
        width = max(len(label) for label, _value in rows)
        print(f"\n{self.name}")
        print("-" * (width + 24))
        for label, value in rows:
            print(f"{label:<{width}}  {value}")
        print("-" * (width + 24))
        print(json.dumps(figures), flush=True)


def check(condition: bool, detail: object) -> None:
    """A benchmark that did not do the work it times must fail loudly, not report."""
    if not condition:
        raise SystemExit(f"benchmark check failed: {detail}")


def peak_mib() -> float:
    """Peak resident memory of this process (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
    return round(peak / divisor, 1)


def bootstrap(name: str) -> Bench:
    """Configure Django for a benchmark run and give it a database of its own."""
    sys.path.insert(0, str(ROOT))
    bench = Bench(name=name)
    bench._workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring.settings")
    # Runs without a .env: a throwaway key, and uploads and queue files in the temp folder.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["MEDIA_ROOT"] = str(bench._workdir / "media")
    os.environ["VAR_DIR"] = str(bench._workdir / "var")
    # Benchmarks call services and tasks directly; what they enqueue goes nowhere.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ["LOG_LEVEL"] = "WARNING"
    use_test_database = bool(os.environ.get("DATABASE_URL"))
    if not use_test_database:
        os.environ["DATABASE_URL"] = f"sqlite:///{bench._workdir / 'bench.sqlite3'}"

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.DEBUG = False  # no query log growing with every statement
    if use_test_database:
        bench._old_name = connection.settings_dict["NAME"]
        bench._test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    else:
        call_command("migrate", verbosity=0, interactive=False)
        # As `make` does for the embedded default (create_test_db does it on PostgreSQL).
        call_command("createcachetable", verbosity=0)
    vendor = connection.vendor
    version = ".".join(str(part) for part in connection.Database.sqlite_version_info) if vendor == "sqlite" else ""
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    bench.database = f"{vendor} {version}".strip()
    return bench

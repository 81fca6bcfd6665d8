"""Tests of concurrent writers: real transactions in threads, each with its own database
connection, released at the same moment. They run on PostgreSQL (CI); SQLite serialises
writers, so nothing would overlap there."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection


def postgresql_only(why_not_sqlite: str) -> list[pytest.MarkDecorator]:
    """The marks of such a test: committed transactions, skipped on SQLite with the reason."""
    return [
        pytest.mark.django_db(transaction=True),
        pytest.mark.skipif(connection.vendor != "postgresql", reason=f"{why_not_sqlite}; CI runs these on PostgreSQL."),
    ]


def postgresql_only_test(why_not_sqlite: str) -> Callable:
    """The same marks as a decorator, for one test in a module of ordinary ones."""

    def mark(test: Callable) -> Callable:
        for decorator in postgresql_only(why_not_sqlite):
            test = decorator(test)
        return test

    return mark


def run_together(*actions: Callable[[], object], timeout: float = 60) -> list[object]:
    """Run each action in its own thread and database connection, released at once by a
    barrier; returns each action's result, or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def worker(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except Exception as error:  # the outcome is what the test checks
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes

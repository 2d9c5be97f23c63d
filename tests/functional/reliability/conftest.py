"""The running local stack for reliability scenarios, and the ledger of what they injected.

``pytest tests/functional/reliability --reliability-ledger=FILE`` writes every scenario's figures
(events delivered, duplicates and faults injected, forged requests, batches, jobs, batches lost) to
FILE as JSON when the session ends; ``bench/reliability.py`` runs exactly that and prints the table.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.chaos import write_ledger
from support.stack import stack

__all__ = ["stack"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reliability-ledger", default=None, help="write the reliability figures to this JSON file")


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("--reliability-ledger", default=None)
    if path:
        write_ledger(Path(path))

"""The journal's rows as the tests read them: straight from its SQLite file, in order."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agent.flow.journal import Intent, Journal


def intents_of(journal: Journal | Path, *, site: str, order_id: str) -> list[Intent]:
    """Every intent recorded for one order (finished or not), oldest first."""
    path = journal.path if isinstance(journal, Journal) else journal
    db = sqlite3.connect(path)
    try:
        rows = db.execute(
            "SELECT id, site, order_id, run_id, attempt, started_at, outcome, dispute_id, "
            "abandoned_at FROM intents WHERE site = ? AND order_id = ? ORDER BY id",
            (site, order_id),
        ).fetchall()
    finally:
        db.close()
    return [Intent(*row) for row in rows]

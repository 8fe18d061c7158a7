"""Jira's Development Information store as the tests' fake site holds it: the sandbox's
store (``app.sandbox.devinfo_store``: limits, ordering, deletes, what the panel shows)
with the documented schema checked first
(``tests/fixtures/devinfo/devinfo-0.10-bulk.schema.json``: field lengths, formats), a
record of every accepted body and when it came, and a slow Jira on demand."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from app.sandbox import devinfo_store
from app.sandbox.devinfo_store import PLURALS, Answer

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "devinfo"
                     / "devinfo-0.10-bulk.schema.json").read_text())
VALIDATOR = Draft7Validator(SCHEMA)
__all__ = ["PLURALS", "DevinfoStore"]


class DevinfoStore(devinfo_store.DevinfoStore):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        #: Every accepted bulk body, in order, and when each arrived (epoch seconds).
        self.bodies: list[dict[str, Any]] = []
        self.arrivals: list[float] = []
        #: Seconds each accepted bulk request takes (a slow Jira, for crash tests).
        self.delay = 0.0

    @classmethod
    def refusal(cls, body: Any) -> Answer | None:
        problems = sorted(VALIDATOR.iter_errors(body), key=lambda e: list(e.absolute_path))
        if problems:
            where = "/".join(str(p) for p in problems[0].absolute_path)
            return 400, {"errorMessages": [{"message": f"{where}: {problems[0].message}"[:500]}]}
        return super().refusal(body)

    def accepting(self, body: dict[str, Any]) -> None:
        if self.delay:
            time.sleep(self.delay)
        self.bodies.append(body)
        self.arrivals.append(time.time())

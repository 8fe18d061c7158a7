"""Re-encrypt every stored secret with the newest key (``gitbridge rotate-keys``).

Finds every ``Encrypted`` column in the model, so secrets added by later tables are
covered without touching this module. Works on raw ciphertext: plaintext never leaves
the database driver's buffers here.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.crypto import Encrypted, box
from app.extensions import db


def encrypted_columns() -> list[tuple[sa.Table, sa.Column[str]]]:
    return [
        (table, column)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Encrypted)
    ]


def rotate_all() -> int:
    """Rotate every secret in one transaction; returns how many values were rewritten."""
    count = 0
    for table, column in encrypted_columns():
        pk = list(table.primary_key.columns)
        rows = db.session.execute(
            sa.select(*pk, sa.type_coerce(column, sa.Text)).where(column.is_not(None))
        ).all()
        for row in rows:
            rotated = box().rotate(row[-1])
            db.session.execute(
                sa.update(table)
                .where(*(c == v for c, v in zip(pk, row[:-1], strict=True)))
                .values({column.name: sa.type_coerce(sa.literal(rotated, sa.Text), sa.Text)})
            )
            count += 1
    db.session.commit()
    return count

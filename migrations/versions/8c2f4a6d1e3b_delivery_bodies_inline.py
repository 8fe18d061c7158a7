"""Delivery bodies inline: a compressed body of up to 4 kB stays in the row.

PostgreSQL moves a value out to the TOAST table once a row exceeds
``toast_tuple_target`` (2 kB by default). A typical push compresses to 2-3 kB with
lz4, so every delivery wrote its row plus two TOAST chunks and their index entries
before its 202. With the target at 4 kB (half a page) such bodies stay inline:
65-75 us of server CPU per row against 70-85 us, in statements of 8 GitHub pushes
(eight runs each, 2026-12-03). Reading a delivery needs its body anyway; listings
read a few wider rows.

Revision ID: 8c2f4a6d1e3b
Revises: 5b9d2e7c4a18
Create Date: 2026-12-03 15:00:00

"""
from alembic import op


revision = '8c2f4a6d1e3b'
down_revision = '5b9d2e7c4a18'
branch_labels = None
depends_on = None


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade():
    if _postgresql():
        op.execute('ALTER TABLE deliveries SET (toast_tuple_target = 4080)')


def downgrade():
    if _postgresql():
        op.execute('ALTER TABLE deliveries RESET (toast_tuple_target)')

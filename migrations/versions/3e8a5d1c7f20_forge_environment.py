"""Forge installations remember their environment (for page links made without a FIT:
the Development panel push's links to the app's pages).

Revision ID: 3e8a5d1c7f20
Revises: a4c8e1f0b2d7
Create Date: 2026-12-02 15:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3e8a5d1c7f20'
down_revision = 'a4c8e1f0b2d7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenants') as batch:
        batch.add_column(sa.Column('forge_environment_id', sa.String(length=160), nullable=True))


def downgrade():
    with op.batch_alter_table('tenants') as batch:
        batch.drop_column('forge_environment_id')

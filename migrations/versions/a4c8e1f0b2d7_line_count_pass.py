"""Line-count pass progress on repositories (counts and renames after ``indexed``).

Revision ID: a4c8e1f0b2d7
Revises: e4b8c1d2f6a7
Create Date: 2026-12-02 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a4c8e1f0b2d7'
down_revision = 'e4b8c1d2f6a7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('repositories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lines_done', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('lines_total', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('lines_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_repositories_lines_due_at'), ['lines_due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('repositories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repositories_lines_due_at'))
        batch_op.drop_column('lines_due_at')
        batch_op.drop_column('lines_total')
        batch_op.drop_column('lines_done')

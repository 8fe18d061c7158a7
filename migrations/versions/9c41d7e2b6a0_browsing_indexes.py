"""Repository Browser, Roll Up and project commits: the indexes they read.

* ``commits (repository_id, committed_at)``: a repository's commits newest first, its
  last commit;
* ``commit_keys.project_key``: computed by the database from ``issue_key`` (stored on
  PostgreSQL, virtual on SQLite, which cannot add a stored one to an existing table),
  with ``(tenant_id, project_key, committed_at, sha)``: a project's commits newest first;
* ``commit_keys (repository_id, committed_at)``: a repository's last linked commit (its
  last issue) and its linked commits newest first.

Revision ID: 9c41d7e2b6a0
Revises: 9f4e2c7a1b3d
Create Date: 2026-12-02 05:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '9c41d7e2b6a0'
down_revision = '9f4e2c7a1b3d'
branch_labels = None
depends_on = None

PROJECT_KEY_SQL = (
    "substr(issue_key, 1, length(issue_key) - "
    "length(ltrim(issue_key, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_')))"
)


def upgrade():
    op.create_index('ix_commits_repository_time', 'commits', ['repository_id', 'committed_at'])
    stored = op.get_bind().dialect.name == 'postgresql'
    op.add_column('commit_keys', sa.Column(
        'project_key', sa.String(length=64), sa.Computed(PROJECT_KEY_SQL, persisted=stored),
        nullable=True))
    op.create_index('ix_commit_keys_project', 'commit_keys',
                    ['tenant_id', 'project_key', 'committed_at', 'sha'])
    op.create_index('ix_commit_keys_repository_time', 'commit_keys',
                    ['repository_id', 'committed_at'])


def downgrade():
    op.drop_index('ix_commit_keys_repository_time', table_name='commit_keys')
    op.drop_index('ix_commit_keys_project', table_name='commit_keys')
    with op.batch_alter_table('commit_keys') as batch:
        batch.drop_column('project_key')
    op.drop_index('ix_commits_repository_time', table_name='commits')

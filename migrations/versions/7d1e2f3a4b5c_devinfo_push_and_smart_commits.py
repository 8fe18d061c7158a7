"""Jira Development panel push and smart commits: push state per repository, what Jira
holds per entity, deletions owed to Jira, and the smart-commit claims.

Revision ID: 7d1e2f3a4b5c
Revises: 9c41d7e2b6a0
Create Date: 2026-11-23 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7d1e2f3a4b5c'
down_revision = '9c41d7e2b6a0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('devinfo_states',
    sa.Column('repository_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('wanted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('backfilled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('config_hash', sa.String(length=64), nullable=True),
    sa.Column('last_push_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('unknown_issue_keys', sa.JSON(), nullable=False),
    sa.Column('smart_wanted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['repository_id'], ['repositories.id'], name=op.f('fk_devinfo_states_repository_id_repositories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_devinfo_states_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('repository_id', name=op.f('pk_devinfo_states'))
    )
    with op.batch_alter_table('devinfo_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devinfo_states_wanted_at'), ['wanted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_devinfo_states_smart_wanted_at'), ['smart_wanted_at'], unique=False)

    op.create_table('devinfo_entities',
    sa.Column('repository_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['repository_id'], ['repositories.id'], name=op.f('fk_devinfo_entities_repository_id_repositories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('repository_id', 'kind', 'entity_id', name=op.f('pk_devinfo_entities'))
    )

    op.create_table('devinfo_deletions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=False),
    sa.Column('repository_ids', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_devinfo_deletions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devinfo_deletions'))
    )
    with op.batch_alter_table('devinfo_deletions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devinfo_deletions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('smart_commit_runs',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('sha', sa.String(length=64), nullable=False),
    sa.Column('issue_key', sa.String(length=64), nullable=False),
    sa.Column('repository_id', sa.Integer(), nullable=False),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('commands', sa.JSON(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_smart_commit_runs_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'sha', 'issue_key', name=op.f('pk_smart_commit_runs'))
    )
    with op.batch_alter_table('smart_commit_runs', schema=None) as batch_op:
        batch_op.create_index('ix_smart_commit_runs_work', ['repository_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('smart_commit_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_smart_commit_runs_work')
    op.drop_table('smart_commit_runs')
    with op.batch_alter_table('devinfo_deletions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devinfo_deletions_tenant_id'))
    op.drop_table('devinfo_deletions')
    op.drop_table('devinfo_entities')
    with op.batch_alter_table('devinfo_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devinfo_states_smart_wanted_at'))
        batch_op.drop_index(batch_op.f('ix_devinfo_states_wanted_at'))
    op.drop_table('devinfo_states')

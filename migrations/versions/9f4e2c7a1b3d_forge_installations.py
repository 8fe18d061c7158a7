"""forge installations: tenant platform and Forge columns, parked Jira work

Revision ID: 9f4e2c7a1b3d
Revises: c3a1e0f2d9b4
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9f4e2c7a1b3d'
down_revision = 'c3a1e0f2d9b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform', sa.String(length=16), nullable=False,
                                      server_default='connect'))
        batch_op.add_column(sa.Column('cloud_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('api_base_url', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('system_token', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('system_token_expires_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.alter_column('shared_secret', existing_type=sa.Text(), nullable=True)
        batch_op.create_index(batch_op.f('ix_tenants_cloud_id'), ['cloud_id'], unique=False)

    op.create_table('jira_waits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('repository_id', sa.Integer(), nullable=True),
    sa.Column('work', sa.String(length=1000), nullable=False),
    sa.Column('job', sa.String(length=100), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['repository_id'], ['repositories.id'], name=op.f('fk_jira_waits_repository_id_repositories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_jira_waits_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jira_waits')),
    sa.UniqueConstraint('tenant_id', 'work', name=op.f('uq_jira_waits_tenant_id'))
    )


def downgrade():
    op.drop_table('jira_waits')
    # Forge installations cannot exist without the Forge columns; Connect rows stay.
    op.execute("DELETE FROM tenants WHERE platform <> 'connect'")
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenants_cloud_id'))
        batch_op.alter_column('shared_secret', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('system_token_expires_at')
        batch_op.drop_column('system_token')
        batch_op.drop_column('api_base_url')
        batch_op.drop_column('cloud_id')
        batch_op.drop_column('platform')

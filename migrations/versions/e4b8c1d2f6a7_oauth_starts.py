"""oauth starts: PKCE code verifiers waiting for their callback

Revision ID: e4b8c1d2f6a7
Revises: 7d1e2f3a4b5c
Create Date: 2026-12-02 15:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b8c1d2f6a7'
down_revision = '7d1e2f3a4b5c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oauth_starts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('code_verifier', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_oauth_starts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_starts'))
    )
    with op.batch_alter_table('oauth_starts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_starts_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_starts_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('oauth_starts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_starts_expires_at'))
        batch_op.drop_index(batch_op.f('ix_oauth_starts_tenant_id'))

    op.drop_table('oauth_starts')

"""user token usernames: a user's own credential may be user + password or a key pair

Gerrit and TFS 2013/2015 take a user name and HTTP password, AWS CodeCommit an access key
id and secret; the secret stays in ``token``, the other half goes here (encrypted, like
the token, since an AWS access key id is part of the credential).

Revision ID: c3a1e0f2d9b4
Revises: 2ce868ccd4db
Create Date: 2026-12-02 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a1e0f2d9b4'
down_revision = '2ce868ccd4db'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('user_tokens', schema=None) as batch_op:
        batch_op.drop_column('username')

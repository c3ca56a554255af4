"""volunteer channel: how a volunteer is told about their shifts (e-mail, Zalo, SMS or none)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_by', sa.String(length=10), nullable=False, server_default='email'))


def downgrade():
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_column('notify_by')

"""volunteer day preferences: weekdays a volunteer would rather serve or avoid (soft)

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-04 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('day_preferences', sa.String(length=7), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_column('day_preferences')

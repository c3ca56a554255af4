"""roster limits: a volunteer's most hours a week and a month (empty: no limit)

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-04 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_hours_per_week', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_hours_per_month', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_column('max_hours_per_month')
        batch_op.drop_column('max_hours_per_week')

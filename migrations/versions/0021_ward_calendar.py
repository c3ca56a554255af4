"""ward calendar: ward-wide closure days (and usual holidays the ward works after all); the skill a shift requires

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-04 18:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ward_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('closed', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ward_day')),
        sa.UniqueConstraint('day', name=op.f('uq_ward_day_day')),
    )
    with op.batch_alter_table('shift_template', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_skill', sa.String(length=100), nullable=False, server_default=''))
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_skill', sa.String(length=100), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_column('required_skill')
    with op.batch_alter_table('shift_template', schema=None) as batch_op:
        batch_op.drop_column('required_skill')
    op.drop_table('ward_day')

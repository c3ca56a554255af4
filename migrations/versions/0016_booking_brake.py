"""visits: a row per phone number that has booked (an HMAC of it), locked while a booking counts its active visits

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-04 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'visit_phone_guard',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('touched_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_visit_phone_guard')),
    )


def downgrade():
    op.drop_table('visit_phone_guard')

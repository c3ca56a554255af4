"""visits: one-time codes for phone numbers new to the ward (an HMAC of the number and of the code)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'visit_phone_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone_key', sa.String(length=64), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('tries', sa.Integer(), server_default='0', nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_phone_code')),
    )
    op.create_index('ix_visit_phone_code_phone_key', 'visit_phone_code', ['phone_key'], unique=False)


def downgrade():
    op.drop_index('ix_visit_phone_code_phone_key', table_name='visit_phone_code')
    op.drop_table('visit_phone_code')

"""visits: the waiting list of residents who found no free time and asked to be called back

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'visit_waiting_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('full_name', sa.String(length=120), nullable=False),
        sa.Column('phone', sa.String(length=15), nullable=False),
        sa.Column('residential_group_id', sa.Integer(), nullable=True),
        sa.Column('suitable_times', sa.String(length=300), nullable=False),
        sa.Column('consent_at', sa.DateTime(), nullable=False),
        sa.Column('form_token', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['residential_group_id'], ['residential_group.id'],
                                name=op.f('fk_visit_waiting_entry_residential_group_id_residential_group'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_waiting_entry')),
        sa.UniqueConstraint('form_token', name=op.f('uq_visit_waiting_entry_form_token')),
    )
    op.create_index('ix_visit_waiting_entry_created_at', 'visit_waiting_entry', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_visit_waiting_entry_created_at', table_name='visit_waiting_entry')
    op.drop_table('visit_waiting_entry')

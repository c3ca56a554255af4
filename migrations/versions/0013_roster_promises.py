"""roster promises: the leader's "not this shift" for one volunteer (a hand removal a re-fill respects); the notices a resident reads on their booking page when the ward changes their visit

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-03 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'shift_exclusion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shift_id', sa.Integer(), nullable=False),
        sa.Column('volunteer_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], name=op.f('fk_shift_exclusion_shift_id_shift'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_shift_exclusion_volunteer_id_volunteer'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shift_exclusion')),
        sa.UniqueConstraint('shift_id', 'volunteer_id', name=op.f('uq_shift_exclusion_shift_id')),
    )
    with op.batch_alter_table('shift_exclusion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_exclusion_shift_id'), ['shift_id'], unique=False)

    op.create_table(
        'visit_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_notice_visit_id_visit'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_notice')),
    )
    with op.batch_alter_table('visit_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_notice_visit_id'), ['visit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('visit_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_notice_visit_id'))
    op.drop_table('visit_notice')
    with op.batch_alter_table('shift_exclusion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_exclusion_shift_id'))
    op.drop_table('shift_exclusion')

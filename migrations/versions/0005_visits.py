"""visits: home guidance visit bookings, their procedures and teams

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=True),
    sa.Column('slot_start', sa.DateTime(), nullable=False),
    sa.Column('slot_end', sa.DateTime(), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=True),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=15), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('help_needed', sa.Text(), nullable=False),
    sa.Column('residential_group_id', sa.Integer(), nullable=True),
    sa.Column('consent_at', sa.DateTime(), nullable=True),
    sa.Column('form_token', sa.String(length=64), nullable=True),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_by_resident', sa.Boolean(), nullable=False),
    sa.Column('people_guided', sa.Integer(), nullable=True),
    sa.Column('dossiers_filed', sa.Integer(), nullable=True),
    sa.Column('dossier_codes', sa.Text(), nullable=False),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=False),
    sa.Column('rated_at', sa.DateTime(), nullable=True),
    sa.Column('purged_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['booked_by_id'], ['user.id'], name=op.f('fk_visit_booked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['residential_group_id'], ['residential_group.id'], name=op.f('fk_visit_residential_group_id_residential_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], name=op.f('fk_visit_shift_id_shift'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit')),
    sa.UniqueConstraint('code', name=op.f('uq_visit_code')),
    sa.UniqueConstraint('form_token', name=op.f('uq_visit_form_token')),
    # One active booking per team and slot: cancelled ones have seat NULL.
    sa.UniqueConstraint('shift_id', 'slot_start', 'seat', name='uq_visit_seat')
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_phone', ['phone'], unique=False)
        batch_op.create_index('ix_visit_slot_start', ['slot_start'], unique=False)

    op.create_table('visit_procedure',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_visit_procedure_procedure_id_procedure'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_procedure_visit_id_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', 'procedure_id', name=op.f('pk_visit_procedure'))
    )
    op.create_table('visit_procedure_done',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_visit_procedure_done_procedure_id_procedure'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_procedure_done_visit_id_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', 'procedure_id', name=op.f('pk_visit_procedure_done'))
    )
    op.create_table('visit_team_member',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_visit_team_member_visit_id_visit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_visit_team_member_volunteer_id_volunteer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', 'volunteer_id', name=op.f('pk_visit_team_member'))
    )


def downgrade():
    op.drop_table('visit_team_member')
    op.drop_table('visit_procedure_done')
    op.drop_table('visit_procedure')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_slot_start')
        batch_op.drop_index('ix_visit_phone')
    op.drop_table('visit')

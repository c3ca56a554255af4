"""stats: guidance sessions logged at the counter and e-stations, with indexes for the reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guidance_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('residential_group_id', sa.Integer(), nullable=True),
    sa.Column('volunteer_id', sa.Integer(), nullable=True),
    sa.Column('logged_by_id', sa.Integer(), nullable=True),
    sa.Column('logged_at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('people_guided', sa.Integer(), nullable=False),
    sa.Column('dossiers_filed', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['logged_by_id'], ['user.id'], name=op.f('fk_guidance_session_logged_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['residential_group_id'], ['residential_group.id'], name=op.f('fk_guidance_session_residential_group_id_residential_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_guidance_session_station_id_station'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_guidance_session_volunteer_id_volunteer'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guidance_session'))
    )
    with op.batch_alter_table('guidance_session', schema=None) as batch_op:
        # Covers the report's GROUP BY over sessions: read from the index alone.
        batch_op.create_index('ix_guidance_session_report', ['day', 'station_id', 'residential_group_id', 'people_guided', 'dossiers_filed'], unique=False)
        batch_op.create_index('ix_guidance_session_logged_by_day', ['logged_by_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_guidance_session_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('guidance_session_procedure',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('people_guided', sa.Integer(), nullable=False),
    sa.Column('dossiers_filed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_guidance_session_procedure_procedure_id_procedure'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['guidance_session.id'], name=op.f('fk_guidance_session_procedure_session_id_guidance_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'procedure_id', name=op.f('pk_guidance_session_procedure'))
    )
    with op.batch_alter_table('guidance_session_procedure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guidance_session_procedure_procedure_id'), ['procedure_id'], unique=False)
        # The report by procedure: one index-only GROUP BY.
        batch_op.create_index('ix_guidance_session_procedure_report', ['day', 'procedure_id', 'people_guided', 'dossiers_filed'], unique=False)

    # The reports' GROUP BY over visits reads this index alone (see wardsite/stats/models.py).
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_report', ['slot_start', 'status', 'residential_group_id', 'people_guided', 'dossiers_filed', 'rating'], unique=False)


def downgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_report')

    with op.batch_alter_table('guidance_session_procedure', schema=None) as batch_op:
        batch_op.drop_index('ix_guidance_session_procedure_report')
        batch_op.drop_index(batch_op.f('ix_guidance_session_procedure_procedure_id'))

    op.drop_table('guidance_session_procedure')
    with op.batch_alter_table('guidance_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guidance_session_volunteer_id'))
        batch_op.drop_index('ix_guidance_session_logged_by_day')
        batch_op.drop_index('ix_guidance_session_report')

    op.drop_table('guidance_session')

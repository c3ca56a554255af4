"""procedures: hold the national portal's whole record: no length limits on its texts, papers in groups with
notes, template names and photocopy counts, ways of filing with condition, time value and unit and the fee's
explanation, legal basis and results as lists, type, levels, related procedures and the portal's detail link

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-03 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Widening String to Text keeps every value; the new columns have defaults, so existing rows stay valid.
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=300), type_=sa.Text(), existing_nullable=False)
        batch_op.alter_column('name_folded', existing_type=sa.String(length=300), type_=sa.Text(), existing_nullable=False)
        batch_op.alter_column('decision_number', existing_type=sa.String(length=120), type_=sa.Text(), existing_nullable=False)
        for name in ('procedure_type', 'levels', 'related', 'detail_url'):
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=''))
        for name in ('legal_refs', 'results', 'parse_notes'):
            batch_op.add_column(sa.Column(name, sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('procedure_channel', schema=None) as batch_op:
        batch_op.alter_column('processing_time', existing_type=sa.String(length=300), type_=sa.Text(), existing_nullable=False)
        batch_op.alter_column('fee', existing_type=sa.String(length=300), type_=sa.Text(), existing_nullable=False)
        batch_op.add_column(sa.Column('condition', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('time_value', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('time_unit', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('fee_note', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('procedure_document', schema=None) as batch_op:
        batch_op.alter_column('template_url', existing_type=sa.String(length=500), type_=sa.Text(), existing_nullable=False)
        batch_op.add_column(sa.Column('group', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('is_note', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('template_name', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('scans', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('procedure_document', schema=None) as batch_op:
        for name in ('scans', 'template_name', 'is_note', 'group'):
            batch_op.drop_column(name)
    with op.batch_alter_table('procedure_channel', schema=None) as batch_op:
        for name in ('fee_note', 'time_unit', 'time_value', 'condition'):
            batch_op.drop_column(name)
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        for name in ('parse_notes', 'results', 'legal_refs', 'detail_url', 'related', 'levels', 'procedure_type'):
            batch_op.drop_column(name)

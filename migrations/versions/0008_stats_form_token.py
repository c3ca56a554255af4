"""stats: a guidance entry keeps its log form's one-time token, unique, so a form sent twice stores one entry

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: entries logged before, and those from the demo data or imports, have none.
    with op.batch_alter_table('guidance_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_guidance_session_form_token'), ['form_token'])


def downgrade():
    with op.batch_alter_table('guidance_session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_guidance_session_form_token'), type_='unique')
        batch_op.drop_column('form_token')

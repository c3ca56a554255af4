"""news: the ward's official reply under a comment

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-04 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_body', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('replied_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reply_edited_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('replied_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_comment_replied_by_id_user'), 'user', ['replied_by_id'], ['id'], ondelete='SET NULL'
        )


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_comment_replied_by_id_user'), type_='foreignkey')
        batch_op.drop_column('replied_by_id')
        batch_op.drop_column('reply_edited_at')
        batch_op.drop_column('replied_at')
        batch_op.drop_column('reply_body')

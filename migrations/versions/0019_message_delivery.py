"""outbox: delivery by the worker (channel, status, attempts, next attempt, claim, error, cost); visits: how to be told

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-04 18:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=20), server_default='email', nullable=False))
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('params', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='queued', nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('error', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('provider_id', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('cost', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('same_day', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('resends', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('delivered_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_outbox_message_due', ['status', 'next_attempt_at'], unique=False)
    # What was sent before stays sent; what waited is queued for the worker now.
    op.execute("UPDATE outbox_message SET status = 'sent' WHERE sent_at IS NOT NULL")
    op.execute("UPDATE outbox_message SET next_attempt_at = created_at WHERE sent_at IS NULL")
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_by', sa.String(length=10), server_default='none', nullable=False))


def downgrade():
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_column('notify_by')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_due')
        for column in ('delivered_at', 'resends', 'same_day', 'cost', 'provider_id', 'error', 'claim_token',
                       'claimed_until', 'next_attempt_at', 'attempts', 'status', 'params', 'kind', 'channel'):
            batch_op.drop_column(column)

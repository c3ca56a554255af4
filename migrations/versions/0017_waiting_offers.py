"""visits: offers of freed seats to the waiting list, with each entry's code and the days and times that suit it

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 18:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def upgrade():
    with op.batch_alter_table('visit_waiting_entry') as batch:
        batch.add_column(sa.Column('weekdays', sa.String(length=20), nullable=False, server_default=''))
        batch.add_column(sa.Column('day_parts', sa.String(length=40), nullable=False, server_default=''))
        batch.add_column(sa.Column('code', sa.String(length=6), nullable=True))
    # Entries already waiting get a code of their own.
    bind = op.get_bind()
    entries = sa.table('visit_waiting_entry', sa.column('id', sa.Integer), sa.column('code', sa.String))
    used = set()
    for (entry_id,) in bind.execute(sa.select(entries.c.id)).all():
        code = None
        while code is None or code in used:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        used.add(code)
        bind.execute(entries.update().where(entries.c.id == entry_id).values(code=code))
    with op.batch_alter_table('visit_waiting_entry') as batch:
        batch.alter_column('weekdays', server_default=None)
        batch.alter_column('day_parts', server_default=None)
        batch.alter_column('code', existing_type=sa.String(length=6), nullable=False)
        batch.create_unique_constraint(op.f('uq_visit_waiting_entry_code'), ['code'])
    op.create_table(
        'visit_waiting_offer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('shift_id', sa.Integer(), nullable=True),
        sa.Column('slot_start', sa.DateTime(), nullable=False),
        sa.Column('slot_end', sa.DateTime(), nullable=False),
        sa.Column('seat', sa.Integer(), nullable=True),
        sa.Column('pending', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['entry_id'], ['visit_waiting_entry.id'],
                                name=op.f('fk_visit_waiting_offer_entry_id_visit_waiting_entry'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shift_id'], ['shift.id'],
                                name=op.f('fk_visit_waiting_offer_shift_id_shift'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_waiting_offer')),
        sa.UniqueConstraint('shift_id', 'slot_start', 'seat', name='uq_visit_waiting_offer_seat'),
        sa.UniqueConstraint('entry_id', 'pending', name='uq_visit_waiting_offer_pending'),
    )
    op.create_index(op.f('ix_visit_waiting_offer_entry_id'), 'visit_waiting_offer', ['entry_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_visit_waiting_offer_entry_id'), table_name='visit_waiting_offer')
    op.drop_table('visit_waiting_offer')
    with op.batch_alter_table('visit_waiting_entry') as batch:
        batch.drop_constraint(op.f('uq_visit_waiting_entry_code'), type_='unique')
        batch.drop_column('code')
        batch.drop_column('day_parts')
        batch.drop_column('weekdays')

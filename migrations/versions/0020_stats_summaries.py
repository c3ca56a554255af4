"""stats: summaries of guidance sessions and closed visits per day and per month, kept in step by the site, filled from the rows there are

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-04 18:20:00

"""
from datetime import timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

# The ward's clock (Asia/Ho_Chi_Minh has kept UTC+7 since 1975): a visit counts
# on the ward's date of its slot. Fixed here so that this migration does not
# depend on the code of its day.
WARD_OFFSET = timedelta(hours=7)


def _local_day(moment):
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return (moment + WARD_OFFSET).date()


def upgrade():
    op.create_table(
        'guidance_day_summary',
        sa.Column('period', sa.String(length=1), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('station_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('residential_group_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('sessions', sa.Integer(), nullable=False),
        sa.Column('people_guided', sa.Integer(), nullable=False),
        sa.Column('dossiers_filed', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('period', 'day', 'station_id', 'residential_group_id', name=op.f('pk_guidance_day_summary')),
    )
    op.create_table(
        'guidance_procedure_summary',
        sa.Column('period', sa.String(length=1), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('procedure_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('sessions', sa.Integer(), nullable=False),
        sa.Column('people_guided', sa.Integer(), nullable=False),
        sa.Column('dossiers_filed', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('period', 'day', 'procedure_id', name=op.f('pk_guidance_procedure_summary')),
    )
    op.create_table(
        'visit_day_summary',
        sa.Column('period', sa.String(length=1), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('residential_group_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('visits', sa.Integer(), nullable=False),
        sa.Column('people_guided', sa.Integer(), nullable=False),
        sa.Column('dossiers_filed', sa.Integer(), nullable=False),
        sa.Column('ratings', sa.Integer(), nullable=False),
        sa.Column('rating_total', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('period', 'day', 'residential_group_id', 'status', name=op.f('pk_visit_day_summary')),
    )
    op.create_table(
        'visit_procedure_summary',
        sa.Column('period', sa.String(length=1), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('procedure_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('visits', sa.Integer(), nullable=False),
        sa.Column('people_guided', sa.Integer(), nullable=False),
        sa.Column('dossiers_filed', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('period', 'day', 'procedure_id', name=op.f('pk_visit_procedure_summary')),
    )
    # The report's covering index on visits served the GROUP BY the summaries replace.
    op.drop_index('ix_visit_report', table_name='visit')

    # Fill them from the rows there are: what `flask stats rebuild-summaries` does.
    op.execute(
        "INSERT INTO guidance_day_summary (period, day, station_id, residential_group_id, sessions, people_guided, dossiers_filed) "
        "SELECT 'd', day, COALESCE(station_id, 0), COALESCE(residential_group_id, 0), COUNT(*), "
        "COALESCE(SUM(people_guided), 0), COALESCE(SUM(dossiers_filed), 0) "
        "FROM guidance_session GROUP BY day, COALESCE(station_id, 0), COALESCE(residential_group_id, 0)"
    )
    op.execute(
        "INSERT INTO guidance_procedure_summary (period, day, procedure_id, sessions, people_guided, dossiers_filed) "
        "SELECT 'd', day, procedure_id, COUNT(*), COALESCE(SUM(people_guided), 0), COALESCE(SUM(dossiers_filed), 0) "
        "FROM guidance_session_procedure GROUP BY day, procedure_id"
    )
    bind = op.get_bind()
    # The month rows (period 'm', on the month's first day) add up the day rows.
    for name, keys in (('guidance_day_summary', ('station_id', 'residential_group_id')),
                       ('guidance_procedure_summary', ('procedure_id',))):
        values = ('sessions', 'people_guided', 'dossiers_filed')
        table = sa.table(name, sa.column('period', sa.String), sa.column('day', sa.Date),
                         *(sa.column(c, sa.Integer) for c in (*keys, *values)))
        months = {}
        for row in bind.execute(sa.select(table).where(table.c.period == 'd')):
            key = (row.day.replace(day=1), *(getattr(row, k) for k in keys))
            sums = months.setdefault(key, [0] * len(values))
            for index, value in enumerate(values):
                sums[index] += int(getattr(row, value) or 0)
        if months:
            op.bulk_insert(table, [dict(zip(('period', 'day', *keys, *values), ('m', *key, *sums)))
                                   for key, sums in months.items()])
    # Visits: closed (done or nobody at home) and not closed before the slot
    # began, on the ward's date of the slot; the date is worked out here, the
    # same on SQLite and PostgreSQL.
    visit = sa.table(
        'visit', sa.column('id', sa.Integer), sa.column('status', sa.String), sa.column('slot_start', sa.DateTime),
        sa.column('closed_at', sa.DateTime), sa.column('residential_group_id', sa.Integer),
        sa.column('people_guided', sa.Integer), sa.column('dossiers_filed', sa.Integer), sa.column('rating', sa.Integer),
    )
    done = sa.table('visit_procedure_done', sa.column('visit_id', sa.Integer), sa.column('procedure_id', sa.Integer))
    days, procedures = {}, {}
    counted = {}
    for row in bind.execute(sa.select(visit).where(visit.c.status.in_(('done', 'no_show')))):
        start, closed = row.slot_start, row.closed_at
        if closed is not None and closed < start:
            continue
        counted[row.id] = row
        day = _local_day(start)
        for key in (('d', day, row.residential_group_id or 0, row.status),
                    ('m', day.replace(day=1), row.residential_group_id or 0, row.status)):
            sums = days.setdefault(key, [0, 0, 0, 0, 0])
            for index, value in enumerate((1, row.people_guided, row.dossiers_filed, row.rating is not None, row.rating)):
                sums[index] += int(value or 0)
    for visit_id, procedure_id in bind.execute(sa.select(done.c.visit_id, done.c.procedure_id)):
        row = counted.get(visit_id)
        if row is None or row.status != 'done':
            continue
        day = _local_day(row.slot_start)
        for key in (('d', day, procedure_id), ('m', day.replace(day=1), procedure_id)):
            sums = procedures.setdefault(key, [0, 0, 0])
            for index, value in enumerate((1, row.people_guided, row.dossiers_filed)):
                sums[index] += int(value or 0)
    if days:
        op.bulk_insert(sa.table(
            'visit_day_summary', sa.column('period', sa.String), sa.column('day', sa.Date), sa.column('residential_group_id', sa.Integer),
            sa.column('status', sa.String), sa.column('visits', sa.Integer), sa.column('people_guided', sa.Integer),
            sa.column('dossiers_filed', sa.Integer), sa.column('ratings', sa.Integer), sa.column('rating_total', sa.Integer),
        ), [dict(zip(('period', 'day', 'residential_group_id', 'status', 'visits', 'people_guided', 'dossiers_filed', 'ratings',
                      'rating_total'), (*key, *sums))) for key, sums in days.items()])
    if procedures:
        op.bulk_insert(sa.table(
            'visit_procedure_summary', sa.column('period', sa.String), sa.column('day', sa.Date), sa.column('procedure_id', sa.Integer),
            sa.column('visits', sa.Integer), sa.column('people_guided', sa.Integer), sa.column('dossiers_filed', sa.Integer),
        ), [dict(zip(('period', 'day', 'procedure_id', 'visits', 'people_guided', 'dossiers_filed'), (*key, *sums)))
            for key, sums in procedures.items()])


def downgrade():
    op.create_index('ix_visit_report', 'visit',
                    ['slot_start', 'status', 'residential_group_id', 'people_guided', 'dossiers_filed', 'rating'])
    op.drop_table('visit_procedure_summary')
    op.drop_table('visit_day_summary')
    op.drop_table('guidance_procedure_summary')
    op.drop_table('guidance_day_summary')

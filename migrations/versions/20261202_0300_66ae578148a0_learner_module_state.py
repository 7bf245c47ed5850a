"""learner_module_state: per learner and module, the latest completion day and open attempts

The employer reports read these two facts instead of grouping every attempt and completion
(course_engine/learner/module_state.py keeps them current; ``flask employers rebuild-status``
rebuilds them).

Locking, on PostgreSQL: the CREATE TABLE (with its foreign keys to ``user`` and
``content_module``, which briefly lock those tables against writes) commits first; the backfill
then runs in its own transaction (``autocommit_block``), one INSERT ... SELECT that only reads
``scenario_attempt`` and ``completion`` (learners keep writing meanwhile). Attempts started or
completed by the previous code between the backfill and the new code's start are not in it:
run ``flask employers rebuild-status`` once the new code is serving (it rewrites only the
batches that differ).

Revision ID: 66ae578148a0
Revises: 8d4b2c6e1f73
Create Date: 2026-12-02 03:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '66ae578148a0'
down_revision = '8d4b2c6e1f73'
branch_labels = None
depends_on = None

#: The rows, from the records (as module_state.source_rows; written out so this migration
#: does not change when the application's code does). {day} is the UTC day of completed_at.
BACKFILL = """
INSERT INTO learner_module_state (user_id, module_id, last_completed_on, open_attempts)
SELECT user_id, module_id, max(day), sum(open_count) FROM (
    SELECT user_id, module_id,
           CASE WHEN status IN ('in_progress', 'scenario_done') THEN 1 ELSE 0 END AS open_count,
           CAST(NULL AS DATE) AS day
    FROM scenario_attempt
    UNION ALL
    SELECT user_id, module_id, 0, {day} FROM completion
) AS facts
GROUP BY user_id, module_id
"""
DAY = {"postgresql": "CAST(completed_at AT TIME ZONE 'UTC' AS DATE)", "sqlite": "date(completed_at)"}


def upgrade():
    op.create_table('learner_module_state',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('last_completed_on', sa.Date(), nullable=True),
    sa.Column('open_attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['content_module.id'], name=op.f('fk_learner_module_state_module_id_content_module'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_learner_module_state_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'module_id', name=op.f('pk_learner_module_state'))
    )
    dialect = op.get_bind().dialect.name
    with op.get_context().autocommit_block():
        op.execute(BACKFILL.format(day=DAY.get(dialect, DAY["sqlite"])))


def downgrade():
    op.drop_table('learner_module_state')

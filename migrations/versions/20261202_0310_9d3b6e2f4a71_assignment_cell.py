"""assignment_cell: per current member and assigned module, the merged requirement and the facts

The employer reports read one narrow row per cell instead of resolving every assignment to
every member and joining the learner facts on each request
(course_engine/employers/cells.py keeps the rows current; ``flask employers rebuild-status``
rebuilds them).

Locking, on PostgreSQL: the CREATE TABLE and its indexes commit first (its foreign keys lock
``membership``, ``organisation``, ``team``, ``user`` and ``content_module`` against writes
only for that moment); the backfill then runs one organisation at a time, each its own
transaction (``autocommit_block``), reading the assignments, memberships and
``learner_module_state`` (filled by the previous revision), so learners and admins keep
working. Changes the previous code makes meanwhile are not in it: run ``flask employers
rebuild-status`` once the new code is serving (it rewrites only what differs).

The backfill is the application's statement (``cells.computed_rows``) as it was compiled
when this revision was written, for PostgreSQL and for SQLite, so this migration does not
change when the application's code does.

Revision ID: 9d3b6e2f4a71
Revises: 66ae578148a0
Create Date: 2026-12-02 03:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '9d3b6e2f4a71'
down_revision = '66ae578148a0'
branch_labels = None
depends_on = None

BACKFILL = {
    "postgresql": """
WITH people AS 
(SELECT membership.id AS membership_id, membership.user_id AS user_id, membership.team_id AS team_id, CAST((membership.joined_at) AT TIME ZONE 'UTC' AS DATE) AS joined_on, "user".full_name AS full_name, "user".email AS email, team.name AS team_name 
FROM membership JOIN "user" ON "user".id = membership.user_id LEFT OUTER JOIN team ON team.id = membership.team_id 
WHERE membership.organisation_id = :org AND membership.deactivated_at IS NULL), 
active AS 
(SELECT assignment.module_id AS module_id, assignment.target_kind AS target_kind, assignment.team_id AS team_id, assignment.membership_id AS membership_id, assignment.due_date AS due_date, assignment.due_days_after_joining AS due_days, CAST((assignment.created_at) AT TIME ZONE 'UTC' AS DATE) AS created_on, nullif(assignment.recert_months, 0) AS recert_months, coalesce(assignment.recert_window_days, 30) AS window_days 
FROM assignment 
WHERE assignment.organisation_id = :org AND assignment.removed_at IS NULL)
 INSERT INTO assignment_cell (membership_id, module_id, organisation_id, user_id, team_id, due, recert_months, window_days, last_completed_on, open_attempts) SELECT requirement.membership_id, requirement.module_id, CAST(:org AS INTEGER), requirement.user_id, requirement.team_id, requirement.due, requirement.recert_months, requirement.window_days, learner_module_state.last_completed_on, coalesce(learner_module_state.open_attempts, 0) AS coalesce_1 
FROM (SELECT applied.membership_id AS membership_id, applied.user_id AS user_id, applied.team_id AS team_id, applied.module_id AS module_id, min(applied.due) AS due, min(applied.recert_months) AS recert_months, max(applied.window_days) AS window_days 
FROM (SELECT people.membership_id AS membership_id, people.user_id AS user_id, people.team_id AS team_id, active.module_id AS module_id, CASE WHEN (active.due_date IS NOT NULL AND active.due_days IS NOT NULL) THEN LEAST(active.due_date, (CAST(GREATEST(people.joined_on, active.created_on) AS DATE) + (active.due_days))) WHEN (active.due_date IS NOT NULL) THEN active.due_date WHEN (active.due_days IS NOT NULL) THEN (CAST(GREATEST(people.joined_on, active.created_on) AS DATE) + (active.due_days)) ELSE NULL END AS due, active.recert_months AS recert_months, active.window_days AS window_days 
FROM people JOIN active ON active.target_kind = 'organisation' UNION ALL SELECT people.membership_id AS membership_id, people.user_id AS user_id, people.team_id AS team_id, active.module_id AS module_id, CASE WHEN (active.due_date IS NOT NULL AND active.due_days IS NOT NULL) THEN LEAST(active.due_date, (CAST(GREATEST(people.joined_on, active.created_on) AS DATE) + (active.due_days))) WHEN (active.due_date IS NOT NULL) THEN active.due_date WHEN (active.due_days IS NOT NULL) THEN (CAST(GREATEST(people.joined_on, active.created_on) AS DATE) + (active.due_days)) ELSE NULL END AS due, active.recert_months AS recert_months, active.window_days AS window_days 
FROM people JOIN active ON active.target_kind = 'team' AND active.team_id = people.team_id UNION ALL SELECT people.membership_id AS membership_id, people.user_id AS user_id, people.team_id AS team_id, active.module_id AS module_id, CASE WHEN (active.due_date IS NOT NULL AND active.due_days IS NOT NULL) THEN LEAST(active.due_date, (CAST(GREATEST(people.joined_on, active.created_on) AS DATE) + (active.due_days))) WHEN (active.due_date IS NOT NULL) THEN active.due_date WHEN (active.due_days IS NOT NULL) THEN (CAST(GREATEST(people.joined_on, active.created_on) AS DATE) + (active.due_days)) ELSE NULL END AS due, active.recert_months AS recert_months, active.window_days AS window_days 
FROM people JOIN active ON active.target_kind = 'person' AND active.membership_id = people.membership_id) AS applied GROUP BY applied.membership_id, applied.user_id, applied.team_id, applied.module_id) AS requirement LEFT OUTER JOIN learner_module_state ON learner_module_state.user_id = requirement.user_id AND learner_module_state.module_id = requirement.module_id
""",
    "sqlite": """
WITH people AS 
(SELECT membership.id AS membership_id, membership.user_id AS user_id, membership.team_id AS team_id, date(membership.joined_at) AS joined_on, user.full_name AS full_name, user.email AS email, team.name AS team_name 
FROM membership JOIN user ON user.id = membership.user_id LEFT OUTER JOIN team ON team.id = membership.team_id 
WHERE membership.organisation_id = :org AND membership.deactivated_at IS NULL), 
active AS 
(SELECT assignment.module_id AS module_id, assignment.target_kind AS target_kind, assignment.team_id AS team_id, assignment.membership_id AS membership_id, assignment.due_date AS due_date, assignment.due_days_after_joining AS due_days, date(assignment.created_at) AS created_on, nullif(assignment.recert_months, 0) AS recert_months, coalesce(assignment.recert_window_days, 30) AS window_days 
FROM assignment 
WHERE assignment.organisation_id = :org AND assignment.removed_at IS NULL)
 INSERT INTO assignment_cell (membership_id, module_id, organisation_id, user_id, team_id, due, recert_months, window_days, last_completed_on, open_attempts) SELECT requirement.membership_id, requirement.module_id, CAST(:org AS INTEGER), requirement.user_id, requirement.team_id, requirement.due, requirement.recert_months, requirement.window_days, learner_module_state.last_completed_on, coalesce(learner_module_state.open_attempts, 0) AS coalesce_1 
FROM (SELECT applied.membership_id AS membership_id, applied.user_id AS user_id, applied.team_id AS team_id, applied.module_id AS module_id, min(applied.due) AS due, min(applied.recert_months) AS recert_months, max(applied.window_days) AS window_days 
FROM (SELECT people.membership_id AS membership_id, people.user_id AS user_id, people.team_id AS team_id, active.module_id AS module_id, CASE WHEN (active.due_date IS NOT NULL AND active.due_days IS NOT NULL) THEN min(active.due_date, date(max(people.joined_on, active.created_on), '+' || (active.due_days) || ' days')) WHEN (active.due_date IS NOT NULL) THEN active.due_date WHEN (active.due_days IS NOT NULL) THEN date(max(people.joined_on, active.created_on), '+' || (active.due_days) || ' days') ELSE NULL END AS due, active.recert_months AS recert_months, active.window_days AS window_days 
FROM people JOIN active ON active.target_kind = 'organisation' UNION ALL SELECT people.membership_id AS membership_id, people.user_id AS user_id, people.team_id AS team_id, active.module_id AS module_id, CASE WHEN (active.due_date IS NOT NULL AND active.due_days IS NOT NULL) THEN min(active.due_date, date(max(people.joined_on, active.created_on), '+' || (active.due_days) || ' days')) WHEN (active.due_date IS NOT NULL) THEN active.due_date WHEN (active.due_days IS NOT NULL) THEN date(max(people.joined_on, active.created_on), '+' || (active.due_days) || ' days') ELSE NULL END AS due, active.recert_months AS recert_months, active.window_days AS window_days 
FROM people JOIN active ON active.target_kind = 'team' AND active.team_id = people.team_id UNION ALL SELECT people.membership_id AS membership_id, people.user_id AS user_id, people.team_id AS team_id, active.module_id AS module_id, CASE WHEN (active.due_date IS NOT NULL AND active.due_days IS NOT NULL) THEN min(active.due_date, date(max(people.joined_on, active.created_on), '+' || (active.due_days) || ' days')) WHEN (active.due_date IS NOT NULL) THEN active.due_date WHEN (active.due_days IS NOT NULL) THEN date(max(people.joined_on, active.created_on), '+' || (active.due_days) || ' days') ELSE NULL END AS due, active.recert_months AS recert_months, active.window_days AS window_days 
FROM people JOIN active ON active.target_kind = 'person' AND active.membership_id = people.membership_id) AS applied GROUP BY applied.membership_id, applied.user_id, applied.team_id, applied.module_id) AS requirement LEFT OUTER JOIN learner_module_state ON learner_module_state.user_id = requirement.user_id AND learner_module_state.module_id = requirement.module_id
""",
}


def upgrade():
    op.create_table('assignment_cell',
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('recert_months', sa.Integer(), nullable=True),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('last_completed_on', sa.Date(), nullable=True),
    sa.Column('open_attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_assignment_cell_membership_id_membership'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['content_module.id'], name=op.f('fk_assignment_cell_module_id_content_module'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_assignment_cell_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_assignment_cell_team_id_team'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_assignment_cell_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('membership_id', 'module_id', name=op.f('pk_assignment_cell'))
    )
    with op.batch_alter_table('assignment_cell', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_cell_org_module', ['organisation_id', 'module_id'], unique=False)
        batch_op.create_index('ix_assignment_cell_user_module', ['user_id', 'module_id'], unique=False)
    bind = op.get_bind()
    statement = sa.text(BACKFILL.get(bind.dialect.name, BACKFILL["sqlite"]))
    with op.get_context().autocommit_block():
        for (org_id,) in bind.execute(sa.text("SELECT id FROM organisation ORDER BY id")).all():
            bind.execute(statement, {"org": org_id})


def downgrade():
    with op.batch_alter_table('assignment_cell', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_cell_user_module')
        batch_op.drop_index('ix_assignment_cell_org_module')
    op.drop_table('assignment_cell')

"""report indexes, built concurrently: covering indexes for practice insights

decision (attempt_id, scene_id, choice_index) and quiz_response (quiz_attempt_id,
question_id, correct): the insights' counts of choices and missed questions become index-only
scans instead of reading the two largest tables' rows (2 and 4 million on the national data).

Built with CREATE INDEX CONCURRENTLY on PostgreSQL, outside the migration's transaction
(``autocommit_block``), so learners keep writing decisions and quiz answers while the index
builds (tests/test_migration_concurrent_index.py checks that an insert completes meanwhile).
On SQLite ``postgresql_concurrently`` is ignored: a plain CREATE INDEX.

Revision ID: 3c9e1f4b7a20
Revises: d2e8f3a1c6b4
Create Date: 2026-12-02 02:40:00
"""
from alembic import op


revision = '3c9e1f4b7a20'
down_revision = 'd2e8f3a1c6b4'
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_decision_attempt_scene_choice", "decision", ["attempt_id", "scene_id", "choice_index"]),
    ("ix_quiz_response_attempt_question_correct", "quiz_response", ["quiz_attempt_id", "question_id", "correct"]),
)


def upgrade():
    with op.get_context().autocommit_block():
        for name, table, columns in INDEXES:
            op.create_index(name, table, columns, postgresql_concurrently=True, if_not_exists=True)


def downgrade():
    with op.get_context().autocommit_block():
        for name, table, _columns in INDEXES:
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)

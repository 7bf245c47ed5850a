"""sharing with one organisation: final_reflection and cpd_entry record the organisation shared with

Existing shares are kept with the organisation the learner belonged to when they shared:
the earliest-joined membership that was active at the moment of sharing (joined at or
before it, and not deactivated by then). A share made while the learner belonged to no
organisation was seen by nobody at the time; it becomes private (its moment is cleared),
so no organisation joined later ever sees it.

Revision ID: c7d41a9e5b10
Revises: e634e243a398
Create Date: 2026-12-02 02:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c7d41a9e5b10'
down_revision = 'e634e243a398'
branch_labels = None
depends_on = None

TABLES = ('final_reflection', 'cpd_entry')


def _backfill(table: str) -> None:
    op.execute(sa.text(f"""
        UPDATE {table} SET shared_with_organisation_id = (
            SELECT m.organisation_id FROM membership m
            WHERE m.user_id = {table}.user_id
              AND m.joined_at <= {table}.shared_with_manager_at
              AND (m.deactivated_at IS NULL OR m.deactivated_at > {table}.shared_with_manager_at)
            ORDER BY m.joined_at, m.id
            LIMIT 1)
        WHERE shared_with_manager_at IS NOT NULL"""))
    op.execute(sa.text(f"""
        UPDATE {table} SET shared_with_manager_at = NULL
        WHERE shared_with_manager_at IS NOT NULL AND shared_with_organisation_id IS NULL"""))


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('shared_with_organisation_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_shared_with_organisation_id'),
                                  ['shared_with_organisation_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_shared_with_organisation_id_organisation'),
                                        'organisation', ['shared_with_organisation_id'], ['id'],
                                        ondelete='SET NULL')
        _backfill(table)


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_shared_with_organisation_id_organisation'),
                                     type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_shared_with_organisation_id'))
            batch_op.drop_column('shared_with_organisation_id')

"""facts established and scenes visited on an attempt, and after each decision

Revision ID: 5a1f0c2d9e47
Revises: 64ce4ef14077
Create Date: 2026-12-01 22:00:00

Conditional passages read the learner's path: the facts established and the scenes
visited so far. Existing rows get empty lists (their module versions have no passages).
"""
from alembic import op
import sqlalchemy as sa


revision = '5a1f0c2d9e47'
down_revision = '64ce4ef14077'
branch_labels = None
depends_on = None

EMPTY = sa.text("'[]'")


def upgrade():
    with op.batch_alter_table('scenario_attempt') as batch:
        batch.add_column(sa.Column('facts', sa.JSON(), nullable=False, server_default=EMPTY))
        batch.add_column(sa.Column('visited', sa.JSON(), nullable=False, server_default=EMPTY))
    with op.batch_alter_table('decision') as batch:
        batch.add_column(sa.Column('facts_after', sa.JSON(), nullable=False, server_default=EMPTY))
        batch.add_column(sa.Column('visited_after', sa.JSON(), nullable=False, server_default=EMPTY))


def downgrade():
    with op.batch_alter_table('decision') as batch:
        batch.drop_column('visited_after')
        batch.drop_column('facts_after')
    with op.batch_alter_table('scenario_attempt') as batch:
        batch.drop_column('visited')
        batch.drop_column('facts')

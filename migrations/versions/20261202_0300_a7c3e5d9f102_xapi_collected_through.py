"""xapi: each connection's decision watermark (collected_through)

The collection job reads only decisions after ``xapi_connection.collected_through`` (a
decision id), which it moves forward past decisions old enough that no earlier id can still
commit (services.COLLECT_LAG), so a run reads the recent decisions only, not every decision
since the connection was switched on. Null: nothing collected yet (the first run starts from
the decisions made since ``enabled_at``).

Revision ID: a7c3e5d9f102
Revises: 9d3b6e2f4a71
Create Date: 2026-12-02 03:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = 'a7c3e5d9f102'
down_revision = '9d3b6e2f4a71'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("xapi_connection") as batch:
        batch.add_column(sa.Column("collected_through", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("xapi_connection") as batch:
        batch.drop_column("collected_through")

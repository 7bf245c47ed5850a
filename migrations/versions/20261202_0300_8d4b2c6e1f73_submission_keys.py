"""submission keys: one-time keys that make a form which creates rows save once

A double click or a second tab sends the same rendered form twice; the first request claims
(user_id, key) here with a hash of the values sent, and records where it sent the person; a
repeat is answered with that (course_engine/submissions.py). A new, empty table: nothing to carry over.

Revision ID: 8d4b2c6e1f73
Revises: 8a4f2c6e9d13
Create Date: 2026-12-02 03:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '8d4b2c6e1f73'
down_revision = '8a4f2c6e9d13'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('submission_key',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=43), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_submission_key_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_submission_key'))
    )
    with op.batch_alter_table('submission_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_key_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('submission_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_key_created_at'))
    op.drop_table('submission_key')

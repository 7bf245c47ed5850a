"""cpd: the parts of standard 4 an entry evidences, and evidence files on entries

Revision ID: d2e8f3a1c6b4
Revises: c7d41a9e5b10
Create Date: 2026-12-02 02:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd2e8f3a1c6b4'
down_revision = 'c7d41a9e5b10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cpd_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standard_4_parts', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_table('cpd_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['cpd_entry.id'], name=op.f('fk_cpd_evidence_entry_id_cpd_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_cpd_evidence_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_evidence')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_cpd_evidence_storage_key'))
    )
    with op.batch_alter_table('cpd_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_evidence_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cpd_evidence_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cpd_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpd_evidence_user_id'))
        batch_op.drop_index(batch_op.f('ix_cpd_evidence_entry_id'))
    op.drop_table('cpd_evidence')
    with op.batch_alter_table('cpd_entry', schema=None) as batch_op:
        batch_op.drop_column('standard_4_parts')

"""open badges credentials and signing keys

badge_key holds the Ed25519 keys (sealed) that sign Open Badges 3.0 credentials and status
lists; badge_credential one signed credential per certificate, with its status list bit.

Revision ID: 3b07d065f617
Revises: f40d0c201f8e
Create Date: 2026-12-02 01:52:15.364922
"""
from alembic import op
import sqlalchemy as sa


revision = '3b07d065f617'
down_revision = 'f40d0c201f8e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('badge_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('private_jwk_sealed', sa.Text(), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_key')),
    sa.UniqueConstraint('kid', name=op.f('uq_badge_key_kid'))
    )
    op.create_table('badge_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.String(length=64), nullable=False),
    sa.Column('status_list', sa.Integer(), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('jwt', sa.Text(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_badge_credential_certificate_id_certificate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_credential')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_badge_credential_certificate_id')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_badge_credential_credential_id')),
    sa.UniqueConstraint('status_list', 'status_index', name=op.f('uq_badge_credential_status_list_status_index'))
    )


def downgrade():
    op.drop_table('badge_credential')
    op.drop_table('badge_key')

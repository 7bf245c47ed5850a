"""wallet offers: OpenID for Verifiable Credential Issuance (pre-authorized code flow)

wallet_offer holds one offer of a certificate's Open Badge to a digital wallet: the hashes of
the offer's URL token, its pre-authorized code and the access token a wallet gets for it, with
when each expires and was used (course_engine/certificates/wallet.py).

Revision ID: 8a4f2c6e9d13
Revises: 3c9e1f4b7a20
Create Date: 2026-12-02 03:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '8a4f2c6e9d13'
down_revision = '3c9e1f4b7a20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wallet_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('offer_sha256', sa.String(length=64), nullable=False),
    sa.Column('code_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('token_sha256', sa.String(length=64), nullable=True),
    sa.Column('token_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_wallet_offer_certificate_id_certificate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_wallet_offer_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wallet_offer')),
    sa.UniqueConstraint('code_sha256', name=op.f('uq_wallet_offer_code_sha256')),
    sa.UniqueConstraint('offer_sha256', name=op.f('uq_wallet_offer_offer_sha256')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_wallet_offer_token_sha256'))
    )
    with op.batch_alter_table('wallet_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wallet_offer_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wallet_offer_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('wallet_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wallet_offer_user_id'))
        batch_op.drop_index(batch_op.f('ix_wallet_offer_certificate_id'))
    op.drop_table('wallet_offer')

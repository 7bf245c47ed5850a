"""organisation look: logos, accent, certificate logo

brand_logo holds re-encoded logos by content hash; organisation_look one row per
organisation that set a look; certificate.organisation_logo_sha256 the logo as printed.

Revision ID: 725f0e7d8352
Revises: 5a1f0c2d9e47
Create Date: 2026-12-01 22:37:37.018737
"""
from alembic import op
import sqlalchemy as sa


revision = '725f0e7d8352'
down_revision = 'be5d98beda2e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('brand_logo',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_brand_logo'))
    )
    op.create_table('organisation_look',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=True),
    sa.Column('accent_colour', sa.String(length=7), nullable=True),
    sa.Column('logo_sha256', sa.String(length=64), nullable=True),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['logo_sha256'], ['brand_logo.sha256'], name=op.f('fk_organisation_look_logo_sha256_brand_logo'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_look_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_organisation_look_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_look')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_organisation_look_organisation_id')),
    sa.UniqueConstraint('version', name=op.f('uq_organisation_look_version'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_logo_sha256', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_certificate_organisation_logo_sha256_brand_logo'), 'brand_logo', ['organisation_logo_sha256'], ['sha256'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificate_organisation_logo_sha256_brand_logo'), type_='foreignkey')
        batch_op.drop_column('organisation_logo_sha256')

    op.drop_table('organisation_look')
    op.drop_table('brand_logo')

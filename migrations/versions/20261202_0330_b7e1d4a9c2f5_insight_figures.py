"""insight_figure and insight_refresh: practice insights pre-counted per organisation and team

The practice insights pages read these rows instead of counting every decision and quiz
answer of the viewer's learners on each request (course_engine/employers/insight_figures.py).

No backfill: the tables start empty, which the pages handle (the first visit of a small
organisation counts its figures at once; a large one's are queued and the page says they are
being prepared), and ``flask employers refresh-insights`` fills every organisation's. Creating
two new, empty tables locks the referenced tables (``organisation``, ``team``,
``content_module``) against writes only for the moment of the CREATE.

Revision ID: b7e1d4a9c2f5
Revises: a7c3e5d9f102
Create Date: 2026-12-02 03:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b7e1d4a9c2f5'
down_revision = 'a7c3e5d9f102'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('insight_figure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('key', sa.String(length=100), nullable=True),
    sa.Column('choice_index', sa.Integer(), nullable=True),
    sa.Column('learners', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('missed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['content_module.id'], name=op.f('fk_insight_figure_module_id_content_module'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_insight_figure_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_insight_figure_team_id_team'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insight_figure'))
    )
    with op.batch_alter_table('insight_figure', schema=None) as batch_op:
        batch_op.create_index('ix_insight_figure_org_module', ['organisation_id', 'module_id'], unique=False)
    op.create_table('insight_refresh',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_insight_refresh_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_insight_refresh'))
    )


def downgrade():
    op.drop_table('insight_refresh')
    with op.batch_alter_table('insight_figure', schema=None) as batch_op:
        batch_op.drop_index('ix_insight_figure_org_module')
    op.drop_table('insight_figure')

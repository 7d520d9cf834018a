"""long names: SQLAlchemy truncates op.f() and naming-convention names past 63 characters

Revision ID: r09
Revises: r08
Create Date: 2026-01-09 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'r09'
down_revision = 'r08'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'a_table_with_a_rather_long_descriptive_name',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('a_column_with_an_even_longer_descriptive_name', sa.Integer(), index=True),
        sa.Column('short', sa.Integer(), index=True),
        sa.Column('zürich_straße_größenordnung_überschreitung', sa.Integer(), index=True),
        sa.UniqueConstraint('short', name=op.f('uq_a_table_with_a_rather_long_descriptive_name_short_and_more_words')),
    )
    op.create_index(op.f('ix_implicit_a_very_long_index_name_that_goes_on_and_on_past_the_limit'), 'implicit', ['a'])
    op.create_check_constraint(op.f('ck_implicit_a_very_long_check_name_that_goes_on_and_on_past_the_limit'), 'implicit', 'g > 0')


def downgrade() -> None:
    op.drop_constraint(op.f('ck_implicit_a_very_long_check_name_that_goes_on_and_on_past_the_limit'), 'implicit', type_='check')
    op.drop_index(op.f('ix_implicit_a_very_long_index_name_that_goes_on_and_on_past_the_limit'), table_name='implicit')
    op.drop_table('a_table_with_a_rather_long_descriptive_name')

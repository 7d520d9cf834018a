"""the log table

Revision ID: s1
Revises: 
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 's1'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('applied_log', sa.Column('rev', sa.Text(), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False))
    op.execute("INSERT INTO applied_log (rev) VALUES ('s1')")


def downgrade() -> None:
    op.drop_table('applied_log')

"""add a column, backfill-free NOT NULL: dropping the column undoes both"""
from alembic import op
import sqlalchemy as sa

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("tier", sa.Integer(), nullable=True, server_default="0"))
    op.alter_column("users", "tier", nullable=False)


def downgrade():
    op.drop_column("users", "tier")

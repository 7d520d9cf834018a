"""separate-data-migration: err_mixed"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("tier", sa.Integer(), nullable=True))
    op.execute("UPDATE users SET tier = 1 WHERE tier IS NULL")


def downgrade():
    pass

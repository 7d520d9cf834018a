"""renaming-table: err_rename_table"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.rename_table("users", "accounts")
    op.execute("ALTER TABLE orders RENAME TO purchases")


def downgrade():
    pass

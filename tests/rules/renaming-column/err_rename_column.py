"""renaming-column: err_rename_column"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.alter_column("users", "name", new_column_name="full_name")
    op.execute("ALTER TABLE orders RENAME COLUMN status TO state")


def downgrade():
    pass

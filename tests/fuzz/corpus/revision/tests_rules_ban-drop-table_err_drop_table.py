"""ban-drop-table: err_drop_table"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.drop_table("audit_log")
    op.execute("DROP TABLE IF EXISTS orders")


def downgrade():
    pass

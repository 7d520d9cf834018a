"""protected-table: err_protected"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
# config: protected_tables = audit_log, ledger

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("DELETE FROM audit_log WHERE id < 10")
    op.execute("TRUNCATE audit_log")
    op.drop_table("audit_log")


def downgrade():
    pass

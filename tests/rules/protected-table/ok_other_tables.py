"""protected-table: ok_other_tables"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
# config: protected_tables = audit_log

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("DELETE FROM orders WHERE id < 10")
    op.add_column("audit_log", sa.Column("note", sa.Text(), nullable=True))


def downgrade():
    pass

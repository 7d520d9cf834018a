"""require-where-clause: err_unbounded"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("DELETE FROM orders")
    op.execute(sa.text("UPDATE users SET name = 'x'"))


def downgrade():
    pass

"""require-concurrent-index-creation: err_plain_index"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_index("ix_users_name", "users", ["name"])
    op.execute("CREATE INDEX ix_orders_status ON orders (status)")


def downgrade():
    pass

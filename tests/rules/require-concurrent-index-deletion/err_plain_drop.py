"""require-concurrent-index-deletion: err_plain_drop"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.drop_index("ix_orders_user_id", table_name="orders")
    op.execute("DROP INDEX ix_users_email")


def downgrade():
    pass

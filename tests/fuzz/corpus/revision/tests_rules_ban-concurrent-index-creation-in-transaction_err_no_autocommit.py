"""ban-concurrent-index-creation-in-transaction: err_no_autocommit"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_index("ix_users_name", "users", ["name"], postgresql_concurrently=True)
    op.execute("DROP INDEX CONCURRENTLY ix_users_email")


def downgrade():
    pass

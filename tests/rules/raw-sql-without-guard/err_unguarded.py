"""raw-sql-without-guard: err_unguarded"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
# config: enable = raw-sql-without-guard

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("CREATE TABLE toys (id bigint)")
    op.execute("DROP INDEX ix_users_email")
    op.execute("CREATE EXTENSION pg_trgm")


def downgrade():
    pass

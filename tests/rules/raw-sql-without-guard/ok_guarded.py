"""raw-sql-without-guard: ok_guarded"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
# config: enable = raw-sql-without-guard

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("CREATE TABLE IF NOT EXISTS toys (id bigint)")
    op.execute("DROP INDEX IF EXISTS ix_users_email")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql")


def downgrade():
    pass

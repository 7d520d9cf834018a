"""prefer-timestamptz: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN seen_at timestamptz")
    op.execute("CREATE TABLE logins (id bigint PRIMARY KEY, at timestamp(3) with time zone, d date, t time)")


def downgrade():
    pass

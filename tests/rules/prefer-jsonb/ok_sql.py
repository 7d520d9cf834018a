"""prefer-jsonb: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'")
    op.execute("CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb, raw json[])")
    op.execute("SELECT '{}'::json")


def downgrade():
    pass

"""prefer-jsonb: err_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN settings json NOT NULL DEFAULT '{}'")
    op.execute("""CREATE TABLE events (id bigint PRIMARY KEY, payload JSON)""")
    op.execute("ALTER TABLE orders ALTER COLUMN status TYPE json USING to_json(status)")


def downgrade():
    pass

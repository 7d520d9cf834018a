"""prefer-timestamptz: err_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN seen_at timestamp")
    op.execute("""
        CREATE TABLE logins (
            id bigint PRIMARY KEY,
            at timestamp(3) without time zone NOT NULL DEFAULT now()
        )
    """)
    op.execute("ALTER TABLE orders ALTER COLUMN created_at TYPE timestamp")


def downgrade():
    pass

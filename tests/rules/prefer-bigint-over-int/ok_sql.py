"""prefer-bigint-over-int: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("""
        CREATE TABLE tags (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id bigint REFERENCES users (id),
            weight integer
        )
    """)
    op.execute("ALTER TABLE orders ADD COLUMN position integer NOT NULL DEFAULT 0")


def downgrade():
    pass

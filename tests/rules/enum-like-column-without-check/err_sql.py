"""enum-like-column-without-check: err_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN status varchar(20) NOT NULL DEFAULT 'active'")
    op.execute("""
        CREATE TABLE shipments (
            id bigint PRIMARY KEY,
            state text,
            note text
        )
    """)


def downgrade():
    pass

"""column-group: err_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"
# config: column_groups = is_deleted, deleted_at


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN is_deleted boolean NOT NULL DEFAULT false")
    op.execute("""
        CREATE TABLE pets (
            id bigint PRIMARY KEY,
            deleted_at timestamptz
        )
    """)


def downgrade():
    pass

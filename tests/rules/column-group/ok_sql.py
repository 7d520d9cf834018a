"""column-group: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"
# config: column_groups = is_deleted, deleted_at


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN is_deleted boolean NOT NULL DEFAULT false, ADD COLUMN deleted_at timestamptz")
    op.execute("CREATE TABLE pets (id bigint PRIMARY KEY, is_deleted boolean, deleted_at timestamptz)")
    op.add_column("orders", sa.Column("is_deleted", sa.Boolean()))
    op.execute("ALTER TABLE orders ADD COLUMN deleted_at timestamptz")


def downgrade():
    pass

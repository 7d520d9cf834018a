"""identifier-too-long: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc text")
    op.execute("CREATE TABLE t63 (id bigint PRIMARY KEY, CONSTRAINT ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc CHECK (id > 0))")


def downgrade():
    pass

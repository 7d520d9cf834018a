"""separate-data-migration: ok_data_only"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("UPDATE users SET name = email WHERE name IS NULL")
    op.execute("INSERT INTO audit_log (entry) VALUES ('backfilled')")


def downgrade():
    pass

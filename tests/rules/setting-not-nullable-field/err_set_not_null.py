"""setting-not-nullable-field: err_set_not_null"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.alter_column("users", "name", existing_type=sa.Text(), nullable=False)
    op.execute("ALTER TABLE users ALTER COLUMN nickname SET NOT NULL")


def downgrade():
    pass

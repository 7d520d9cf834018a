"""ban-drop-column: err_drop_column"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.drop_column("users", "nickname")
    op.execute("ALTER TABLE users DROP COLUMN age")


def downgrade():
    pass

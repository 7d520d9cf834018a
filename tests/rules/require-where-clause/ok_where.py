"""require-where-clause: ok_where"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("DELETE FROM orders WHERE status = 'new'")
    op.execute("UPDATE users SET name = (SELECT 'x' WHERE true) WHERE id = 1")


def downgrade():
    pass

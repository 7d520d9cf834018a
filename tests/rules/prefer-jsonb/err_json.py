"""prefer-jsonb: err_json"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("prefs", sa.JSON(), nullable=True))
    op.alter_column("orders", "status", type_=postgresql.JSON())


def downgrade():
    pass

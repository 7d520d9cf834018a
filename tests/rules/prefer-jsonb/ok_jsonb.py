"""prefer-jsonb: ok_jsonb"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("prefs", postgresql.JSONB(), nullable=True))


def downgrade():
    pass

"""prefer-timestamptz: err_timestamp"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("seen_at", sa.DateTime(), nullable=True))
    op.add_column("users", sa.Column("born_at", sa.TIMESTAMP(timezone=False), nullable=True))


def downgrade():
    pass

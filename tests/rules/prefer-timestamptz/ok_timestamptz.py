"""prefer-timestamptz: ok_timestamptz"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("born_on", sa.Date(), nullable=True))


def downgrade():
    pass

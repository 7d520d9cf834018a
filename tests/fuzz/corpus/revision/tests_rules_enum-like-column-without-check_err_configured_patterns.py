"""enum_like_columns configured for this project"""
from alembic import op
import sqlalchemy as sa
# config: enum_like_columns = kind, *_type

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("kind", sa.String(10), nullable=True))
    op.add_column("users", sa.Column("status", sa.String(10), nullable=True))


def downgrade():
    op.drop_column("users", "status")
    op.drop_column("users", "kind")

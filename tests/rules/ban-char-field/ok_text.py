"""ban-char-field: ok_text"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("country", sa.Text(), nullable=True))
    op.add_column("users", sa.Column("code", sa.String(3), nullable=True))


def downgrade():
    pass

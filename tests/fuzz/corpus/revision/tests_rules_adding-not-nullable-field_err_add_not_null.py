"""adding-not-nullable-field: err_add_not_null"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("country", sa.Text(), nullable=False))


def downgrade():
    pass

"""missing-downgrade: err_no_downgrade"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("tier", sa.Integer(), nullable=True))

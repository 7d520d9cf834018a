"""adding-field-with-default: err_pg10_constant"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
# config: postgresql_version = 10

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("tier", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    pass

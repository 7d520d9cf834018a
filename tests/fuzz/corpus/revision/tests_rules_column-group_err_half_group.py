"""column-group: err_half_group"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
# config: column_groups = is_deleted, deleted_at; created_by, updated_by

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("orders", sa.Column("is_deleted", sa.Boolean(), server_default="false", nullable=False))


def downgrade():
    pass

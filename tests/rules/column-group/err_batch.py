"""column-group: err_batch"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"
# config: column_groups = is_deleted, deleted_at


def upgrade():
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("is_deleted", sa.Boolean()))


def downgrade():
    pass

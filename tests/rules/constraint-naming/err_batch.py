"""constraint-naming: err_batch"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"
# config: constraint_naming = ^(pk|uq|fk|ck|ix)_[a-z0-9_]+$


def upgrade():
    with op.batch_alter_table("orders") as batch_op:
        batch_op.create_check_constraint("orders_positive", "id > 0")
        batch_op.create_index("orders_status_idx", ["status"])


def downgrade():
    pass

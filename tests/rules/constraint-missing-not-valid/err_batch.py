"""constraint-missing-not-valid: err_batch"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    with op.batch_alter_table("orders") as batch_op:
        batch_op.create_check_constraint("ck_orders_user_id", "user_id > 0")
        batch_op.create_foreign_key("fk_orders_user", "users", ["user_id"], ["id"])


def downgrade():
    pass

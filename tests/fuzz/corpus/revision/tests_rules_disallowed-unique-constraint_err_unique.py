"""disallowed-unique-constraint: err_unique"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_unique_constraint("uq_users_name", "users", ["name"])
    with op.batch_alter_table("orders") as batch_op:
        batch_op.create_unique_constraint("uq_orders_status", ["status"])


def downgrade():
    pass

"""require-fk-index: err_batch"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("orders", sa.Column("reviewer_id", sa.BigInteger()))
    with op.batch_alter_table("orders") as batch_op:
        batch_op.create_foreign_key("fk_orders_reviewer", "users", ["reviewer_id"], ["id"])


def downgrade():
    pass

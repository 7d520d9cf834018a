"""column-type-pattern: err_batch"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"
# config: column_types = *_id=uuid


def upgrade():
    with op.batch_alter_table("orders") as batch_op:
        batch_op.alter_column("user_id", type_=sa.BigInteger())
        batch_op.add_column(sa.Column("coupon_id", sa.Integer()))


def downgrade():
    pass

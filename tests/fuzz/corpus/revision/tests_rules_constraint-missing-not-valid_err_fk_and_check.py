"""constraint-missing-not-valid: err_fk_and_check"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_foreign_key("fk_users_orders", "users", "orders", ["age"], ["id"])
    op.create_check_constraint("ck_users_age", "users", "age > 0")
    op.execute("ALTER TABLE orders ADD CONSTRAINT ck_orders_x CHECK (id > 0)")


def downgrade():
    pass

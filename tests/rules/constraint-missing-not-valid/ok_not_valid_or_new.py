"""constraint-missing-not-valid: ok_not_valid_or_new"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_check_constraint("ck_users_age", "users", "age > 0", postgresql_not_valid=True)
    op.execute("ALTER TABLE orders ADD CONSTRAINT ck_orders_x CHECK (id > 0) NOT VALID")
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("owner_id", sa.BigInteger()))
    op.create_foreign_key("fk_pets_owner_id_users", "pets", "users", ["owner_id"], ["id"])


def downgrade():
    pass

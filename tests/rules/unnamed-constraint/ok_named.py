"""unnamed-constraint: ok_named"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_table(
        "pets",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("owner_id", sa.BigInteger(), sa.ForeignKey("users.id", name="fk_pets_owner_id_users")),
        sa.CheckConstraint("id > 0", name="ck_pets_id"),
    )
    op.create_unique_constraint("uq_users_name", "users", ["name"])
    op.create_foreign_key(op.f("fk_users_age_orders"), "users", "orders", ["age"], ["id"])


def downgrade():
    pass

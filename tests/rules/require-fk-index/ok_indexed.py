"""require-fk-index: ok_indexed"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_table(
        "pets",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("owner_id", sa.BigInteger(), index=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_pets_owner_id_users"),
    )
    op.add_column("orders", sa.Column("pet_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_orders_pet_id_created_at", "orders", ["pet_id", "created_at"])
    op.create_foreign_key("fk_orders_pet_id_pets", "orders", "pets", ["pet_id"], ["id"])


def downgrade():
    pass

"""require-fk-index: err_no_index"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_table(
        "pets",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("owner_id", sa.BigInteger()),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_pets_owner_id_users"),
    )
    op.add_column("orders", sa.Column("pet_id", sa.BigInteger(), sa.ForeignKey("pets.id", name="fk_orders_pet_id_pets")))


def downgrade():
    pass

"""prefer-bigint-over-int: ok_bigint_keys_int_values"""
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
        sa.Column("legs", sa.Integer()),
    )


def downgrade():
    pass

"""incomplete-downgrade: ok_full_inverse"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))
    op.add_column("users", sa.Column("tier", sa.Integer(), nullable=True))
    op.create_index("ix_users_tier", "users", ["tier"])
    op.alter_column("users", "name", new_column_name="full_name")


def downgrade():
    op.alter_column("users", "full_name", new_column_name="name")
    op.drop_index("ix_users_tier", table_name="users")
    op.drop_column("users", "tier")
    op.drop_table("pets")

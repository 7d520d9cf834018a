"""enum-like-column-without-check: ok_checked_or_enum"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("status", sa.String(20), nullable=True))
    op.create_check_constraint("ck_users_status", "users", "status IN ('a', 'b')")
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("pet_type", sa.Enum("cat", "dog", name="pet_type")),
                    sa.Column("state", sa.Text()),
                    sa.Column("content_type", sa.Text()),
                    sa.CheckConstraint("state <> ''", name="ck_pets_state"))


def downgrade():
    pass

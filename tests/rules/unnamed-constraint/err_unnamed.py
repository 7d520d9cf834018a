"""unnamed-constraint: err_unnamed"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_table(
        "pets",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("owner_id", sa.BigInteger(), sa.ForeignKey("users.id")),
        sa.CheckConstraint("id > 0"),
    )
    op.create_unique_constraint(None, "users", ["name"])


def downgrade():
    pass

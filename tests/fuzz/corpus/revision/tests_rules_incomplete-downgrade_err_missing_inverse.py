"""incomplete-downgrade: err_missing_inverse"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("tier", sa.Integer(), nullable=True))
    op.create_index("ix_users_tier", "users", ["tier"])
    op.rename_table("audit_log", "audit")


def downgrade():
    op.drop_column("users", "tier")

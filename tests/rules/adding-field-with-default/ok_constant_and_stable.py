"""adding-field-with-default: ok_constant_and_stable"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("tier", sa.Integer(), server_default="0", nullable=False))
    op.add_column("users", sa.Column("seen_at", sa.DateTime(timezone=True), server_default=sa.func.now()))
    op.create_table("pets", sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), primary_key=True))


def downgrade():
    pass

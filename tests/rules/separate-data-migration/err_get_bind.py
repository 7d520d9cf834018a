"""schema change and Python data code in one revision"""
from alembic import op
import sqlalchemy as sa

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("tier", sa.Integer(), nullable=True))
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE users SET tier = 1 WHERE tier IS NULL"))


def downgrade():
    op.drop_column("users", "tier")

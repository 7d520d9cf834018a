"""another branch's revision, already merged: the current head"""
from alembic import op
import sqlalchemy as sa

revision = "other"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("tier", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("users", "tier")

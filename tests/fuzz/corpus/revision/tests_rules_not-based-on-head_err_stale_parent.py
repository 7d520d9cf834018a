"""written before 'other' was merged: a second head"""
from alembic import op
import sqlalchemy as sa

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("bio", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("users", "bio")

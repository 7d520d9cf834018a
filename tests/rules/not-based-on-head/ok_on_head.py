"""based on the current head"""
from alembic import op
import sqlalchemy as sa

revision = "case"
down_revision = "other"


def upgrade():
    op.add_column("users", sa.Column("bio", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("users", "bio")

"""identifier-too-long: err_long_names"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_index("ix_users_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "users", ["name"])
    op.add_column("users", sa.Column("cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", sa.Text()))


def downgrade():
    pass

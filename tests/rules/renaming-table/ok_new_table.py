"""renaming-table: ok_new_table"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_table("tmp", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))
    op.rename_table("tmp", "pets")


def downgrade():
    pass

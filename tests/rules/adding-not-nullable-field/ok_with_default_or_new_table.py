"""adding-not-nullable-field: ok_with_default_or_new_table"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("country", sa.Text(), nullable=False, server_default="NL"))
    op.add_column("users", sa.Column("bio", sa.Text(), nullable=True))
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))
    op.add_column("pets", sa.Column("name", sa.Text(), nullable=False))
    op.execute("ALTER TABLE users ADD COLUMN tier integer NOT NULL DEFAULT 0")


def downgrade():
    pass

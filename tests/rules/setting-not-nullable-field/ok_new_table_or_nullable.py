"""setting-not-nullable-field: ok_new_table_or_nullable"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("name", sa.Text(), nullable=True))
    op.alter_column("pets", "name", nullable=False)
    op.alter_column("users", "name", nullable=True)
    op.alter_column("users", "email", nullable=False)


def downgrade():
    pass

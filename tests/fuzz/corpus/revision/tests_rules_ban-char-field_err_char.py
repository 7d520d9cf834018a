"""ban-char-field: err_char"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("country", sa.CHAR(2), nullable=True))
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("code", postgresql.CHAR(length=3)))


def downgrade():
    pass

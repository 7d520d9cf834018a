"""prefer-identity: ok_identity_or_natural"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))
    op.create_table("codes", sa.Column("code", sa.Text(), primary_key=True))
    op.create_table("links", sa.Column("a", sa.BigInteger(), primary_key=True),
                    sa.Column("b", sa.BigInteger(), primary_key=True))


def downgrade():
    pass

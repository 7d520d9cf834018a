"""changing-column-type: ok_widening"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.alter_column("users", "nickname", type_=sa.String(80), existing_type=sa.String(40))
    op.alter_column("users", "nickname", type_=sa.Text())
    op.create_table("pets", sa.Column("id", sa.Integer(), primary_key=True))
    op.alter_column("pets", "id", type_=sa.BigInteger())


def downgrade():
    pass

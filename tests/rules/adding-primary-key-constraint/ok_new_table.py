"""adding-primary-key-constraint: ok_new_table"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_table("pets", sa.Column("id", sa.BigInteger(), nullable=False))
    op.create_primary_key("pk_pets", "pets", ["id"])


def downgrade():
    pass

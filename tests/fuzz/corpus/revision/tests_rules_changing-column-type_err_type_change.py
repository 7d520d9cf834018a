"""changing-column-type: err_type_change"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.alter_column("users", "age", type_=sa.BigInteger(), existing_type=sa.Integer())
    op.execute("ALTER TABLE orders ALTER COLUMN status TYPE varchar(10)")


def downgrade():
    pass

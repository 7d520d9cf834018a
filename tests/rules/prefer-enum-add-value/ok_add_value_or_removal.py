"""prefer-enum-add-value: ok_add_value_or_removal"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'")
    op.execute("DROP TYPE mood")
    op.execute("CREATE TYPE mood AS ENUM ('happy')")


def downgrade():
    pass

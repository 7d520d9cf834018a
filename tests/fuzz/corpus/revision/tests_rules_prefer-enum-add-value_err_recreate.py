"""prefer-enum-add-value: err_recreate"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TYPE mood RENAME TO mood_old")
    op.execute("CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh')")
    op.execute("DROP TYPE mood_old")


def downgrade():
    pass

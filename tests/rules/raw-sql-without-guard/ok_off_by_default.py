"""raw-sql-without-guard: ok_off_by_default"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("CREATE TABLE toys (id bigint)")


def downgrade():
    pass

"""empty-downgrade: ok_merge_or_real"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    pass


def downgrade():
    pass

"""adding-field-with-default: err_volatile"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))
    op.execute("ALTER TABLE orders ADD COLUMN r float DEFAULT random()")


def downgrade():
    pass

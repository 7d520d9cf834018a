"""renaming-column: ok_other_alters"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.alter_column("users", "name", nullable=True)
    op.execute("ALTER TABLE orders RENAME CONSTRAINT ck_orders_status TO ck_orders_state")


def downgrade():
    pass

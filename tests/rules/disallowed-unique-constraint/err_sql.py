"""disallowed-unique-constraint: err_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_name UNIQUE (name)")
    op.execute("""
        ALTER TABLE orders
            ADD COLUMN ref text,
            ADD CONSTRAINT uq_orders_ref UNIQUE (ref)
    """)


def downgrade():
    pass

"""enum-like-column-without-check: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN status varchar(20) CONSTRAINT ck_users_status CHECK (status IN ('active', 'gone'))")
    op.execute("""
        CREATE TABLE shipments (
            id bigint PRIMARY KEY,
            state text,
            CONSTRAINT ck_shipments_state CHECK (state IN ('new', 'sent'))
        )
    """)
    op.add_column("orders", sa.Column("payment_status", sa.Text()))
    op.execute("ALTER TABLE orders ADD CONSTRAINT ck_orders_payment CHECK (payment_status <> '') NOT VALID")


def downgrade():
    pass

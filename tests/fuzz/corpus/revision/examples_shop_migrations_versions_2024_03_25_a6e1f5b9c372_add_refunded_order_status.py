"""add refunded order status

PostgreSQL cannot drop an enum value, so the downgrade rebuilds the type after
moving refunded orders back to cancelled.

Revision ID: a6e1f5b9c372
Revises: f0c4d8e2a615
Create Date: 2024-03-25 15:41:07.660583

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6e1f5b9c372'
down_revision = 'f0c4d8e2a615'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ALTER TYPE ... ADD VALUE cannot be used in the transaction that adds it.
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")


def downgrade() -> None:
    op.execute("UPDATE orders SET status = 'cancelled' WHERE status = 'refunded'")
    op.execute("ALTER TABLE orders ALTER COLUMN status DROP DEFAULT")
    op.execute("ALTER TYPE order_status RENAME TO order_status_old")
    op.execute("CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'cancelled')")
    op.execute(
        "ALTER TABLE orders ALTER COLUMN status TYPE order_status "
        "USING status::text::order_status"
    )
    op.execute("ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending'")
    op.execute("DROP TYPE order_status_old")

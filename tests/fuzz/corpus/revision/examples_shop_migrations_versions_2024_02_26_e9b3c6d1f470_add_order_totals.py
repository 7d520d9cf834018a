"""add order totals

Stores each order's total so reports stop summing order_items. Existing orders
are backfilled from their items before the column becomes NOT NULL.

Revision ID: e9b3c6d1f470
Revises: b2d9e0f41a57
Create Date: 2024-02-26 13:35:18.902144

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e9b3c6d1f470'
down_revision = 'b2d9e0f41a57'
branch_labels = ('reporting',)
depends_on = None


def upgrade() -> None:
    op.add_column('orders', sa.Column('total_cents', sa.BigInteger(), nullable=True))
    op.execute(
        """
        UPDATE orders
           SET total_cents = COALESCE(
                 (SELECT sum(oi.quantity * oi.unit_price_cents)
                    FROM order_items AS oi
                   WHERE oi.order_id = orders.id), 0)
        """
    )
    op.alter_column('orders', 'total_cents',
                    existing_type=sa.BigInteger(),
                    nullable=False,
                    server_default=sa.text('0'))


def downgrade() -> None:
    op.drop_column('orders', 'total_cents')

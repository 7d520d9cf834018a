"""create orders and order items

Orders belong to a customer; each item points at a product and keeps the unit
price paid, so later price changes do not rewrite old orders.

Revision ID: b2d9e0f41a57
Revises: 7a4e5b6c2d13
Create Date: 2024-02-05 11:47:29.004417

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'b2d9e0f41a57'
down_revision = '7a4e5b6c2d13'
branch_labels = None
depends_on = None

order_status = postgresql.ENUM('pending', 'paid', 'shipped', 'cancelled',
                               name='order_status', create_type=False)


def upgrade() -> None:
    order_status.create(op.get_bind(), checkfirst=True)
    op.create_table(
        'orders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('status', order_status, server_default='pending', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name='fk_orders_customer_id_customers',
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name='pk_orders'),
    )
    op.create_table(
        'order_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('unit_price_cents', sa.Integer(), nullable=False),
        sa.CheckConstraint('quantity > 0', name='ck_order_items_quantity_positive'),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'],
                                name='fk_order_items_order_id_orders',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                name='fk_order_items_product_id_products'),
        sa.PrimaryKeyConstraint('id', name='pk_order_items'),
    )
    op.create_index('ix_order_items_order_id', 'order_items', ['order_id'])


def downgrade() -> None:
    op.drop_index('ix_order_items_order_id', table_name='order_items')
    op.drop_table('order_items')
    op.drop_table('orders')
    order_status.drop(op.get_bind(), checkfirst=True)

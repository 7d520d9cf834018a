"""stock table, then a duplicate sku (fails)

Revision ID: f3
Revises: f2
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'f3'
down_revision = 'f2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stock', sa.Column('product_id', sa.Integer(), sa.ForeignKey('products.id')), sa.Column('qty', sa.Integer()))
    op.add_column('products', sa.Column('weight_g', sa.Integer()))
    op.execute("INSERT INTO products (id, sku) VALUES (2, 'TEA')")


def downgrade() -> None:
    op.drop_column('products', 'weight_g')
    op.drop_table('stock')

"""products with a unique sku, and one row

Revision ID: f1
Revises: 
Create Date: 2026-02-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'f1'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'products',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('sku', sa.String(20), nullable=False),
        sa.UniqueConstraint('sku', name='uq_products_sku'),
    )
    op.execute("INSERT INTO products (id, sku) VALUES (1, 'TEA')")


def downgrade() -> None:
    op.drop_table('products')

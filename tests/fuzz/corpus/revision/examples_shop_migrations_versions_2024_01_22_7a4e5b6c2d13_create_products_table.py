"""create products table

Revision ID: 7a4e5b6c2d13
Revises: 3f1c2a9d8b01
Create Date: 2024-01-22 14:03:10.550912

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a4e5b6c2d13'
down_revision = '3f1c2a9d8b01'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'products',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sku', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('price_cents', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_products'),
    )
    op.create_index('ix_products_sku', 'products', ['sku'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_products_sku', table_name='products')
    op.drop_table('products')

"""add customer phone and product description

Revision ID: c81f3e2a6d94
Revises: b2d9e0f41a57
Create Date: 2024-02-19 16:20:05.771930

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c81f3e2a6d94'
down_revision = 'b2d9e0f41a57'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('customers', sa.Column('phone', sa.String(length=32), nullable=True))
    with op.batch_alter_table('products') as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))
        batch_op.alter_column('name',
                              existing_type=sa.String(length=120),
                              type_=sa.String(length=200),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('products') as batch_op:
        batch_op.alter_column('name',
                              existing_type=sa.String(length=200),
                              type_=sa.String(length=120),
                              existing_nullable=False)
        batch_op.drop_column('description')
    op.drop_column('customers', 'phone')

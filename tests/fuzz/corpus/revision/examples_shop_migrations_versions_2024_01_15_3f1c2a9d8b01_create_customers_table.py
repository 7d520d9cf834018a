"""create customers table

Revision ID: 3f1c2a9d8b01
Revises: 
Create Date: 2024-01-15 09:12:44.318201

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f1c2a9d8b01'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'customers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=255), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True),
                  server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_customers'),
        sa.UniqueConstraint('email', name='uq_customers_email'),
    )


def downgrade() -> None:
    op.drop_table('customers')

"""create the audit schema

Revision ID: 0a0000000000
Revises:
Create Date: 2024-01-01 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0a0000000000'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('CREATE SCHEMA audit')


def downgrade() -> None:
    op.execute('DROP SCHEMA audit')

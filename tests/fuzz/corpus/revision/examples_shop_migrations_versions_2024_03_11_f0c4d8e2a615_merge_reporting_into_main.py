"""merge reporting into main

Revision ID: f0c4d8e2a615
Revises: d5a07b9c3e28, e9b3c6d1f470
Create Date: 2024-03-11 08:55:40.316027

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f0c4d8e2a615'
down_revision = ('d5a07b9c3e28', 'e9b3c6d1f470')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""column-type-pattern: ok_right_types"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
# config: column_types = search_vector=tsvector, id=uuid, *_id=uuid

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True))
    op.create_table("pets", sa.Column("id", sa.Uuid(), primary_key=True),
                    sa.Column("owner_id", postgresql.UUID()), sa.Column("name", sa.Text()))


def downgrade():
    pass

"""column-type-pattern: err_wrong_types"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
# config: column_types = search_vector=tsvector, id=uuid, *_id=uuid

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("search_vector", sa.Text(), nullable=True))
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("owner_id", sa.BigInteger()))


def downgrade():
    pass

"""require-concurrent-index-creation: ok_concurrent_or_new"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_users_name", "users", ["name"], postgresql_concurrently=True)
        op.execute("CREATE INDEX CONCURRENTLY ix_orders_status ON orders (status)")
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("name", sa.Text()))
    op.create_index("ix_pets_name", "pets", ["name"])


def downgrade():
    pass

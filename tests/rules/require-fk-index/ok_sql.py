"""require-fk-index: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("""
        CREATE TABLE pets (
            id bigint PRIMARY KEY,
            owner_id bigint CONSTRAINT fk_pets_owner REFERENCES users (id)
        );
        CREATE INDEX ix_pets_owner_id ON pets (owner_id);
    """)
    op.execute("ALTER TABLE orders ADD COLUMN pet_id bigint REFERENCES pets (id)")
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY ix_orders_pet_id ON orders (pet_id)")
    op.create_table("toys", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("pet_id", sa.BigInteger()))
    op.execute("CREATE INDEX ix_toys_pet_id ON toys (pet_id, id)")
    op.create_foreign_key("fk_toys_pet", "toys", "pets", ["pet_id"], ["id"])


def downgrade():
    pass

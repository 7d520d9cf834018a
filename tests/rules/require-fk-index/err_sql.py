"""require-fk-index: err_sql"""
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
        )
    """)
    op.execute("ALTER TABLE orders ADD COLUMN pet_id bigint, ADD CONSTRAINT fk_orders_pet FOREIGN KEY (pet_id) REFERENCES pets (id)")
    op.create_table("toys", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("pet_id", sa.BigInteger()))
    op.execute("CREATE INDEX ix_toys_id ON toys (id)")
    op.create_foreign_key("fk_toys_pet", "toys", "pets", ["pet_id"], ["id"])


def downgrade():
    pass

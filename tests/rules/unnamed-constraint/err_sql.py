"""unnamed-constraint: err_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("""
        CREATE TABLE pets (
            id bigint PRIMARY KEY,
            owner_id bigint REFERENCES users (id),
            tag text UNIQUE,
            age integer CHECK (age >= 0),
            FOREIGN KEY (owner_id) REFERENCES users (id)
        )
    """)
    op.execute("ALTER TABLE orders ADD CHECK (user_id > 0) NOT VALID")
    op.execute("ALTER TABLE orders ADD UNIQUE (status), ADD COLUMN pet_id bigint REFERENCES pets (id)")


def downgrade():
    pass

"""column-type-pattern: err_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"
# config: column_types = search_vector=tsvector, *_id=uuid


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN search_vector text")
    op.execute("""
        CREATE TABLE pets (
            id uuid PRIMARY KEY,
            owner_id bigint,
            search_vector tsvector
        )
    """)
    op.execute("ALTER TABLE orders ALTER COLUMN user_id TYPE integer")


def downgrade():
    pass

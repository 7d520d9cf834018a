"""column-type-pattern: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"
# config: column_types = search_vector=tsvector, *_id=uuid


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN search_vector tsvector")
    op.execute("CREATE TABLE pets (id bigint PRIMARY KEY, owner_id uuid, name varchar(40))")
    op.execute("ALTER TABLE orders ALTER COLUMN user_id TYPE uuid USING NULL")


def downgrade():
    pass

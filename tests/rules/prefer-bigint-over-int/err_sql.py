"""prefer-bigint-over-int: err_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("""
        CREATE TABLE tags (
            id serial PRIMARY KEY,
            user_id integer REFERENCES users (id),
            weight integer
        )
    """)
    op.execute("CREATE TABLE tag_links (tag_id int4, post_id smallint, PRIMARY KEY (tag_id, post_id))")
    op.execute("ALTER TABLE orders ADD COLUMN tag_id int REFERENCES tags (id)")


def downgrade():
    pass

"""ban-char-field: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN country text CHECK (length(country) = 2)")
    op.execute("CREATE TABLE currencies (code varchar(3) PRIMARY KEY, name character varying)")
    op.execute("COMMENT ON COLUMN users.name IS 'char(3) in a comment is not a column'")


def downgrade():
    pass

"""ban-char-field: err_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN country char(2)")
    op.execute("""
        CREATE TABLE currencies (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            code CHARACTER(3) NOT NULL,
            symbols char(1)[]
        )
    """)
    op.execute(sa.text("ALTER TABLE orders ALTER COLUMN status TYPE bpchar(4)"))
    # not a plain literal (an escape): the range is the string's
    op.execute("ALTER TABLE orders ADD COLUMN \x63ur char(3)")


def downgrade():
    pass

"""prelude: the schema and enum types the sqlconf revisions assume exist

The sqlconf revisions are written for offline SQL; on a real database they need the
audit schema, the enum that r01 uses with create_type=False, and the enums that
add_column uses (Alembic's add_column does not create an enum type).

Revision ID: r00
Revises:
Create Date: 2026-01-01 00:00:00
"""
from alembic import op

revision = 'r00'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('CREATE SCHEMA audit')
    op.execute("CREATE TYPE event_kind AS ENUM ('a', 'b')")
    op.execute("CREATE TYPE cust_kind AS ENUM ('a', 'b')")
    op.execute("CREATE TYPE never_created AS ENUM ('v', 'w')")


def downgrade() -> None:
    op.execute('DROP TYPE never_created')
    op.execute('DROP TYPE cust_kind')
    op.execute('DROP TYPE event_kind')
    # CASCADE: the enum audit."Mood" that r07's create_table made stays behind
    # (Alembic's drop_table does not drop enum types), as the other enums do in public.
    op.execute('DROP SCHEMA audit CASCADE')

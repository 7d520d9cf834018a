"""an enum type created through the connection is DDL, not data"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"

status = postgresql.ENUM("new", "done", name="task_status")


def upgrade():
    status.create(op.get_bind(), checkfirst=True)
    op.add_column("users", sa.Column("task", status, nullable=True))


def downgrade():
    op.drop_column("users", "task")
    status.drop(op.get_bind(), checkfirst=True)

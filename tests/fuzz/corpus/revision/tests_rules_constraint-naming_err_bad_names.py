"""constraint-naming: err_bad_names"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
# config: constraint_naming = ^(pk|uq|fk|ck|ix)_[a-z0-9_]+$

revision = "case"
down_revision = "base"


def upgrade():
    op.create_unique_constraint("email_unique", "users", ["email"])
    op.create_index("users_by_name", "users", ["name"])


def downgrade():
    pass

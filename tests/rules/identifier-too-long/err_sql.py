"""identifier-too-long: err_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc text")
    op.execute("""
        CREATE TABLE tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt (
            id bigint PRIMARY KEY,
            -- 61 characters, 64 bytes
            "naïve_ünïcode_nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" text,
            CONSTRAINT ck_kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk CHECK (id > 0)
        )
    """)
    op.execute(sa.text("CREATE INDEX CONCURRENTLY ix_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx ON users (name)"))


def downgrade():
    pass

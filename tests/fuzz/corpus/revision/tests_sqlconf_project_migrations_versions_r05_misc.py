"""tables, comments, raw SQL, data

Revision ID: r05
Revises: r04
Create Date: 2026-01-05 00:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'r05'
down_revision = 'r04'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.rename_table('plain', 'Plain Table')
    op.rename_table('events', 'event_log', schema='audit')
    op.create_table_comment('customers', "who's buying", existing_comment='people who buy')
    op.drop_table_comment('user')
    op.execute("UPDATE customers SET score = 1 WHERE score IS NULL")
    op.execute(sa.text("DELETE FROM \"user\""))
    op.execute("""
        CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_raw ON customers (born)
    """)
    op.execute('ALTER TABLE customers ADD CONSTRAINT ck_raw CHECK (score < 100) NOT VALID')
    op.bulk_insert(
        sa.table('customers', sa.column('id', sa.Integer), sa.column('email', sa.String),
                 sa.column('active', sa.Boolean), sa.column('name', sa.String)),
        [
            {'id': 1, 'email': "o'brien@example.com", 'active': True, 'name': None},
            {'id': 2, 'email': 'b@example.com', 'active': False, 'name': 'Bé'},
        ],
    )


def downgrade() -> None:
    op.execute("DELETE FROM customers WHERE id IN (1, 2)")
    op.execute('ALTER TABLE customers DROP CONSTRAINT ck_raw')
    op.create_table_comment('user', 'accounts')
    op.create_table_comment('customers', 'people who buy', existing_comment="who's buying")
    op.rename_table('event_log', 'events', schema='audit')
    op.rename_table('Plain Table', 'plain')

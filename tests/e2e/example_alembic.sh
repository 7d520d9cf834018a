#!/usr/bin/env bash
# example_alembic.sh - examples/shop is a valid Alembic project for Debian's real
# alembic: history and heads, offline SQL, upgrade head and downgrade base on a real
# PostgreSQL (with a row in every table), and app/models.py matches the schema at head.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
shop=$(cd "$here/../../examples/shop" && pwd)
alembic=${ALEMBIC_BIN:-/usr/bin/alembic}
# shellcheck source=pg.sh
source "$here/pg.sh"
trap pg_stop EXIT
cd "$shop"
export PYTHONDONTWRITEBYTECODE=1

fail() { echo "example_alembic: FAIL: $*" >&2; exit 1; }

heads=$("$alembic" -c alembic.ini heads 2>&1)
[[ $heads == "a6e1f5b9c372 (reporting) (head)" ]] || fail "heads: $heads"
[[ $("$alembic" -c alembic.ini history | wc -l) == 8 ]] || fail "history is not 8 revisions"
"$alembic" -c alembic.ini history | grep -q '^d5a07b9c3e28, e9b3c6d1f470 -> f0c4d8e2a615 (reporting) (mergepoint), ' ||
  fail "no merge point in history"
sql=$("$alembic" -c alembic.ini upgrade head --sql 2>/dev/null)
grep -q "CREATE TYPE order_status AS ENUM" <<<"$sql" || fail "offline SQL lacks the enum"
grep -q "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'" <<<"$sql" || fail "offline SQL lacks the enum value"
echo "example_alembic: history, heads, upgrade head --sql: ok"

pg_start
createdb shop
export DATABASE_URL="${DATABASE_URL/\/postgres\?/\/shop?}"
"$alembic" -c alembic.ini upgrade head 2>/dev/null
psql -v ON_ERROR_STOP=1 -qAt shop <<'SQL' >/dev/null
INSERT INTO customers (email, name, phone) VALUES ('ada@example.com', 'Ada', '+44 20 0000');
INSERT INTO products (sku, name, description, price_cents) VALUES ('TEA-1', 'Tea', 'Black', 450);
INSERT INTO orders (customer_id, status) VALUES (1, 'refunded');
INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) VALUES (1, 1, 2, 450);
SQL
[[ $(psql -qAt shop -c 'SELECT version_num FROM alembic_version') == a6e1f5b9c372 ]] || fail "version table after upgrade"
echo "example_alembic: upgrade head on PostgreSQL: ok"

/usr/bin/python3 - "$shop" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[1])
from sqlalchemy import create_engine
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from app.models import Base
url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg2://", 1)
with create_engine(url).connect() as conn:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
    diff = compare_metadata(ctx, Base.metadata)
if diff:
    sys.exit(f"example_alembic: FAIL: app/models.py differs from the schema at head: {diff}")
PY
echo "example_alembic: models match the schema at head: ok"

# Back to the merge, then to base: the enum downgrade must cope with a refunded order.
"$alembic" -c alembic.ini downgrade f0c4d8e2a615 2>/dev/null
[[ $(psql -qAt shop -c "SELECT status FROM orders") == cancelled ]] || fail "refunded order not moved to cancelled"
"$alembic" -c alembic.ini downgrade base 2>/dev/null
tables=$(psql -qAt shop -c "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'")
[[ $tables == alembic_version ]] || fail "tables left after downgrade base: $tables"
[[ -z $(psql -qAt shop -c "SELECT typname FROM pg_type WHERE typname = 'order_status'") ]] || fail "enum left after downgrade"
echo "example_alembic: downgrade base: ok"

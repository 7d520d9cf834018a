"""conform.py - create_migration against Debian's alembic 1.8.1 autogenerate over the
model changes in steps/ (one models.py per step, applied in order). See run.sh for the
whole suite; this is the step-by-step part.

The chain: a copy of project/ whose versions grow by retort's revision of each step
(against="migrations", written). Its database CHAIN (our own throwaway cluster) and
retort's scratch cluster (RETORT_SCRATCH_DIR) follow it. For each step:

 a. same operations, normalized: `alembic revision --autogenerate` (env.py:
    compare_type, compare_server_default) on a copy of the chain against CHAIN (at the
    previous step), `retort call create_migration` against "database" (CHAIN, write
    false) and against "migrations" (the static fold; written into the chain). Each file
    is loaded with oprec's recording `op` and its upgrade() and downgrade() calls are
    normalized; retort's lists must equal alembic's as multisets, after removing from
    both what alembic 1.8.1 does not detect (EXCLUDED below), and the two retort lists
    must equal each other with nothing removed.
 b. every file retort generated loads in Debian's alembic and `alembic upgrade head`
    applies it: the "migrations" one on CHAIN, the "database" one on a copy of CHAIN
    (CREATE DATABASE ... TEMPLATE);
 c. after each upgrade, checkdb.py: alembic's compare_metadata reports no difference,
    and enum labels, check constraints and index names in pg_catalog match the models;
    and alembic's own `downgrade -1` restores CHAIN's pg_dump --schema-only (see
    same_dump), then `upgrade head` again;
 d. retort on its scratch cluster: `upgrade head` applies the new revision, `status`
    shows no drift (drift.items empty), `downgrade -1` restores the pg_dump taken
    before, `upgrade head` again gives the same dump as the first upgrade.

steps/NN_name/expect.json (optional): {"findings": [rule ids that must be reported],
"absent": [rule ids that must not be], "empty": true (no change: nothing written)}.

Needs PGHOST, PGUSER, PG_BIN (run.sh). Exits 1 when a step fails.
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import oprec  # noqa: E402

# ---------------------------------------------------------------- what is compared

EXCLUDED = """\
Excluded from the retort-vs-alembic comparison (alembic 1.8.1 does not produce these; each
is still checked by running the migration, by checkdb.py and by the round trips):
  - op.execute(...) and the ops inside op.get_context().autocommit_block(): retort's enum
    DDL (CREATE TYPE, DROP TYPE, ALTER TYPE ... ADD VALUE), which alembic never writes
    (it creates an enum type only implicitly inside create_table, and never drops one),
    and ALTER SEQUENCE ... AS bigint for a serial column made bigint (PostgreSQL changes
    an identity column's sequence with the column, a serial's not);
  - the alter_column calls of an enum rebuild (between ALTER TYPE x RENAME TO x_old and
    DROP TYPE x_old): alembic does not see label changes at all;
  - create_check_constraint and drop_constraint(type_='check') on existing tables:
    alembic does not compare CHECK constraints (those inside create_table are compared);
  - create_primary_key and drop_constraint(type_='primary'): alembic does not compare
    primary keys of existing tables;
  - create_index / drop_index of expression indexes: alembic skips functional indexes
    ("autogenerate skipping functional index") and SQLAlchemy 1.4 does not reflect them;
  - postgresql_using=... of alter_column: retort adds the USING clause a type change
    needs; alembic writes none (its migration then fails where PostgreSQL has no
    implicit cast);
  - existing_server_default=nextval(...) of alter_column: alembic 1.8.1 passes a serial
    column's reflected sequence default along (the call's context only: PostgreSQL's
    ALTER COLUMN does not use it); retort counts the sequence as the serial's, not as a
    default;
  - a server default dropped right before and set right after a type change of its
    column (retort does so where PostgreSQL cannot convert the old default: a USING cast,
    or an enum type the default would keep depending on): the calls count as the one type
    change, whose server_default / existing_server_default are not compared on either
    side (alembic writes one alter_column, which PostgreSQL refuses or which leaves the
    old enum type undroppable); the default is checked by compare_metadata after the
    upgrade and by the downgrade restoring the pg_dump;
  - in downgrade(), the `unique` flag of create_index for an index that upgrade() drops:
    alembic 1.8.1's DropIndexOp.reverse() loses it (a unique index comes back non-unique;
    sqlalchemy/alembic#1371, fixed in 1.13.1);
  - in downgrade(), postgresql_where of create_index: SQLAlchemy 1.4 does not reflect an
    index predicate, so alembic re-creates a dropped partial index as a full one.
  retort's unique flag and predicate are checked by its downgrade restoring the pg_dump.
Normalized on both sides (see oprec.py for the op tuples):
  - a constraint name that is PostgreSQL's default for it (users_email_key,
    posts_user_id_fkey, tags_pkey, ...) counts as no name: alembic writes None where the
    models name nothing and reflects the default name back; retort writes the name
    PostgreSQL will give, so that its downgrade can drop it (that the name is right is
    checked by running the downgrade);
  - types as compiled by the PostgreSQL dialect (sa.String(50) = sa.VARCHAR(length=50));
    server defaults as SQL text without casts, blanks or case outside literals
    ('x'::character varying = 'x'; CURRENT_TIMESTAMP = now()); CHECK conditions also
    without parentheses (PostgreSQL's deparsed form adds them: `weight < (1000)`).
pg_dump --schema-only comparisons (downgrade restores, scratch vs CHAIN) are exact but for
one thing: the column order of a table whose columns a step drops. Its downgrade adds them
back with ADD COLUMN, and PostgreSQL appends added columns (no ALTER puts a column back in
its place; only rebuilding the table would, which neither alembic nor retort does); for
those tables the CREATE TABLE column lines are compared as sets.
"""


def pg_default_name(table, cols, label):
    """PostgreSQL's makeObjectName(table, cols joined by '_', label), 63 bytes."""
    name2 = "_".join(cols) if cols else None
    over = len(label) + 1 + (1 if name2 is not None else 0)
    n1, n2 = len(table), len(name2 or "")
    while n1 + n2 > 63 - over:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    out = table[:n1]
    if name2 is not None:
        out += "_" + name2[:n2]
    return out + "_" + label


def default_like(table, name):
    return name is not None and (name == f"{table}_pkey" or (
        name.startswith(table + "_") and re.search(r"_(key|fkey|check)$", name) is not None))


def unname(op):
    """Constraint names that are PostgreSQL's defaults → None (see EXCLUDED)."""
    kind = op[0]
    if kind == "create_table":
        _, schema, table, cols, cons, comment = op
        out = []
        for k in cons:
            k = list(k)
            if k[0] == "primary_key" and k[1] == f"{table}_pkey":
                k[1] = None
            elif k[0] == "unique" and k[1] == pg_default_name(table, k[2], "key"):
                k[1] = None
            elif k[0] == "foreign_key" and k[1] == pg_default_name(table, k[2], "fkey"):
                k[1] = None
            elif k[0] == "check" and k[1] is not None and k[1].startswith(table + "_") \
                    and k[1].endswith("_check"):
                k[1] = None
            out.append(tuple(k))
        return (kind, schema, table, cols, tuple(sorted(out, key=repr)), comment)
    if kind == "create_unique_constraint" and op[3] == pg_default_name(op[2], op[4], "key"):
        return op[:3] + (None,) + op[4:]
    if kind == "create_foreign_key" and op[3] == pg_default_name(op[2], op[6], "fkey"):
        return op[:3] + (None,) + op[4:]
    if kind == "drop_constraint" and default_like(op[2], op[3]):
        return op[:3] + (None,) + op[4:]
    return op


def comparable(ops, expr_indexes, downgrade=False, reversed_drops=()):
    """The ops alembic could have produced (EXCLUDED), normalized for comparing.
    reversed_drops: (schema, index) that the upgrade drops (for a downgrade's ops)."""
    out = []
    for o in ops:
        if o[0] in ("execute", "autocommit_block") or (o.group or "").startswith("enum-rebuild"):
            continue
        if o[0] in ("create_check_constraint", "create_primary_key"):
            continue
        if o[0] == "drop_constraint" and o[4] in ("check", "primary"):
            continue
        if o[0] == "create_index" and any(e.startswith("expr:") for e in o[4]):
            continue
        if o[0] == "drop_index" and (o[1] or "public", o[3]) in expr_indexes:
            continue
        if o[0] == "alter_column":
            o = o[:4] + (tuple(kv for kv in o[4] if not kv[0].startswith("postgresql_") and not (
                kv[0] == "existing_server_default" and str(kv[1]).startswith("nextval("))),)
        if o[0] == "create_index" and downgrade:
            o = o[:6] + (None,) + o[7:]  # where
            if (o[1], o[3]) in reversed_drops:
                o = o[:5] + (None,) + o[6:]  # unique
        out.append(unname(tuple(o)))
    return out


def undance(ops):
    """retort's server default dropped before and set after a type change (EXCLUDED),
    folded into the type change: (ops, {(schema, table, column)} where it happened)."""
    out, cols = [], set()
    i = 0
    while i < len(ops):
        o = ops[i]
        nxt = ops[i + 1] if i + 1 < len(ops) else None
        if (o[0] == "alter_column" and dict(o[4]) == {"server_default": None} and nxt
                and nxt[0] == "alter_column" and nxt[1:4] == o[1:4] and "type_" in dict(nxt[4])):
            cols.add(o[1:4])
            out.append(nxt)
            i += 2
            last = ops[i] if i < len(ops) else None
            if (last and last[0] == "alter_column" and last[1:4] == o[1:4]
                    and set(dict(last[4])) == {"server_default"}):
                i += 1
            continue
        out.append(o)
        i += 1
    return out, cols


def without_defaults(ops, cols):
    """alter_column of those columns without server_default / existing_server_default."""
    out = []
    for o in ops:
        if o[0] == "alter_column" and o[1:4] in cols:
            o = o[:4] + (tuple(kv for kv in o[4]
                               if kv[0] not in ("server_default", "existing_server_default")),)
        out.append(o)
    return out


def compare_with_alembic(problems, title, mine, ref, expr_indexes, downgrade, drops):
    """retort's ops `mine` (as loaded) against alembic's `ref`, normalized (EXCLUDED)."""
    m, cols = undance(comparable(oprec.flatten(mine), expr_indexes, downgrade, drops))
    r = comparable(ref, expr_indexes, downgrade, drops)
    compare(problems, title, without_defaults(m, cols), without_defaults(r, cols))


def multiset_diff(left, right):
    """(only in left, only in right) as sorted lists of lines."""
    a = collections.Counter(oprec.show(o) for o in left)
    b = collections.Counter(oprec.show(o) for o in right)
    return sorted((a - b).elements()), sorted((b - a).elements())


# ---------------------------------------------------------------- processes


class StepFailed(Exception):
    pass


def run(argv, cwd=None, env=None, check=True, what=None):
    r = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    for stream in (r.stderr,):
        if re.search(r"AddressSanitizer|LeakSanitizer|runtime error:", stream):
            raise StepFailed(f"{what or argv[0]}: sanitizer report:\n{stream}")
    if check and r.returncode != 0:
        raise StepFailed(f"{what or ' '.join(argv)} failed (exit {r.returncode}):\n"
                         f"{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


class Ctx:
    pass


def psql(db, sql):
    r = subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise StepFailed(f"psql {sql!r}: {r.stderr.strip()}")
    return r.stdout.strip()


def url(db):
    return f"postgresql://{os.environ['PGUSER']}@/{db}?host={os.environ['PGHOST']}"


def pg_dump(c, argv_conn):
    argv = [os.path.join(os.environ["PG_BIN"], "pg_dump"), "--schema-only", "--no-owner"]
    if c.restrict_key:
        argv.append("--restrict-key=retorttests")
    r = run(argv + argv_conn, what="pg_dump")
    return r.stdout


def same_dump(before, after, dropped_cols, what):
    """Compares two pg_dump --schema-only texts exactly, with one exception: the column
    order of a table a step dropped columns from. Its downgrade re-adds them with ADD
    COLUMN, and PostgreSQL appends added columns (there is no way to put one back in its
    old place short of rebuilding the table, which neither alembic nor retort does); for
    those tables only, the CREATE TABLE column lines are compared as sets."""
    if before == after:
        return []

    def split(text):
        tables = {}
        rest = []
        cur = None
        for line in text.splitlines():
            m = re.match(r"CREATE TABLE (\S+) \($", line)
            if m:
                cur = m.group(1)
                tables[cur] = []
                rest.append(line)
                continue
            if cur is not None:
                if line == ");":
                    rest.append(("cols", cur))
                    rest.append(line)
                    cur = None
                else:
                    tables[cur].append(line.rstrip(","))
                continue
            rest.append(line)
        return tables, rest

    tb, rb = split(before)
    ta, ra = split(after)
    problems = []
    if rb != ra:
        problems.append("the dumps differ outside column lists")
    for name in sorted(set(tb) | set(ta)):
        cb, ca = tb.get(name), ta.get(name)
        if cb == ca:
            continue
        bare = name.split(".")[-1]
        if cb is not None and ca is not None and sorted(cb) == sorted(ca) and bare in dropped_cols:
            continue
        problems.append(f"table {name}: columns {cb} -> {ca}")
    if problems:
        import difflib
        d = "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                         "before", "after", n=2))
        problems.append(d[:6000])
        return [f"{what}: " + "\n".join(problems)]
    return []


# ---------------------------------------------------------------- retort


def retort_call(c, project, tool, args, check=True, env=None):
    e = dict(os.environ)
    e["RETORT_SCRATCH_DIR"] = c.scratch_dir
    if env:
        e.update(env)
    r = run([c.retort, "--project", project, "call", tool, json.dumps(args)], env=e, check=False,
            what=f"retort call {tool}")
    if check and r.returncode != 0:
        raise StepFailed(f"retort call {tool} {json.dumps(args)} failed (exit {r.returncode}):\n"
                         f"{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    try:
        return json.loads(r.stdout), r
    except ValueError:
        raise StepFailed(f"retort call {tool}: not JSON:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")


class ScratchHold:
    """Keeps retort's scratch cluster of `project` running (an MCP session that has
    called status), so that pg_dump can reach it on its socket."""

    def __init__(self, c, project):
        self.c = c
        self.project = project

    def __enter__(self):
        e = dict(os.environ)
        e["RETORT_SCRATCH_DIR"] = self.c.scratch_dir
        self.p = subprocess.Popen([self.c.retort, "--project", self.project, "mcp"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=e, text=True)
        msgs = [
            {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "autogen-tests", "version": "1"}}},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
             "params": {"name": "status", "arguments": {}}},
        ]
        for m in msgs:
            self.p.stdin.write(json.dumps(m) + "\n")
        self.p.stdin.flush()
        status = None
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise StepFailed("retort mcp ended before answering status")
            m = json.loads(line)
            if m.get("id") == 2:
                status = m["result"]["structuredContent"]
                break
        url_ = status["database"]["url"]
        data = url_[len("scratch:"):]
        self.sockdir = os.path.dirname(data)
        if not os.path.exists(os.path.join(self.sockdir, ".s.PGSQL.5432")):
            raise StepFailed(f"no scratch socket in {self.sockdir}")
        return self

    def dump(self):
        return pg_dump(self.c, ["-h", self.sockdir, "-U", "postgres", "-d", "retort"])

    def __exit__(self, *exc):
        self.p.stdin.close()
        self.p.wait(timeout=60)
        return False


# ---------------------------------------------------------------- one step


def alembic(c, cwd, db, *args):
    e = dict(os.environ)
    e["DATABASE_URL"] = url(db)
    return run([c.alembic] + list(args), cwd=cwd, env=e, what=f"alembic {' '.join(args)}")


def versions(d):
    return set(os.listdir(os.path.join(d, "migrations", "versions"))) - {"__pycache__"}


def expr_index_names(db):
    out = psql(db, "SELECT n.nspname || '|' || i.relname FROM pg_index x "
                   "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace "
                   "WHERE x.indexprs IS NOT NULL")
    return {tuple(line.split("|", 1)) for line in out.splitlines() if line}


def dropped_columns(ops):
    return {o[2] for o in ops if o[0] == "drop_column"}


def compare(problems, title, mine, ref):
    only_mine, only_ref = multiset_diff(mine, ref)
    if only_mine or only_ref:
        lines = [f"{title}:"]
        lines += [f"  - {x}" for x in only_ref]
        lines += [f"  + {x}" for x in only_mine]
        problems.append("\n".join(lines))


def step(c, idx, name, models):
    chain = c.chain
    work = os.path.join(c.set_work, name)
    os.makedirs(work)
    expect = {}
    ep = os.path.join(os.path.dirname(models), "expect.json")
    if os.path.exists(ep):
        with open(ep) as f:
            expect = json.load(f)
    shutil.copy(models, os.path.join(chain, "app", "models.py"))
    problems = []
    message = f"step {name}"

    # a. alembic
    acopy = os.path.join(work, "alembic")
    shutil.copytree(chain, acopy, ignore=shutil.ignore_patterns("__pycache__"))
    before = versions(acopy)
    r = alembic(c, acopy, c.chain_db, "revision", "--autogenerate", "-m", message)
    new = sorted(versions(acopy) - before)
    if len(new) != 1:
        raise StepFailed(f"alembic revision wrote {new}")
    alembic_file = os.path.join(acopy, "migrations", "versions", new[0])
    a_up, a_down = oprec.load(alembic_file)

    # a. retort against the database (write false: nothing may be written)
    before = versions(chain)
    rdb, _ = retort_call(c, chain, "create_migration", {
        "message": message, "autogenerate": True, "against": "database",
        "database_url": url(c.chain_db), "write": False})
    if versions(chain) != before or rdb.get("written"):
        problems.append("create_migration with write=false wrote a file")
    db_file = os.path.join(work, "retort_database.py")
    with open(db_file, "w") as f:
        f.write(rdb["content"])

    # a. retort against the migrations, written into the chain
    rmig, _ = retort_call(c, chain, "create_migration", {
        "message": message, "autogenerate": True})
    rules = [f["rule"] for f in rmig["findings"]]
    for rule in expect.get("findings", []):
        if rule not in rules:
            problems.append(f"expected finding {rule} is missing; findings: {sorted(set(rules))}")
    for rule in expect.get("absent", []):
        if rule in rules:
            problems.append(f"unexpected finding {rule}: "
                            + "; ".join(f["message"] for f in rmig["findings"] if f["rule"] == rule))
    # The review's findings (unsafe operations) are expected; what the models or the
    # autogenerate could not do is not, unless the step says so.
    for f in rmig["findings"] + rdb["findings"]:
        if f["rule"].startswith(("model-", "autogenerate-skipped")) and \
                f["rule"] not in expect.get("findings", []):
            problems.append(f"finding {f['rule']} ({f['severity']}): {f['message']}")
    mig_file = os.path.join(work, "retort_migrations.py")
    with open(mig_file, "w") as f:
        f.write(rmig["content"])
    m_up, m_down = oprec.load(mig_file)
    d_up, d_down = oprec.load(db_file)

    if expect.get("empty"):
        if a_up or a_down:
            problems.append(f"alembic found changes in a step without any: {a_up} {a_down}")
        for res, what in ((rmig, "migrations"), (rdb, "database")):
            if res["operations"]["upgrade"] or res.get("written"):
                problems.append(f"retort ({what}) found changes in a step without any, or wrote: "
                                f"{res['operations']}, written={res.get('written')}")
        if versions(chain) != before:
            problems.append("an autogenerate without changes wrote a file")
        # allow_empty writes one (write false: we only look)
        empty, _ = retort_call(c, chain, "create_migration", {
            "message": message, "allow_empty": True, "write": False})
        if "pass" not in empty["content"]:
            problems.append("allow_empty: the revision's bodies are not `pass`")
        return problems, None

    if not rmig.get("written"):
        raise StepFailed(f"retort did not write the revision: {rmig.get('not_written_because')}")
    c.log(f"  retort ({len(m_up)} upgrade ops): "
          + ", ".join(o[0] for o in oprec.flatten(m_up)))

    # expression indexes: those in CHAIN, and those the revisions create
    expr_ix = expr_index_names(c.chain_db)
    for o in oprec.flatten(m_up + m_down + d_up + d_down):
        if o[0] == "create_index" and any(e.startswith("expr:") for e in o[4]):
            expr_ix.add((o[1] or "public", o[3]))
    a_drops = {(o[1], o[3]) for o in a_up if o[0] == "drop_index"}
    for title, mine in (("migrations", (m_up, m_down)), ("database", (d_up, d_down))):
        for direction, mops, aops in (("upgrade", mine[0], a_up), ("downgrade", mine[1], a_down)):
            drops = a_drops if direction == "downgrade" else ()
            compare_with_alembic(problems, f"retort (against={title}) {direction}() vs "
                                 "alembic's (- alembic only, + retort only)",
                                 mops, aops, expr_ix, direction == "downgrade", drops)
    # The two retort variants: nothing excluded; only the default constraint names the
    # catalog knows and the fold does not are normalized (unname).
    for direction, x, y in (("upgrade", m_up, d_up), ("downgrade", m_down, d_down)):
        compare(problems, f"retort {direction}(): against=migrations (+) vs against=database (-)",
                [unname(tuple(o)) for o in oprec.flatten(x)],
                [unname(tuple(o)) for o in oprec.flatten(y)])

    # b, c. the database variant on a copy of CHAIN
    copy_db = f"{c.chain_db}_dbv_{idx:02d}"
    psql(c.admin_db, f'CREATE DATABASE "{copy_db}" TEMPLATE "{c.chain_db}"')
    dproj = os.path.join(work, "dbproject")
    shutil.copytree(chain, dproj, ignore=shutil.ignore_patterns("__pycache__"))
    os.remove(rmig["path"].replace(chain, dproj))
    shutil.copy(db_file, os.path.join(dproj, "migrations", "versions",
                                      os.path.basename(rmig["path"])))
    dropped = dropped_columns(oprec.flatten(d_up))
    try:
        copy_before = pg_dump(c, ["-d", url(copy_db)])
        alembic(c, dproj, copy_db, "upgrade", "head")
        chk = run([sys.executable, os.path.join(HERE, "checkdb.py"), url(copy_db), dproj],
                  check=False)
        if chk.returncode != 0:
            problems.append("after alembic upgrade head with the against=database revision:\n"
                            + chk.stdout + chk.stderr[-2000:])
        alembic(c, dproj, copy_db, "downgrade", "-1")
        problems += same_dump(copy_before, pg_dump(c, ["-d", url(copy_db)]), dropped,
                              "the against=database revision's downgrade (alembic downgrade -1)")
    except StepFailed as e:
        problems.append(f"the against=database revision: {e}")
    psql(c.admin_db, f'DROP DATABASE "{copy_db}"')

    # b, c. the migrations variant on CHAIN: upgrade, check, downgrade -1, upgrade
    dropped = dropped_columns(oprec.flatten(m_up))
    chain_before = pg_dump(c, ["-d", url(c.chain_db)])
    alembic(c, chain, c.chain_db, "upgrade", "head")
    chk = run([sys.executable, os.path.join(HERE, "checkdb.py"), url(c.chain_db), chain],
              check=False)
    if chk.returncode != 0:
        problems.append("after alembic upgrade head:\n" + chk.stdout + chk.stderr[-2000:])
    chain_after = pg_dump(c, ["-d", url(c.chain_db)])
    alembic(c, chain, c.chain_db, "downgrade", "-1")
    problems += same_dump(chain_before, pg_dump(c, ["-d", url(c.chain_db)]), dropped,
                          "alembic downgrade -1 did not restore the schema")
    alembic(c, chain, c.chain_db, "upgrade", "head")
    problems += same_dump(chain_after, pg_dump(c, ["-d", url(c.chain_db)]), set(),
                          "alembic upgrade head after the downgrade")

    # d. retort on its scratch cluster
    with ScratchHold(c, chain) as hold:
        s_before = hold.dump()
        up, _ = retort_call(c, chain, "upgrade", {"target": "head"})
        if not up.get("executed") or up.get("failed"):
            raise StepFailed(f"retort upgrade head on the scratch cluster: {json.dumps(up)[:3000]}")
        st, _ = retort_call(c, chain, "status", {})
        items = (st.get("drift") or {}).get("items")
        if items:
            problems.append(f"retort status after upgrade: drift {json.dumps(items, indent=1)}")
        if not (st.get("drift") or {}).get("checked"):
            problems.append(f"retort status did not check drift: {st.get('drift')}")
        s_after = hold.dump()
        if s_after != chain_after:
            problems += same_dump(chain_after, s_after, set(),
                                  "the scratch cluster after retort's upgrade vs CHAIN after alembic's")
        down, _ = retort_call(c, chain, "downgrade", {"target": "-1"})
        if not down.get("executed") or down.get("failed"):
            raise StepFailed(f"retort downgrade -1: {json.dumps(down)[:3000]}")
        problems += same_dump(s_before, hold.dump(), dropped,
                              "retort downgrade -1 did not restore the schema")
        up, _ = retort_call(c, chain, "upgrade", {"target": "head"})
        if not up.get("executed") or up.get("failed"):
            raise StepFailed(f"retort upgrade head again: {json.dumps(up)[:3000]}")
        problems += same_dump(s_after, hold.dump(), set(), "retort upgrade head after the downgrade")
    return problems, rmig


# The step sets, each its own chain (project copy, database, scratch cluster): steps/ (no
# naming convention: PostgreSQL's default names), steps_naming/ (a MetaData
# naming_convention, an abstract base, Core Table(...) definitions).
STEP_SETS = ["steps", "steps_naming"]


def run_set(c, o, set_name):
    """Runs one step set; returns (failed steps, steps)."""
    c.chain = os.path.join(o.work, "chain" if set_name == "steps" else "chain_" + set_name[6:])
    c.chain_db = os.path.basename(c.chain)
    c.set_work = os.path.join(o.work, set_name)
    os.makedirs(c.set_work)
    shutil.copytree(os.path.join(HERE, "project"), c.chain)
    steps_dir = os.path.join(HERE, set_name)
    steps = sorted(d for d in os.listdir(steps_dir) if os.path.isdir(os.path.join(steps_dir, d)))
    shutil.copy(os.path.join(steps_dir, steps[0], "models.py"), os.path.join(c.chain, "app", "models.py"))
    psql(c.admin_db, f'CREATE DATABASE "{c.chain_db}"')
    alembic(c, c.chain, c.chain_db, "upgrade", "head")
    retort_call(c, c.chain, "upgrade", {"target": "head"})
    print(f"=== {set_name}/ ({len(steps)} steps)")
    failed = 0
    for idx, name in enumerate(steps, 1):
        t = time.time()
        models = os.path.join(steps_dir, name, "models.py")
        try:
            problems, _ = step(c, idx, name, models)
        except StepFailed as e:
            print(f"FAIL {name}: {e}")
            print("(the chain cannot go on)")
            return failed + 1, len(steps)
        except Exception:  # a bug here, or a file oprec cannot load: the same
            import traceback
            print(f"FAIL {name}: {traceback.format_exc()}")
            print("(the chain cannot go on)")
            return failed + 1, len(steps)
        if problems:
            failed += 1
            print(f"FAIL {name} ({time.time() - t:.1f}s)")
            for p in problems:
                print("  " + p.replace("\n", "\n  "))
        else:
            print(f"ok   {name} ({time.time() - t:.1f}s)")
        if o.only and name.startswith(o.only):
            break
    return failed, len(steps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--retort", required=True)
    ap.add_argument("--alembic", default="/usr/bin/alembic")
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", help="run the steps up to and including this one")
    ap.add_argument("--sets", default=",".join(STEP_SETS), help="step sets to run (comma-separated)")
    o = ap.parse_args()
    c = Ctx()
    c.retort = os.path.abspath(o.retort)
    c.alembic = o.alembic
    c.work = o.work
    c.scratch_dir = os.path.join(o.work, "scratch")
    c.admin_db = url("postgres")
    c.chain_db = "chain"
    c.log = print
    c.restrict_key = "--restrict-key" in subprocess.run(
        [os.path.join(os.environ["PG_BIN"], "pg_dump"), "--help"], stdout=subprocess.PIPE,
        text=True).stdout
    # The scratch cluster runs as postgres when we are root: it must reach its directory.
    os.chmod(o.work, 0o755)
    os.makedirs(c.scratch_dir, exist_ok=True)
    print(EXCLUDED)
    failed = total = 0
    t0 = time.time()
    for set_name in o.sets.split(","):
        failed_here, n = run_set(c, o, set_name)
        failed += failed_here
        total += n
    print(f"{total} steps, {failed} failed, {time.time() - t0:.0f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""oprec.py - loads a generated revision file with a recording stand-in for `op` and turns
each call of upgrade() / downgrade() into a normalized, comparable tuple.

Used by conform.py (tests/autogen) and tests/bench/autogen.py. Runs under Debian's
/usr/bin/python3 (alembic 1.8.1, SQLAlchemy 1.4).

What a normalized op is (a tuple, hashable, printable):

  ("create_table", schema, table, columns, constraints, comment)
       columns: tuple of column tuples, in order (column order matters to the schema)
       constraints: sorted tuple of constraint tuples (order does not matter)
  ("drop_table", schema, table)
  ("add_column", schema, table, column)
  ("drop_column", schema, table, column_name)
  ("alter_column", schema, table, column_name, changes)
       changes: sorted (key, value) pairs of what is given: type_, nullable,
       server_default, comment, new_column_name and the existing_* context arguments
  ("create_index", schema, table, name, elements, unique, where, using)
  ("drop_index", schema, table, name)
  ("create_unique_constraint", schema, table, name, columns)
  ("create_foreign_key", schema, table, name, referent_schema, referent, local, remote,
       ondelete, onupdate, deferrable, initially)
  ("create_check_constraint", schema, table, name, condition)
  ("create_primary_key", schema, table, name, columns)
  ("drop_constraint", schema, table, name, type_)
  ("create_table_comment", schema, table, comment, existing_comment)
  ("drop_table_comment", schema, table, existing_comment)
  ("execute", sql)                       raw SQL (retort's enum types)
  ("autocommit_block", ops)              ops run in op.get_context().autocommit_block()

  column: (name, type, nullable, server_default, comment, identity, computed)
  type:   the type compiled by SQLAlchemy's PostgreSQL dialect ("VARCHAR(50)",
          "TIMESTAMP WITH TIME ZONE", "status"); an enum type adds its labels:
          "ENUM status('a','b')".
  server_default: SQL text, normalized (sql_norm): a plain string default 'x' is the
          literal 'x'; casts (::text), blanks and letter case outside literals do not
          count, so a default written in the models and the same default reflected
          from the database compare equal.

Every op also carries where it came from: Op.group is "enum-rebuild" for the calls
between `ALTER TYPE x RENAME TO x_old` and `DROP TYPE x_old` (the alter_column calls that
move columns to a rebuilt enum type belong to that rebuild, not to the column diff).
"""
import importlib.util
import inspect
import re
import sys

import sqlalchemy as sa
from alembic.operations import Operations
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import TextClause

PG = postgresql.dialect()


def sql_norm(text):
    """SQL text with what cannot matter removed: blanks, letter case and casts
    (`::character varying`) outside string literals, and enclosing parentheses."""
    if text is None:
        return None
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            j = i + 1
            while j < n:
                if text[j] == "'" and j + 1 < n and text[j + 1] == "'":
                    j += 2
                    continue
                if text[j] == "'":
                    break
                j += 1
            out.append(text[i:j + 1])
            i = j + 1
            continue
        if text.startswith("::", i):
            m = re.match(r"::\s*\"?[A-Za-z_][A-Za-z_0-9 ]*\"?(\(\d+(,\s*\d+)?\))?(\[\])?", text[i:])
            if m:
                i += m.end()
                continue
        if ch.isspace():
            i += 1
            continue
        out.append(ch.lower())
        i += 1
    s = "".join(out)
    while s.startswith("(") and s.endswith(")") and _balanced(s[1:-1]):
        s = s[1:-1]
    # CURRENT_TIMESTAMP and now() are one function for PostgreSQL
    return s.replace("current_timestamp", "now()")


def cond_norm(text):
    """A CHECK condition: sql_norm without any parentheses, since PostgreSQL's deparsed
    form (pg_get_constraintdef, what reflection returns) adds them freely:
    `length(name) > 0` is `(length((name)::text) > 0)`."""
    return sql_norm(text).replace("(", "").replace(")", "")


def _balanced(s):
    depth = 0
    inq = False
    for ch in s:
        if ch == "'":
            inq = not inq
        elif not inq and ch == "(":
            depth += 1
        elif not inq and ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def type_norm(t):
    if t is None:
        return None
    if isinstance(t, type):
        t = t()
    text = t.compile(dialect=PG)
    if isinstance(t, sa.Enum) and t.native_enum:
        labels = ",".join(repr(e) for e in t.enums)
        return f"ENUM {text}({labels})"
    if isinstance(t, sa.ARRAY) and isinstance(t.item_type, sa.Enum):
        labels = ",".join(repr(e) for e in t.item_type.enums)
        return f"ENUM {text}({labels})"
    return text


def default_norm(d):
    """server_default as given to a Column or alter_column: None, a string (a literal),
    sa.text(...), a DefaultClause, or False (not given)."""
    if d is False:
        return False
    if d is None:
        return None
    if isinstance(d, sa.schema.DefaultClause):
        d = d.arg
    if isinstance(d, str):
        return sql_norm("'" + d.replace("'", "''") + "'")
    if isinstance(d, TextClause):
        return sql_norm(d.text)
    if isinstance(d, (sa.Identity, sa.Computed)):
        return repr(d)
    return sql_norm(str(d.compile(dialect=PG)))


def column_norm(c):
    identity = None
    if c.identity is not None:
        # start and increment as PostgreSQL takes them when not given
        i = c.identity
        identity = ("always" if i.always else "by default", i.start or 1, i.increment or 1)
    computed = None
    if c.computed is not None:
        computed = (sql_norm(str(c.computed.sqltext)), c.computed.persisted)
    default = c.server_default
    if isinstance(default, (sa.Identity, sa.Computed)):
        default = None  # the Column keeps its Identity() there too
    return (c.name, type_norm(c.type), bool(c.nullable), default_norm(default),
            c.comment, identity, computed)


def name_norm(n):
    return None if n is None else str(n)


def schema_norm(s):
    return None if s in (None, "public") else s


def constraint_norm(k):
    """A constraint of a create_table (attached to its Table)."""
    name = name_norm(k.name)
    if isinstance(k, sa.PrimaryKeyConstraint):
        return ("primary_key", name, tuple(c.name for c in k.columns))
    if isinstance(k, sa.ForeignKeyConstraint):
        remote = []
        ref = None
        for e in k.elements:
            parts = e.target_fullname.split(".")
            remote.append(parts[-1])
            ref = ".".join(parts[:-1])
        return ("foreign_key", name, tuple(k.column_keys), ref, tuple(remote),
                (k.ondelete or "").upper() or None, (k.onupdate or "").upper() or None,
                bool(k.deferrable), k.initially)
    if isinstance(k, sa.UniqueConstraint):
        return ("unique", name, tuple(sorted(c.name for c in k.columns)))
    if isinstance(k, sa.CheckConstraint):
        return ("check", name, cond_norm(str(k.sqltext)))
    return ("other", name, repr(k))


class Op(tuple):
    group = None


class Recorder:
    """Stands in for alembic.op: records each call as (method name, bound arguments)."""

    def __init__(self):
        self.calls = []
        self.group = None
        self._block = None

    def f(self, name):
        return sa.sql.elements.conv(name)

    def get_context(self):
        rec = self

        class Ctx:
            def autocommit_block(self):
                return Block(rec)

        return Ctx()

    def __getattr__(self, name):
        meth = getattr(Operations, name, None)
        if meth is None or name.startswith("_"):
            raise AttributeError(f"op.{name} is not an alembic operation")
        sig = inspect.signature(meth)

        def call(*args, **kw):
            bound = sig.bind(None, *args, **kw)
            bound.apply_defaults()
            a = dict(bound.arguments)
            a.pop("self", None)
            self._record(name, a)

        return call

    def _record(self, name, args):
        op = Op(normalize(name, args))
        if name == "execute":
            sql = str(args["sqltext"])
            m = re.match(r"ALTER TYPE (\S+) RENAME TO (\S+)", sql)
            if m:
                self.group = "enum-rebuild:" + m.group(2)
            op.group = self.group
            if self.group and re.match(r"DROP TYPE (\S+)$", sql) and \
                    sql.split()[-1] == self.group.split(":", 1)[1]:
                self.group = None
        else:
            op.group = self.group
        if self._block is not None:
            self._block.append(op)
        else:
            self.calls.append(op)


class Block:
    def __init__(self, rec):
        self.rec = rec

    def __enter__(self):
        self.rec._block = []

    def __exit__(self, *exc):
        ops = self.rec._block
        self.rec._block = None
        op = Op(("autocommit_block", tuple(ops)))
        op.group = "autocommit"
        self.rec.calls.append(op)
        return False


def normalize(name, a):
    sch = schema_norm(a.get("schema"))
    if name == "create_table":
        kw = dict(a.get("kw") or {})
        schema = schema_norm(kw.pop("schema", None))
        comment = kw.pop("comment", None)
        t = sa.Table(a["table_name"], sa.MetaData(), *a["columns"], schema=schema,
                     comment=comment)
        cols = tuple(column_norm(c) for c in t.columns)
        cons = tuple(sorted((constraint_norm(k) for k in t.constraints), key=repr))
        return (name, schema, t.name, cols, cons, comment)
    if name == "drop_table":
        return (name, sch, a["table_name"])
    if name == "add_column":
        return (name, sch, a["table_name"], column_norm(a["column"]))
    if name == "drop_column":
        return (name, sch, a["table_name"], a["column_name"])
    if name == "alter_column":
        ch = []
        for key in ("nullable", "existing_nullable"):
            if a.get(key) is not None:
                ch.append((key, bool(a[key])))
        for key in ("type_", "existing_type"):
            if a.get(key) is not None:
                ch.append((key, type_norm(a[key])))
        if a.get("server_default") is not False:
            ch.append(("server_default", default_norm(a["server_default"])))
        if a.get("existing_server_default") not in (False, None):
            ch.append(("existing_server_default", default_norm(a["existing_server_default"])))
        if a.get("comment") is not False:
            ch.append(("comment", a["comment"]))
        if a.get("existing_comment") is not None:
            ch.append(("existing_comment", a["existing_comment"]))
        if a.get("new_column_name"):
            ch.append(("new_column_name", a["new_column_name"]))
        for k, v in sorted((a.get("kw") or {}).items()):
            ch.append((k, sql_norm(v) if isinstance(v, str) else repr(v)))
        return (name, sch, a["table_name"], a["column_name"], tuple(sorted(ch, key=repr)))
    if name == "create_index":
        elems = []
        for c in a["columns"]:
            if isinstance(c, str):
                elems.append(c)
            elif isinstance(c, TextClause):
                elems.append("expr:" + sql_norm(c.text))
            else:
                elems.append("expr:" + sql_norm(str(c.compile(dialect=PG))))
        kw = a.get("kw") or {}
        where = kw.get("postgresql_where")
        if where is not None:
            where = sql_norm(where.text if isinstance(where, TextClause) else str(where))
        using = kw.get("postgresql_using")
        if using == "btree":
            using = None
        return (name, sch, a["table_name"], name_norm(a["index_name"]), tuple(elems),
                bool(a.get("unique")), where, using)
    if name == "drop_index":
        return (name, sch, a["table_name"], name_norm(a["index_name"]))
    if name == "create_unique_constraint":
        return (name, sch, a["table_name"], name_norm(a["constraint_name"]),
                tuple(sorted(a["columns"])))
    if name == "create_primary_key":
        return (name, sch, a["table_name"], name_norm(a["constraint_name"]), tuple(a["columns"]))
    if name == "create_check_constraint":
        cond = a["condition"]
        cond = cond.text if isinstance(cond, TextClause) else str(cond)
        return (name, sch, a["table_name"], name_norm(a["constraint_name"]), cond_norm(cond))
    if name == "create_foreign_key":
        return (name, schema_norm(a.get("source_schema")), a["source_table"],
                name_norm(a["constraint_name"]), schema_norm(a.get("referent_schema")),
                a["referent_table"], tuple(a["local_cols"]), tuple(a["remote_cols"]),
                (a.get("ondelete") or "").upper() or None, (a.get("onupdate") or "").upper() or None,
                bool(a.get("deferrable")), a.get("initially"))
    if name == "drop_constraint":
        return (name, sch, a["table_name"], name_norm(a["constraint_name"]), a.get("type_"))
    if name == "create_table_comment":
        return (name, sch, a["table_name"], a["comment"], a.get("existing_comment"))
    if name == "drop_table_comment":
        return (name, sch, a["table_name"], a.get("existing_comment"))
    if name == "execute":
        return (name, " ".join(str(a["sqltext"]).split()))
    return (name, repr(sorted(a.items(), key=lambda kv: kv[0])))


def load(path):
    """(upgrade ops, downgrade ops) of the revision file at `path`: the module is loaded
    (so that it must be valid Python importing only what alembic provides) with its `op`
    replaced by a recorder."""
    spec = importlib.util.spec_from_file_location("rev_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    result = []
    for fn in ("upgrade", "downgrade"):
        rec = Recorder()
        mod.op = rec
        getattr(mod, fn)()
        result.append(rec.calls)
    sys.modules.pop("rev_under_test", None)
    return result[0], result[1]


def flatten(ops):
    """The ops with autocommit blocks opened (their ops keep the group "autocommit")."""
    out = []
    for o in ops:
        if o[0] == "autocommit_block":
            for x in o[1]:
                y = Op(x)
                y.group = "autocommit"
                out.append(y)
        else:
            out.append(o)
    return out


def show(op):
    """One op as a readable line."""
    return repr(tuple(op))

/* ops.c - Alembic op calls read as typed MigOps: arguments bound to Alembic 1.8.1's
 * signatures, columns, types and defaults interpreted; whatever is not a literal is
 * reported as dynamic with a reason and a range, never guessed. */
#include "server/alembic/ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/buf.h"

static const char *const OPKIND_NAMES[] = {
    [OPK_CREATE_TABLE] = "create_table",
    [OPK_DROP_TABLE] = "drop_table",
    [OPK_RENAME_TABLE] = "rename_table",
    [OPK_ADD_COLUMN] = "add_column",
    [OPK_DROP_COLUMN] = "drop_column",
    [OPK_ALTER_COLUMN] = "alter_column",
    [OPK_CREATE_INDEX] = "create_index",
    [OPK_DROP_INDEX] = "drop_index",
    [OPK_CREATE_UNIQUE_CONSTRAINT] = "create_unique_constraint",
    [OPK_CREATE_FOREIGN_KEY] = "create_foreign_key",
    [OPK_CREATE_CHECK_CONSTRAINT] = "create_check_constraint",
    [OPK_CREATE_PRIMARY_KEY] = "create_primary_key",
    [OPK_DROP_CONSTRAINT] = "drop_constraint",
    [OPK_CREATE_TABLE_COMMENT] = "create_table_comment",
    [OPK_DROP_TABLE_COMMENT] = "drop_table_comment",
    [OPK_EXECUTE] = "execute",
    [OPK_BULK_INSERT] = "bulk_insert",
    [OPK_BATCH_ALTER_TABLE] = "batch_alter_table",
    [OPK_AUTOCOMMIT_BLOCK] = "autocommit_block",
    [OPK_OTHER] = "other",
};

const char *opkind_name(OpKind k) { return (unsigned)k <= OPK_OTHER ? OPKIND_NAMES[k] : "other"; }

/* Alembic 1.8.1 signatures (operations/ops.py), positional parameter names in order, for
 * `op.X(...)` and for `batch_op.X(...)` (where the table comes from the batch). */
typedef struct OpSig {
  const char *method;
  OpKind kind;
  const char *params[8];
  const char *batch_params[8];
} OpSig;

static const OpSig OP_SIGS[] = {
    {"create_table", OPK_CREATE_TABLE, {"table_name"}, {NULL}},
    {"drop_table", OPK_DROP_TABLE, {"table_name"}, {NULL}},
    {"rename_table", OPK_RENAME_TABLE, {"old_table_name", "new_table_name", "schema"}, {NULL}},
    {"add_column",
     OPK_ADD_COLUMN,
     {"table_name", "column", "schema"},
     {"column", "insert_before", "insert_after"}},
    {"drop_column", OPK_DROP_COLUMN, {"table_name", "column_name", "schema"}, {"column_name"}},
    {"alter_column",
     OPK_ALTER_COLUMN,
     {"table_name", "column_name", "nullable", "comment", "server_default", "new_column_name",
      "type_", "existing_type"},
     {"column_name", "nullable", "comment", "server_default", "new_column_name", "type_",
      "existing_type", "existing_server_default"}},
    {"create_index",
     OPK_CREATE_INDEX,
     {"index_name", "table_name", "columns", "schema", "unique"},
     {"index_name", "columns"}},
    {"drop_index", OPK_DROP_INDEX, {"index_name", "table_name", "schema"}, {"index_name"}},
    {"create_unique_constraint",
     OPK_CREATE_UNIQUE_CONSTRAINT,
     {"constraint_name", "table_name", "columns", "schema"},
     {"constraint_name", "columns"}},
    {"create_foreign_key",
     OPK_CREATE_FOREIGN_KEY,
     {"constraint_name", "source_table", "referent_table", "local_cols", "remote_cols", "onupdate",
      "ondelete", "deferrable"},
     {"constraint_name", "referent_table", "local_cols", "remote_cols", "referent_schema",
      "onupdate", "ondelete", "deferrable"}},
    {"create_check_constraint",
     OPK_CREATE_CHECK_CONSTRAINT,
     {"constraint_name", "table_name", "condition", "schema"},
     {"constraint_name", "condition"}},
    {"create_primary_key",
     OPK_CREATE_PRIMARY_KEY,
     {"constraint_name", "table_name", "columns", "schema"},
     {"constraint_name", "columns"}},
    {"drop_constraint",
     OPK_DROP_CONSTRAINT,
     {"constraint_name", "table_name", "type_", "schema"},
     {"constraint_name", "type_"}},
    {"create_table_comment",
     OPK_CREATE_TABLE_COMMENT,
     {"table_name", "comment", "existing_comment", "schema"},
     {"comment", "existing_comment"}},
    {"drop_table_comment",
     OPK_DROP_TABLE_COMMENT,
     {"table_name", "existing_comment", "schema"},
     {"existing_comment"}},
    {"execute", OPK_EXECUTE, {"sqltext", "execution_options"}, {"sqltext", "execution_options"}},
    {"bulk_insert", OPK_BULK_INSERT, {"table", "rows", "multiinsert"}, {NULL}},
    {"batch_alter_table", OPK_BATCH_ALTER_TABLE, {"table_name", "schema", "recreate"}, {NULL}},
};

/* The call being read: its arguments bound to parameter names. */
typedef struct Ctx {
  Arena *a;
  const PyArg *args;
  size_t nargs;
  const char *const *params;
  MigOp *m;
} Ctx;

static void ops__dyn(MigOp *m, SrcRange r, const char *reason) {
  if (m->dynamic) return;  // the first reason is the one to show
  m->dynamic = true;
  m->dynamic_reason = reason;
  m->dynamic_range = r.line ? r : m->range;
}

/* The value bound to parameter `name`: positional by its index in params, else keyword. */
static const PyValue *ops__get(const Ctx *c, const char *name) {
  size_t pos = (size_t)-1;
  for (size_t k = 0; k < 8 && c->params[k]; k++)
    if (!strcmp(c->params[k], name)) {
      pos = k;
      break;
    }
  return pyargs_get(c->args, c->nargs, pos, name);
}

static const char *ops__last(const char *dotted) {
  if (!dotted) return "";
  const char *d = strrchr(dotted, '.');
  return d ? d + 1 : dotted;
}

static const char *ops__brief(Arena *a, const PyValue *v) {
  const char *t = v->text ? v->text : "";
  if (v->kind == PV_CALL) return arena_printf(a, "%.60s(...)", t);
  return arena_printf(a, "%.60s", t);
}

/* `op.f("name")` (a naming-convention marker) is its string. */
static const char *ops__name_str(const PyValue *v) {
  const char *s = pyvalue_str(v);
  if (s) return s;
  if (v && v->kind == PV_CALL && !strcmp(ops__last(v->text), "f") && v->nargs == 1)
    return pyvalue_str(pyvalue_call_arg(v, 0, NULL));
  return NULL;
}

/* `op.f("...")`: a name SQLAlchemy treats as final (conv), truncated past 63 characters. */
static bool ops__is_conv(const PyValue *v) {
  return v && v->kind == PV_CALL && !strcmp(ops__last(v->text), "f") && v->nargs == 1 &&
         pyvalue_str(pyvalue_call_arg(v, 0, NULL));
}

/* A string parameter. Absent or None gives NULL without complaint; anything else that is
 * not a literal string makes the op dynamic. */
static const char *ops__opt_str(Ctx *c, const char *param) {
  const PyValue *v = ops__get(c, param);
  if (!v || v->kind == PV_NONE) return NULL;
  const char *s = ops__name_str(v);
  if (!s)
    ops__dyn(c->m, v->range,
             arena_printf(c->a, "%s is not a literal string (`%s`)", param, ops__brief(c->a, v)));
  return s;
}

/* A required string parameter: absent also makes the op dynamic. */
static const char *ops__req_str(Ctx *c, const char *param) {
  const PyValue *v = ops__get(c, param);
  if (!v || v->kind == PV_NONE) {
    ops__dyn(c->m, c->m->range, arena_printf(c->a, "%s is missing", param));
    return NULL;
  }
  return ops__opt_str(c, param);
}

static Tri ops__tri(const PyValue *v) {
  if (!v) return TRI_UNSET;
  if (v->kind == PV_BOOL) return v->b ? TRI_TRUE : TRI_FALSE;
  if (v->kind == PV_NONE) return TRI_UNSET;
  if (v->kind == PV_INT) return v->i ? TRI_TRUE : TRI_FALSE;
  return TRI_UNSET;
}

/* A boolean keyword: absent/None is `dflt`; a non-literal sets *bad. */
static bool ops__bool(const PyValue *v, bool dflt, bool *bad) {
  if (!v || v->kind == PV_NONE) return dflt;
  if (v->kind == PV_BOOL) return v->b;
  if (v->kind == PV_INT) return v->i != 0;
  if (bad) *bad = true;
  return dflt;
}

static bool ops__callee_is(const PyValue *v, const char *const *names) {
  if (!v || (v->kind != PV_CALL && v->kind != PV_NAME)) return false;
  const char *last = ops__last(v->text);
  for (size_t k = 0; names[k]; k++)
    if (!strcmp(last, names[k])) return true;
  return false;
}

/* SQL text: a str, or sa.text("...") / sa.literal_column("...") / sa.sql.text(...). */
static const char *ops__sql_text(const PyValue *v) {
  const char *s = pyvalue_str(v);
  if (s) return s;
  static const char *const TEXTS[] = {"text", "literal_column", NULL};
  if (v && v->kind == PV_CALL && ops__callee_is(v, TEXTS) && v->nargs == 1 && !v->args[0].name)
    return pyvalue_str(v->args[0].value);
  return NULL;
}

/* A list/tuple of literal strings (a lone string is not accepted: Alembic would iterate
 * its characters). NULL when not literal. */
static const char **ops__str_list(Arena *a, const PyValue *v, size_t *n) {
  *n = 0;
  if (!v || (v->kind != PV_LIST && v->kind != PV_TUPLE)) return NULL;
  const char **out = ARENA_ARRAY(a, const char *, v->nitems + 1);
  for (size_t k = 0; k < v->nitems; k++) {
    const char *s = pyvalue_str(v->items[k]);
    if (!s) return NULL;
    out[k] = s;
  }
  *n = v->nitems;
  return out;
}

static const char **ops__req_list(Ctx *c, const char *param, size_t *n) {
  const PyValue *v = ops__get(c, param);
  const char **l = ops__str_list(c->a, v, n);
  if (!l)
    ops__dyn(c->m, v ? v->range : c->m->range,
             v ? arena_printf(c->a, "%s is not a literal list of names (`%s`)", param,
                              ops__brief(c->a, v))
               : arena_printf(c->a, "%s is missing", param));
  return l;
}

/* ---- types ---------------------------------------------------------------------- */

static const struct {
  const char *name;
  SqlTypeKind kind;
} TYPE_NAMES[] = {
    {"Integer", ST_INTEGER},
    {"INTEGER", ST_INTEGER},
    {"INT", ST_INTEGER},
    {"BigInteger", ST_BIGINT},
    {"BIGINT", ST_BIGINT},
    {"SmallInteger", ST_SMALLINT},
    {"SMALLINT", ST_SMALLINT},
    {"String", ST_STRING},
    {"VARCHAR", ST_STRING},
    {"Unicode", ST_STRING},
    {"NVARCHAR", ST_STRING},
    {"CHAR", ST_CHAR},
    {"NCHAR", ST_CHAR},
    {"Text", ST_TEXT},
    {"TEXT", ST_TEXT},
    {"UnicodeText", ST_TEXT},
    {"Boolean", ST_BOOLEAN},
    {"BOOLEAN", ST_BOOLEAN},
    {"Date", ST_DATE},
    {"DATE", ST_DATE},
    {"DateTime", ST_DATETIME},
    {"TIMESTAMP", ST_DATETIME},
    {"DATETIME", ST_DATETIME},
    {"Time", ST_TIME},
    {"TIME", ST_TIME},
    {"Interval", ST_INTERVAL},
    {"INTERVAL", ST_INTERVAL},
    {"Numeric", ST_NUMERIC},
    {"NUMERIC", ST_NUMERIC},
    {"DECIMAL", ST_NUMERIC},
    {"Float", ST_FLOAT},
    {"FLOAT", ST_FLOAT},
    {"REAL", ST_REAL},
    {"DOUBLE_PRECISION", ST_DOUBLE},
    {"LargeBinary", ST_LARGEBINARY},
    {"BYTEA", ST_LARGEBINARY},
    {"JSON", ST_JSON},
    {"JSONB", ST_JSONB},
    {"UUID", ST_UUID},
    {"Uuid", ST_UUID},
    {"ARRAY", ST_ARRAY},
    {"TSVECTOR", ST_TSVECTOR},
    {"Enum", ST_ENUM},
    {"ENUM", ST_ENUM},
    {"INET", ST_INET},
    {"CIDR", ST_CIDR},
    {"MACADDR", ST_MACADDR},
    {"MONEY", ST_MONEY},
    {"OID", ST_OID},
    {"BIT", ST_BIT},
};

/* Module prefixes under which an unknown class is still a type class (rendered by name). */
static bool ops__is_type_module(const char *dotted) {
  static const char *const PREFIXES[] = {
      "sa.",    "sqlalchemy.", "postgresql.",       "pg.", "sqlalchemy.dialects.postgresql.",
      "types.", "sa.types.",   "sqlalchemy.types.", NULL};
  for (size_t k = 0; PREFIXES[k]; k++)
    if (!strncmp(dotted, PREFIXES[k], strlen(PREFIXES[k]))) return true;
  return false;
}

static int ops__int_arg(const PyValue *v, int dflt, bool *bad) {
  if (!v || v->kind == PV_NONE) return dflt;
  if (v->kind == PV_INT) return (int)v->i;
  *bad = true;
  return dflt;
}

static void ops__type_dyn(SqlType *t, const char *reason) {
  if (t->dynamic) return;
  t->dynamic = true;
  t->dynamic_reason = reason;
}

SqlType *ops_read_type(Arena *a, const PyValue *v) {
  SqlType *t = ARENA_NEW(a, SqlType);
  t->length = t->precision = t->scale = t->dimensions = -1;
  t->create_type = t->native_enum = true;
  t->src = v;
  if (!v || (v->kind != PV_NAME && v->kind != PV_CALL)) {
    t->name = v && v->text ? v->text : "";
    ops__type_dyn(
        t, arena_printf(a, "type is not a type expression (`%s`)", v ? ops__brief(a, v) : ""));
    return t;
  }
  t->name = ops__last(v->text);
  bool known = false;
  for (size_t k = 0; k < sizeof TYPE_NAMES / sizeof TYPE_NAMES[0]; k++)
    if (!strcmp(t->name, TYPE_NAMES[k].name)) {
      t->kind = TYPE_NAMES[k].kind;
      known = true;
      break;
    }
  if (!known) {
    t->kind = ST_UNKNOWN;
    if (!ops__is_type_module(v->text) || v->dynamic) {
      // `order_status` (a module-level variable) or a helper: its value is not visible here.
      ops__type_dyn(
          t, arena_printf(a, "type `%s` is a name, not a type expression", ops__brief(a, v)));
    }
    return t;
  }
  if (v->dynamic)
    ops__type_dyn(t, arena_printf(a, "computed type arguments (`%s`)", ops__brief(a, v)));
  if (v->kind == PV_NAME) return t;  // the class itself: SQLAlchemy instantiates it bare

  bool bad = false;
  switch (t->kind) {
    case ST_STRING:
    case ST_CHAR:
    case ST_BIT:
      t->length = ops__int_arg(pyvalue_call_arg(v, 0, "length"), -1, &bad);
      break;
    case ST_NUMERIC:
    case ST_FLOAT:
      t->precision = ops__int_arg(pyvalue_call_arg(v, 0, "precision"), -1, &bad);
      if (t->kind == ST_NUMERIC) t->scale = ops__int_arg(pyvalue_call_arg(v, 1, "scale"), -1, &bad);
      break;
    case ST_DATETIME:
    case ST_TIME:
      t->timezone = ops__bool(pyvalue_call_arg(v, 0, "timezone"), false, &bad);
      // postgresql.TIMESTAMP(timezone=False, precision=None)
      t->precision = ops__int_arg(pyvalue_call_arg(v, 1, "precision"), -1, &bad);
      break;
    case ST_INTERVAL:
      t->precision = ops__int_arg(pyvalue_call_arg(v, 0, "precision"), -1, &bad);
      if (pyvalue_call_arg(v, 1, "fields")) bad = true;
      break;
    case ST_ARRAY: {
      const PyValue *it = pyvalue_call_arg(v, 0, "item_type");
      t->item = ops_read_type(a, it);
      if (t->item->dynamic) ops__type_dyn(t, t->item->dynamic_reason);
      t->dimensions = ops__int_arg(pyvalue_call_arg(v, 2, "dimensions"), -1, &bad);
      break;
    }
    case ST_ENUM: {
      size_t n = 0;
      t->enum_values = ARENA_ARRAY(a, const char *, v->nargs + 1);
      for (size_t k = 0; k < v->nargs; k++) {
        if (v->args[k].name) continue;
        const char *s = pyvalue_str(v->args[k].value);
        if (!s) {
          // sa.Enum(MyPythonEnum): the labels live in Python code we do not run.
          ops__type_dyn(t, arena_printf(a, "enum values are not literal strings (`%s`)",
                                        ops__brief(a, v->args[k].value)));
          break;
        }
        t->enum_values[n++] = s;
      }
      t->nenum_values = n;
      const PyValue *nm = pyvalue_call_arg(v, (size_t)-1, "name");
      if (nm && nm->kind != PV_NONE) {
        t->enum_name = pyvalue_str(nm);
        if (!t->enum_name) bad = true;
      }
      const PyValue *sc = pyvalue_call_arg(v, (size_t)-1, "schema");
      if (sc && sc->kind != PV_NONE) {
        t->enum_schema = pyvalue_str(sc);
        if (!t->enum_schema) bad = true;
      }
      t->create_type = ops__bool(pyvalue_call_arg(v, (size_t)-1, "create_type"), true, &bad);
      t->native_enum = ops__bool(pyvalue_call_arg(v, (size_t)-1, "native_enum"), true, &bad);
      t->create_constraint =
          ops__bool(pyvalue_call_arg(v, (size_t)-1, "create_constraint"), false, &bad);
      // SQLAlchemy refuses to compile a nameless native enum for PostgreSQL.
      if (t->native_enum && !t->enum_name && !t->dynamic)
        ops__type_dyn(t, "sa.Enum without name=: a PostgreSQL enum type needs a name");
      break;
    }
    default:
      break;
  }
  if (bad)
    ops__type_dyn(t, arena_printf(a, "type arguments are not literals (`%s`)", ops__brief(a, v)));
  return t;
}

/* ---- defaults, columns, constraints ----------------------------------------------- */

/* Functions SQLAlchemy renders without parentheses (sql/functions.py AnsiFunction). */
static bool ops__ansi_func(const char *name) {
  static const char *const ANSI[] = {"current_timestamp", "current_date",   "current_time",
                                     "localtime",         "localtimestamp", "current_user",
                                     "session_user",      "user",           NULL};
  for (size_t k = 0; ANSI[k]; k++)
    if (!strcmp(name, ANSI[k])) return true;
  return false;
}

/* server_default / existing_server_default. Returns false when not readable. */
static bool ops__read_default(Arena *a, const PyValue *v, MigDefault *d) {
  memset(d, 0, sizeof *d);
  if (!v) return true;
  d->range = v->range;
  if (v->kind == PV_NONE) {
    d->kind = DEF_NULL;
    return true;
  }
  const char *s = pyvalue_str(v);
  if (s) {
    d->kind = DEF_STRING;
    d->text = s;
    return true;
  }
  s = ops__sql_text(v);
  if (s) {
    d->kind = DEF_SQL;
    d->text = s;
    return true;
  }
  if (v->kind == PV_CALL && !v->dynamic) {
    const char *callee = v->text;
    const char *fn = strstr(callee, "func.");
    if (fn && (fn == callee || fn[-1] == '.') && v->nargs == 0) {
      const char *name = fn + 5;
      if (strchr(name, '.')) goto dyn;
      d->kind = DEF_FUNC;
      if (ops__ansi_func(name)) {
        char *up = arena_strdup(a, name);
        for (char *p = up; *p; p++)
          if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 32);
        d->text = up;
      } else {
        d->text = arena_printf(a, "%s()", name);
      }
      return true;
    }
    static const char *const TF[] = {"true", "false", NULL};
    if (ops__callee_is(v, TF) && v->nargs == 0) {
      d->kind = DEF_SQL;
      d->text = ops__last(callee);
      return true;
    }
  }
dyn:
  d->kind = DEF_DYNAMIC;
  return false;
}

/* "schema.table.col" / "table.col" of sa.ForeignKey. */
static bool ops__split_ref(Arena *a, const char *ref, const char **schema, const char **table,
                           const char **col) {
  const char *last = strrchr(ref, '.');
  if (!last || last == ref || !last[1]) return false;
  *col = last + 1;
  const char *prev = NULL;
  for (const char *p = ref; p < last; p++)
    if (*p == '.') prev = p;
  if (prev) {
    *schema = arena_strndup(a, ref, (size_t)(prev - ref));
    *table = arena_strndup(a, prev + 1, (size_t)(last - prev - 1));
  } else {
    *schema = NULL;
    *table = arena_strndup(a, ref, (size_t)(last - ref));
  }
  return true;
}

/* ondelete/onupdate/deferrable/initially/match, common to ForeignKey and the FK ops. */
static bool ops__fk_options(const PyArg *args, size_t nargs, MigForeignKey *fk) {
  bool ok = true;
  const PyValue *v;
  if ((v = pyargs_get(args, nargs, (size_t)-1, "ondelete")) && v->kind != PV_NONE)
    ok &= (fk->ondelete = pyvalue_str(v)) != NULL;
  if ((v = pyargs_get(args, nargs, (size_t)-1, "onupdate")) && v->kind != PV_NONE)
    ok &= (fk->onupdate = pyvalue_str(v)) != NULL;
  if ((v = pyargs_get(args, nargs, (size_t)-1, "initially")) && v->kind != PV_NONE)
    ok &= (fk->initially = pyvalue_str(v)) != NULL;
  if ((v = pyargs_get(args, nargs, (size_t)-1, "match")) && v->kind != PV_NONE)
    ok &= (fk->match = pyvalue_str(v)) != NULL;
  if ((v = pyargs_get(args, nargs, (size_t)-1, "deferrable"))) {
    fk->deferrable = ops__tri(v);
    ok &= v->kind == PV_BOOL || v->kind == PV_NONE;
  }
  bool bad = false;
  fk->not_valid =
      ops__bool(pyargs_get(args, nargs, (size_t)-1, "postgresql_not_valid"), false, &bad);
  return ok && !bad;
}

static bool ops__read_table_constraint(Arena *a, const PyValue *v, MigConstraint *k);

static void ops__col_dyn(MigColumn *c, const char *reason) {
  if (c->dynamic) return;
  c->dynamic = true;
  c->dynamic_reason = reason;
}

static const char *const FK_NAMES[] = {"ForeignKey", NULL};
static const char *const IDENTITY_NAMES[] = {"Identity", NULL};
static const char *const COMPUTED_NAMES[] = {"Computed", NULL};
static const char *const COLUMN_NAMES[] = {"Column", NULL};

/* ops_read_column, and ops_read_column_named when `dflt` is not NULL: the name a column
 * takes when its call gives none (declarative attributes name their columns). */
static bool ops__read_column(Arena *a, const PyValue *v, const char *dflt, MigColumn *c) {
  memset(c, 0, sizeof *c);
  c->src = v;
  if (!v) {
    ops__col_dyn(c, "column is missing");
    return false;
  }
  c->range = v->range;
  if (v->kind != PV_CALL || !ops__callee_is(v, COLUMN_NAMES)) {
    ops__col_dyn(c,
                 arena_printf(a, "column is not an sa.Column(...) call (`%s`)", ops__brief(a, v)));
    return false;
  }
  if (v->dynamic)
    ops__col_dyn(c, arena_printf(a, "computed column arguments (`%s`)", ops__brief(a, v)));
  c->fks = ARENA_ARRAY(a, MigForeignKey, v->nargs + 1);
  size_t npos = 0;
  for (size_t k = 0; k < v->nargs; k++) {
    const PyArg *arg = &v->args[k];
    const PyValue *x = arg->value;
    if (arg->name) {
      const char *kw = arg->name;
      bool bad = false;
      if (!strcmp(kw, "name")) {
        if (!(c->name = pyvalue_str(x))) bad = true;
      } else if (!strcmp(kw, "type_")) {
        c->type = ops_read_type(a, x);
        c->type_range = x->range;
        if (c->type->dynamic) ops__col_dyn(c, c->type->dynamic_reason);
      } else if (!strcmp(kw, "nullable")) {
        c->nullable = ops__tri(x);
        c->nullable_range = x->range;
        if (x->kind != PV_BOOL && x->kind != PV_NONE) bad = true;
      } else if (!strcmp(kw, "primary_key")) {
        c->primary_key = ops__bool(x, false, &bad);
      } else if (!strcmp(kw, "unique")) {
        c->unique = ops__bool(x, false, &bad);
      } else if (!strcmp(kw, "index")) {
        c->index = ops__bool(x, false, &bad);
      } else if (!strcmp(kw, "autoincrement")) {
        if (pyvalue_str(x) && !strcmp(pyvalue_str(x), "auto"))
          c->autoincrement = TRI_UNSET;
        else if (pyvalue_str(x) && !strcmp(pyvalue_str(x), "ignore_fk"))
          c->autoincrement = TRI_TRUE;
        else {
          c->autoincrement = ops__tri(x);
          if (x->kind != PV_BOOL) bad = true;
        }
      } else if (!strcmp(kw, "server_default")) {
        if (!ops__read_default(a, x, &c->server_default))
          ops__col_dyn(c,
                       arena_printf(a, "server_default is not a literal (`%s`)", ops__brief(a, x)));
      } else if (!strcmp(kw, "comment")) {
        if (x->kind != PV_NONE && !(c->comment = pyvalue_str(x))) bad = true;
      } else if (!strcmp(kw, "default")) {
        c->has_default = x->kind != PV_NONE;
      } else if (!strcmp(kw, "key") || !strcmp(kw, "doc") || !strcmp(kw, "info") ||
                 !strcmp(kw, "onupdate") || !strcmp(kw, "quote") || !strcmp(kw, "system") ||
                 !strcmp(kw, "_proxies")) {
        // Python-side or metadata-only: no effect on DDL.
      } else if (!strcmp(kw, "server_onupdate")) {
        // FetchedValue marker only: no DDL.
      } else {
        ops__col_dyn(c, arena_printf(a, "column keyword %s= is not modelled", kw));
      }
      if (bad)
        ops__col_dyn(c, arena_printf(a, "%s= is not a literal (`%s`)", kw, ops__brief(a, x)));
      continue;
    }
    // Positional: name, type, then schema items.
    if (npos == 0 && x->kind == PV_STR) {
      c->name = pyvalue_str(x);
      npos++;
      continue;
    }
    npos++;
    if (x->kind == PV_CALL && ops__callee_is(x, FK_NAMES)) {
      MigForeignKey *fk = &c->fks[c->nfks++];
      const char *ref = pyvalue_str(pyvalue_call_arg(x, 0, "column"));
      const char *rc = NULL;
      if (!ref || !ops__split_ref(a, ref, &fk->ref_schema, &fk->ref_table, &rc)) {
        ops__col_dyn(c,
                     arena_printf(a, "foreign key target is not a literal \"table.column\" (`%s`)",
                                  ops__brief(a, x)));
        continue;
      }
      fk->ref_columns = ARENA_ARRAY(a, const char *, 1);
      fk->ref_columns[0] = rc;
      fk->nref_columns = 1;
      const PyValue *nm = pyvalue_call_arg(x, (size_t)-1, "name");
      if (nm && nm->kind != PV_NONE && !(fk->name = pyvalue_str(nm)))
        ops__col_dyn(c, "foreign key name is not a literal");
      if (!ops__fk_options(x->args, x->nargs, fk))
        ops__col_dyn(
            c, arena_printf(a, "foreign key options are not literals (`%s`)", ops__brief(a, x)));
      continue;
    }
    if (x->kind == PV_CALL && ops__callee_is(x, IDENTITY_NAMES)) {
      bool bad = false;
      c->identity.present = true;
      c->identity.always = ops__bool(pyvalue_call_arg(x, 0, "always"), false, &bad);
      Buf b = BUF_INIT;
      static const struct {
        const char *kw, *sql;
      } IDOPTS[] = {{"increment", "INCREMENT BY"},
                    {"start", "START WITH"},
                    {"minvalue", "MINVALUE"},
                    {"maxvalue", "MAXVALUE"},
                    {"cache", "CACHE"}};
      for (size_t j = 0; j < sizeof IDOPTS / sizeof IDOPTS[0]; j++) {
        const PyValue *o = pyvalue_call_arg(x, (size_t)-1, IDOPTS[j].kw);
        if (!o || o->kind == PV_NONE) continue;
        if (o->kind != PV_INT) {
          bad = true;
          continue;
        }
        buf_printf(&b, "%s%s %s", b.len ? " " : "", IDOPTS[j].sql, o->text);
      }
      const PyValue *cyc = pyvalue_call_arg(x, (size_t)-1, "cycle");
      if (cyc && cyc->kind == PV_BOOL)
        buf_printf(&b, "%s%s", b.len ? " " : "", cyc->b ? "CYCLE" : "NO CYCLE");
      c->identity.options = b.len ? arena_strdup(a, buf_cstr(&b)) : NULL;
      buf_free(&b);
      if (bad)
        ops__col_dyn(c,
                     arena_printf(a, "Identity options are not literals (`%s`)", ops__brief(a, x)));
      continue;
    }
    if (x->kind == PV_CALL && ops__callee_is(x, COMPUTED_NAMES)) {
      c->computed.present = true;
      c->computed.sqltext = ops__sql_text(pyvalue_call_arg(x, 0, "sqltext"));
      c->computed.persisted = ops__tri(pyvalue_call_arg(x, 1, "persisted"));
      if (!c->computed.sqltext)
        ops__col_dyn(
            c, arena_printf(a, "Computed expression is not literal SQL (`%s`)", ops__brief(a, x)));
      continue;
    }
    static const char *const SEQ[] = {"Sequence", NULL};
    static const char *const CHECK[] = {"CheckConstraint", NULL};
    if (x->kind == PV_CALL && ops__callee_is(x, SEQ)) {
      if (!(c->sequence = pyvalue_str(pyvalue_call_arg(x, 0, "name"))))
        ops__col_dyn(c, "Sequence name is not a literal");
      continue;
    }
    if (x->kind == PV_CALL && ops__callee_is(x, CHECK)) {
      if (!c->checks) c->checks = ARENA_ARRAY(a, MigConstraint, v->nargs);
      MigConstraint *ck = &c->checks[c->nchecks++];
      ops__read_table_constraint(a, x, ck);
      if (ck->dynamic) ops__col_dyn(c, ck->dynamic_reason);
      continue;
    }
    if (!c->type && npos <= 2) {
      c->type = ops_read_type(a, x);
      c->type_range = x->range;
      if (c->type->dynamic) ops__col_dyn(c, c->type->dynamic_reason);
      continue;
    }
    ops__col_dyn(c, arena_printf(a, "column argument `%s` is not modelled", ops__brief(a, x)));
  }
  if (!c->name && dflt) c->name = dflt;
  if (!c->name) ops__col_dyn(c, "column name is not a literal string");
  return true;
}

bool ops_read_column(Arena *a, const PyValue *v, MigColumn *out) {
  return ops__read_column(a, v, NULL, out);
}

bool ops_read_column_named(Arena *a, const PyValue *v, const char *default_name,
                           MigColumn *out) {
  return ops__read_column(a, v, default_name, out);
}

static const char *const PK_NAMES[] = {"PrimaryKeyConstraint", NULL};
static const char *const UQ_NAMES[] = {"UniqueConstraint", NULL};
static const char *const FKC_NAMES[] = {"ForeignKeyConstraint", NULL};
static const char *const CK_NAMES[] = {"CheckConstraint", NULL};

static void ops__con_dyn(MigConstraint *k, const char *reason) {
  if (k->dynamic) return;
  k->dynamic = true;
  k->dynamic_reason = reason;
}

/* sa.PrimaryKeyConstraint / UniqueConstraint / ForeignKeyConstraint / CheckConstraint.
 * Returns false when `v` is none of these. */
static bool ops__read_table_constraint(Arena *a, const PyValue *v, MigConstraint *k) {
  memset(k, 0, sizeof *k);
  if (!v || v->kind != PV_CALL) return false;
  k->range = v->range;
  if (ops__callee_is(v, PK_NAMES) || ops__callee_is(v, UQ_NAMES)) {
    k->kind = ops__callee_is(v, PK_NAMES) ? CON_PRIMARY_KEY : CON_UNIQUE;
    k->columns = ARENA_ARRAY(a, const char *, v->nargs + 1);
    for (size_t j = 0; j < v->nargs; j++) {
      if (v->args[j].name) continue;
      const char *s = pyvalue_str(v->args[j].value);
      if (!s) {
        ops__con_dyn(k, arena_printf(a, "constraint column is not a literal (`%s`)",
                                     ops__brief(a, v->args[j].value)));
        continue;
      }
      k->columns[k->ncolumns++] = s;
    }
  } else if (ops__callee_is(v, FKC_NAMES)) {
    k->kind = CON_FOREIGN_KEY;
    size_t nl = 0, nr = 0;
    const char **loc = ops__str_list(a, pyvalue_call_arg(v, 0, "columns"), &nl);
    const char **rem = ops__str_list(a, pyvalue_call_arg(v, 1, "refcolumns"), &nr);
    if (!loc || !rem || nl != nr || nl == 0) {
      ops__con_dyn(
          k, arena_printf(a, "foreign key columns are not literal lists (`%s`)", ops__brief(a, v)));
    } else {
      k->columns = loc;
      k->ncolumns = nl;
      k->fk.columns = loc;
      k->fk.ncolumns = nl;
      k->fk.ref_columns = ARENA_ARRAY(a, const char *, nr);
      for (size_t j = 0; j < nr; j++) {
        const char *sch = NULL, *tab = NULL, *col = NULL;
        if (!ops__split_ref(a, rem[j], &sch, &tab, &col)) {
          ops__con_dyn(k, "foreign key target is not \"table.column\"");
          break;
        }
        k->fk.ref_schema = sch;
        k->fk.ref_table = tab;
        k->fk.ref_columns[j] = col;
      }
      k->fk.nref_columns = nr;
    }
    if (!ops__fk_options(v->args, v->nargs, &k->fk))
      ops__con_dyn(k, "foreign key options are not literals");
    k->deferrable = k->fk.deferrable;
    k->initially = k->fk.initially;
    k->not_valid = k->fk.not_valid;
  } else if (ops__callee_is(v, CK_NAMES)) {
    k->kind = CON_CHECK;
    const PyValue *s = pyvalue_call_arg(v, 0, "sqltext");
    k->condition = ops__sql_text(s);
    if (!k->condition)
      ops__con_dyn(k, arena_printf(a, "check condition is not literal SQL (`%s`)",
                                   s ? ops__brief(a, s) : ""));
  } else {
    return false;
  }
  const PyValue *nm = pyvalue_call_arg(v, (size_t)-1, "name");
  k->name_conv = ops__is_conv(nm);
  if (nm && nm->kind != PV_NONE && !(k->name = ops__name_str(nm)))
    ops__con_dyn(k, "constraint name is not a literal");
  if (k->kind != CON_FOREIGN_KEY) {
    const PyValue *d = pyvalue_call_arg(v, (size_t)-1, "deferrable");
    if (d) k->deferrable = ops__tri(d);
    const PyValue *in = pyvalue_call_arg(v, (size_t)-1, "initially");
    if (in && in->kind != PV_NONE && !(k->initially = pyvalue_str(in)))
      ops__con_dyn(k, "initially= is not a literal");
  }
  k->fk.name = k->name;
  if (v->dynamic)
    ops__con_dyn(k, arena_printf(a, "computed constraint arguments (`%s`)", ops__brief(a, v)));
  return true;
}

bool ops_read_constraint(Arena *a, const PyValue *v, MigConstraint *out) {
  return ops__read_table_constraint(a, v, out);
}

/* ---- ops ------------------------------------------------------------------------- */

/* sa.Index("name", "col", sa.text("expr"), unique=..., postgresql_where=...). */
static void ops__table_index(Ctx *c, const PyValue *v, MigTableIndex *ix) {
  MigOp *m = c->m;
  Arena *a = c->a;
  ix->range = v->range;
  ix->elems = ARENA_ARRAY(a, MigIndexElem, v->nargs + 1);
  size_t npos = 0;
  bool bad = false;
  for (size_t k = 0; k < v->nargs; k++) {
    const PyArg *arg = &v->args[k];
    const PyValue *x = arg->value;
    if (!arg->name) {
      if (npos++ == 0) {
        ix->name = ops__name_str(x);
        ix->name_conv = ops__is_conv(x);
        if (!ix->name) ops__dyn(m, x->range, "index name is not a literal");
        continue;
      }
      MigIndexElem *el = &ix->elems[ix->nelems++];
      if ((el->text = pyvalue_str(x))) continue;
      if ((el->text = ops__sql_text(x))) {
        el->is_expr = true;
        continue;
      }
      ops__dyn(
          m, x->range,
          arena_printf(a, "index element `%s` is not a name or sa.text(...)", ops__brief(a, x)));
    } else if (!strcmp(arg->name, "unique")) {
      ix->unique = ops__bool(x, false, &bad);
    } else if (!strcmp(arg->name, "postgresql_where")) {
      if (x->kind != PV_NONE && !(ix->where = ops__sql_text(x)))
        ops__dyn(m, x->range, "postgresql_where is not literal SQL");
    } else if (!strcmp(arg->name, "postgresql_using")) {
      if (x->kind != PV_NONE && !(ix->using = pyvalue_str(x)))
        ops__dyn(m, x->range, "postgresql_using= is not a literal");
    } else if (!strcmp(arg->name, "name")) {
      ix->name = ops__name_str(x);
      ix->name_conv = ops__is_conv(x);
    } else if (strchr(arg->name, '_') && strncmp(arg->name, "postgresql_", 11) != 0) {
      // other dialects' options: nothing on PostgreSQL
    } else {
      ops__dyn(m, x->range, arena_printf(a, "sa.Index keyword %s= is not modelled", arg->name));
    }
  }
  if (bad) ops__dyn(m, v->range, "sa.Index flags are not literals");
  if (!ix->name) ops__dyn(m, v->range, "sa.Index without a literal name");
  if (v->dynamic) ops__dyn(m, v->range, "computed sa.Index arguments");
}

static void ops__create_table(Ctx *c) {
  MigOp *m = c->m;
  m->columns = ARENA_ARRAY(c->a, MigColumn, c->nargs + 1);
  m->constraints = ARENA_ARRAY(c->a, MigConstraint, c->nargs + 1);
  size_t npos = 0;
  for (size_t k = 0; k < c->nargs; k++) {
    const PyArg *arg = &c->args[k];
    if (arg->name) {
      if (!strcmp(arg->name, "schema") || !strcmp(arg->name, "table_name")) continue;
      if (!strcmp(arg->name, "comment")) {
        if (arg->value->kind != PV_NONE && !(m->table_comment = pyvalue_str(arg->value)))
          ops__dyn(m, arg->value->range, "comment= is not a literal");
        continue;
      }
      // Other dialects' options (mysql_engine=...) change nothing on PostgreSQL; postgresql_*
      // ones (partition_by, inherits, tablespace, ...) and prefixes= do, and are not rendered.
      if (!strcmp(arg->name, "info") || !strcmp(arg->name, "keep_existing") ||
          !strcmp(arg->name, "extend_existing") ||
          (strchr(arg->name, '_') && strncmp(arg->name, "postgresql_", 11) != 0 &&
           strcmp(arg->name, "must_exist") != 0))
        continue;
      if (!strcmp(arg->name, "*") || !strcmp(arg->name, "**")) {
        ops__dyn(m, arg->value->range, "splat arguments");
        continue;
      }
      ops__dyn(m, arg->value->range,
               arena_printf(c->a, "create_table keyword %s= is not modelled", arg->name));
      continue;
    }
    if (npos++ == 0) continue;  // the table name
    const PyValue *v = arg->value;
    if (v->kind == PV_CALL && ops__callee_is(v, COLUMN_NAMES)) {
      MigColumn *col = &m->columns[m->ncolumns++];
      ops_read_column(c->a, v, col);
      if (col->dynamic) ops__dyn(m, col->range, col->dynamic_reason);
      continue;
    }
    static const char *const INDEX[] = {"Index", NULL};
    if (v->kind == PV_CALL && ops__callee_is(v, INDEX)) {
      if (!m->table_indexes) m->table_indexes = ARENA_ARRAY(c->a, MigTableIndex, c->nargs);
      ops__table_index(c, v, &m->table_indexes[m->ntable_indexes++]);
      continue;
    }
    MigConstraint *con = &m->constraints[m->nconstraints];
    if (ops__read_table_constraint(c->a, v, con)) {
      m->nconstraints++;
      if (con->dynamic) ops__dyn(m, con->range, con->dynamic_reason);
      continue;
    }
    ops__dyn(m, v->range,
             arena_printf(c->a, "create_table argument `%s` is not modelled", ops__brief(c->a, v)));
  }
}

static void ops__alter_column(Ctx *c) {
  MigOp *m = c->m;
  Arena *a = c->a;
  m->column = ops__req_str(c, "column_name");
  const PyValue *v;
  if ((v = ops__get(c, "nullable"))) {
    m->alter.nullable = ops__tri(v);
    m->alter.nullable_range = v->range;
    if (v->kind != PV_BOOL && v->kind != PV_NONE)
      ops__dyn(m, v->range, "nullable= is not a literal");
  }
  if ((v = ops__get(c, "type_")) && v->kind != PV_NONE) {
    m->alter.type = ops_read_type(a, v);
    m->alter.type_range = v->range;
    if (m->alter.type->dynamic) ops__dyn(m, v->range, m->alter.type->dynamic_reason);
  }
  if ((v = ops__get(c, "server_default"))) {
    // Alembic's default is False ("not given"); None drops the default.
    if (v->kind == PV_BOOL && !v->b) {
    } else if (!ops__read_default(a, v, &m->alter.server_default)) {
      ops__dyn(m, v->range,
               arena_printf(a, "server_default is not a literal (`%s`)", ops__brief(a, v)));
    }
    m->alter.server_default_range = v->range;
  }
  if ((v = ops__get(c, "new_column_name")) && v->kind != PV_NONE) {
    m->alter.new_name = ops__opt_str(c, "new_column_name");
    m->alter.new_name_range = v->range;
  }
  if ((v = ops__get(c, "comment")) && !(v->kind == PV_BOOL && !v->b)) {
    m->alter.comment_set = true;
    if (v->kind != PV_NONE && !(m->alter.comment = pyvalue_str(v)))
      ops__dyn(m, v->range, "comment= is not a literal");
  }
  if ((v = ops__get(c, "existing_type")) && v->kind != PV_NONE) {
    m->alter.existing_type = ops_read_type(a, v);  // informative only: not a reason to refuse
  }
  if ((v = ops__get(c, "existing_nullable"))) m->alter.existing_nullable = ops__tri(v);
  if ((v = ops__get(c, "existing_server_default")) && !(v->kind == PV_BOOL && !v->b))
    ops__read_default(a, v, &m->alter.existing_server_default);
  if ((v = ops__get(c, "existing_comment")) && v->kind != PV_NONE)
    m->existing_comment = pyvalue_str(v);
  if ((v = ops__get(c, "postgresql_using")) && v->kind != PV_NONE) {
    m->alter.using = ops__sql_text(v);
    if (!m->alter.using) ops__dyn(m, v->range, "postgresql_using= is not literal SQL");
  }
}

static void ops__index(Ctx *c) {
  MigOp *m = c->m;
  Arena *a = c->a;
  m->index.name =
      m->kind == OPK_CREATE_INDEX ? ops__opt_str(c, "index_name") : ops__req_str(c, "index_name");
  m->index.name_conv = ops__is_conv(ops__get(c, "index_name"));
  if (m->kind == OPK_CREATE_INDEX && !m->index.name && !m->dynamic)
    ops__dyn(m, m->range, "index_name is missing (None)");
  const PyValue *v;
  if (m->kind == OPK_CREATE_INDEX) {
    v = ops__get(c, "columns");
    if (!v || (v->kind != PV_LIST && v->kind != PV_TUPLE)) {
      ops__dyn(m, v ? v->range : m->range, "columns is not a literal list");
    } else {
      m->index.elems = ARENA_ARRAY(a, MigIndexElem, v->nitems + 1);
      for (size_t k = 0; k < v->nitems; k++) {
        const PyValue *e = v->items[k];
        MigIndexElem *el = &m->index.elems[m->index.nelems++];
        if ((el->text = pyvalue_str(e))) continue;
        if ((el->text = ops__sql_text(e))) {
          el->is_expr = true;
          continue;
        }
        ops__dyn(
            m, e->range,
            arena_printf(a, "index element `%s` is not a name or sa.text(...)", ops__brief(a, e)));
      }
    }
    bool bad = false;
    m->index.unique = ops__bool(ops__get(c, "unique"), false, &bad);
    if ((v = ops__get(c, "postgresql_concurrently"))) m->index.concurrently_range = v->range;
    m->index.concurrently = ops__bool(v, false, &bad);
    m->index.if_not_exists = ops__bool(ops__get(c, "if_not_exists"), false, &bad);
    if (bad) ops__dyn(m, m->range, "index flags are not literals");
    if ((v = ops__get(c, "postgresql_where")) && v->kind != PV_NONE) {
      m->index.where = ops__sql_text(v);
      if (!m->index.where)
        ops__dyn(m, v->range,
                 arena_printf(a, "postgresql_where is not literal SQL (`%s`)", ops__brief(a, v)));
    }
    if ((v = ops__get(c, "postgresql_using")) && v->kind != PV_NONE) {
      if (!(m->index.using = pyvalue_str(v)))
        ops__dyn(m, v->range, "postgresql_using= is not a literal");
    }
    if ((v = ops__get(c, "postgresql_include")) && v->kind != PV_NONE) {
      m->index.include = ops__str_list(a, v, &m->index.ninclude);
      if (!m->index.include) ops__dyn(m, v->range, "postgresql_include= is not a literal list");
    }
    for (size_t k = 0; k < c->nargs; k++) {
      const char *kw = c->args[k].name;
      if (kw && !strncmp(kw, "postgresql_", 11) && strcmp(kw, "postgresql_concurrently") &&
          strcmp(kw, "postgresql_where") && strcmp(kw, "postgresql_using") &&
          strcmp(kw, "postgresql_include"))
        ops__dyn(m, c->args[k].value->range, arena_printf(a, "%s= is not modelled", kw));
    }
  } else {
    bool bad = false;
    if ((v = ops__get(c, "postgresql_concurrently"))) m->index.concurrently_range = v->range;
    m->index.concurrently = ops__bool(v, false, &bad);
    m->index.if_exists = ops__bool(ops__get(c, "if_exists"), false, &bad);
    if (bad) ops__dyn(m, m->range, "index flags are not literals");
  }
}

static MigConstraint *ops__one_constraint(MigOp *m, Arena *a, ConstraintKind kind) {
  m->constraints = ARENA_NEW(a, MigConstraint);
  m->nconstraints = 1;
  m->constraints->kind = kind;
  m->constraints->range = m->range;
  return m->constraints;
}

static void ops__constraint_op(Ctx *c) {
  MigOp *m = c->m;
  Arena *a = c->a;
  static const ConstraintKind KINDS[] = {[OPK_CREATE_UNIQUE_CONSTRAINT] = CON_UNIQUE,
                                         [OPK_CREATE_FOREIGN_KEY] = CON_FOREIGN_KEY,
                                         [OPK_CREATE_CHECK_CONSTRAINT] = CON_CHECK,
                                         [OPK_CREATE_PRIMARY_KEY] = CON_PRIMARY_KEY};
  MigConstraint *k = ops__one_constraint(m, a, KINDS[m->kind]);
  k->name = ops__opt_str(c, "constraint_name");
  k->name_conv = ops__is_conv(ops__get(c, "constraint_name"));
  const PyValue *v;
  bool bad = false;
  switch (m->kind) {
    case OPK_CREATE_UNIQUE_CONSTRAINT:
    case OPK_CREATE_PRIMARY_KEY:
      k->columns = ops__req_list(c, "columns", &k->ncolumns);
      if ((v = ops__get(c, "deferrable"))) k->deferrable = ops__tri(v);
      k->initially = ops__opt_str(c, "initially");
      break;
    case OPK_CREATE_CHECK_CONSTRAINT:
      v = ops__get(c, "condition");
      k->condition = ops__sql_text(v);
      if (!k->condition)
        ops__dyn(m, v ? v->range : m->range,
                 arena_printf(a, "condition is not literal SQL (`%s`)", v ? ops__brief(a, v) : ""));
      k->not_valid = ops__bool(ops__get(c, "postgresql_not_valid"), false, &bad);
      break;
    case OPK_CREATE_FOREIGN_KEY:
      k->fk.name = k->name;
      k->fk.ref_table = ops__req_str(c, "referent_table");
      k->fk.ref_schema = ops__opt_str(c, "referent_schema");
      k->columns = ops__req_list(c, "local_cols", &k->ncolumns);
      k->fk.columns = k->columns;
      k->fk.ncolumns = k->ncolumns;
      k->fk.ref_columns = ops__req_list(c, "remote_cols", &k->fk.nref_columns);
      if (!ops__fk_options(c->args, c->nargs, &k->fk)) bad = true;
      k->deferrable = k->fk.deferrable;
      k->initially = k->fk.initially;
      k->not_valid = k->fk.not_valid;
      break;
    default:
      break;
  }
  if (bad) ops__dyn(m, m->range, "constraint options are not literals");
}

static bool ops__word(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_' || ch >= 0x80;
}

/* SQLAlchemy's TextClause bind pattern `(?<![:\w\\]):(\w+)(?!:)`, applied as it does, to
 * the whole text (quoted literals included). Returns the first name found, or NULL. */
static const char *ops__bind_param(Arena *a, const char *sql) {
  for (const char *p = sql; *p; p++) {
    if (*p != ':' || !ops__word((unsigned char)p[1])) continue;
    if (p > sql && (p[-1] == ':' || p[-1] == '\\' || ops__word((unsigned char)p[-1]))) continue;
    const char *e = p + 1;
    while (ops__word((unsigned char)*e)) e++;
    if (*e == ':') continue;
    return arena_strndup(a, p, (size_t)(e - p));
  }
  return NULL;
}

static void ops__execute(Ctx *c) {
  MigOp *m = c->m;
  const PyValue *v = ops__get(c, "sqltext");
  if (!v) {
    ops__dyn(m, m->range, "sqltext is missing");
    return;
  }
  m->sql_range = v->range;
  m->sql = ops__sql_text(v);
  const char *bind = m->sql ? ops__bind_param(c->a, m->sql) : NULL;
  if (bind)
    // Offline, Alembic renders an unbound parameter as NULL; online it fails. Neither is
    // what the text says: shown, not guessed.
    ops__dyn(m, v->range, arena_printf(c->a, "SQL has a bind parameter %s with no value", bind));
  else if (!m->sql)
    ops__dyn(m, v->range,
             v->kind == PV_EXPR && v->text && strchr("fF", v->text[0])
                 ? "f-string SQL"
                 : arena_printf(c->a, "SQL is not a literal string (`%s`)", ops__brief(c->a, v)));
}

static void ops__bulk_insert(Ctx *c) {
  MigOp *m = c->m;
  const PyValue *t = ops__get(c, "table");
  const PyValue *rows = ops__get(c, "rows");
  static const char *const TABLE[] = {"table", NULL};
  static const char *const COL[] = {"column", NULL};
  if (!t || t->kind != PV_CALL || !ops__callee_is(t, TABLE)) {
    ops__dyn(m, t ? t->range : m->range,
             arena_printf(c->a, "bulk_insert table is not an inline sa.table(...) (`%s`)",
                          t ? ops__brief(c->a, t) : ""));
  } else {
    m->table = pyvalue_str(pyvalue_call_arg(t, 0, "name"));
    if (!m->table) ops__dyn(m, t->range, "table name is not a literal");
    m->bulk_columns = ARENA_ARRAY(c->a, const char *, t->nargs + 1);
    for (size_t k = 1; k < t->nargs; k++) {
      const PyValue *cv = t->args[k].value;
      if (t->args[k].name) {
        if (!strcmp(t->args[k].name, "schema")) m->schema = pyvalue_str(cv);
        continue;
      }
      const char *cn = cv->kind == PV_CALL && ops__callee_is(cv, COL)
                           ? pyvalue_str(pyvalue_call_arg(cv, 0, "text"))
                           : NULL;
      if (!cn) {
        ops__dyn(m, cv->range, "bulk_insert column is not sa.column(\"name\", ...)");
        continue;
      }
      m->bulk_columns[m->nbulk_columns++] = cn;
    }
  }
  if (!rows || rows->kind != PV_LIST || rows->dynamic) {
    ops__dyn(m, rows ? rows->range : m->range, "bulk_insert rows are not a literal list");
    return;
  }
  for (size_t k = 0; k < rows->nitems; k++) {
    const PyValue *r = rows->items[k];
    if (r->kind != PV_DICT) {
      ops__dyn(m, r->range, "bulk_insert row is not a literal dict");
      return;
    }
    for (size_t j = 0; j < r->nitems; j += 2)
      if (!pyvalue_str(r->items[j])) {
        ops__dyn(m, r->items[j]->range, "bulk_insert row key is not a literal string");
        return;
      }
  }
  m->bulk_rows = rows;
}

MigOp *ops_interpret_one(Arena *a, const Op *op, const char *batch_table,
                         const char *batch_schema) {
  MigOp *m = ARENA_NEW(a, MigOp);
  m->src = op;
  m->range = op->range;
  m->method = op->name ? op->name : "";
  m->kind = OPK_OTHER;
  if (op->dynamic) ops__dyn(m, op->range, op->dynamic_reason ? op->dynamic_reason : "dynamic code");
  if (!op->name) return m;
  bool batch = batch_table != NULL && op->receiver && strcmp(op->receiver, "op") != 0;
  m->in_batch = batch;

  if (!strcmp(op->name, "autocommit_block")) {
    m->kind = OPK_AUTOCOMMIT_BLOCK;
  } else {
    const OpSig *sig = NULL;
    for (size_t k = 0; k < sizeof OP_SIGS / sizeof OP_SIGS[0]; k++)
      if (!strcmp(OP_SIGS[k].method, op->name)) sig = &OP_SIGS[k];
    if (sig && batch && !sig->batch_params[0] && sig->kind != OPK_CREATE_TABLE) sig = NULL;
    if (!sig || (batch && sig->kind == OPK_BATCH_ALTER_TABLE)) {
      ops__dyn(
          m, op->range,
          arena_printf(a, "%s.%s() is not modelled", op->receiver ? op->receiver : "op", op->name));
      return m;
    }
    m->kind = sig->kind;
    Ctx c = {a, op->args, op->nargs, batch ? sig->batch_params : sig->params, m};
    if (batch) {
      m->table = batch_table;
      m->schema = batch_schema;
    } else {
      switch (m->kind) {
        case OPK_EXECUTE:
        case OPK_BULK_INSERT:
          break;
        case OPK_RENAME_TABLE:
          m->table = ops__req_str(&c, "old_table_name");
          break;
        case OPK_CREATE_FOREIGN_KEY:
          m->table = ops__req_str(&c, "source_table");
          m->schema = ops__opt_str(&c, "source_schema");
          break;
        case OPK_DROP_INDEX:
          m->table = ops__opt_str(&c, "table_name");
          break;
        default:
          m->table = ops__req_str(&c, "table_name");
      }
      if (m->kind != OPK_CREATE_FOREIGN_KEY && m->kind != OPK_EXECUTE && m->kind != OPK_BULK_INSERT)
        m->schema = ops__opt_str(&c, "schema");
    }
    switch (m->kind) {
      case OPK_CREATE_TABLE:
        ops__create_table(&c);
        break;
      case OPK_DROP_TABLE:
        break;
      case OPK_RENAME_TABLE:
        m->new_table = ops__req_str(&c, "new_table_name");
        break;
      case OPK_ADD_COLUMN: {
        m->columns = ARENA_NEW(a, MigColumn);
        m->ncolumns = 1;
        ops_read_column(a, ops__get(&c, "column"), m->columns);
        if (m->columns->dynamic)
          ops__dyn(m, m->columns->range.line ? m->columns->range : m->range,
                   m->columns->dynamic_reason);
        if (batch && (ops__get(&c, "insert_before") || ops__get(&c, "insert_after")))
          ops__dyn(m, m->range, "insert_before/insert_after need a table recreate");
        break;
      }
      case OPK_DROP_COLUMN:
        m->column = ops__req_str(&c, "column_name");
        break;
      case OPK_ALTER_COLUMN:
        ops__alter_column(&c);
        break;
      case OPK_CREATE_INDEX:
      case OPK_DROP_INDEX:
        ops__index(&c);
        break;
      case OPK_CREATE_UNIQUE_CONSTRAINT:
      case OPK_CREATE_FOREIGN_KEY:
      case OPK_CREATE_CHECK_CONSTRAINT:
      case OPK_CREATE_PRIMARY_KEY:
        ops__constraint_op(&c);
        break;
      case OPK_DROP_CONSTRAINT:
        m->constraint_name = ops__req_str(&c, "constraint_name");
        m->constraint_name_conv = ops__is_conv(ops__get(&c, "constraint_name"));
        m->constraint_type = ops__opt_str(&c, "type_");
        break;
      case OPK_CREATE_TABLE_COMMENT:
        m->table_comment = ops__opt_str(&c, "comment");
        m->existing_comment = ops__opt_str(&c, "existing_comment");
        break;
      case OPK_DROP_TABLE_COMMENT:
        m->existing_comment = ops__opt_str(&c, "existing_comment");
        break;
      case OPK_EXECUTE:
        ops__execute(&c);
        break;
      case OPK_BULK_INSERT:
        ops__bulk_insert(&c);
        break;
      case OPK_BATCH_ALTER_TABLE: {
        const PyValue *rc = ops__get(&c, "recreate");
        const char *r = pyvalue_str(rc);
        if (rc && !(r && (!strcmp(r, "auto") || !strcmp(r, "never"))))
          ops__dyn(m, rc->range,
                   "batch recreate= other than \"auto\"/\"never\" rebuilds the table");
        break;
      }
      default:
        break;
    }
  }

  if (op->nbody) {
    m->body = ARENA_ARRAY(a, MigOp, op->nbody);
    m->nbody = op->nbody;
    const char *bt = m->kind == OPK_BATCH_ALTER_TABLE ? m->table : batch_table;
    const char *bs = m->kind == OPK_BATCH_ALTER_TABLE ? m->schema : batch_schema;
    for (size_t k = 0; k < op->nbody; k++) {
      MigOp *b = ops_interpret_one(a, &op->body[k],
                                   bt ? bt : (m->kind == OPK_BATCH_ALTER_TABLE ? "" : NULL), bs);
      m->body[k] = *b;
      if (b->dynamic)
        ops__dyn(m, b->dynamic_range,
                 arena_printf(a, "inside %s: %s", m->method, b->dynamic_reason));
    }
  }
  return m;
}

void ops_interpret(Arena *arena, const OpList *ops, MigOpList *out, FindingList *findings) {
  (void)findings;
  memset(out, 0, sizeof *out);
  out->is_static = true;
  if (!ops || !ops->len) return;
  out->items = ARENA_ARRAY(arena, MigOp, ops->len);
  out->len = ops->len;
  for (size_t k = 0; k < ops->len; k++) {
    MigOp *m = ops_interpret_one(arena, &ops->items[k], NULL, NULL);
    out->items[k] = *m;
    if (m->dynamic) out->is_static = false;
  }
}

static const MigOp *ops__first_dynamic(const MigOp *items, size_t n) {
  for (size_t k = 0; k < n; k++) {
    if (items[k].nbody) {
      const MigOp *d = ops__first_dynamic(items[k].body, items[k].nbody);
      if (d) return d;
    }
    if (items[k].dynamic) return &items[k];
  }
  return NULL;
}

const MigOp *ops_first_dynamic(const MigOpList *list) {
  return list ? ops__first_dynamic(list->items, list->len) : NULL;
}

/* fold.c - revision ops read as typed schema changes, and their static application. */
#include "server/schema/fold.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/sql/analyze.h"

const char *fold_op_kind_name(FoldOpKind k) {
  static const char *const NAMES[] = {
      "other", "dynamic", "create_table", "drop_table", "rename_table", "add_column",
      "drop_column", "alter_column", "create_index", "drop_index", "create_primary_key",
      "create_unique_constraint", "create_foreign_key", "create_check_constraint",
      "drop_constraint", "execute", "bulk_insert",
  };
  return (size_t)k < sizeof NAMES / sizeof NAMES[0] ? NAMES[k] : "other";
}

/* ---- reading Python values ------------------------------------------------------ */

static const char *fold__last(const char *dotted) {
  if (!dotted) return NULL;
  const char *dot = strrchr(dotted, '.');
  return dot ? dot + 1 : dotted;
}

static bool fold__callee_is(const PyValue *v, const char *name) {
  return v && (v->kind == PV_CALL || v->kind == PV_NAME) && v->text &&
         !strcmp(fold__last(v->text), name);
}

static bool fold__truthy(const PyValue *v) { return v && v->kind == PV_BOOL && v->b; }

/* A string, or the string inside sa.text("...") / text("..."). */
static const char *fold__str_or_text(const PyValue *v) {
  if (!v) return NULL;
  if (v->kind == PV_STR) return pyvalue_str(v);
  if (fold__callee_is(v, "text") || fold__callee_is(v, "literal_column"))
    return pyvalue_str(pyvalue_call_arg(v, 0, NULL));
  return NULL;
}

/* A name: a string, or op.f("name") / conv("name") (autogenerate's way of saying "use
 * this name as is, not the naming convention's"). */
static const char *fold__ident(const PyValue *v) {
  if (v && v->kind == PV_CALL && (fold__callee_is(v, "f") || fold__callee_is(v, "conv")))
    return pyvalue_str(pyvalue_call_arg(v, 0, NULL));
  return pyvalue_str(v);
}

/* A list/tuple of strings (or one string) → array; non-strings become their text. */
static const char **fold__str_list(Arena *a, const PyValue *v, size_t *n) {
  *n = 0;
  if (!v) return NULL;
  if (v->kind == PV_STR) {
    const char **out = ARENA_ARRAY(a, const char *, 1);
    out[0] = v->text;
    *n = 1;
    return out;
  }
  if (v->kind != PV_LIST && v->kind != PV_TUPLE) return NULL;
  const char **out = ARENA_ARRAY(a, const char *, v->nitems ? v->nitems : 1);
  for (size_t k = 0; k < v->nitems; k++) {
    const PyValue *it = v->items[k];
    const char *s = fold__str_or_text(it);
    out[(*n)++] = s ? s : (it->text ? it->text : "?");
  }
  return out;
}

static char *fold__lower(Arena *a, const char *s) {
  char *o = arena_strdup(a, s);
  for (char *p = o; *p; p++) *p = (char)tolower((unsigned char)*p);
  return o;
}

/* The canonical name of a type read by ops.h (the project's one reading of SQLAlchemy
 * types, shared with SQL rendering). */
static const char *fold__sqltype_name(Arena *a, const SqlType *t) {
  switch (t->kind) {
  case ST_INTEGER: return "integer";
  case ST_BIGINT: return "bigint";
  case ST_SMALLINT: return "smallint";
  case ST_STRING: return t->length >= 0 ? arena_printf(a, "varchar(%d)", t->length) : "varchar";
  case ST_CHAR: return arena_printf(a, "char(%d)", t->length >= 0 ? t->length : 1);
  case ST_TEXT: return "text";
  case ST_BOOLEAN: return "boolean";
  case ST_DATE: return "date";
  // Modifiers as format_type prints them (catalog.h's spelling), when written.
  case ST_DATETIME:
    if (t->precision >= 0)
      return arena_printf(a, "%s(%d)", t->timezone ? "timestamptz" : "timestamp", t->precision);
    return t->timezone ? "timestamptz" : "timestamp";
  case ST_TIME:
    if (t->precision >= 0)
      return arena_printf(a, "%s(%d)", t->timezone ? "timetz" : "time", t->precision);
    return t->timezone ? "timetz" : "time";
  case ST_INTERVAL:
    return t->precision >= 0 ? arena_printf(a, "interval(%d)", t->precision) : "interval";
  case ST_NUMERIC:
    if (t->precision >= 0 && t->scale >= 0)
      return arena_printf(a, "numeric(%d,%d)", t->precision, t->scale);
    if (t->precision >= 0) return arena_printf(a, "numeric(%d,0)", t->precision);
    return "numeric";
  // FLOAT(p): PostgreSQL makes p <= 24 a real, anything else a double precision.
  case ST_FLOAT: return t->precision >= 1 && t->precision <= 24 ? "real" : "double precision";
  case ST_DOUBLE: return "double precision";
  case ST_REAL: return "real";
  case ST_LARGEBINARY: return "bytea";
  case ST_JSON: return "json";
  case ST_JSONB: return "jsonb";
  case ST_UUID: return "uuid";
  case ST_TSVECTOR: return "tsvector";
  case ST_ARRAY: return arena_printf(a, "%s[]", t->item ? fold__sqltype_name(a, t->item) : "unknown");
  case ST_ENUM: return t->enum_name ? t->enum_name : "enum";
  case ST_INET: return "inet";
  case ST_CIDR: return "cidr";
  case ST_MACADDR: return "macaddr";
  case ST_MONEY: return "money";
  case ST_OID: return "oid";
  case ST_BIT: return "bit";
  case ST_UNKNOWN: break;
  }
  // A variable (an enum object defined at module level) keeps its name; an unmodelled
  // type class its lower-cased name.
  return t->name && *t->name ? fold__lower(a, t->name) : NULL;
}

const char *fold_sqltype_name(Arena *a, const SqlType *t) {
  return t ? fold__sqltype_name(a, t) : NULL;
}

const char *fold_type_name(Arena *a, const PyValue *t) {
  if (!t) return NULL;
  if (t->kind != PV_CALL && t->kind != PV_NAME) return t->text ? t->text : NULL;
  if (t->kind == PV_NAME && !strchr(t->text, '.')) {
    // `order_status`: a module-level variable, most often an enum type object.
    SqlType *st = ops_read_type(a, t);
    if (st->kind == ST_UNKNOWN) return t->text;
  }
  return fold__sqltype_name(a, ops_read_type(a, t));
}

const char *fold_default_sql(Arena *a, const PyValue *v) {
  if (!v || v->kind == PV_NONE) return NULL;
  if (v->kind == PV_STR) {
    Buf b = BUF_INIT;
    buf_putc(&b, '\'');
    for (const char *p = v->text; *p; p++) {
      if (*p == '\'') buf_putc(&b, '\'');
      buf_putc(&b, *p);
    }
    buf_putc(&b, '\'');
    char *out = arena_strdup(a, buf_cstr(&b));
    buf_free(&b);
    return out;
  }
  const char *t = fold__str_or_text(v);
  if (t) return t;
  if (v->kind == PV_CALL && v->text && strstr(v->text, "func.")) {
    Buf b = BUF_INIT;
    buf_printf(&b, "%s(", fold__lower(a, fold__last(v->text)));
    for (size_t k = 0; k < v->nargs; k++) {
      const char *s = fold_default_sql(a, v->args[k].value);
      buf_printf(&b, "%s%s", k ? ", " : "", s ? s : "NULL");
    }
    buf_putc(&b, ')');
    char *out = arena_strdup(a, buf_cstr(&b));
    buf_free(&b);
    return out;
  }
  if (v->kind == PV_BOOL) return v->b ? "true" : "false";
  if (fold__callee_is(v, "true")) return "true";
  if (fold__callee_is(v, "false")) return "false";
  return v->text;
}

/* ---- columns and constraints ---------------------------------------------------- */

typedef VEC(FoldConstraint) ConVec;

/* "customers.id" → table "customers", column "id" ("s.t.c" → "t"). */
static void fold__fk_target_schema(Arena *a, const char *target, const char **schema,
                                   const char **table, const char **col) {
  const char *dot = target ? strrchr(target, '.') : NULL;
  if (schema) *schema = NULL;
  if (!dot) {
    *table = target;
    *col = NULL;
    return;
  }
  *col = dot + 1;
  const char *start = target;
  for (const char *p = target; p < dot; p++)
    if (*p == '.') start = p + 1;
  *table = arena_strndup(a, start, (size_t)(dot - start));
  if (schema && start > target + 1) *schema = arena_strndup(a, target, (size_t)(start - 1 - target));
}

/* ondelete= / onupdate= / deferrable= / initially= of a ForeignKey, ForeignKeyConstraint or
 * create_foreign_key call. */
static void fold__fk_options(FoldConstraint *c, const PyArg *args, size_t nargs) {
  c->ondelete = pyvalue_str(pyargs_get(args, nargs, (size_t)-1, "ondelete"));
  c->onupdate = pyvalue_str(pyargs_get(args, nargs, (size_t)-1, "onupdate"));
  c->initially = pyvalue_str(pyargs_get(args, nargs, (size_t)-1, "initially"));
  c->deferrable = fold__truthy(pyargs_get(args, nargs, (size_t)-1, "deferrable"));
}

static bool fold__is_column(const PyValue *v) { return fold__callee_is(v, "Column"); }

static void fold__enum_of(Arena *a, FoldColumn *c, const PyValue *t) {
  if (!t || t->kind != PV_CALL || !(fold__callee_is(t, "Enum") || fold__callee_is(t, "ENUM"))) return;
  c->enum_name = pyvalue_str(pyvalue_call_arg(t, (size_t)-1, "name"));
  const PyValue *ct = pyvalue_call_arg(t, (size_t)-1, "create_type");
  c->enum_create_type = !(ct && ct->kind == PV_BOOL && !ct->b);
  c->enum_values = ARENA_ARRAY(a, const char *, t->nargs + 1);
  for (size_t k = 0; k < t->nargs; k++)
    if (!t->args[k].name && pyvalue_str(t->args[k].value))
      c->enum_values[c->nenum_values++] = t->args[k].value->text;
}

static void fold__column(Arena *a, const PyValue *v, FoldColumn *c, ConVec *cons) {
  memset(c, 0, sizeof *c);
  c->expr = v;
  c->nullable = true;
  size_t pos = 0;
  for (size_t k = 0; k < v->nargs; k++) {
    const PyArg *arg = &v->args[k];
    const PyValue *x = arg->value;
    if (arg->name) continue;
    if (pos == 0 && pyvalue_str(x)) {
      c->name = x->text;
    } else if (fold__callee_is(x, "ForeignKey")) {
      FoldConstraint fk = {.kind = CON_FOREIGN_KEY, .src = x};
      fk.name = fold__ident(pyvalue_call_arg(x, (size_t)-1, "name"));
      const char *col = NULL;
      fold__fk_target_schema(a, pyvalue_str(pyvalue_call_arg(x, 0, "column")), &fk.ref_schema,
                             &fk.ref_table, &col);
      fold__fk_options(&fk, x->args, x->nargs);
      fk.cols = ARENA_ARRAY(a, const char *, 1);
      fk.cols[0] = c->name;
      fk.ncols = 1;
      if (col) {
        fk.ref_cols = ARENA_ARRAY(a, const char *, 1);
        fk.ref_cols[0] = col;
        fk.nref_cols = 1;
      }
      if (cons) vec_push(cons, fk);
    } else if (fold__callee_is(x, "Identity")) {
      c->identity = true;
      c->identity_always = fold__truthy(pyvalue_call_arg(x, (size_t)-1, "always"));
    } else if (fold__callee_is(x, "Computed") || fold__callee_is(x, "Sequence") ||
               fold__callee_is(x, "CheckConstraint")) {
      // not a type
    } else if (!c->type_expr) {
      c->type_expr = x;
    }
    pos++;
  }
  if (!c->type_expr) c->type_expr = pyvalue_call_arg(v, (size_t)-1, "type_");
  c->type = fold_type_name(a, c->type_expr);
  fold__enum_of(a, c, c->type_expr);
  c->primary_key = fold__truthy(pyvalue_call_arg(v, (size_t)-1, "primary_key"));
  c->unique = fold__truthy(pyvalue_call_arg(v, (size_t)-1, "unique"));
  c->index = fold__truthy(pyvalue_call_arg(v, (size_t)-1, "index"));
  const PyValue *ai = pyvalue_call_arg(v, (size_t)-1, "autoincrement");
  c->autoincrement_false = ai && ai->kind == PV_BOOL && !ai->b;
  c->autoincrement_true = ai && ai->kind == PV_BOOL && ai->b;
  c->nullable_arg = pyvalue_call_arg(v, (size_t)-1, "nullable");
  if (c->primary_key) c->nullable = false;
  if (c->nullable_arg && c->nullable_arg->kind == PV_BOOL) c->nullable = c->nullable_arg->b;
  c->default_arg = pyvalue_call_arg(v, (size_t)-1, "server_default");
  c->server_default = fold_default_sql(a, c->default_arg);
  c->comment = pyvalue_str(pyvalue_call_arg(v, (size_t)-1, "comment"));
  if (c->unique && cons) {
    FoldConstraint u = {.kind = CON_UNIQUE, .src = v, .ncols = 1};
    u.cols = ARENA_ARRAY(a, const char *, 1);
    u.cols[0] = c->name;
    vec_push(cons, u);
  }
}

/* sa.PrimaryKeyConstraint / UniqueConstraint / ForeignKeyConstraint / CheckConstraint. */
static bool fold__constraint(Arena *a, const PyValue *v, FoldConstraint *c) {
  memset(c, 0, sizeof *c);
  c->src = v;
  c->name = fold__ident(pyvalue_call_arg(v, (size_t)-1, "name"));
  c->not_valid = fold__truthy(pyvalue_call_arg(v, (size_t)-1, "postgresql_not_valid"));
  if (fold__callee_is(v, "PrimaryKeyConstraint") || fold__callee_is(v, "UniqueConstraint")) {
    c->kind = fold__callee_is(v, "UniqueConstraint") ? CON_UNIQUE : CON_PRIMARY_KEY;
    c->cols = ARENA_ARRAY(a, const char *, v->nargs + 1);
    for (size_t k = 0; k < v->nargs; k++)
      if (!v->args[k].name && pyvalue_str(v->args[k].value)) c->cols[c->ncols++] = v->args[k].value->text;
    return true;
  }
  if (fold__callee_is(v, "ForeignKeyConstraint")) {
    c->kind = CON_FOREIGN_KEY;
    c->cols = fold__str_list(a, pyvalue_call_arg(v, 0, "columns"), &c->ncols);
    size_t nref;
    const char **refs = fold__str_list(a, pyvalue_call_arg(v, 1, "refcolumns"), &nref);
    c->ref_cols = ARENA_ARRAY(a, const char *, nref + 1);
    for (size_t k = 0; k < nref; k++) {
      const char *col = NULL;
      fold__fk_target_schema(a, refs[k], &c->ref_schema, &c->ref_table, &col);
      c->ref_cols[c->nref_cols++] = col ? col : refs[k];
    }
    fold__fk_options(c, v->args, v->nargs);
    return true;
  }
  if (fold__callee_is(v, "CheckConstraint")) {
    c->kind = CON_CHECK;
    c->expr = fold__str_or_text(pyvalue_call_arg(v, 0, "sqltext"));
    return true;
  }
  return false;
}

/* ---- ops ------------------------------------------------------------------------ */

typedef VEC(FoldOp) OpVec;

/* Argument `pos`/`kw` of an op whose table is positional argument `tpos` outside batch
 * mode; batch ops drop that argument (the table comes from the with-block). */
static const PyValue *fold__arg(const Op *op, bool batch, size_t tpos, size_t pos, const char *kw) {
  if (batch && pos != (size_t)-1) {
    if (pos == tpos) pos = (size_t)-1;
    else if (pos > tpos) pos--;
  }
  return op_arg(op, pos, kw);
}

static void fold__table(FoldOp *f, const Op *op, bool batch, size_t tpos, const char *kw,
                        const char *batch_table, const char *batch_schema) {
  if (batch) {
    f->table = batch_table;
    f->schema = batch_schema;
  } else {
    f->table = pyvalue_str(op_arg(op, tpos, kw));
    f->schema = pyvalue_str(op_arg(op, (size_t)-1, "schema"));
  }
}

static void fold__sql_op(Arena *a, FoldOp *f, const Op *op) {
  f->kind = FOP_EXECUTE;
  f->sql_arg = op_arg(op, 0, "sqltext");
  f->sql = fold__str_or_text(f->sql_arg);
  if (f->sql) f->stmts = fold_sql_read(a, f->sql, &f->nstmts);
  if (f->sql) fold_sql_ops(a, f);
}

static void fold__one(Arena *a, const Op *op, bool batch, const char *bt, const char *bs,
                      bool autocommit, OpVec *out) {
  FoldOp f = {.op = op, .method = op->name, .in_batch = batch, .in_autocommit = autocommit,
              .dynamic = op->dynamic, .dynamic_reason = op->dynamic_reason, .nullable = -1};
  const char *m = op->name;
  if (!m) {
    f.kind = FOP_DYNAMIC;
    vec_push(out, f);
    return;
  }
  if (!strcmp(m, "batch_alter_table") || !strcmp(m, "autocommit_block")) {
    bool is_batch = !strcmp(m, "batch_alter_table");
    const char *t = is_batch ? pyvalue_str(op_arg(op, 0, "table_name")) : bt;
    const char *s = is_batch ? pyvalue_str(op_arg(op, (size_t)-1, "schema")) : bs;
    for (size_t k = 0; k < op->nbody; k++)
      fold__one(a, &op->body[k], batch || is_batch, t, s, autocommit || !is_batch, out);
    return;
  }
  if (!strcmp(m, "create_table")) {
    f.kind = FOP_CREATE_TABLE;
    fold__table(&f, op, false, 0, "table_name", bt, bs);
    f.comment = pyvalue_str(op_arg(op, (size_t)-1, "comment"));
    f.comment_set = f.comment != NULL;
    VEC(FoldColumn) cols = {0};
    ConVec cons = {0};
    FoldConstraint pk = {.kind = CON_PRIMARY_KEY, .src = NULL};
    VEC(const char *) pkcols = {0};
    for (size_t k = 1; k < op->nargs; k++) {
      const PyValue *v = op->args[k].value;
      if (op->args[k].name) continue;
      if (fold__is_column(v)) {
        FoldColumn c;
        fold__column(a, v, &c, &cons);
        if (c.primary_key) vec_push(&pkcols, c.name);
        vec_push(&cols, c);
      } else {
        FoldConstraint c;
        if (fold__constraint(a, v, &c)) vec_push(&cons, c);
      }
    }
    if (pkcols.len) {
      pk.cols = ARENA_ARRAY(a, const char *, pkcols.len);
      memcpy(pk.cols, pkcols.items, pkcols.len * sizeof *pk.cols);
      pk.ncols = pkcols.len;
      vec_push(&cons, pk);
    }
    f.cols = ARENA_ARRAY(a, FoldColumn, cols.len + 1);
    if (cols.len) memcpy(f.cols, cols.items, cols.len * sizeof *f.cols);
    f.ncols = cols.len;
    f.cons = ARENA_ARRAY(a, FoldConstraint, cons.len + 1);
    if (cons.len) memcpy(f.cons, cons.items, cons.len * sizeof *f.cons);
    f.ncons = cons.len;
    vec_free(&cols);
    vec_free(&cons);
    vec_free(&pkcols);
  } else if (!strcmp(m, "drop_table")) {
    f.kind = FOP_DROP_TABLE;
    fold__table(&f, op, false, 0, "table_name", bt, bs);
  } else if (!strcmp(m, "rename_table")) {
    f.kind = FOP_RENAME_TABLE;
    fold__table(&f, op, false, 0, "old_table_name", bt, bs);
    f.name_arg = op_arg(op, 1, "new_table_name");
    f.new_name = pyvalue_str(f.name_arg);
  } else if (!strcmp(m, "add_column")) {
    f.kind = FOP_ADD_COLUMN;
    fold__table(&f, op, batch, 0, "table_name", bt, bs);
    const PyValue *col = fold__arg(op, batch, 0, 1, "column");
    if (fold__is_column(col)) {
      ConVec cons = {0};
      f.cols = ARENA_NEW(a, FoldColumn);
      fold__column(a, col, f.cols, &cons);
      f.ncols = 1;
      f.name = f.cols->name;
      f.cons = ARENA_ARRAY(a, FoldConstraint, cons.len + 1);
      if (cons.len) memcpy(f.cons, cons.items, cons.len * sizeof *f.cons);
      f.ncons = cons.len;
      vec_free(&cons);
    }
  } else if (!strcmp(m, "drop_column")) {
    f.kind = FOP_DROP_COLUMN;
    fold__table(&f, op, batch, 0, "table_name", bt, bs);
    f.name_arg = fold__arg(op, batch, 0, 1, "column_name");
    f.name = pyvalue_str(f.name_arg);
  } else if (!strcmp(m, "alter_column")) {
    f.kind = FOP_ALTER_COLUMN;
    fold__table(&f, op, batch, 0, "table_name", bt, bs);
    f.name_arg = fold__arg(op, batch, 0, 1, "column_name");
    f.name = pyvalue_str(f.name_arg);
    f.nullable_arg = op_arg(op, (size_t)-1, "nullable");
    if (f.nullable_arg && f.nullable_arg->kind == PV_BOOL) f.nullable = f.nullable_arg->b;
    f.type_arg = op_arg(op, (size_t)-1, "type_");
    f.type = fold_type_name(a, f.type_arg);
    f.existing_type = fold_type_name(a, op_arg(op, (size_t)-1, "existing_type"));
    f.default_arg = op_arg(op, (size_t)-1, "server_default");
    if (f.default_arg && !(f.default_arg->kind == PV_BOOL && !f.default_arg->b)) {
      f.server_default_set = true;
      f.server_default = fold_default_sql(a, f.default_arg);
    }
    f.new_name = pyvalue_str(op_arg(op, (size_t)-1, "new_column_name"));
    const PyValue *cm = op_arg(op, (size_t)-1, "comment");
    if (cm && !(cm->kind == PV_BOOL && !cm->b)) {
      f.comment_set = true;
      f.comment = pyvalue_str(cm);
    }
  } else if (!strcmp(m, "create_index")) {
    f.kind = FOP_CREATE_INDEX;
    fold__table(&f, op, batch, 1, "table_name", bt, bs);
    f.name_arg = op_arg(op, 0, "index_name");
    f.name = fold__ident(f.name_arg);
    f.idx_cols = fold__str_list(a, fold__arg(op, batch, 1, 2, "columns"), &f.nidx_cols);
    f.unique = fold__truthy(op_arg(op, (size_t)-1, "unique"));
    f.concurrently_arg = op_arg(op, (size_t)-1, "postgresql_concurrently");
    f.concurrently = fold__truthy(f.concurrently_arg);
    f.if_not_exists = fold__truthy(op_arg(op, (size_t)-1, "if_not_exists"));
    f.where = fold__str_or_text(op_arg(op, (size_t)-1, "postgresql_where"));
    f.using = pyvalue_str(op_arg(op, (size_t)-1, "postgresql_using"));
  } else if (!strcmp(m, "drop_index")) {
    f.kind = FOP_DROP_INDEX;
    fold__table(&f, op, batch, 1, "table_name", bt, bs);
    f.name_arg = op_arg(op, 0, "index_name");
    f.name = fold__ident(f.name_arg);
    f.concurrently_arg = op_arg(op, (size_t)-1, "postgresql_concurrently");
    f.concurrently = fold__truthy(f.concurrently_arg);
    f.if_exists = fold__truthy(op_arg(op, (size_t)-1, "if_exists"));
  } else if (!strcmp(m, "create_primary_key") || !strcmp(m, "create_unique_constraint") ||
             !strcmp(m, "create_check_constraint") || !strcmp(m, "create_foreign_key")) {
    FoldConstraint c = {.src = NULL};
    f.name_arg = op_arg(op, 0, "constraint_name");
    f.name = c.name = fold__ident(f.name_arg);
    c.not_valid = fold__truthy(op_arg(op, (size_t)-1, "postgresql_not_valid"));
    if (!strcmp(m, "create_foreign_key")) {
      f.kind = FOP_CREATE_FOREIGN_KEY;
      c.kind = CON_FOREIGN_KEY;
      fold__table(&f, op, batch, 1, "source_table", bt, bs);
      c.ref_table = pyvalue_str(fold__arg(op, batch, 1, 2, "referent_table"));
      c.cols = fold__str_list(a, fold__arg(op, batch, 1, 3, "local_cols"), &c.ncols);
      c.ref_cols = fold__str_list(a, fold__arg(op, batch, 1, 4, "remote_cols"), &c.nref_cols);
      fold__fk_options(&c, op->args, op->nargs);
      c.ref_schema = pyvalue_str(op_arg(op, (size_t)-1, "referent_schema"));
    } else if (!strcmp(m, "create_check_constraint")) {
      f.kind = FOP_CREATE_CHECK;
      c.kind = CON_CHECK;
      fold__table(&f, op, batch, 1, "table_name", bt, bs);
      c.expr = fold__str_or_text(fold__arg(op, batch, 1, 2, "condition"));
    } else {
      bool pk = !strcmp(m, "create_primary_key");
      f.kind = pk ? FOP_CREATE_PRIMARY_KEY : FOP_CREATE_UNIQUE;
      c.kind = pk ? CON_PRIMARY_KEY : CON_UNIQUE;
      fold__table(&f, op, batch, 1, "table_name", bt, bs);
      c.cols = fold__str_list(a, fold__arg(op, batch, 1, 2, "columns"), &c.ncols);
    }
    f.cons = ARENA_NEW(a, FoldConstraint);
    *f.cons = c;
    f.ncons = 1;
  } else if (!strcmp(m, "drop_constraint")) {
    f.kind = FOP_DROP_CONSTRAINT;
    fold__table(&f, op, batch, 1, "table_name", bt, bs);
    f.name_arg = op_arg(op, 0, "constraint_name");
    f.name = fold__ident(f.name_arg);
    f.constraint_type = pyvalue_str(op_arg(op, (size_t)-1, "type_"));
  } else if (!strcmp(m, "execute")) {
    fold__sql_op(a, &f, op);
  } else if (!strcmp(m, "bulk_insert")) {
    f.kind = FOP_BULK_INSERT;
    const PyValue *t = op_arg(op, 0, "table");
    f.table = t && t->kind == PV_NAME ? t->text : NULL;
  } else if (!strcmp(m, "get_bind") || !strcmp(m, "get_context")) {
    f.kind = FOP_DYNAMIC;
  } else {
    f.kind = FOP_OTHER;
    if (!strcmp(m, "create_table_comment") || !strcmp(m, "drop_table_comment")) {
      fold__table(&f, op, batch, 0, "table_name", bt, bs);
      f.comment_set = true;
      if (m[0] == 'c') f.comment = pyvalue_str(fold__arg(op, batch, 0, 1, "comment"));
    }
  }
  // A table or column name that is not a literal (a call, a variable): the op is known,
  // its target is not.
  bool needs_table = f.kind >= FOP_CREATE_TABLE && f.kind <= FOP_DROP_CONSTRAINT &&
                     f.kind != FOP_DROP_INDEX;
  bool needs_column = f.kind == FOP_DROP_COLUMN || f.kind == FOP_ALTER_COLUMN;
  if ((needs_table && !f.table) || (needs_column && !f.name)) {
    f.dynamic = true;
    if (!f.dynamic_reason)
      f.dynamic_reason = needs_table && !f.table ? "computed table name" : "computed column name";
  }
  vec_push(out, f);
}

FoldOpList fold_ops_read(Arena *arena, const OpList *ops) {
  OpVec v = {0};
  for (size_t k = 0; ops && k < ops->len; k++)
    fold__one(arena, &ops->items[k], false, NULL, NULL, false, &v);
  FoldOpList out = {ARENA_ARRAY(arena, FoldOp, v.len + 1), v.len};
  if (v.len) memcpy(out.items, v.items, v.len * sizeof *out.items);
  vec_free(&v);
  return out;
}

/* ---- SQL ------------------------------------------------------------------------ */

typedef struct SqlTok {
  const char *w;  /* lowercased word, unquoted identifier, string value, or punctuation */
  bool str;       /* a string literal */
  int depth;      /* parenthesis depth */
} SqlTok;
typedef VEC(SqlTok) TokVec;

static void fold__lex(Arena *a, const char *s, size_t n, TokVec *out) {
  size_t i = 0;
  int depth = 0;
  while (i < n) {
    char c = s[i];
    if (isspace((unsigned char)c)) {
      i++;
    } else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
      while (i < n && s[i] != '\n') i++;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      i += 2;
      while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/')) i++;
      i += 2;
    } else if (c == '\'' || ((c == 'e' || c == 'E') && i + 1 < n && s[i + 1] == '\'')) {
      if (c != '\'') i++;
      Buf b = BUF_INIT;
      i++;
      while (i < n) {
        if (s[i] == '\'' && i + 1 < n && s[i + 1] == '\'') {
          buf_putc(&b, '\'');
          i += 2;
        } else if (s[i] == '\'') {
          i++;
          break;
        } else {
          buf_putc(&b, s[i++]);
        }
      }
      SqlTok t = {arena_strdup(a, buf_cstr(&b)), true, depth};
      buf_free(&b);
      vec_push(out, t);
    } else if (c == '$') {
      size_t j = i + 1;
      while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_')) j++;
      if (j < n && s[j] == '$') {
        size_t taglen = j - i + 1;
        const char *tag = s + i;
        size_t k = j + 1;
        while (k + taglen <= n && memcmp(s + k, tag, taglen) != 0) k++;
        SqlTok t = {arena_strndup(a, s + j + 1, k > j + 1 ? k - j - 1 : 0), true, depth};
        vec_push(out, t);
        i = k + taglen;
      } else {
        i = j;
      }
    } else if (c == '"') {
      size_t j = ++i;
      while (j < n && s[j] != '"') j++;
      SqlTok t = {arena_strndup(a, s + i, j - i), false, depth};
      vec_push(out, t);
      i = j + 1;
    } else if (isalnum((unsigned char)c) || c == '_') {
      size_t j = i;
      while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '$')) j++;
      char *w = arena_strndup(a, s + i, j - i);
      for (char *p = w; *p; p++) *p = (char)tolower((unsigned char)*p);
      SqlTok t = {w, false, depth};
      vec_push(out, t);
      i = j;
    } else {
      if (c == ')') depth--;
      SqlTok t = {arena_strndup(a, s + i, 1), false, depth};
      if (c == '(') depth++;
      vec_push(out, t);
      i++;
    }
  }
}

typedef struct SqlCur {
  const SqlTok *t;
  size_t n, i;
} SqlCur;

static bool fold__is(const SqlCur *c, size_t off, const char *w) {
  return c->i + off < c->n && !c->t[c->i + off].str && !strcmp(c->t[c->i + off].w, w);
}
static bool fold__eat(SqlCur *c, const char *w) {
  if (!fold__is(c, 0, w)) return false;
  c->i++;
  return true;
}
/* A possibly qualified name: returns its last part. */
static const char *fold__name(SqlCur *c) {
  if (c->i >= c->n) return NULL;
  const char *w = c->t[c->i++].w;
  while (fold__is(c, 0, ".") && c->i + 1 < c->n) {
    c->i++;
    w = c->t[c->i++].w;
  }
  return w;
}

static void fold__alter_table(SqlCur *c, FoldSql *st) {
  int action_start = 1;
  for (; c->i < c->n; c->i++) {
    const SqlTok *t = &c->t[c->i];
    if (t->str || t->depth > 0) continue;
    if (!strcmp(t->w, ",")) {
      action_start = 1;
      continue;
    }
    if (fold__is(c, 0, "not") && fold__is(c, 1, "valid")) st->not_valid = true;
    if (fold__is(c, 0, "using") && fold__is(c, 1, "index")) st->using_index = true;
    if (!action_start) {
      if (st->add_column && fold__is(c, 0, "not") && fold__is(c, 1, "null")) st->add_column_not_null = true;
      if (st->add_column && fold__is(c, 0, "default")) st->add_column_default = true;
      if (fold__is(c, 0, "set") && fold__is(c, 1, "not") && fold__is(c, 2, "null")) st->set_not_null = true;
      continue;
    }
    action_start = 0;
    if (fold__eat(c, "add")) {
      fold__eat(c, "constraint") && c->i < c->n ? (void)c->i++ : (void)0;
      if (fold__is(c, 0, "foreign")) st->add_fk = true;
      else if (fold__is(c, 0, "check")) st->add_check = true;
      else if (fold__is(c, 0, "unique")) st->add_unique = true;
      else if (fold__is(c, 0, "primary")) st->add_pk = true;
      else st->add_column = true;
      c->i--;
    } else if (fold__eat(c, "alter")) {
      fold__eat(c, "column");
      c->i++; // the column name
      if (fold__is(c, 0, "type") || (fold__is(c, 0, "set") && fold__is(c, 1, "data")))
        st->alter_type = true;
      if (fold__is(c, 0, "set") && fold__is(c, 1, "not") && fold__is(c, 2, "null"))
        st->set_not_null = true;
      c->i--;
    } else if (fold__eat(c, "drop")) {
      if (!fold__is(c, 0, "constraint") && !fold__is(c, 0, "default") && !fold__is(c, 0, "not"))
        st->drop_column = true;
      c->i--;
    } else if (fold__eat(c, "rename")) {
      if (fold__is(c, 0, "to")) st->rename = true;
      else if (!fold__is(c, 0, "constraint")) st->rename_column = true;
      c->i--;
    } else {
      // other actions (SET, OWNER, ...)
    }
  }
}

static void fold__stmt(Arena *a, FoldSql *st) {
  if (!st->text) st->text = "";
  TokVec v = {0};
  fold__lex(a, st->text, strlen(st->text), &v);
  SqlCur c = {v.items, v.len, 0};
  for (size_t k = 0; k < v.len; k++)
    if (!v.items[k].str && v.items[k].depth == 0 && !strcmp(v.items[k].w, "where")) st->has_where = true;
  if (fold__eat(&c, "select") || fold__eat(&c, "with")) {
    st->kind = FSQL_SELECT;
  } else if (fold__eat(&c, "insert")) {
    st->kind = FSQL_INSERT;
    fold__eat(&c, "into");
    st->table = fold__name(&c);
  } else if (fold__eat(&c, "update")) {
    st->kind = FSQL_UPDATE;
    fold__eat(&c, "only");
    st->table = fold__name(&c);
  } else if (fold__eat(&c, "delete")) {
    st->kind = FSQL_DELETE;
    fold__eat(&c, "from");
    fold__eat(&c, "only");
    st->table = fold__name(&c);
  } else if (fold__eat(&c, "truncate")) {
    st->kind = FSQL_TRUNCATE;
    fold__eat(&c, "table");
    fold__eat(&c, "only");
    st->table = fold__name(&c);
  } else if (fold__eat(&c, "create")) {
    if (fold__eat(&c, "or")) fold__eat(&c, "replace");
    if (fold__eat(&c, "unique")) st->unique = true;
    while (fold__eat(&c, "temp") || fold__eat(&c, "temporary") || fold__eat(&c, "unlogged")) {}
    if (fold__eat(&c, "table")) {
      st->kind = FSQL_CREATE_TABLE;
      if (fold__eat(&c, "if")) st->if_not_exists = fold__eat(&c, "not") && fold__eat(&c, "exists");
      st->table = fold__name(&c);
    } else if (fold__eat(&c, "index")) {
      st->kind = FSQL_CREATE_INDEX;
      st->concurrently = fold__eat(&c, "concurrently");
      if (fold__eat(&c, "if")) st->if_not_exists = fold__eat(&c, "not") && fold__eat(&c, "exists");
      if (!fold__is(&c, 0, "on")) st->object = fold__name(&c);
      if (fold__eat(&c, "on")) {
        fold__eat(&c, "only");
        st->table = fold__name(&c);
      }
    } else if (fold__eat(&c, "type")) {
      st->object = fold__name(&c);
      if (fold__eat(&c, "as") && fold__eat(&c, "enum")) {
        st->kind = FSQL_CREATE_ENUM;
        st->values = ARENA_ARRAY(a, const char *, c.n + 1);
        for (; c.i < c.n; c.i++)
          if (c.t[c.i].str) st->values[st->nvalues++] = c.t[c.i].w;
      } else {
        st->kind = FSQL_CREATE_OTHER;
      }
    } else {
      st->kind = FSQL_CREATE_OTHER;
      for (size_t k = 0; k + 2 < v.len; k++)
        if (!strcmp(v.items[k].w, "if") && !strcmp(v.items[k + 1].w, "not") &&
            !strcmp(v.items[k + 2].w, "exists"))
          st->if_not_exists = true;
      if (c.i < c.n) st->what = c.t[c.i++].w;
      if (fold__eat(&c, "if") && fold__eat(&c, "not")) fold__eat(&c, "exists");
      st->object = fold__name(&c);
    }
  } else if (fold__eat(&c, "drop")) {
    FoldSqlKind k = FSQL_DROP_OTHER;
    if (fold__eat(&c, "table")) k = FSQL_DROP_TABLE;
    else if (fold__eat(&c, "index")) k = FSQL_DROP_INDEX;
    else if (fold__eat(&c, "type")) k = FSQL_DROP_TYPE;
    else if (c.i < c.n) st->what = c.t[c.i++].w;
    st->kind = k;
    if (k == FSQL_DROP_INDEX) st->concurrently = fold__eat(&c, "concurrently");
    if (fold__eat(&c, "if")) st->if_exists = fold__eat(&c, "exists");
    const char *name = fold__name(&c);
    if (k == FSQL_DROP_TABLE) st->table = name;
    else st->object = name;
  } else if (fold__eat(&c, "alter")) {
    if (fold__eat(&c, "table")) {
      st->kind = FSQL_ALTER_TABLE;
      if (fold__eat(&c, "if")) st->if_exists = fold__eat(&c, "exists");
      fold__eat(&c, "only");
      st->table = fold__name(&c);
      fold__alter_table(&c, st);
    } else if (fold__eat(&c, "type")) {
      st->object = fold__name(&c);
      if (fold__eat(&c, "add") && fold__eat(&c, "value")) {
        st->kind = FSQL_ALTER_TYPE_ADD_VALUE;
        if (fold__eat(&c, "if")) st->if_not_exists = fold__eat(&c, "not") && fold__eat(&c, "exists");
        st->values = ARENA_ARRAY(a, const char *, 1);
        if (c.i < c.n && c.t[c.i].str) st->values[st->nvalues++] = c.t[c.i++].w;
        // Where the label goes: BEFORE / AFTER an existing one (else at the end).
        bool before = fold__eat(&c, "before"), after = !before && fold__eat(&c, "after");
        if ((before || after) && c.i < c.n && c.t[c.i].str) {
          if (before) st->before = c.t[c.i].w;
          else st->after = c.t[c.i].w;
        }
      } else if (fold__eat(&c, "rename") && fold__eat(&c, "to")) {
        st->kind = FSQL_ALTER_TYPE_RENAME;
        st->new_name = fold__name(&c);
      }
    }
  }
  vec_free(&v);
}

/* Overrides the lexical reading with PostgreSQL's parse (sql_analyze). */
static void fold__from_info(FoldSql *f, const SqlStmtInfo *i) {
  switch (i->kind) {
  case SK_SELECT: f->kind = FSQL_SELECT; break;
  case SK_INSERT: f->kind = FSQL_INSERT; break;
  case SK_UPDATE: f->kind = FSQL_UPDATE; break;
  case SK_DELETE: f->kind = FSQL_DELETE; break;
  case SK_TRUNCATE: f->kind = FSQL_TRUNCATE; break;
  case SK_CREATE_TABLE: f->kind = FSQL_CREATE_TABLE; break;
  case SK_DROP_TABLE: f->kind = FSQL_DROP_TABLE; break;
  case SK_CREATE_INDEX: f->kind = FSQL_CREATE_INDEX; break;
  case SK_DROP_INDEX: f->kind = FSQL_DROP_INDEX; break;
  case SK_DROP_TYPE: f->kind = FSQL_DROP_TYPE; break;
  case SK_DROP_OTHER: f->kind = FSQL_DROP_OTHER; break;
  case SK_RENAME_TABLE:
    f->kind = FSQL_ALTER_TABLE;
    f->rename = true;
    break;
  case SK_RENAME_COLUMN:
    f->kind = FSQL_ALTER_TABLE;
    f->rename_column = true;
    break;
  case SK_ALTER_TABLE:
    f->kind = FSQL_ALTER_TABLE;
    f->add_column = f->add_column_not_null = f->add_column_default = f->alter_type = false;
    f->set_not_null = f->drop_column = f->add_fk = f->add_check = f->add_unique = false;
    f->add_pk = f->not_valid = f->using_index = false;
    for (size_t k = 0; k < i->ncmds; k++) {
      const SqlAlterCmd *c = &i->cmds[k];
      switch (c->kind) {
      case SA_ADD_COLUMN:
        f->add_column = true;
        f->add_column_not_null |= c->column_not_null;
        f->add_column_default |= c->column_default;
        break;
      case SA_ALTER_TYPE: f->alter_type = true; break;
      case SA_SET_NOT_NULL: f->set_not_null = true; break;
      case SA_DROP_COLUMN: f->drop_column = true; break;
      case SA_ADD_CONSTRAINT:
        f->add_fk |= c->contype == SC_FOREIGN_KEY;
        f->add_check |= c->contype == SC_CHECK;
        f->add_unique |= c->contype == SC_UNIQUE;
        f->add_pk |= c->contype == SC_PRIMARY_KEY;
        f->not_valid |= c->not_valid;
        f->using_index |= c->using_index;
        break;
      default:
        break;
      }
    }
    break;
  case SK_CREATE_TYPE: case SK_ALTER_TYPE: case SK_RENAME_OTHER:
    break; // the lexical reading has the labels and the new name
  case SK_CREATE_OTHER:
    // CREATE TABLE ... AS SELECT (CreateTableAsStmt, which is also CREATE MATERIALIZED
    // VIEW): the lexical reading knows it for a table, by name (its columns come from
    // the query).
    if (f->kind == FSQL_CREATE_TABLE && i->node && !strcmp(i->node, "CreateTableAsStmt")) break;
    if (f->kind != FSQL_CREATE_ENUM) f->kind = FSQL_CREATE_OTHER;
    break;
  default:
    f->kind = FSQL_OTHER;
    break;
  }
  f->has_where = i->has_where;
  f->concurrently = i->concurrently;
  f->unique = i->unique;
  // Guards the analyzer does not model for every statement kind (CREATE EXTENSION ...)
  // are still seen by the lexical reading.
  f->if_not_exists |= i->if_not_exists;
  f->if_exists |= i->if_exists;
  if (i->table) f->table = i->table;
  bool type_stmt = i->kind == SK_CREATE_TYPE || i->kind == SK_ALTER_TYPE ||
                   i->kind == SK_RENAME_OTHER || i->kind == SK_DROP_TYPE;
  if (i->name && f->kind != FSQL_ALTER_TABLE && !type_stmt) f->object = i->name;
}

FoldSql *fold_sql_read(Arena *a, const char *sql, size_t *n) {
  SqlStmtInfo *info = NULL;
  size_t ni = 0;
  FoldSql *out;
  if (!sql_analyze(a, sql, &info, &ni) || ni == 0) {
    out = ARENA_ARRAY(a, FoldSql, 1);
    out->text = arena_strdup(a, sql);
    out->parse_ok = false;
    fold__stmt(a, out);
    *n = 1;
    return out;
  }
  out = ARENA_ARRAY(a, FoldSql, ni);
  for (size_t k = 0; k < ni; k++) {
    out[k].text = info[k].text;
    out[k].parse_ok = true;
    out[k].info = &info[k];
    fold__stmt(a, &out[k]);
    fold__from_info(&out[k], &info[k]);
  }
  *n = ni;
  return out;
}

/* ---- fold ----------------------------------------------------------------------- */

/* The op's table; an unknown one was created by code retort could not read: add it,
 * as an existing table. */
static SchemaTable *fold__table_of(Schema *s, const char *schema, const char *table) {
  if (!table) return NULL;
  SchemaTable *t = schema_table(s, schema, table);
  if (!t) {
    t = schema_table_add(s, schema, table);
    t->is_new = false;
  }
  return t;
}

static void fold__add_constraint(Schema *s, SchemaTable *t, const FoldConstraint *c) {
  SchemaConstraint sc = {.kind = c->kind, .name = c->name, .cols = c->cols, .ncols = c->ncols,
                         .ref_table = c->ref_table, .ref_cols = c->ref_cols,
                         .nref_cols = c->nref_cols, .expr = c->expr, .not_valid = c->not_valid,
                         .ref_schema = c->ref_schema, .ondelete = c->ondelete,
                         .onupdate = c->onupdate, .deferrable = c->deferrable,
                         .initially = c->initially};
  schema_constraint_add(s, t, &sc);
}

static void fold__add_columns(Schema *s, SchemaTable *t, const FoldOp *op) {
  for (size_t k = 0; k < op->ncols; k++) {
    const FoldColumn *c = &op->cols[k];
    if (!c->name) continue;
    SchemaColumn *sc = schema_column_add(s, t, c->name, c->type, c->nullable, c->server_default);
    sc->identity = c->identity;
    sc->identity_kind = c->identity ? (c->identity_always ? 'a' : 'd') : 0;
    sc->comment = schema_strdup(s, c->comment);
    if (c->index) {
      char *ix = arena_printf(s->arena, "ix_%s_%s", t->name, c->name);
      schema_index_add(s, t, ix, &c->name, 1, c->unique);
    }
    if (c->enum_name && c->nenum_values && !schema_enum(s, op->schema, c->enum_name))
      schema_enum_add(s, op->schema, c->enum_name, c->enum_values, c->nenum_values);
  }
  for (size_t k = 0; k < op->ncons; k++) fold__add_constraint(s, t, &op->cons[k]);
}

/* SQLAlchemy's implicit SERIAL in create_table (Table._autoincrement_column, and the
 * PostgreSQL compiler's SERIAL; models.c's mm__serial for model columns): the numeric
 * primary key column alone in its key, or the one marked autoincrement=True, without a
 * server default, a foreign key or Identity(), not autoincrement=False. */
static void fold__mark_serial(SchemaTable *t, const FoldOp *op) {
  const FoldConstraint *pk = NULL;
  for (size_t k = 0; k < op->ncons && !pk; k++)
    if (op->cons[k].kind == CON_PRIMARY_KEY) pk = &op->cons[k];
  if (!pk) return;
  static const char *const NUMERIC[] = {"smallint", "integer", "bigint", "real",
                                        "double precision", NULL};
  for (size_t k = 0; k < op->ncols; k++) {
    const FoldColumn *c = &op->cols[k];
    if (!c->name || !c->type || c->identity || c->autoincrement_false) continue;
    bool in_pk = false;
    for (size_t j = 0; j < pk->ncols && !in_pk; j++) in_pk = pk->cols[j] && !strcmp(pk->cols[j], c->name);
    if (!in_pk || (pk->ncols > 1 && !c->autoincrement_true)) continue;
    bool numeric = !strncmp(c->type, "numeric", 7);
    for (size_t j = 0; NUMERIC[j] && !numeric; j++) numeric = !strcmp(c->type, NUMERIC[j]);
    if (!numeric || (c->server_default && !c->autoincrement_true)) continue;
    bool fk = false;
    for (size_t j = 0; j < op->ncons && !fk; j++)
      for (size_t i = 0; op->cons[j].kind == CON_FOREIGN_KEY && i < op->cons[j].ncols && !fk; i++)
        fk = op->cons[j].cols[i] && !strcmp(op->cons[j].cols[i], c->name);
    if (fk && !c->autoincrement_true) continue;
    SchemaColumn *sc = schema_column(t, c->name);
    if (sc) {
      sc->identity = true;
      sc->identity_kind = 's';
    }
    return;
  }
}

/* A statement PostgreSQL's parser read, as the op calls that do the same (fold_sql_ops). */
static void fold__sql_ops(Schema *s, const FoldSql *st) {
  for (size_t k = 0; k < st->nops; k++) {
    const FoldOp *d = &st->ops[k];
    // IF NOT EXISTS on what exists does nothing; so does a plain CREATE INDEX of a name
    // known already (as before: its history may be one retort could not read).
    if (d->kind == FOP_CREATE_TABLE && d->if_not_exists && schema_table(s, d->schema, d->table))
      continue;
    if (d->kind == FOP_CREATE_INDEX && d->name && schema_index(s, d->schema, d->name, NULL))
      continue;
    fold_op(s, d);
  }
}

static void fold__sql(Schema *s, const FoldOp *op) {
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    SchemaEnum *e;
    SchemaTable *t;
    if (st->nops) {
      fold__sql_ops(s, st);
      continue;
    }
    switch (st->kind) {
    case FSQL_CREATE_ENUM:
      if (st->object) schema_enum_add(s, NULL, st->object, st->values, st->nvalues);
      break;
    case FSQL_ALTER_TYPE_ADD_VALUE:
      e = schema_enum(s, NULL, st->object);
      if (e && st->nvalues) schema_enum_insert_value(s, e, st->values[0], st->before, st->after);
      break;
    case FSQL_ALTER_TYPE_RENAME:
      if (st->object && st->new_name) schema_enum_rename(s, NULL, st->object, st->new_name);
      break;
    case FSQL_DROP_TYPE:
      if (st->object) schema_enum_drop(s, NULL, st->object);
      break;
    case FSQL_CREATE_TABLE:
      if (st->table && !schema_table(s, NULL, st->table)) schema_table_add(s, NULL, st->table);
      break;
    case FSQL_DROP_TABLE:
      if (st->table) schema_table_drop(s, NULL, st->table);
      break;
    case FSQL_CREATE_INDEX:
      t = fold__table_of(s, NULL, st->table);
      if (t && st->object && !schema_index(s, NULL, st->object, NULL))
        schema_index_add(s, t, st->object, NULL, 0, st->unique);
      break;
    case FSQL_DROP_INDEX:
      if (st->object) schema_index_drop(s, NULL, st->object);
      break;
    case FSQL_CREATE_OTHER:
      if (st->what && !strcmp(st->what, "sequence") && st->object)
        schema_sequence_add(s, st->object);
      break;
    case FSQL_DROP_OTHER:
      if (st->what && !strcmp(st->what, "sequence") && st->object)
        schema_sequence_drop(s, st->object);
      break;
    default:
      break;
    }
  }
}

void fold_op(Schema *s, const FoldOp *op) {
  SchemaTable *t;
  switch (op->kind) {
  case FOP_CREATE_TABLE:
    if (!op->table) return;
    schema_table_drop(s, op->schema, op->table);
    t = schema_table_add(s, op->schema, op->table);
    t->comment = schema_strdup(s, op->comment);
    fold__add_columns(s, t, op);
    fold__mark_serial(t, op);
    return;
  case FOP_DROP_TABLE:
    schema_table_drop(s, op->schema, op->table);
    return;
  case FOP_RENAME_TABLE:
    if (op->new_name) schema_table_rename(s, op->schema, op->table, op->new_name);
    return;
  case FOP_ADD_COLUMN:
    t = fold__table_of(s, op->schema, op->table);
    if (t) fold__add_columns(s, t, op);
    return;
  case FOP_DROP_COLUMN:
    t = fold__table_of(s, op->schema, op->table);
    if (t && op->name) schema_column_drop(t, op->name);
    return;
  case FOP_ALTER_COLUMN: {
    t = fold__table_of(s, op->schema, op->table);
    if (!t || !op->name) return;
    SchemaColumn *c = schema_column(t, op->name);
    if (!c) c = schema_column_add(s, t, op->name, op->existing_type, true, NULL);
    if (op->type) c->type = arena_strdup(s->arena, op->type);
    if (op->nullable >= 0) c->nullable = op->nullable == 1;
    if (op->server_default_set)
      c->server_default = op->server_default ? arena_strdup(s->arena, op->server_default) : NULL;
    if (op->comment_set) c->comment = schema_strdup(s, op->comment);
    if (op->new_name) schema_column_rename(s, t, op->name, op->new_name);
    return;
  }
  case FOP_CREATE_INDEX:
    t = fold__table_of(s, op->schema, op->table);
    if (t) {
      SchemaIndex *ix = schema_index_add(s, t, op->name, op->idx_cols, op->nidx_cols, op->unique);
      ix->where = schema_strdup(s, op->where);
      ix->method = op->using && strcmp(op->using, "btree") ? schema_strdup(s, op->using) : NULL;
    }
    return;
  case FOP_DROP_INDEX:
    schema_index_drop(s, op->schema, op->name);
    return;
  case FOP_CREATE_PRIMARY_KEY:
  case FOP_CREATE_UNIQUE:
  case FOP_CREATE_FOREIGN_KEY:
  case FOP_CREATE_CHECK:
    t = fold__table_of(s, op->schema, op->table);
    if (t && op->ncons) fold__add_constraint(s, t, &op->cons[0]);
    return;
  case FOP_DROP_CONSTRAINT:
    t = schema_table(s, op->schema, op->table);
    if (t) schema_constraint_drop(t, op->name);
    return;
  case FOP_EXECUTE:
    fold__sql(s, op);
    return;
  case FOP_OTHER:
    // create_table_comment / drop_table_comment
    if (op->comment_set && (t = schema_table(s, op->schema, op->table)))
      t->comment = schema_strdup(s, op->comment);
    return;
  default:
    return;
  }
}

void fold_ops(Schema *s, const FoldOpList *ops) {
  for (size_t k = 0; k < ops->len; k++) fold_op(s, &ops->items[k]);
}

void fold_revision(Schema *s, const Revision *rev) {
  if (!rev || rev->mode != REV_PARSE_FULL) return;
  Arena *a = arena_new();
  FoldOpList ops = fold_ops_read(a, &rev->upgrade);
  fold_ops(s, &ops);
  arena_delete(a);
}

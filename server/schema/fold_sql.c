/* fold_sql.c - the statements of op.execute(...) read as the op calls that do the same
 * (CREATE TABLE as create_table, ALTER TABLE ... ADD COLUMN as add_column, ...), from
 * PostgreSQL's own parse (server/sql/analyze.h), with where each part is written in the
 * revision file, so that rules and the fold see SQL as they see op calls. */
#include <stdlib.h>
#include <string.h>

#include "server/base/mem.h"
#include "server/schema/fold.h"
#include "server/sql/analyze.h"

/* Where the SQL text sits in the revision file. Exact positions are known only for a plain
 * literal, whose source between the quotes is byte for byte the string's value. */
typedef struct SqlMap {
  bool exact;            /* offsets inside the SQL map to the file */
  const char *text;      /* the SQL (the literal's value) */
  size_t len;
  SrcRange at;           /* exact: the first byte of the value; else the literal (or call) */
} SqlMap;

/* The string literal that holds the SQL: the argument itself, or sa.text("...")'s. */
static const PyValue *fold_sql__literal(const PyValue *v) {
  if (v && v->kind == PV_STR) return v;
  if (v && v->kind == PV_CALL) {
    const PyValue *a = pyvalue_call_arg(v, 0, NULL);
    if (a && a->kind == PV_STR) return a;
  }
  return NULL;
}

static SqlMap fold_sql__map(const FoldOp *f) {
  SqlMap m = {false, f->sql, f->sql ? strlen(f->sql) : 0, {0}};
  const PyValue *lit = fold_sql__literal(f->sql_arg);
  if (f->sql_arg) m.at = f->sql_arg->range;
  if (!lit || !lit->range.line) return m;
  m.at = lit->range;
  const Op *op = f->op;
  if (!op || !op->source || lit->range.start_byte < op->range.start_byte) return m;
  size_t off = lit->range.start_byte - op->range.start_byte;
  size_t litlen = lit->range.end_byte - lit->range.start_byte, srclen = strlen(op->source);
  if (off + litlen > srclen || lit->len != m.len) return m;
  const char *p = op->source + off;
  size_t pre = 0;
  while (pre < litlen && strchr("rRuU", p[pre]) && p[pre]) pre++;
  if (pre >= litlen || (p[pre] != '\'' && p[pre] != '"')) return m; // b"", f"", ...
  size_t q = pre + 2 < litlen && p[pre + 1] == p[pre] && p[pre + 2] == p[pre] ? 3 : 1;
  if (litlen < pre + 2 * q || litlen - pre - 2 * q != m.len) return m;
  if (memcmp(p + pre + q, m.text, m.len) != 0) return m; // escapes, concatenation, CRLF
  m.exact = true;
  m.at.start_byte += (uint32_t)(pre + q);
  m.at.col += (uint32_t)(pre + q); // ASCII prefix and quotes
  return m;
}

/* The file position of byte `k` of the SQL (exact maps only). */
static void fold_sql__pos(const SqlMap *m, size_t k, uint32_t *byte, uint32_t *line,
                          uint32_t *col) {
  uint32_t l = m->at.line, c = m->at.col;
  for (size_t i = 0; i < k && i < m->len; i++) {
    unsigned char ch = (unsigned char)m->text[i];
    if (ch == '\n') {
      l++;
      c = 1;
    } else if ((ch & 0xC0) != 0x80) {
      c++;
    }
  }
  *byte = m->at.start_byte + (uint32_t)k;
  *line = l;
  *col = c;
}

/* The range of `sp` in the file; line 0 when the map is not exact or the span unknown. */
static SrcRange fold_sql__range(const SqlMap *m, SqlSpan sp) {
  SrcRange r = {0};
  if (!m->exact || !sp.len || sp.offset + sp.len > m->len) return r;
  fold_sql__pos(m, sp.offset, &r.start_byte, &r.line, &r.col);
  fold_sql__pos(m, sp.offset + sp.len, &r.end_byte, &r.end_line, &r.end_col);
  return r;
}

static ConstraintKind fold_sql__kind(SqlConstraintType t) {
  switch (t) {
  case SC_PRIMARY_KEY: return CON_PRIMARY_KEY;
  case SC_UNIQUE: return CON_UNIQUE;
  case SC_FOREIGN_KEY: return CON_FOREIGN_KEY;
  default: return CON_CHECK;
  }
}

static FoldConstraint fold_sql__constraint(const SqlMap *m, const SqlConstraintDef *d) {
  FoldConstraint c = {.kind = fold_sql__kind(d->type), .name = d->name, .cols = d->cols,
                      .ncols = d->ncols, .ref_table = d->ref_table, .ref_cols = d->ref_cols,
                      .nref_cols = d->nref_cols, .expr = d->expr, .not_valid = d->not_valid,
                      .ref_schema = d->ref_schema, .ondelete = d->ondelete,
                      .onupdate = d->onupdate, .initially = d->initially,
                      .deferrable = d->deferrable};
  c.range = fold_sql__range(m, d->span);
  c.name_range = fold_sql__range(m, d->name_span);
  return c;
}

typedef VEC(FoldConstraint) ConVec;
typedef VEC(FoldOp) OpVec;

/* A column definition; its PRIMARY KEY goes to `pk` (create_table gathers them into one
 * constraint, as it does for primary_key=True), other constraints to `cons`. */
static FoldColumn fold_sql__column(const SqlMap *m, const SqlColumnDef *d, ConVec *cons,
                                   ConVec *pk) {
  FoldColumn c = {.name = d->name, .type = d->type, .nullable = !d->not_null,
                  .server_default = d->default_sql, .primary_key = d->primary_key,
                  .unique = d->unique, .identity = d->identity, .type_sql = d->type_written};
  c.range = fold_sql__range(m, d->span);
  c.name_range = fold_sql__range(m, d->name_span);
  c.type_range = fold_sql__range(m, d->type_span);
  for (size_t k = 0; k < d->ncons; k++) {
    FoldConstraint fc = fold_sql__constraint(m, &d->cons[k]);
    vec_push(fc.kind == CON_PRIMARY_KEY ? pk : cons, fc);
  }
  return c;
}

static void fold_sql__set_cons(Arena *a, FoldOp *op, ConVec *cons) {
  op->cons = ARENA_ARRAY(a, FoldConstraint, cons->len + 1);
  if (cons->len) memcpy(op->cons, cons->items, cons->len * sizeof *op->cons);
  op->ncons = cons->len;
  vec_free(cons);
}

static FoldOp fold_sql__op(const FoldOp *f, const FoldSql *st, FoldOpKind kind,
                           const char *method) {
  const SqlStmtInfo *i = st->info;
  FoldOp d = {.kind = kind, .op = f->op, .method = method,
              .table = i->table_written ? i->table_written : i->table,
              .schema = i->schema, .nullable = -1, .sql = st->text, .sql_arg = f->sql_arg,
              .in_batch = f->in_batch, .in_autocommit = f->in_autocommit, .from_sql = st,
              .sql_range = st->range};
  return d;
}

static void fold_sql__create_table(Arena *a, const SqlMap *m, const FoldOp *f, const FoldSql *st,
                                   OpVec *out) {
  const SqlStmtInfo *i = st->info;
  FoldOp d = fold_sql__op(f, st, FOP_CREATE_TABLE, "create_table");
  d.if_not_exists = i->if_not_exists;
  d.name_range = fold_sql__range(m, i->table_span);
  ConVec cons = {0}, pk = {0};
  d.cols = ARENA_ARRAY(a, FoldColumn, i->ncolumns + 1);
  for (size_t k = 0; k < i->ncolumns; k++)
    d.cols[k] = fold_sql__column(m, &i->columns[k], &cons, &pk);
  d.ncols = i->ncolumns;
  for (size_t k = 0; k < i->nconstraints; k++) {
    FoldConstraint c = fold_sql__constraint(m, &i->constraints[k]);
    vec_push(c.kind == CON_PRIMARY_KEY ? &pk : &cons, c);
  }
  // One primary key (PostgreSQL refuses a second): PRIMARY KEY on a column or the table's.
  if (pk.len) vec_push(&cons, pk.items[0]);
  vec_free(&pk);
  fold_sql__set_cons(a, &d, &cons);
  vec_push(out, d);
}

static void fold_sql__alter_table(Arena *a, const SqlMap *m, const FoldOp *f, const FoldSql *st,
                                  OpVec *out) {
  const SqlStmtInfo *i = st->info;
  for (size_t k = 0; k < i->ncmds; k++) {
    const SqlAlterCmd *c = &i->cmds[k];
    FoldOp d = fold_sql__op(f, st, FOP_OTHER, NULL);
    switch (c->kind) {
    case SA_ADD_COLUMN: {
      if (!c->column) continue;
      d.kind = FOP_ADD_COLUMN;
      d.method = "add_column";
      ConVec cons = {0}, pk = {0};
      d.cols = ARENA_NEW(a, FoldColumn);
      *d.cols = fold_sql__column(m, c->column, &cons, &pk);
      d.ncols = 1;
      d.name = d.cols->name;
      d.name_range = d.cols->name_range;
      for (size_t j = 0; j < pk.len; j++) vec_push(&cons, pk.items[j]);
      vec_free(&pk);
      fold_sql__set_cons(a, &d, &cons);
      break;
    }
    case SA_ALTER_TYPE:
    case SA_SET_NOT_NULL:
    case SA_DROP_NOT_NULL:
    case SA_DROP_DEFAULT:
      d.kind = FOP_ALTER_COLUMN;
      d.method = "alter_column";
      d.name = c->name;
      if (c->kind == SA_ALTER_TYPE && c->column) {
        d.type = c->column->type;
        // the column with its new type, where that is written
        d.cols = ARENA_NEW(a, FoldColumn);
        ConVec none = {0}, pk = {0};
        *d.cols = fold_sql__column(m, c->column, &none, &pk);
        d.ncols = 1;
        vec_free(&none);
        vec_free(&pk);
      }
      if (c->kind == SA_SET_NOT_NULL) d.nullable = 0;
      if (c->kind == SA_DROP_NOT_NULL) d.nullable = 1;
      if (c->kind == SA_DROP_DEFAULT) d.server_default_set = true;
      break;
    case SA_ADD_CONSTRAINT: {
      if (!c->constraint) continue;
      FoldConstraint fc = fold_sql__constraint(m, c->constraint);
      switch (c->contype) {
      case SC_PRIMARY_KEY: d.kind = FOP_CREATE_PRIMARY_KEY, d.method = "create_primary_key"; break;
      case SC_UNIQUE: d.kind = FOP_CREATE_UNIQUE, d.method = "create_unique_constraint"; break;
      case SC_FOREIGN_KEY: d.kind = FOP_CREATE_FOREIGN_KEY, d.method = "create_foreign_key"; break;
      case SC_CHECK: d.kind = FOP_CREATE_CHECK, d.method = "create_check_constraint"; break;
      default: continue; // EXCLUDE and others: not modelled
      }
      d.name = fc.name;
      d.name_range = fc.name_range;
      d.cons = ARENA_NEW(a, FoldConstraint);
      *d.cons = fc;
      d.ncons = 1;
      break;
    }
    case SA_DROP_COLUMN:
      d.kind = FOP_DROP_COLUMN;
      d.method = "drop_column";
      d.name = c->name;
      break;
    case SA_DROP_CONSTRAINT:
      d.kind = FOP_DROP_CONSTRAINT;
      d.method = "drop_constraint";
      d.name = c->name;
      break;
    default:
      continue;
    }
    if (!d.name && d.kind != FOP_CREATE_PRIMARY_KEY && d.kind != FOP_CREATE_UNIQUE &&
        d.kind != FOP_CREATE_FOREIGN_KEY && d.kind != FOP_CREATE_CHECK)
      continue;
    vec_push(out, d);
  }
}

void fold_sql_ops(Arena *a, FoldOp *f) {
  SqlMap m = fold_sql__map(f);
  for (size_t k = 0; k < f->nstmts; k++) {
    FoldSql *st = &f->stmts[k];
    const SqlStmtInfo *i = st->info;
    st->range = m.at;
    if (i && m.exact) {
      SrcRange r = fold_sql__range(&m, (SqlSpan){i->offset, i->len});
      if (r.line) st->range = r;
    }
    if (!i || !i->table) continue;
    OpVec out = {0};
    FoldOp d;
    switch (i->kind) {
    case SK_CREATE_TABLE:
      fold_sql__create_table(a, &m, f, st, &out);
      break;
    case SK_ALTER_TABLE:
      fold_sql__alter_table(a, &m, f, st, &out);
      break;
    case SK_RENAME_TABLE:
      d = fold_sql__op(f, st, FOP_RENAME_TABLE, "rename_table");
      d.new_name = i->new_name;
      if (d.new_name) vec_push(&out, d);
      break;
    case SK_RENAME_COLUMN:
      d = fold_sql__op(f, st, FOP_ALTER_COLUMN, "alter_column");
      d.name = i->name;
      d.new_name = i->new_name;
      if (d.name && d.new_name) vec_push(&out, d);
      break;
    case SK_CREATE_INDEX:
      d = fold_sql__op(f, st, FOP_CREATE_INDEX, "create_index");
      d.name = i->name;
      d.name_range = fold_sql__range(&m, i->name_span);
      d.idx_cols = i->index_cols;
      d.nidx_cols = i->nindex_cols;
      d.unique = i->unique;
      d.concurrently = i->concurrently;
      d.if_not_exists = i->if_not_exists;
      d.where = i->index_where;
      d.using = i->index_using;
      vec_push(&out, d);
      break;
    case SK_DROP_TABLE:
      // DROP TABLE a, b: each table it locks
      for (size_t j = 0; j < i->nlocks; j++) {
        d = fold_sql__op(f, st, FOP_DROP_TABLE, "drop_table");
        d.schema = i->locks[j].schema;
        d.table = i->locks[j].table;
        vec_push(&out, d);
      }
      break;
    default:
      break;
    }
    st->ops = ARENA_ARRAY(a, FoldOp, out.len + 1);
    if (out.len) memcpy(st->ops, out.items, out.len * sizeof *st->ops);
    st->nops = out.len;
    vec_free(&out);
  }
}

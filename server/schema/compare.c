/* compare.c - two schemas (or two catalog snapshots) compared object by object. */
#include "server/schema/compare.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/schema/fold.h"

/* PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes. */
static const size_t COMPARE_MAX_IDENT = 63;

const char *compare_kind_name(CompareKind k) {
  switch (k) {
  case CMP_MISSING: return "missing";
  case CMP_EXTRA: return "extra";
  case CMP_CHANGED: return "changed";
  }
  return "changed";
}

const char *compare_object_name(CompareObject o) {
  static const char *const NAMES[] = {"table", "column", "index", "constraint", "enum",
                                      "enum value", "sequence", "comment", "object"};
  return (size_t)o < sizeof NAMES / sizeof NAMES[0] ? NAMES[o] : "object";
}

void compare_list_free(CompareList *l) {
  if (!l) return;
  for (size_t k = 0; k < l->len; k++) {
    free(l->items[k].name);
    free(l->items[k].detail);
  }
  free(l->items);
  l->items = NULL;
  l->len = l->cap = 0;
}

__attribute__((format(printf, 5, 6))) static void compare__add(CompareList *l, CompareKind kind,
                                                               CompareObject obj, const char *name,
                                                               const char *fmt, ...) {
  if (l->len == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 16;
    l->items = xrealloc(l->items, l->cap * sizeof *l->items);
  }
  Buf b = BUF_INIT;
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  CompareItem *it = &l->items[l->len++];
  it->kind = kind;
  it->object = obj;
  it->name = xstrdup(name);
  it->detail = buf_detach(&b);
  if (!it->detail) it->detail = xstrdup("");
}

/* Sorted by name, object, kind; equal keys keep the order they were found in. */
typedef struct CompareSortKey {
  const CompareItem *item;
  size_t seq;
} CompareSortKey;

static int compare__item_cmp(const void *x, const void *y) {
  const CompareSortKey *ka = x, *kb = y;
  const CompareItem *a = ka->item, *b = kb->item;
  int c = strcmp(a->name, b->name);
  if (c) return c;
  if (a->object != b->object) return a->object < b->object ? -1 : 1;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  return ka->seq < kb->seq ? -1 : ka->seq > kb->seq;
}

static void compare__sort(CompareList *l, size_t from) {
  size_t n = l->len - from;
  if (n < 2) return;
  CompareSortKey *keys = xmalloc(n * sizeof *keys);
  for (size_t k = 0; k < n; k++) keys[k] = (CompareSortKey){&l->items[from + k], k};
  qsort(keys, n, sizeof *keys, compare__item_cmp);
  CompareItem *sorted = xmalloc(n * sizeof *sorted);
  for (size_t k = 0; k < n; k++) sorted[k] = *keys[k].item;
  memcpy(l->items + from, sorted, n * sizeof *sorted);
  free(sorted);
  free(keys);
}

/* ---- SQL text normalisation ----------------------------------------------------- */

static bool compare__word_char(char c) {
  return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

static bool compare__kw_at(const char *p, const char *kw) {
  size_t n = strlen(kw);
  if (strncasecmp(p, kw, n) != 0) return false;
  return !compare__word_char(p[n]);
}

/* Skips a type name after "::" (quoted or dotted names, multi-word names, modifiers,
 * array brackets). Returns the first character after it. */
static const char *compare__skip_type(const char *p) {
  while (*p == ' ') p++;
  for (;;) {
    if (*p == '"') {
      p++;
      while (*p && !(*p == '"' && p[1] != '"')) p += (*p == '"') ? 2 : 1;
      if (*p) p++;
    } else {
      while (compare__word_char(*p)) p++;
    }
    if (*p == '.') {
      p++;
      continue;
    }
    break;
  }
  // character varying, double precision, timestamp(3) with time zone
  for (;;) {
    const char *q = p;
    while (*q == ' ') q++;
    if (*q == '(') {
      const char *r = q + 1;
      while (isdigit((unsigned char)*r) || *r == ',' || *r == ' ') r++;
      if (*r == ')') {
        p = r + 1;
        continue;
      }
    }
    if (compare__kw_at(q, "varying")) { p = q + 7; continue; }
    if (compare__kw_at(q, "precision")) { p = q + 9; continue; }
    if (compare__kw_at(q, "with") || compare__kw_at(q, "without")) {
      const char *r = q + (compare__kw_at(q, "with") ? 4 : 7);
      while (*r == ' ') r++;
      if (compare__kw_at(r, "time")) {
        r += 4;
        while (*r == ' ') r++;
        if (compare__kw_at(r, "zone")) {
          p = r + 4;
          continue;
        }
      }
    }
    if (q[0] == '[' && q[1] == ']') {
      p = q + 2;
      continue;
    }
    break;
  }
  return p;
}

/* Whether the parentheses at s[0] and s[n-1] enclose the whole text. */
static bool compare__enclosed(const char *s, size_t n) {
  if (n < 2 || s[0] != '(' || s[n - 1] != ')') return false;
  int depth = 0;
  bool lit = false;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\'') lit = !lit;
    if (lit) continue;
    if (s[i] == '(') depth++;
    if (s[i] == ')' && --depth == 0 && i != n - 1) return false;
  }
  return true;
}

static bool compare__is_number(const char *s, size_t n) {
  size_t i = 0;
  if (i < n && (s[i] == '-' || s[i] == '+')) i++;
  bool digits = false, dot = false;
  for (; i < n; i++) {
    if (isdigit((unsigned char)s[i])) digits = true;
    else if (s[i] == '.' && !dot) dot = true;
    else return false;
  }
  return digits;
}

char *compare_norm_sql(const char *sql, bool drop_parens) {
  if (!sql) return NULL;
  Buf b = BUF_INIT;
  const char *p = sql;
  while (*p) {
    char c = *p;
    if (c == '\'' || ((c == 'e' || c == 'E') && p[1] == '\'' &&
                      (p == sql || !compare__word_char(p[-1])))) {
      // a string literal, copied as written (E'' prefix dropped)
      if (c != '\'') p++;
      buf_putc(&b, '\'');
      p++;
      while (*p) {
        if (*p == '\'' && p[1] == '\'') {
          buf_puts(&b, "''");
          p += 2;
        } else if (*p == '\'') {
          p++;
          break;
        } else {
          buf_putc(&b, *p++);
        }
      }
      buf_putc(&b, '\'');
    } else if (c == ':' && p[1] == ':') {
      p = compare__skip_type(p + 2);
    } else if (isspace((unsigned char)c) || c == '"') {
      p++;
    } else if ((c == '(' || c == ')') && drop_parens) {
      p++;
    } else {
      buf_putc(&b, (char)tolower((unsigned char)c));
      p++;
    }
  }
  char *s = buf_detach(&b);
  if (!s) s = xstrdup("");
  // enclosing parentheses
  size_t n = strlen(s);
  size_t off = 0;
  while (compare__enclosed(s + off, n)) {
    off++;
    n -= 2;
  }
  memmove(s, s + off, n);
  s[n] = '\0';
  // CURRENT_TIMESTAMP is now() (the transaction's start time, both of them)
  if (!strcmp(s, "current_timestamp") || !strcmp(s, "current_timestamp()")) {
    free(s);
    s = xstrdup(drop_parens ? "now" : "now()");
  }
  // '0' on an integer column is stored as 0
  n = strlen(s);
  if (n >= 3 && s[0] == '\'' && s[n - 1] == '\'' && compare__is_number(s + 1, n - 2)) {
    memmove(s, s + 1, n - 2);
    s[n - 2] = '\0';
  }
  return s;
}

static bool compare__sql_eq(const char *a, const char *b, bool drop_parens) {
  if (!a || !b) return !a && !b;
  char *x = compare_norm_sql(a, drop_parens), *y = compare_norm_sql(b, drop_parens);
  bool eq = !strcmp(x, y);
  free(x);
  free(y);
  return eq;
}

bool compare_types_equal(const char *a, const char *b, bool lenient) {
  if (!a || !b) return lenient || (!a && !b);
  if (!strcmp(a, b)) return true;
  if (!lenient) return false;
  // "numeric" written, "numeric(12,2)" found: the fold does not know the modifiers
  if (strchr(a, '(')) return false;
  const char *paren = strchr(b, '(');
  if (!paren) return false;
  size_t base = (size_t)(paren - b);
  const char *close = strchr(paren, ')');
  if (strlen(a) < base || strncmp(a, b, base)) return false;
  // the rest must agree too: "varchar[]" vs "varchar(3)[]"
  return close && !strcmp(a + base, close + 1);
}

/* ---- schemas -------------------------------------------------------------------- */

static const char *compare__schema_name(const char *s) { return s ? s : "public"; }

static char *compare__qual(const char *schema, const char *name) {
  Buf b = BUF_INIT;
  buf_printf(&b, "%s.%s", compare__schema_name(schema), name ? name : "?");
  return buf_detach(&b);
}

static char *compare__qual3(const SchemaTable *t, const char *name) {
  Buf b = BUF_INIT;
  buf_printf(&b, "%s.%s.%s", compare__schema_name(t->schema), t->name, name ? name : "(unnamed)");
  return buf_detach(&b);
}

static void compare__cols_text(Buf *b, const char *const *cols, size_t n) {
  buf_putc(b, '(');
  for (size_t k = 0; k < n; k++) buf_printf(b, "%s%s", k ? ", " : "", cols[k]);
  buf_putc(b, ')');
}

static char *compare__column_text(const SchemaColumn *c) {
  Buf b = BUF_INIT;
  buf_printf(&b, "%s %s", c->type ? c->type : "(unknown type)", c->nullable ? "NULL" : "NOT NULL");
  if (c->server_default) buf_printf(&b, " DEFAULT %s", c->server_default);
  if (c->identity) buf_puts(&b, " (identity or serial)");
  return buf_detach(&b);
}

static char *compare__constraint_text(const SchemaConstraint *c) {
  Buf b = BUF_INIT;
  switch (c->kind) {
  case CON_PRIMARY_KEY: buf_puts(&b, "PRIMARY KEY "); break;
  case CON_UNIQUE: buf_puts(&b, "UNIQUE "); break;
  case CON_FOREIGN_KEY: buf_puts(&b, "FOREIGN KEY "); break;
  case CON_CHECK: buf_puts(&b, "CHECK "); break;
  }
  if (c->kind == CON_CHECK) {
    buf_printf(&b, "(%s)", c->expr ? c->expr : "?");
  } else {
    compare__cols_text(&b, c->cols, c->ncols);
  }
  if (c->kind == CON_FOREIGN_KEY) {
    buf_printf(&b, " REFERENCES %s", c->ref_table ? c->ref_table : "?");
    if (c->nref_cols) compare__cols_text(&b, c->ref_cols, c->nref_cols);
  }
  if (c->not_valid) buf_puts(&b, " NOT VALID");
  return buf_detach(&b);
}

static char *compare__index_text(const SchemaIndex *ix) {
  Buf b = BUF_INIT;
  buf_puts(&b, ix->unique ? "UNIQUE INDEX " : "INDEX ");
  if (ix->ncols) compare__cols_text(&b, ix->cols, ix->ncols);
  else buf_puts(&b, "(columns unknown)");
  return buf_detach(&b);
}

static bool compare__lists_eq(const char *const *a, size_t na, const char *const *b, size_t nb,
                              bool norm) {
  if (na != nb) return false;
  for (size_t k = 0; k < na; k++) {
    if (norm ? !compare__sql_eq(a[k], b[k], true) : strcmp(a[k], b[k])) return false;
  }
  return true;
}

static void compare__columns(const SchemaTable *ta, const SchemaTable *tb, bool lenient,
                             CompareList *out) {
  if (lenient && ta->ncols == 0) return; // the fold knows the table by name only
  for (size_t k = 0; k < ta->ncols; k++) {
    const SchemaColumn *ca = ta->cols[k];
    const SchemaColumn *cb = schema_column(tb, ca->name);
    char *name = compare__qual3(ta, ca->name);
    if (!cb) {
      char *d = compare__column_text(ca);
      compare__add(out, CMP_MISSING, CMPO_COLUMN, name, "%s", d);
      free(d);
      free(name);
      continue;
    }
    if (!compare_types_equal(ca->type, cb->type, lenient))
      compare__add(out, CMP_CHANGED, CMPO_COLUMN, name, "type %s vs %s",
                   ca->type ? ca->type : "(unknown)", cb->type ? cb->type : "(unknown)");
    if (ca->nullable != cb->nullable)
      compare__add(out, CMP_CHANGED, CMPO_COLUMN, name, "nullable: %s vs %s",
                   ca->nullable ? "NULL" : "NOT NULL", cb->nullable ? "NULL" : "NOT NULL");
    bool identity_differs = ca->identity != cb->identity;
    if (!lenient && identity_differs)
      compare__add(out, CMP_CHANGED, CMPO_COLUMN, name, "identity/serial: %s vs %s",
                   ca->identity ? "yes" : "no", cb->identity ? "yes" : "no");
    // A serial column's nextval() default is its identity, not a default (catalog.h).
    bool skip_default = lenient && (ca->identity || cb->identity) && (!ca->server_default || !cb->server_default);
    if (!skip_default && !compare__sql_eq(ca->server_default, cb->server_default, false))
      compare__add(out, CMP_CHANGED, CMPO_COLUMN, name, "default %s vs %s",
                   ca->server_default ? ca->server_default : "none",
                   cb->server_default ? cb->server_default : "none");
    free(name);
  }
  for (size_t k = 0; k < tb->ncols; k++) {
    const SchemaColumn *cb = tb->cols[k];
    if (schema_column(ta, cb->name)) continue;
    char *name = compare__qual3(tb, cb->name);
    char *d = compare__column_text(cb);
    compare__add(out, CMP_EXTRA, CMPO_COLUMN, name, "%s", d);
    free(d);
    free(name);
  }
}

static bool compare__name_known(const char *name, bool lenient) {
  return name && !(lenient && strlen(name) > COMPARE_MAX_IDENT);
}

/* Same constraint, names aside. */
static bool compare__con_same(const SchemaConstraint *a, const SchemaConstraint *b) {
  if (a->kind != b->kind) return false;
  if (a->kind == CON_CHECK) return compare__sql_eq(a->expr, b->expr, true);
  if (!compare__lists_eq(a->cols, a->ncols, b->cols, b->ncols, false)) return false;
  if (a->kind == CON_FOREIGN_KEY) {
    if (!a->ref_table || !b->ref_table || strcmp(a->ref_table, b->ref_table)) return false;
    if (a->nref_cols && b->nref_cols &&
        !compare__lists_eq(a->ref_cols, a->nref_cols, b->ref_cols, b->nref_cols, false))
      return false;
  }
  return true;
}

static void compare__constraint_pair(const SchemaTable *t, const SchemaConstraint *a,
                                     const SchemaConstraint *b, CompareList *out) {
  char *name = compare__qual3(t, b->name ? b->name : a->name);
  if (!compare__con_same(a, b)) {
    char *da = compare__constraint_text(a), *db = compare__constraint_text(b);
    compare__add(out, CMP_CHANGED, CMPO_CONSTRAINT, name, "%s vs %s", da, db);
    free(da);
    free(db);
  } else if (a->not_valid != b->not_valid) {
    compare__add(out, CMP_CHANGED, CMPO_CONSTRAINT, name, "%s vs %s",
                 a->not_valid ? "NOT VALID" : "validated", b->not_valid ? "NOT VALID" : "validated");
  }
  free(name);
}

static void compare__constraints(const SchemaTable *ta, const SchemaTable *tb, bool lenient,
                                 CompareList *out) {
  bool *used = xcalloc(tb->ncons + 1, sizeof *used);
  bool *done = xcalloc(ta->ncons + 1, sizeof *done);
  // by name
  for (size_t k = 0; k < ta->ncons; k++) {
    const SchemaConstraint *a = ta->cons[k];
    if (!compare__name_known(a->name, lenient)) continue;
    for (size_t j = 0; j < tb->ncons; j++) {
      if (used[j] || !tb->cons[j]->name || strcmp(tb->cons[j]->name, a->name)) continue;
      compare__constraint_pair(ta, a, tb->cons[j], out);
      used[j] = done[k] = true;
      break;
    }
  }
  // by what they are (lenient: unnamed in the fold, or named otherwise in the database)
  for (size_t k = 0; lenient && k < ta->ncons; k++) {
    if (done[k]) continue;
    const SchemaConstraint *a = ta->cons[k];
    for (size_t j = 0; j < tb->ncons; j++) {
      if (used[j] || !compare__con_same(a, tb->cons[j])) continue;
      used[j] = done[k] = true;
      if (compare__name_known(a->name, lenient) && tb->cons[j]->name) {
        char *name = compare__qual3(ta, a->name);
        compare__add(out, CMP_CHANGED, CMPO_CONSTRAINT, name, "name %s vs %s", a->name,
                     tb->cons[j]->name);
        free(name);
      } else if (a->not_valid != tb->cons[j]->not_valid) {
        compare__constraint_pair(ta, a, tb->cons[j], out);
      }
      break;
    }
  }
  for (size_t k = 0; k < ta->ncons; k++) {
    if (done[k]) continue;
    char *name = compare__qual3(ta, ta->cons[k]->name);
    char *d = compare__constraint_text(ta->cons[k]);
    compare__add(out, CMP_MISSING, CMPO_CONSTRAINT, name, "%s", d);
    free(d);
    free(name);
  }
  for (size_t j = 0; j < tb->ncons; j++) {
    if (used[j]) continue;
    char *name = compare__qual3(tb, tb->cons[j]->name);
    char *d = compare__constraint_text(tb->cons[j]);
    compare__add(out, CMP_EXTRA, CMPO_CONSTRAINT, name, "%s", d);
    free(d);
    free(name);
  }
  free(used);
  free(done);
}

static bool compare__index_same(const SchemaIndex *a, const SchemaIndex *b, bool lenient) {
  if (a->unique != b->unique) return false;
  if (lenient && a->ncols == 0) return true;
  return compare__lists_eq(a->cols, a->ncols, b->cols, b->ncols, true);
}

static void compare__indexes(const SchemaTable *ta, const SchemaTable *tb, bool lenient,
                             bool only_missing, CompareList *out) {
  bool *used = xcalloc(tb->nindexes + 1, sizeof *used);
  bool *done = xcalloc(ta->nindexes + 1, sizeof *done);
  for (size_t k = 0; k < ta->nindexes; k++) {
    const SchemaIndex *a = ta->indexes[k];
    if (!compare__name_known(a->name, lenient)) continue;
    for (size_t j = 0; j < tb->nindexes; j++) {
      const SchemaIndex *b = tb->indexes[j];
      if (used[j] || !b->name || strcmp(b->name, a->name)) continue;
      used[j] = done[k] = true;
      if (!compare__index_same(a, b, lenient)) {
        char *name = compare__qual3(ta, a->name);
        char *da = compare__index_text(a), *db = compare__index_text(b);
        compare__add(out, CMP_CHANGED, CMPO_INDEX, name, "%s vs %s", da, db);
        free(da);
        free(db);
        free(name);
      }
      break;
    }
  }
  for (size_t k = 0; lenient && k < ta->nindexes; k++) {
    if (done[k] || compare__name_known(ta->indexes[k]->name, lenient) || !ta->indexes[k]->ncols)
      continue;
    for (size_t j = 0; j < tb->nindexes; j++) {
      if (used[j] || !compare__index_same(ta->indexes[k], tb->indexes[j], false)) continue;
      used[j] = done[k] = true;
      break;
    }
  }
  for (size_t k = 0; k < ta->nindexes; k++) {
    if (done[k]) continue;
    char *name = compare__qual3(ta, ta->indexes[k]->name);
    char *d = compare__index_text(ta->indexes[k]);
    compare__add(out, CMP_MISSING, CMPO_INDEX, name, "%s", d);
    free(d);
    free(name);
  }
  for (size_t j = 0; j < tb->nindexes && !only_missing; j++) {
    if (used[j]) continue;
    char *name = compare__qual3(tb, tb->indexes[j]->name);
    char *d = compare__index_text(tb->indexes[j]);
    compare__add(out, CMP_EXTRA, CMPO_INDEX, name, "%s", d);
    free(d);
    free(name);
  }
  free(used);
  free(done);
}

static char *compare__values_text(const SchemaEnum *e) {
  Buf b = BUF_INIT;
  buf_putc(&b, '(');
  for (size_t k = 0; k < e->nvalues; k++) buf_printf(&b, "%s'%s'", k ? ", " : "", e->values[k]);
  buf_putc(&b, ')');
  return buf_detach(&b);
}

static bool compare__has_value(const SchemaEnum *e, const char *v) {
  for (size_t k = 0; k < e->nvalues; k++)
    if (!strcmp(e->values[k], v)) return true;
  return false;
}

static void compare__enum(const SchemaEnum *a, const SchemaEnum *b, CompareList *out) {
  char *ename = compare__qual(a->schema, a->name);
  bool membership_differs = false;
  for (size_t k = 0; k < a->nvalues; k++) {
    if (compare__has_value(b, a->values[k])) continue;
    membership_differs = true;
    Buf n = BUF_INIT;
    buf_printf(&n, "%s.%s", ename, a->values[k]);
    compare__add(out, CMP_MISSING, CMPO_ENUM_VALUE, buf_cstr(&n), "'%s'", a->values[k]);
    buf_free(&n);
  }
  for (size_t k = 0; k < b->nvalues; k++) {
    if (compare__has_value(a, b->values[k])) continue;
    membership_differs = true;
    Buf n = BUF_INIT;
    buf_printf(&n, "%s.%s", ename, b->values[k]);
    compare__add(out, CMP_EXTRA, CMPO_ENUM_VALUE, buf_cstr(&n), "'%s'", b->values[k]);
    buf_free(&n);
  }
  if (!membership_differs && !compare__lists_eq(a->values, a->nvalues, b->values, b->nvalues, false)) {
    char *va = compare__values_text(a), *vb = compare__values_text(b);
    compare__add(out, CMP_CHANGED, CMPO_ENUM, ename, "order of values %s vs %s", va, vb);
    free(va);
    free(vb);
  }
  free(ename);
}

void compare_schemas(const Schema *a, const Schema *b, const CompareOptions *o, CompareList *out) {
  bool lenient = o && o->lenient;
  size_t from = out->len;
  for (size_t k = 0; k < a->ntables; k++) {
    const SchemaTable *ta = a->tables[k];
    const SchemaTable *tb = schema_table(b, ta->schema, ta->name);
    if (!tb) {
      char *name = compare__qual(ta->schema, ta->name);
      compare__add(out, CMP_MISSING, CMPO_TABLE, name, "%zu column%s", ta->ncols,
                   ta->ncols == 1 ? "" : "s");
      free(name);
      continue;
    }
    compare__columns(ta, tb, lenient, out);
    // A table the fold knows by name only (raw SQL, dynamic code): its columns and
    // constraints are unknown, and only the indexes the fold saw can be missing.
    bool name_only = lenient && ta->ncols == 0;
    if (!name_only) compare__constraints(ta, tb, lenient, out);
    compare__indexes(ta, tb, lenient, name_only, out);
  }
  for (size_t k = 0; k < b->ntables; k++) {
    const SchemaTable *tb = b->tables[k];
    if (schema_table(a, tb->schema, tb->name)) continue;
    char *name = compare__qual(tb->schema, tb->name);
    compare__add(out, CMP_EXTRA, CMPO_TABLE, name, "%zu column%s", tb->ncols,
                 tb->ncols == 1 ? "" : "s");
    free(name);
  }
  for (size_t k = 0; k < a->nenums; k++) {
    const SchemaEnum *ea = a->enums[k];
    const SchemaEnum *eb = schema_enum(b, ea->schema, ea->name);
    if (eb) {
      compare__enum(ea, eb, out);
      continue;
    }
    char *name = compare__qual(ea->schema, ea->name);
    char *v = compare__values_text(ea);
    compare__add(out, CMP_MISSING, CMPO_ENUM, name, "ENUM %s", v);
    free(v);
    free(name);
  }
  for (size_t k = 0; k < b->nenums; k++) {
    const SchemaEnum *eb = b->enums[k];
    if (schema_enum(a, eb->schema, eb->name)) continue;
    char *name = compare__qual(eb->schema, eb->name);
    char *v = compare__values_text(eb);
    compare__add(out, CMP_EXTRA, CMPO_ENUM, name, "ENUM %s", v);
    free(v);
    free(name);
  }
  // Sequences are known by name only (schema.h); a dotted name is already qualified.
  for (size_t k = 0; k < a->nsequences; k++) {
    if (schema_sequence_has(b, a->sequences[k])) continue;
    char *name = strchr(a->sequences[k], '.') ? xstrdup(a->sequences[k])
                                               : compare__qual(NULL, a->sequences[k]);
    compare__add(out, CMP_MISSING, CMPO_SEQUENCE, name, "SEQUENCE");
    free(name);
  }
  for (size_t k = 0; k < b->nsequences; k++) {
    if (schema_sequence_has(a, b->sequences[k])) continue;
    char *name = strchr(b->sequences[k], '.') ? xstrdup(b->sequences[k])
                                               : compare__qual(NULL, b->sequences[k]);
    compare__add(out, CMP_EXTRA, CMPO_SEQUENCE, name, "SEQUENCE");
    free(name);
  }
  compare__sort(out, from);
}

/* ---- what the migrations create ------------------------------------------------ */

typedef VEC(const Revision *) RevVec;

static bool compare__seen(const RevVec *v, const Revision *r) {
  for (size_t k = 0; k < v->len; k++)
    if (v->items[k] == r) return true;
  return false;
}

/* Post-order walk: parents (down_revision, then depends_on) before the revision. */
static void compare__walk(const Graph *g, const Revision *r, RevVec *visiting, RevVec *order) {
  if (!r || compare__seen(order, r) || compare__seen(visiting, r)) return;
  vec_push(visiting, r);
  for (size_t k = 0; k < r->ndown; k++) compare__walk(g, graph_get(g, r->down[k]), visiting, order);
  for (size_t k = 0; k < r->ndepends_on; k++)
    compare__walk(g, graph_get(g, r->depends_on[k]), visiting, order);
  vec_push(order, r);
}

/* Whether the fold models `op` only in part (see CompareExpected.partial). */
static bool compare__op_partial(const FoldOp *op) {
  if (op->kind == FOP_OTHER)
    return !op->method || (strcmp(op->method, "create_table_comment") &&
                           strcmp(op->method, "drop_table_comment"));
  if (op->kind != FOP_EXECUTE) return false;
  for (size_t k = 0; k < op->nstmts; k++) {
    const FoldSql *st = &op->stmts[k];
    switch (st->kind) {
    case FSQL_SELECT: case FSQL_INSERT: case FSQL_UPDATE: case FSQL_DELETE: case FSQL_TRUNCATE:
    case FSQL_CREATE_ENUM: case FSQL_ALTER_TYPE_ADD_VALUE: case FSQL_ALTER_TYPE_RENAME:
    case FSQL_DROP_TYPE: case FSQL_DROP_TABLE: case FSQL_CREATE_INDEX: case FSQL_DROP_INDEX:
      break;
    case FSQL_CREATE_OTHER: case FSQL_DROP_OTHER:
      if (!st->what || strcmp(st->what, "sequence")) return true;
      break;
    default:
      return true;
    }
  }
  return false;
}

void compare_expected_schema(const Graph *g, const char *const *rows, size_t nrows,
                             CompareExpected *out) {
  memset(out, 0, sizeof *out);
  out->schema = schema_new();
  RevVec visiting = {0}, order = {0};
  out->unknown = xcalloc(nrows + 1, sizeof *out->unknown);
  for (size_t k = 0; k < nrows; k++) {
    Revision *r = graph_get(g, rows[k]);
    if (!r) {
      out->unknown[out->nunknown++] = rows[k];
      continue;
    }
    compare__walk(g, r, &visiting, &order);
  }
  out->dynamic = xcalloc(order.len + 1, sizeof *out->dynamic);
  out->partial = xcalloc(order.len + 1, sizeof *out->partial);
  for (size_t k = 0; k < order.len; k++) {
    const Revision *r = order.items[k];
    schema_mark_existing(out->schema);
    if (r->mode != REV_PARSE_FULL || !r->upgrade.is_static) out->dynamic[out->ndynamic++] = r;
    if (r->mode != REV_PARSE_FULL) continue;
    Arena *a = arena_new();
    FoldOpList ops = fold_ops_read(a, &r->upgrade);
    fold_ops(out->schema, &ops);
    bool partial = false;
    for (size_t j = 0; j < ops.len && !partial; j++) partial = compare__op_partial(&ops.items[j]);
    if (partial && r->upgrade.is_static) out->partial[out->npartial++] = r;
    arena_delete(a);
  }
  out->nrevisions = order.len;
  vec_free(&visiting);
  vec_free(&order);
}

void compare_expected_free(CompareExpected *e) {
  if (!e) return;
  schema_delete(e->schema);
  free(e->dynamic);
  free(e->partial);
  free(e->unknown);
  memset(e, 0, sizeof *e);
}

/* ---- snapshots ------------------------------------------------------------------ */

void snapshot_add(Snapshot *s, CompareObject object, const char *name, const char *def) {
  if (s->len == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 64;
    s->items = xrealloc(s->items, s->cap * sizeof *s->items);
  }
  SnapshotEntry *e = &s->items[s->len++];
  e->object = object;
  e->name = xstrdup(name ? name : "");
  e->def = xstrdup(def ? def : "");
}

void snapshot_free(Snapshot *s) {
  if (!s) return;
  for (size_t k = 0; k < s->len; k++) {
    free(s->items[k].name);
    free(s->items[k].def);
  }
  free(s->items);
  s->items = NULL;
  s->len = s->cap = 0;
}

static int compare__entry_cmp(const void *x, const void *y) {
  const SnapshotEntry *a = *(const SnapshotEntry *const *)x, *b = *(const SnapshotEntry *const *)y;
  if (a->object != b->object) return a->object < b->object ? -1 : 1;
  return strcmp(a->name, b->name);
}

static const SnapshotEntry **compare__sorted(const Snapshot *s) {
  const SnapshotEntry **v = xmalloc((s->len + 1) * sizeof *v);
  for (size_t k = 0; k < s->len; k++) v[k] = &s->items[k];
  if (s->len > 1) qsort(v, s->len, sizeof *v, compare__entry_cmp);
  return v;
}

void compare_snapshots(const Snapshot *a, const Snapshot *b, CompareList *out) {
  size_t from = out->len;
  const SnapshotEntry **va = compare__sorted(a), **vb = compare__sorted(b);
  size_t i = 0, j = 0;
  while (i < a->len || j < b->len) {
    int c = i >= a->len ? 1 : j >= b->len ? -1 : compare__entry_cmp(&va[i], &vb[j]);
    if (c < 0) {
      compare__add(out, CMP_MISSING, va[i]->object, va[i]->name, "%s", va[i]->def);
      i++;
    } else if (c > 0) {
      compare__add(out, CMP_EXTRA, vb[j]->object, vb[j]->name, "%s", vb[j]->def);
      j++;
    } else {
      if (strcmp(va[i]->def, vb[j]->def))
        compare__add(out, CMP_CHANGED, va[i]->object, va[i]->name, "%s vs %s", va[i]->def,
                     vb[j]->def);
      i++;
      j++;
    }
  }
  free(va);
  free(vb);
  compare__sort(out, from);
}

/* schema.c - the static schema: tables, columns, indexes, constraints, enums, sequences. */
#include "server/schema/schema.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/buf.h"
#include "server/base/mem.h"

/* PostgreSQL's identifier length (NAMEDATALEN - 1). */
static const size_t SCHEMA_MAX_IDENT = 63;

const char *constraint_kind_name(ConstraintKind k) {
  switch (k) {
  case CON_PRIMARY_KEY: return "primary key";
  case CON_UNIQUE: return "unique";
  case CON_FOREIGN_KEY: return "foreign key";
  case CON_CHECK: return "check";
  }
  return "constraint";
}

/* Appends to a malloc'd pointer array (items, len, cap). */
static void schema__push(void ***items, size_t *len, size_t *cap, void *x) {
  if (*len == *cap) {
    *cap = *cap ? *cap * 2 : 8;
    *items = xrealloc(*items, *cap * sizeof(void *));
  }
  (*items)[(*len)++] = x;
}
#define PUSH(arr, len, cap, x) schema__push((void ***)&(arr), &(len), &(cap), (x))

static void schema__remove(void **items, size_t *len, size_t k) {
  memmove(&items[k], &items[k + 1], (*len - k - 1) * sizeof(void *));
  (*len)--;
}

static const char *schema__dup(Schema *s, const char *x) { return x ? arena_strdup(s->arena, x) : NULL; }

const char *schema_strdup(Schema *s, const char *x) { return schema__dup(s, x); }

static const char **schema__dup_list(Schema *s, const char *const *v, size_t n) {
  const char **out = ARENA_ARRAY(s->arena, const char *, n ? n : 1);
  for (size_t k = 0; k < n; k++) out[k] = schema__dup(s, v[k]);
  return out;
}

static bool schema__same_schema(const char *a, const char *b) {
  if (!a) a = "public";
  if (!b) b = "public";
  return !strcmp(a, b);
}

static bool schema__eq(const char *a, const char *b) { return a && b && !strcmp(a, b); }

Schema *schema_new(void) {
  Schema *s = xcalloc(1, sizeof *s);
  s->arena = arena_new();
  return s;
}

static void schema__table_free(SchemaTable *t) {
  free(t->cols);
  free(t->indexes);
  free(t->cons);
}

void schema_delete(Schema *s) {
  if (!s) return;
  for (size_t k = 0; k < s->ntables; k++) schema__table_free(s->tables[k]);
  free(s->tables);
  free(s->enums);
  free(s->sequences);
  arena_delete(s->arena);
  free(s);
}

Schema *schema_clone(const Schema *s) {
  Schema *c = schema_new();
  for (size_t k = 0; k < s->ntables; k++) {
    const SchemaTable *t = s->tables[k];
    SchemaTable *n = schema_table_add(c, t->schema, t->name);
    n->is_new = t->is_new;
    n->comment = schema__dup(c, t->comment);
    for (size_t j = 0; j < t->ncols; j++) {
      const SchemaColumn *col = t->cols[j];
      SchemaColumn *nc = schema_column_add(c, n, col->name, col->type, col->nullable, col->server_default);
      nc->identity = col->identity;
      nc->identity_kind = col->identity_kind;
      nc->comment = schema__dup(c, col->comment);
    }
    for (size_t j = 0; j < t->nindexes; j++) {
      const SchemaIndex *ix = t->indexes[j];
      SchemaIndex *ni = schema_index_add(c, n, ix->name, ix->cols, ix->ncols, ix->unique);
      ni->where = schema__dup(c, ix->where);
      ni->method = schema__dup(c, ix->method);
    }
    for (size_t j = 0; j < t->ncons; j++) schema_constraint_add(c, n, t->cons[j]);
  }
  for (size_t k = 0; k < s->nenums; k++) {
    const SchemaEnum *e = s->enums[k];
    schema_enum_add(c, e->schema, e->name, e->values, e->nvalues);
  }
  for (size_t k = 0; k < s->nsequences; k++) schema_sequence_add(c, s->sequences[k]);
  return c;
}

Schema *schema_clone_enums(const Schema *s) {
  Schema *c = schema_new();
  for (size_t k = 0; k < s->nenums; k++)
    schema_enum_add(c, s->enums[k]->schema, s->enums[k]->name, s->enums[k]->values,
                    s->enums[k]->nvalues);
  return c;
}

void schema_mark_existing(Schema *s) {
  for (size_t k = 0; k < s->ntables; k++) s->tables[k]->is_new = false;
}

static size_t schema__table_pos(const Schema *s, const char *schema, const char *name) {
  for (size_t k = 0; k < s->ntables; k++)
    if (schema__eq(s->tables[k]->name, name) && schema__same_schema(s->tables[k]->schema, schema))
      return k;
  return (size_t)-1;
}

SchemaTable *schema_table(const Schema *s, const char *schema, const char *name) {
  if (!name) return NULL;
  size_t k = schema__table_pos(s, schema, name);
  return k == (size_t)-1 ? NULL : s->tables[k];
}

SchemaTable *schema_table_add(Schema *s, const char *schema, const char *name) {
  SchemaTable *t = schema_table(s, schema, name);
  if (t) {
    t->is_new = true;
    return t;
  }
  t = ARENA_NEW(s->arena, SchemaTable);
  t->schema = schema__dup(s, schema);
  t->name = schema__dup(s, name);
  t->is_new = true;
  PUSH(s->tables, s->ntables, s->captables, t);
  return t;
}

bool schema_table_drop(Schema *s, const char *schema, const char *name) {
  size_t k = schema__table_pos(s, schema, name);
  if (k == (size_t)-1) return false;
  schema__table_free(s->tables[k]);
  schema__remove((void **)s->tables, &s->ntables, k);
  return true;
}

bool schema_table_rename(Schema *s, const char *schema, const char *name, const char *new_name) {
  SchemaTable *t = schema_table(s, schema, name);
  if (!t) return false;
  t->name = schema__dup(s, new_name);
  return true;
}

static size_t schema__col_pos(const SchemaTable *t, const char *name) {
  for (size_t k = 0; k < t->ncols; k++)
    if (schema__eq(t->cols[k]->name, name)) return k;
  return (size_t)-1;
}

SchemaColumn *schema_column(const SchemaTable *t, const char *name) {
  if (!t || !name) return NULL;
  size_t k = schema__col_pos(t, name);
  return k == (size_t)-1 ? NULL : t->cols[k];
}

SchemaColumn *schema_column_add(Schema *s, SchemaTable *t, const char *name, const char *type,
                                bool nullable, const char *server_default) {
  SchemaColumn *c = schema_column(t, name);
  if (!c) {
    c = ARENA_NEW(s->arena, SchemaColumn);
    c->name = schema__dup(s, name);
    PUSH(t->cols, t->ncols, t->capcols, c);
  }
  c->type = schema__dup(s, type);
  c->nullable = nullable;
  c->server_default = schema__dup(s, server_default);
  return c;
}

static bool schema__list_has(const char *const *v, size_t n, const char *x) {
  for (size_t k = 0; k < n; k++)
    if (schema__eq(v[k], x)) return true;
  return false;
}

bool schema_column_drop(SchemaTable *t, const char *name) {
  size_t k = schema__col_pos(t, name);
  if (k == (size_t)-1) return false;
  schema__remove((void **)t->cols, &t->ncols, k);
  for (size_t j = t->nindexes; j-- > 0;)
    if (schema__list_has(t->indexes[j]->cols, t->indexes[j]->ncols, name))
      schema__remove((void **)t->indexes, &t->nindexes, j);
  for (size_t j = t->ncons; j-- > 0;)
    if (schema__list_has(t->cons[j]->cols, t->cons[j]->ncols, name))
      schema__remove((void **)t->cons, &t->ncons, j);
  return true;
}

static void schema__rename_in(Schema *s, const char **v, size_t n, const char *from, const char *to) {
  for (size_t k = 0; k < n; k++)
    if (schema__eq(v[k], from)) v[k] = schema__dup(s, to);
}

bool schema_column_rename(Schema *s, SchemaTable *t, const char *name, const char *new_name) {
  SchemaColumn *c = schema_column(t, name);
  if (!c) return false;
  c->name = schema__dup(s, new_name);
  for (size_t j = 0; j < t->nindexes; j++)
    schema__rename_in(s, t->indexes[j]->cols, t->indexes[j]->ncols, name, new_name);
  for (size_t j = 0; j < t->ncons; j++)
    schema__rename_in(s, t->cons[j]->cols, t->cons[j]->ncols, name, new_name);
  return true;
}

SchemaIndex *schema_index(const Schema *s, const char *schema, const char *name,
                          SchemaTable **table_out) {
  if (!name) return NULL;
  for (size_t k = 0; k < s->ntables; k++) {
    SchemaTable *t = s->tables[k];
    if (!schema__same_schema(t->schema, schema)) continue;
    for (size_t j = 0; j < t->nindexes; j++)
      if (schema__eq(t->indexes[j]->name, name)) {
        if (table_out) *table_out = t;
        return t->indexes[j];
      }
  }
  return NULL;
}

SchemaIndex *schema_index_add(Schema *s, SchemaTable *t, const char *name,
                              const char *const *cols, size_t ncols, bool unique) {
  SchemaIndex *ix = ARENA_NEW(s->arena, SchemaIndex);
  ix->name = schema__dup(s, name);
  ix->cols = schema__dup_list(s, cols, ncols);
  ix->ncols = ncols;
  ix->unique = unique;
  PUSH(t->indexes, t->nindexes, t->capindexes, ix);
  return ix;
}

bool schema_index_drop(Schema *s, const char *schema, const char *name) {
  SchemaTable *t = NULL;
  SchemaIndex *ix = schema_index(s, schema, name, &t);
  if (!ix) return false;
  for (size_t j = 0; j < t->nindexes; j++)
    if (t->indexes[j] == ix) {
      schema__remove((void **)t->indexes, &t->nindexes, j);
      break;
    }
  return true;
}

SchemaConstraint *schema_constraint(const SchemaTable *t, const char *name) {
  if (!t || !name) return NULL;
  for (size_t k = 0; k < t->ncons; k++)
    if (schema__eq(t->cons[k]->name, name)) return t->cons[k];
  return NULL;
}

SchemaConstraint *schema_constraint_add(Schema *s, SchemaTable *t, const SchemaConstraint *c) {
  SchemaConstraint *n = ARENA_NEW(s->arena, SchemaConstraint);
  n->kind = c->kind;
  n->name = schema__dup(s, c->name);
  n->cols = schema__dup_list(s, c->cols, c->ncols);
  n->ncols = c->ncols;
  n->ref_table = schema__dup(s, c->ref_table);
  n->ref_cols = schema__dup_list(s, c->ref_cols, c->nref_cols);
  n->nref_cols = c->nref_cols;
  n->expr = schema__dup(s, c->expr);
  n->not_valid = c->not_valid;
  n->ref_schema = schema__dup(s, c->ref_schema);
  n->ondelete = schema__dup(s, c->ondelete);
  n->onupdate = schema__dup(s, c->onupdate);
  n->deferrable = c->deferrable;
  n->initially = schema__dup(s, c->initially);
  PUSH(t->cons, t->ncons, t->capcons, n);
  return n;
}

const char *schema_object_name(Arena *a, const char *name1, const char *name2, const char *label) {
  size_t overhead = 0, n1 = strlen(name1), n2 = name2 ? strlen(name2) : 0;
  if (name2) overhead++;
  if (label) overhead += strlen(label) + 1;
  size_t avail = SCHEMA_MAX_IDENT > overhead ? SCHEMA_MAX_IDENT - overhead : 0;
  while (n1 + n2 > avail) {
    if (n1 > n2)
      n1--;
    else
      n2--;
  }
  // pg_mbcliplen: never cut a UTF-8 sequence in two.
  while (n1 > 0 && ((unsigned char)name1[n1] & 0xC0) == 0x80) n1--;
  while (name2 && n2 > 0 && ((unsigned char)name2[n2] & 0xC0) == 0x80) n2--;
  Buf b = BUF_INIT;
  buf_append(&b, name1, n1);
  if (name2) {
    buf_putc(&b, '_');
    buf_append(&b, name2, n2);
  }
  if (label) buf_printf(&b, "_%s", label);
  char *out = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return out;
}

/* Whether `name` occurs in `expr` as a whole identifier. */
static bool schema__mentions(const char *expr, const char *name) {
  size_t nl = strlen(name);
  for (const char *p = expr; nl && (p = strstr(p, name)); p += nl) {
    bool left = p == expr || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
    bool right = !(isalnum((unsigned char)p[nl]) || p[nl] == '_');
    if (left && right) return true;
  }
  return false;
}

const char *schema_constraint_default_name(Arena *a, const SchemaTable *t, ConstraintKind kind,
                                           const char *const *cols, size_t ncols,
                                           const char *expr) {
  if (kind == CON_PRIMARY_KEY) return schema_object_name(a, t->name, NULL, "pkey");
  if (kind == CON_CHECK) {
    // tab_col_check when the condition uses exactly one column, else tab_check (heap.c).
    const char *only = NULL;
    size_t used = 0;
    for (size_t j = 0; expr && j < t->ncols; j++)
      if (schema__mentions(expr, t->cols[j]->name)) {
        used++;
        only = t->cols[j]->name;
      }
    return schema_object_name(a, t->name, used == 1 ? only : NULL, "check");
  }
  // ChooseIndexColumnNames / ChooseForeignKeyConstraintNameAddition: the columns joined
  // by '_', bounded by NAMEDATALEN.
  Buf b = BUF_INIT;
  for (size_t k = 0; k < ncols && b.len < SCHEMA_MAX_IDENT; k++)
    buf_printf(&b, "%s%s", k ? "_" : "", cols[k]);
  if (b.len > SCHEMA_MAX_IDENT) b.len = SCHEMA_MAX_IDENT, b.data[b.len] = '\0';
  const char *out = schema_object_name(a, t->name, buf_cstr(&b), kind == CON_UNIQUE ? "key" : "fkey");
  buf_free(&b);
  return out;
}

bool schema_constraint_drop(SchemaTable *t, const char *name) {
  for (size_t k = 0; t && name && k < t->ncons; k++)
    if (schema__eq(t->cons[k]->name, name)) {
      schema__remove((void **)t->cons, &t->ncons, k);
      return true;
    }
  // An unnamed constraint is known to PostgreSQL by the name it gave it.
  bool dropped = false;
  Arena *a = NULL;
  for (size_t k = 0; t && name && k < t->ncons && !dropped; k++) {
    const SchemaConstraint *c = t->cons[k];
    if (c->name) continue;
    if (!a) a = arena_new();
    if (!strcmp(schema_constraint_default_name(a, t, c->kind, c->cols, c->ncols, c->expr), name)) {
      schema__remove((void **)t->cons, &t->ncons, k);
      dropped = true;
    }
  }
  arena_delete(a);
  return dropped;
}

static size_t schema__enum_pos(const Schema *s, const char *schema, const char *name) {
  for (size_t k = 0; name && k < s->nenums; k++)
    if (schema__eq(s->enums[k]->name, name) && schema__same_schema(s->enums[k]->schema, schema))
      return k;
  return (size_t)-1;
}

SchemaEnum *schema_enum(const Schema *s, const char *schema, const char *name) {
  size_t k = schema__enum_pos(s, schema, name);
  return k == (size_t)-1 ? NULL : s->enums[k];
}

SchemaEnum *schema_enum_add(Schema *s, const char *schema, const char *name,
                            const char *const *values, size_t nvalues) {
  SchemaEnum *e = schema_enum(s, schema, name);
  if (!e) {
    e = ARENA_NEW(s->arena, SchemaEnum);
    e->schema = schema__dup(s, schema);
    e->name = schema__dup(s, name);
    PUSH(s->enums, s->nenums, s->capenums, e);
  }
  e->values = schema__dup_list(s, values, nvalues);
  e->nvalues = nvalues;
  return e;
}

bool schema_enum_add_value(Schema *s, SchemaEnum *e, const char *value) {
  if (schema__list_has(e->values, e->nvalues, value)) return false;
  const char **v = ARENA_ARRAY(s->arena, const char *, e->nvalues + 1);
  if (e->nvalues) memcpy(v, e->values, e->nvalues * sizeof *v);
  v[e->nvalues] = schema__dup(s, value);
  e->values = v;
  e->nvalues++;
  return true;
}

bool schema_enum_insert_value(Schema *s, SchemaEnum *e, const char *value, const char *before,
                              const char *after) {
  if (schema__list_has(e->values, e->nvalues, value)) return false;
  size_t at = e->nvalues;
  for (size_t k = 0; k < e->nvalues; k++) {
    if (before && !strcmp(e->values[k], before)) at = k;
    if (after && !strcmp(e->values[k], after)) at = k + 1;
  }
  const char **v = ARENA_ARRAY(s->arena, const char *, e->nvalues + 1);
  if (at) memcpy(v, e->values, at * sizeof *v);
  v[at] = schema__dup(s, value);
  if (e->nvalues > at) memcpy(v + at + 1, e->values + at, (e->nvalues - at) * sizeof *v);
  e->values = v;
  e->nvalues++;
  return true;
}

bool schema_enum_drop(Schema *s, const char *schema, const char *name) {
  size_t k = schema__enum_pos(s, schema, name);
  if (k == (size_t)-1) return false;
  schema__remove((void **)s->enums, &s->nenums, k);
  return true;
}

bool schema_enum_rename(Schema *s, const char *schema, const char *name, const char *new_name) {
  SchemaEnum *e = schema_enum(s, schema, name);
  if (!e) return false;
  e->name = schema__dup(s, new_name);
  return true;
}

bool schema_sequence_has(const Schema *s, const char *name) {
  return schema__list_has(s->sequences, s->nsequences, name);
}

void schema_sequence_add(Schema *s, const char *name) {
  if (!schema_sequence_has(s, name))
    PUSH(s->sequences, s->nsequences, s->capsequences, (void *)schema__dup(s, name));
}

bool schema_sequence_drop(Schema *s, const char *name) {
  for (size_t k = 0; k < s->nsequences; k++)
    if (schema__eq(s->sequences[k], name)) {
      schema__remove((void **)s->sequences, &s->nsequences, k);
      return true;
    }
  return false;
}

static bool schema__covers(const char *const *have, size_t nhave, const char *const *cols, size_t n) {
  if (nhave < n || n == 0) return false;
  for (size_t k = 0; k < n; k++)
    if (!schema__list_has(have, n, cols[k])) return false;
  return true;
}

bool schema_table_has_index_on(const SchemaTable *t, const char *const *cols, size_t ncols) {
  for (size_t k = 0; k < t->nindexes; k++)
    if (schema__covers(t->indexes[k]->cols, t->indexes[k]->ncols, cols, ncols)) return true;
  for (size_t k = 0; k < t->ncons; k++) {
    const SchemaConstraint *c = t->cons[k];
    if ((c->kind == CON_PRIMARY_KEY || c->kind == CON_UNIQUE) &&
        schema__covers(c->cols, c->ncols, cols, ncols))
      return true;
  }
  return false;
}

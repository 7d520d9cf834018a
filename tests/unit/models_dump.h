/* models_dump.h - a ModelSet printed in the canonical text of
 * tests/fixtures/models/dump_metadata.py (which prints what SQLAlchemy itself builds from
 * the same files), so that the two can be compared line for line. */
#ifndef RETORT_TESTS_MODELS_DUMP_H
#define RETORT_TESTS_MODELS_DUMP_H
#include <stdlib.h>
#include <string.h>

#include "server/base/buf.h"
#include "server/schema/models.h"
#include "server/schema/schema.h"
#include "server/sql/sql.h"

static int models_dump__cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *models_dump__label(Arena *a, const ModelTable *t) {
  return t->schema ? arena_printf(a, "%s.%s", t->schema, t->name) : t->name;
}

static void models_dump__names(Buf *b, const char *const *v, size_t n) {
  for (size_t k = 0; k < n; k++) buf_printf(b, "%s%s", k ? ", " : "", v[k] ? v[k] : "?");
}

static void models_dump__default(Arena *a, Buf *b, const MigDefault *d) {
  switch (d->kind) {
  case DEF_STRING: buf_printf(b, " default=%s", sql_quote_literal(a, d->text)); break;
  case DEF_SQL: case DEF_FUNC: buf_printf(b, " default=%s", d->text); break;
  default: break;
  }
}

/* The dump of table t (index i of the set); `sch` is models_schema of the set. */
static void models_dump__table(Arena *a, Buf *out, const ModelTable *t, const SchemaTable *st) {
  buf_printf(out, "table %s", models_dump__label(a, t));
  if (t->comment) buf_printf(out, " comment='%s'", t->comment);
  buf_putc(out, '\n');
  for (size_t j = 0; j < t->ncolumns; j++) {
    const MigColumn *c = &t->columns[j];
    const char *ty = c->dynamic ? NULL : sql_render_type(a, c->type);
    buf_printf(out, "  column %s %s %s", c->name ? c->name : "?", ty ? ty : "?",
               c->nullable == TRI_FALSE ? "NOT NULL" : "NULL");
    models_dump__default(a, out, &c->server_default);
    if (c->primary_key) buf_puts(out, " pk");
    if (st && j < st->ncols && st->cols[j]->identity && !c->identity.present) buf_puts(out, " serial");
    if (c->identity.present)
      buf_printf(out, " identity(%s)", c->identity.always ? "always" : "by default");
    if (c->computed.present) buf_printf(out, " computed(%s)", c->computed.sqltext);
    if (c->comment) buf_printf(out, " comment='%s'", c->comment);
    buf_putc(out, '\n');
  }
  const char **lines = malloc((t->nconstraints + t->nindexes + 1) * sizeof *lines);
  size_t n = 0;
  for (size_t j = 0; j < t->nconstraints; j++) {
    const MigConstraint *k = &t->constraints[j];
    Buf b = BUF_INIT;
    const char *name = k->name ? k->name : "-";
    switch (k->kind) {
    case CON_PRIMARY_KEY:
      buf_printf(out, "  pk %s (", name);
      models_dump__names(out, k->columns, k->ncolumns);
      buf_puts(out, ")\n");
      break;
    case CON_FOREIGN_KEY:
      buf_printf(&b, "fk %s (", name);
      models_dump__names(&b, k->columns, k->ncolumns);
      buf_printf(&b, ") -> %s%s%s(", k->fk.ref_schema ? k->fk.ref_schema : "",
                 k->fk.ref_schema ? "." : "", k->fk.ref_table);
      models_dump__names(&b, k->fk.ref_columns, k->fk.nref_columns);
      buf_putc(&b, ')');
      if (k->fk.ondelete) buf_printf(&b, " ondelete=%s", k->fk.ondelete);
      if (k->fk.onupdate) buf_printf(&b, " onupdate=%s", k->fk.onupdate);
      break;
    case CON_UNIQUE:
      buf_printf(&b, "unique %s (", name);
      models_dump__names(&b, k->columns, k->ncolumns);
      buf_putc(&b, ')');
      break;
    case CON_CHECK:
      buf_printf(&b, "check %s %s", name, k->condition ? k->condition : "?");
      break;
    }
    if (b.len) lines[n++] = arena_strdup(a, buf_cstr(&b));
    buf_free(&b);
  }
  size_t ncons = n;
  qsort(lines, ncons, sizeof *lines, models_dump__cmp_str);
  for (size_t j = 0; j < t->nindexes; j++) {
    const MigTableIndex *ix = &t->indexes[j];
    Buf b = BUF_INIT;
    buf_printf(&b, "index %s (", ix->name ? ix->name : "-");
    for (size_t k = 0; k < ix->nelems; k++) buf_printf(&b, "%s%s", k ? ", " : "", ix->elems[k].text);
    buf_printf(&b, ")%s", ix->unique ? " unique" : "");
    lines[n++] = arena_strdup(a, buf_cstr(&b));
    buf_free(&b);
  }
  qsort(lines + ncons, n - ncons, sizeof *lines, models_dump__cmp_str);
  for (size_t j = 0; j < n; j++) buf_printf(out, "  %s\n", lines[j]);
  free(lines);
}

typedef struct ModelsDumpOrd {
  const char *key;
  size_t i;
} ModelsDumpOrd;

static int models_dump__cmp_ord(const void *a, const void *b) {
  return strcmp(((const ModelsDumpOrd *)a)->key, ((const ModelsDumpOrd *)b)->key);
}

/* The whole set, tables by qualified name, then enum types by name. Caller frees. */
static char *models_dump(const ModelSet *m) {
  Arena *a = arena_new();
  Schema *s = models_schema(m);
  Buf out = BUF_INIT;
  ModelsDumpOrd *ord = malloc((m->ntables + 1) * sizeof *ord);
  for (size_t i = 0; i < m->ntables; i++) {
    ord[i].key = models_dump__label(a, &m->tables[i]);
    ord[i].i = i;
  }
  qsort(ord, m->ntables, sizeof *ord, models_dump__cmp_ord);
  for (size_t i = 0; i < m->ntables; i++)
    models_dump__table(a, &out, &m->tables[ord[i].i], s->tables[ord[i].i]);
  free(ord);
  const char **names = malloc((s->nenums + 1) * sizeof *names);
  for (size_t k = 0; k < s->nenums; k++) {
    Buf b = BUF_INIT;
    buf_printf(&b, "enum %s: ", s->enums[k]->name);
    models_dump__names(&b, s->enums[k]->values, s->enums[k]->nvalues);
    names[k] = arena_strdup(a, buf_cstr(&b));
    buf_free(&b);
  }
  qsort(names, s->nenums, sizeof *names, models_dump__cmp_str);
  for (size_t k = 0; k < s->nenums; k++) buf_printf(&out, "%s\n", names[k]);
  free(names);
  schema_delete(s);
  arena_delete(a);
  return buf_detach(&out);
}

#endif

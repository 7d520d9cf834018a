/* catalog.c - a live database read back from pg_catalog (Schema form, exact snapshot,
 * the session's locks), and the throwaway databases of round-trip verification. */
#include "server/db/catalog.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/db/db_internal.h"

/* Which relations are the user's: not in a system schema, not an extension's, not the
 * version table ($1: its quoted, possibly qualified name). Aliases: c (pg_class), n. */
#define CAT_USER_NS                                                                        \
  "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE "          \
  "'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
#define CAT_NOT_EXT(classid, oidexpr)                                                      \
  "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" classid "'::regclass AND "   \
  "e.objid = " oidexpr " AND e.deptype = 'e')"
#define CAT_USER_REL                                                                       \
  CAT_USER_NS " AND " CAT_NOT_EXT("pg_class", "c.oid") " AND c.oid IS DISTINCT FROM "      \
              "to_regclass($1)"

/* Lists come back joined with this separator (identifiers cannot hold it in practice). */
#define CAT_SEP "chr(1)"

static const char CAT_Q_COLUMNS[] =
    "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), "
    "  (t.typtype <> 'b' OR tn.nspname <> 'pg_catalog'), t.typname, "
    "  (et.oid IS NOT NULL), (et.typtype <> 'b' OR etn.nspname <> 'pg_catalog'), et.typname, "
    "  a.attnotnull, CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END, "
    "  (a.attidentity <> '' OR pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), "
    "                                                 a.attname) IS NOT NULL), "
    "  col_description(c.oid, a.attnum), obj_description(c.oid, 'pg_class'), a.attidentity "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "LEFT JOIN pg_type t ON t.oid = a.atttypid "
    "LEFT JOIN pg_namespace tn ON tn.oid = t.typnamespace "
    "LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A' "
    "LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace "
    "LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
    "WHERE c.relkind IN ('r', 'p') AND " CAT_USER_REL " "
    "ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\", a.attnum";

static const char CAT_Q_CONSTRAINTS[] =
    "SELECT n.nspname, c.relname, con.conname, con.contype::text, con.convalidated, "
    "  array_to_string(ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord) "
    "    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord), "
    CAT_SEP "), "
    "  fc.relname, "
    "  array_to_string(ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord) "
    "    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord), "
    CAT_SEP "), "
    "  CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END, "
    "  fn.nspname, con.confdeltype::text, con.confupdtype::text, con.condeferrable, "
    "  con.condeferred "
    "FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_class fc ON fc.oid = con.confrelid "
    "LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace "
    "WHERE con.contype IN ('p', 'u', 'f', 'c') AND c.relkind IN ('r', 'p') AND " CAT_USER_REL " "
    "ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\", con.conname COLLATE \"C\"";

static const char CAT_Q_INDEXES[] =
    "SELECT n.nspname, c.relname, i.relname, x.indisunique, "
    "  array_to_string(ARRAY(SELECT CASE WHEN x.indkey[k - 1] <> 0 THEN "
    "      (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = x.indrelid "
    "         AND a.attnum = x.indkey[k - 1]) "
    "    ELSE pg_get_indexdef(x.indexrelid, k, true) END "
    // indoption: bit 0 DESC, bit 1 NULLS FIRST; written only when not the default
    "    || CASE x.indoption[k - 1] & 3 WHEN 1 THEN ' DESC NULLS LAST' WHEN 2 THEN ' NULLS FIRST' "
    "         WHEN 3 THEN ' DESC' ELSE '' END "
    "    FROM generate_series(1, x.indnkeyatts) k ORDER BY k), " CAT_SEP "), "
    "  pg_get_expr(x.indpred, x.indrelid), am.amname "
    "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
    "JOIN pg_am am ON am.oid = i.relam "
    "JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND " CAT_USER_REL " "
    "  AND NOT EXISTS (SELECT 1 FROM pg_constraint k2 WHERE k2.conindid = x.indexrelid "
    "                    AND k2.conrelid = x.indrelid AND k2.contype IN ('p', 'u', 'x')) "
    "ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\", i.relname COLLATE \"C\"";

static const char CAT_Q_ENUMS[] =
    "SELECT n.nspname, t.typname, "
    "  array_to_string(ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid "
    "    ORDER BY e.enumsortorder), " CAT_SEP "), "
    "  (SELECT count(*) FROM pg_enum e WHERE e.enumtypid = t.oid) "
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
    "WHERE t.typtype = 'e' AND " CAT_USER_NS " AND " CAT_NOT_EXT("pg_type", "t.oid") " "
    "  AND $1::text IS NOT NULL "
    "ORDER BY n.nspname COLLATE \"C\", t.typname COLLATE \"C\"";

static const char CAT_Q_SEQUENCES[] =
    "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'S' AND " CAT_USER_REL " "
    "  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
    "    AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass "
    "    AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0) "
    "ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"";

/* ---- running queries ------------------------------------------------------------ */

/* The version table's quoted name, for to_regclass($1). Caller frees. */
static char *catalog__vt_name(Db *db, const char *vt_schema, const char *vt_table) {
  if (!vt_table || !*vt_table) vt_table = "alembic_version";
  Buf b = BUF_INIT;
  if (vt_schema && *vt_schema) {
    char *qs = PQescapeIdentifier(db->conn, vt_schema, strlen(vt_schema));
    buf_printf(&b, "%s.", qs ? qs : "\"?\"");
    if (qs) PQfreemem(qs);
  }
  char *qt = PQescapeIdentifier(db->conn, vt_table, strlen(vt_table));
  buf_puts(&b, qt ? qt : "\"?\"");
  if (qt) PQfreemem(qt);
  return buf_detach(&b);
}

/* Runs `sql` with $1 = param (may be NULL: no parameters), expecting rows. */
static PGresult *catalog__query(Db *db, const char *what, const char *sql, const char *param,
                                RtError *err) {
  const char *params[1] = {param};
  PGresult *r = PQexecParams(db->conn, sql, param ? 1 : 0, NULL, param ? params : NULL, NULL,
                             NULL, 0);
  if (PQresultStatus(r) == PGRES_TUPLES_OK) return r;
  char why[1024];
  const char *msg = r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r)
                                                    : db_conn_error(db->conn, why, sizeof why);
  error_set(err, ERR_DB, "cannot read the %s of %s: %.*s; nothing was changed", what,
            db->target.masked ? db->target.masked : "the database", (int)strcspn(msg, "\n"),
            msg);
  PQclear(r);
  return NULL;
}

static const char *catalog__get(const PGresult *r, int row, int col) {
  return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static bool catalog__bool(const PGresult *r, int row, int col) {
  const char *v = catalog__get(r, row, col);
  return v && v[0] == 't';
}

/* "a\1b\1c" → {"a", "b", "c"} in the schema's arena. */
static const char **catalog__split(Schema *s, const char *v, size_t *n) {
  *n = 0;
  if (!v || !*v) return NULL;
  size_t cnt = 1;
  for (const char *p = v; *p; p++) cnt += *p == '\1';
  const char **out = ARENA_ARRAY(s->arena, const char *, cnt);
  const char *start = v;
  for (const char *p = v;; p++) {
    if (*p == '\1' || !*p) {
      out[(*n)++] = arena_strndup(s->arena, start, (size_t)(p - start));
      if (!*p) break;
      start = p + 1;
    }
  }
  return out;
}

/* Schemas are kept as named here; catalog__default_ns maps the default one to NULL. */
static const char *catalog__ns(const char *nsp) { return nsp; }

/* The fold's NULL schema is the default one: the first schema of the search path
 * (current_schema(), normally public), where unqualified migrations create things. */
static bool catalog__default_ns(Db *db, Schema *s, RtError *err) {
  PGresult *r = catalog__query(db, "default schema", "SELECT coalesce(current_schema(), 'public')",
                               NULL, err);
  if (!r) return false;
  const char *def = arena_strdup(s->arena, PQgetvalue(r, 0, 0));
  PQclear(r);
  for (size_t k = 0; k < s->ntables; k++)
    if (s->tables[k]->schema && !strcmp(s->tables[k]->schema, def)) s->tables[k]->schema = NULL;
  for (size_t k = 0; k < s->nenums; k++)
    if (s->enums[k]->schema && !strcmp(s->enums[k]->schema, def)) s->enums[k]->schema = NULL;
  for (size_t k = 0; k < s->ntables; k++)
    for (size_t j = 0; j < s->tables[k]->ncons; j++) {
      SchemaConstraint *c = s->tables[k]->cons[j];
      if (c->ref_schema && !strcmp(c->ref_schema, def)) c->ref_schema = NULL;
    }
  size_t dl = strlen(def);
  for (size_t k = 0; k < s->nsequences; k++)
    if (!strncmp(s->sequences[k], def, dl) && s->sequences[k][dl] == '.')
      s->sequences[k] += dl + 1;
  return true;
}

/* ---- canonical types ------------------------------------------------------------ */

/* format_type's base names → fold_type_name's. */
static const struct {
  const char *pg, *canon;
} CATALOG_TYPE_NAMES[] = {
    {"character varying", "varchar"},
    {"character", "char"},
    {"bpchar", "char"},
    {"timestamp without time zone", "timestamp"},
    {"timestamp with time zone", "timestamptz"},
    {"time without time zone", "time"},
    {"time with time zone", "timetz"},
    {"bit varying", "varbit"},
};

/* "timestamp(3) with time zone[]" → "timestamptz(3)[]". */
static char *catalog__canon_builtin(Arena *a, const char *fmt) {
  size_t n = strlen(fmt);
  size_t dims = 0;
  while (n >= 2 && fmt[n - 2] == '[' && fmt[n - 1] == ']') {
    n -= 2;
    dims++;
  }
  Buf base = BUF_INIT, mod = BUF_INIT;
  for (size_t i = 0; i < n; i++) {
    if (fmt[i] == '(') {
      size_t j = i;
      while (j < n && fmt[j] != ')') buf_putc(&mod, fmt[j++]);
      if (j < n) buf_putc(&mod, ')');
      i = j;
      continue;
    }
    buf_putc(&base, fmt[i]);
  }
  // "timestamp(3) with time zone" leaves "timestamp with time zone" after the cut
  const char *b = buf_cstr(&base);
  char *trimmed = arena_strdup(a, b);
  for (char *p = trimmed; *p; p++)
    if (p[0] == ' ' && p[1] == ' ') memmove(p, p + 1, strlen(p));
  size_t tl = strlen(trimmed);
  while (tl && trimmed[tl - 1] == ' ') trimmed[--tl] = '\0';
  const char *canon = trimmed;
  for (size_t k = 0; k < sizeof CATALOG_TYPE_NAMES / sizeof CATALOG_TYPE_NAMES[0]; k++)
    if (!strcmp(trimmed, CATALOG_TYPE_NAMES[k].pg)) canon = CATALOG_TYPE_NAMES[k].canon;
  Buf out = BUF_INIT;
  buf_puts(&out, canon);
  // the modifier without blanks: "numeric(12,2)" (format_type prints none anyway)
  for (const char *p = buf_cstr(&mod); *p; p++)
    if (*p != ' ') buf_putc(&out, *p);
  for (size_t k = 0; k < dims; k++) buf_puts(&out, "[]");
  char *res = arena_strdup(a, buf_cstr(&out));
  buf_free(&base);
  buf_free(&mod);
  buf_free(&out);
  return res;
}

/* ---- the Schema form ------------------------------------------------------------ */

static bool catalog__columns(Db *db, Schema *s, const char *vt, RtError *err) {
  PGresult *r = catalog__query(db, "columns", CAT_Q_COLUMNS, vt, err);
  if (!r) return false;
  int rows = PQntuples(r);
  for (int i = 0; i < rows; i++) {
    const char *nsp = catalog__get(r, i, 0), *rel = catalog__get(r, i, 1);
    SchemaTable *t = schema_table(s, catalog__ns(nsp), rel);
    if (!t) {
      t = schema_table_add(s, catalog__ns(nsp), rel);
      t->is_new = false;
    }
    const char *att = catalog__get(r, i, 2);
    if (!att) continue; // a table without columns
    const char *type;
    bool is_array = catalog__bool(r, i, 6);
    if (is_array && catalog__bool(r, i, 7)) {
      type = arena_printf(s->arena, "%s[]", catalog__get(r, i, 8));
    } else if (!is_array && catalog__bool(r, i, 4)) {
      type = catalog__get(r, i, 5);
    } else {
      type = catalog__canon_builtin(s->arena, catalog__get(r, i, 3));
    }
    bool identity = catalog__bool(r, i, 11);
    const char *def = identity ? NULL : catalog__get(r, i, 10);
    SchemaColumn *c = schema_column_add(s, t, att, type, !catalog__bool(r, i, 9), def);
    c->identity = identity;
    const char *kind = catalog__get(r, i, 14);
    c->identity_kind = !identity ? 0 : kind && (*kind == 'a' || *kind == 'd') ? *kind : 's';
    c->comment = schema_strdup(s, catalog__get(r, i, 12));
    if (!t->comment) t->comment = schema_strdup(s, catalog__get(r, i, 13));
  }
  PQclear(r);
  return true;
}

/* pg_constraint.confdeltype / confupdtype as the clause SQL writes; NULL for NO ACTION. */
static const char *catalog__fk_action(const char *code) {
  switch (code ? code[0] : 'a') {
  case 'r': return "RESTRICT";
  case 'c': return "CASCADE";
  case 'n': return "SET NULL";
  case 'd': return "SET DEFAULT";
  default: return NULL;
  }
}

static bool catalog__constraints(Db *db, Schema *s, const char *vt, RtError *err) {
  PGresult *r = catalog__query(db, "constraints", CAT_Q_CONSTRAINTS, vt, err);
  if (!r) return false;
  int rows = PQntuples(r);
  for (int i = 0; i < rows; i++) {
    SchemaTable *t = schema_table(s, catalog__ns(catalog__get(r, i, 0)), catalog__get(r, i, 1));
    if (!t) continue;
    SchemaConstraint c = {0};
    switch (catalog__get(r, i, 3)[0]) {
    case 'p': c.kind = CON_PRIMARY_KEY; break;
    case 'u': c.kind = CON_UNIQUE; break;
    case 'f': c.kind = CON_FOREIGN_KEY; break;
    default: c.kind = CON_CHECK; break;
    }
    c.name = catalog__get(r, i, 2);
    c.not_valid = !catalog__bool(r, i, 4);
    c.cols = catalog__split(s, catalog__get(r, i, 5), &c.ncols);
    c.ref_table = catalog__get(r, i, 6);
    c.ref_cols = catalog__split(s, catalog__get(r, i, 7), &c.nref_cols);
    c.expr = catalog__get(r, i, 8);
    if (c.kind == CON_FOREIGN_KEY) {
      c.ref_schema = catalog__get(r, i, 9);
      c.ondelete = catalog__fk_action(catalog__get(r, i, 10));
      c.onupdate = catalog__fk_action(catalog__get(r, i, 11));
    }
    c.deferrable = catalog__bool(r, i, 12);
    c.initially = c.deferrable && catalog__bool(r, i, 13) ? "DEFERRED" : NULL;
    schema_constraint_add(s, t, &c);
  }
  PQclear(r);
  return true;
}

static bool catalog__indexes(Db *db, Schema *s, const char *vt, RtError *err) {
  PGresult *r = catalog__query(db, "indexes", CAT_Q_INDEXES, vt, err);
  if (!r) return false;
  int rows = PQntuples(r);
  for (int i = 0; i < rows; i++) {
    SchemaTable *t = schema_table(s, catalog__ns(catalog__get(r, i, 0)), catalog__get(r, i, 1));
    if (!t) continue;
    size_t n = 0;
    const char **cols = catalog__split(s, catalog__get(r, i, 4), &n);
    SchemaIndex *ix = schema_index_add(s, t, catalog__get(r, i, 2), cols, n, catalog__bool(r, i, 3));
    ix->where = schema_strdup(s, catalog__get(r, i, 5));
    const char *am = catalog__get(r, i, 6);
    ix->method = am && strcmp(am, "btree") ? schema_strdup(s, am) : NULL;
  }
  PQclear(r);
  return true;
}

static bool catalog__enums(Db *db, Schema *s, const char *vt, RtError *err) {
  PGresult *r = catalog__query(db, "enum types", CAT_Q_ENUMS, vt, err);
  if (!r) return false;
  int rows = PQntuples(r);
  for (int i = 0; i < rows; i++) {
    size_t n = 0;
    const char **vals = catalog__split(s, catalog__get(r, i, 2), &n);
    if (atol(catalog__get(r, i, 3)) == 1 && n == 0) { // one empty label
      vals = ARENA_ARRAY(s->arena, const char *, 1);
      vals[0] = "";
      n = 1;
    }
    schema_enum_add(s, catalog__ns(catalog__get(r, i, 0)), catalog__get(r, i, 1), vals, n);
  }
  PQclear(r);
  return true;
}

static bool catalog__sequences(Db *db, Schema *s, const char *vt, RtError *err) {
  PGresult *r = catalog__query(db, "sequences", CAT_Q_SEQUENCES, vt, err);
  if (!r) return false;
  int rows = PQntuples(r);
  for (int i = 0; i < rows; i++) {
    const char *nsp = catalog__ns(catalog__get(r, i, 0)), *name = catalog__get(r, i, 1);
    schema_sequence_add(s, nsp ? arena_printf(s->arena, "%s.%s", nsp, name) : name);
  }
  PQclear(r);
  return true;
}

bool catalog_read(Db *db, const char *vt_schema, const char *vt_table, Schema **out,
                  RtError *err) {
  *out = NULL;
  Schema *s = schema_new();
  char *vt = catalog__vt_name(db, vt_schema, vt_table);
  bool ok = catalog__columns(db, s, vt, err) && catalog__constraints(db, s, vt, err) &&
            catalog__indexes(db, s, vt, err) && catalog__enums(db, s, vt, err) &&
            catalog__sequences(db, s, vt, err) && catalog__default_ns(db, s, err);
  free(vt);
  if (!ok) {
    schema_delete(s);
    return false;
  }
  *out = s;
  return true;
}

/* ---- snapshots ------------------------------------------------------------------ */

/* Each query returns (object, name, definition); object is one of the words below. */
static const char *const CATALOG_SNAPSHOT_QUERIES[] = {
    // schemas
    "SELECT 'other', 'schema ' || n.nspname, 'SCHEMA ' || quote_ident(n.nspname) "
    "FROM pg_namespace n WHERE " CAT_USER_NS " AND " CAT_NOT_EXT("pg_namespace", "n.oid")
    " AND $1::text IS NOT NULL",
    // tables, views, materialized views, sequences, with their kind and persistence
    "SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' "
    "  ELSE 'other' END, n.nspname || '.' || c.relname, "
    "  CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'TABLE PARTITION BY ' || "
    "    pg_get_partkeydef(c.oid) WHEN 'v' THEN 'VIEW AS ' || pg_get_viewdef(c.oid, true) "
    "    WHEN 'm' THEN 'MATERIALIZED VIEW AS ' || pg_get_viewdef(c.oid, true) "
    "    WHEN 'f' THEN 'FOREIGN TABLE' "
    "    WHEN 'S' THEN (SELECT format('SEQUENCE AS %s START %s INCREMENT %s MINVALUE %s MAXVALUE %s "
    "CACHE %s%s', format_type(q.seqtypid, NULL), q.seqstart, q.seqincrement, q.seqmin, "
    "      q.seqmax, q.seqcache, CASE WHEN q.seqcycle THEN ' CYCLE' ELSE '' END) "
    "      FROM pg_sequence q WHERE q.seqrelid = c.oid) || coalesce((SELECT ' OWNED BY ' || "
    "      oc.relname || '.' || oa.attname FROM pg_depend d JOIN pg_class oc ON oc.oid = d.refobjid "
    "      JOIN pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid "
    "      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = "
    "      'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1), '') "
    "    ELSE 'RELATION ' || c.relkind::text END "
    "  || CASE c.relpersistence WHEN 'u' THEN ' UNLOGGED' ELSE '' END "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND NOT c.relispartition AND " CAT_USER_REL,
    // columns
    "SELECT 'column', n.nspname || '.' || c.relname || '.' || a.attname, "
    "  format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END "
    "  || CASE WHEN a.attgenerated = 's' THEN ' GENERATED ALWAYS AS (' || "
    "       pg_get_expr(d.adbin, d.adrelid) || ') STORED' "
    "     WHEN d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END "
    "  || CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY' "
    "       WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END "
    "  || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN "
    "       ' COLLATE ' || (SELECT quote_ident(co.collname) FROM pg_collation co "
    "         WHERE co.oid = a.attcollation) ELSE '' END "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "JOIN pg_type t ON t.oid = a.atttypid "
    "LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND " CAT_USER_REL,
    // indexes (all of them, constraint-backing ones too: the definition names the method,
    // the predicate, INCLUDE columns)
    "SELECT 'index', n.nspname || '.' || c.relname || '.' || i.relname, "
    "  pg_get_indexdef(x.indexrelid) "
    "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
    "JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE " CAT_USER_REL,
    // constraints on tables, and on domains
    "SELECT 'constraint', n.nspname || '.' || coalesce(c.relname, ty.typname) || '.' || "
    "  con.conname, pg_get_constraintdef(con.oid, true) "
    "FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace "
    "LEFT JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_type ty ON ty.oid = con.contypid "
    "WHERE " CAT_USER_NS " AND (c.oid IS NULL OR c.oid IS DISTINCT FROM to_regclass($1))",
    // enum types (labels in order), domains, composite and range types
    "SELECT CASE t.typtype WHEN 'e' THEN 'enum' ELSE 'other' END, n.nspname || '.' || t.typname, "
    "  CASE t.typtype WHEN 'e' THEN 'ENUM (' || coalesce((SELECT string_agg(quote_literal("
    "      e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), "
    "      '') || ')' "
    "    WHEN 'd' THEN 'DOMAIN AS ' || format_type(t.typbasetype, t.typtypmod) || "
    "      CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END || "
    "      coalesce(' DEFAULT ' || t.typdefault, '') "
    "    ELSE 'TYPE ' || t.typtype::text END "
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
    "WHERE t.typtype IN ('e', 'd', 'r') AND " CAT_USER_NS " AND " CAT_NOT_EXT("pg_type", "t.oid")
    " AND $1::text IS NOT NULL",
    // functions and procedures
    "SELECT 'other', 'function ' || n.nspname || '.' || p.proname || '(' || "
    "  pg_get_function_identity_arguments(p.oid) || ')', pg_get_functiondef(p.oid) "
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE p.prokind IN ('f', 'p') AND " CAT_USER_NS " AND " CAT_NOT_EXT("pg_proc", "p.oid")
    " AND $1::text IS NOT NULL",
    // triggers
    "SELECT 'other', 'trigger ' || n.nspname || '.' || c.relname || '.' || tg.tgname, "
    "  pg_get_triggerdef(tg.oid, true) "
    "FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT tg.tgisinternal AND " CAT_USER_REL,
    // extensions
    "SELECT 'other', 'extension ' || x.extname, 'EXTENSION ' || quote_ident(x.extname) || "
    "  ' VERSION ' || x.extversion || ' SCHEMA ' || n.nspname "
    "FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace "
    "WHERE x.extname <> 'plpgsql' AND $1::text IS NOT NULL",
    // comments on relations, columns, constraints, types, schemas, functions
    "SELECT 'comment', CASE WHEN d.classoid = 'pg_class'::regclass THEN "
    "    (SELECT n.nspname || '.' || c.relname || CASE WHEN d.objsubid > 0 THEN '.' || "
    "       (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid "
    "          AND a.attnum = d.objsubid) ELSE '' END "
    "     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = d.objoid) "
    "  WHEN d.classoid = 'pg_constraint'::regclass THEN (SELECT n.nspname || '.' || "
    "     coalesce(c.relname, '') || '.' || con.conname FROM pg_constraint con "
    "     JOIN pg_namespace n ON n.oid = con.connamespace LEFT JOIN pg_class c ON "
    "     c.oid = con.conrelid WHERE con.oid = d.objoid) "
    "  WHEN d.classoid = 'pg_type'::regclass THEN (SELECT n.nspname || '.' || t.typname "
    "     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = d.objoid) "
    "  WHEN d.classoid = 'pg_namespace'::regclass THEN (SELECT 'schema ' || n.nspname "
    "     FROM pg_namespace n WHERE n.oid = d.objoid) "
    "  WHEN d.classoid = 'pg_proc'::regclass THEN (SELECT 'function ' || n.nspname || '.' || "
    "     p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "     WHERE p.oid = d.objoid) "
    "  WHEN d.classoid = 'pg_trigger'::regclass THEN (SELECT 'trigger ' || tg.tgname "
    "     FROM pg_trigger tg WHERE tg.oid = d.objoid) END, "
    "  'COMMENT ' || quote_literal(d.description) "
    "FROM pg_description d "
    "WHERE d.classoid IN ('pg_class'::regclass, 'pg_constraint'::regclass, 'pg_type'::regclass, "
    "    'pg_namespace'::regclass, 'pg_proc'::regclass, 'pg_trigger'::regclass) "
    "  AND d.objoid >= 16384 AND d.objoid IS DISTINCT FROM to_regclass($1) "
    "  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = d.classoid "
    "    AND e.objid = d.objoid AND e.deptype = 'e')",
};

static CompareObject catalog__object(const char *w) {
  if (!strcmp(w, "table")) return CMPO_TABLE;
  if (!strcmp(w, "column")) return CMPO_COLUMN;
  if (!strcmp(w, "index")) return CMPO_INDEX;
  if (!strcmp(w, "constraint")) return CMPO_CONSTRAINT;
  if (!strcmp(w, "enum")) return CMPO_ENUM;
  if (!strcmp(w, "sequence")) return CMPO_SEQUENCE;
  if (!strcmp(w, "comment")) return CMPO_COMMENT;
  return CMPO_OTHER;
}

bool catalog_snapshot(Db *db, const char *vt_schema, const char *vt_table, Snapshot *out,
                      RtError *err) {
  char *vt = catalog__vt_name(db, vt_schema, vt_table);
  bool ok = true;
  for (size_t q = 0; ok && q < sizeof CATALOG_SNAPSHOT_QUERIES / sizeof *CATALOG_SNAPSHOT_QUERIES;
       q++) {
    PGresult *r = catalog__query(db, "schema objects", CATALOG_SNAPSHOT_QUERIES[q], vt, err);
    if (!r) {
      ok = false;
      break;
    }
    for (int i = 0; i < PQntuples(r); i++) {
      const char *name = catalog__get(r, i, 1);
      if (!name) continue; // a comment on an object of another kind
      snapshot_add(out, catalog__object(catalog__get(r, i, 0)), name, catalog__get(r, i, 2));
    }
    PQclear(r);
  }
  free(vt);
  return ok;
}

/* ---- locks ---------------------------------------------------------------------- */

static const char CAT_Q_LOCKS[] =
    "SELECT DISTINCT CASE WHEN l.locktype = 'relation' THEN coalesce(n.nspname || '.' || "
    "    c.relname, 'relation ' || l.relation::text || ' (dropped in this transaction)') END, l.locktype, l.mode "
    "FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation "
    "LEFT JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE l.pid = pg_backend_pid() AND l.granted AND l.locktype = 'relation' "
    "  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "  AND (n.nspname IS NULL OR (n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "       AND n.nspname NOT LIKE 'pg\\_toast%')) "
    "ORDER BY 1, 2, 3";

void catalog_locks_free(CatalogLockList *l) {
  if (!l) return;
  for (size_t k = 0; k < l->len; k++) {
    free(l->items[k].relation);
    free(l->items[k].locktype);
    free(l->items[k].mode);
  }
  free(l->items);
  l->items = NULL;
  l->len = 0;
}

bool catalog_locks(Db *db, CatalogLockList *out, RtError *err) {
  out->items = NULL;
  out->len = 0;
  PGresult *r = catalog__query(db, "locks", CAT_Q_LOCKS, NULL, err);
  if (!r) return false;
  int rows = PQntuples(r);
  out->items = xcalloc((size_t)rows + 1, sizeof *out->items);
  for (int i = 0; i < rows; i++) {
    CatalogLock *lk = &out->items[out->len++];
    const char *rel = catalog__get(r, i, 0);
    lk->relation = rel ? xstrdup(rel) : NULL;
    lk->locktype = xstrdup(catalog__get(r, i, 1));
    lk->mode = xstrdup(catalog__get(r, i, 2));
  }
  PQclear(r);
  return true;
}

bool catalog_relations(Db *db, char ***names, size_t *n, RtError *err) {
  *names = NULL;
  *n = 0;
  PGresult *r = catalog__query(db, "relations",
                               "SELECT n.nspname || '.' || c.relname FROM pg_class c "
                               "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " CAT_USER_NS
                               " ORDER BY 1",
                               NULL, err);
  if (!r) return false;
  size_t cnt = (size_t)PQntuples(r), bytes = (cnt + 1) * sizeof(char *);
  for (size_t i = 0; i < cnt; i++) bytes += (size_t)PQgetlength(r, (int)i, 0) + 1;
  char **out = xmalloc(bytes);
  char *p = (char *)(out + cnt + 1);
  for (size_t i = 0; i < cnt; i++) {
    size_t l = (size_t)PQgetlength(r, (int)i, 0);
    memcpy(p, PQgetvalue(r, (int)i, 0), l);
    p[l] = '\0';
    out[i] = p;
    p += l + 1;
  }
  out[cnt] = NULL;
  PQclear(r);
  *names = out;
  *n = cnt;
  return true;
}

/* ---- throwaway databases -------------------------------------------------------- */

bool catalog_exec(Db *db, const char *sql, RtError *err) {
  PGresult *r = PQexec(db->conn, sql);
  ExecStatusType st = PQresultStatus(r);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    PQclear(r);
    return true;
  }
  char why[1024];
  const char *msg = r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r)
                                                    : db_conn_error(db->conn, why, sizeof why);
  error_set(err, ERR_DB, "%.*s (in %s)", (int)strcspn(msg, "\n"), msg,
            db->target.masked ? db->target.masked : "the database");
  PQclear(r);
  return false;
}

static bool catalog__check_scratch(Db *db, const char *name, RtError *err) {
  if (db->target.kind != DB_KIND_SCRATCH)
    return error_set(err, ERR_PARAMS,
                     "round-trip verification runs on retort's scratch cluster only, and %s "
                     "is not it; nothing was changed",
                     db->target.masked ? db->target.masked : "this database");
  if (!name || !*name || strlen(name) > 63) goto bad;
  for (const char *p = name; *p; p++)
    if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')) goto bad;
  return true;
bad:
  return error_set(err, ERR_INTERNAL, "bad throwaway database name '%s'", name ? name : "");
}

/* `conninfo` with dbname replaced, as a keyword/value string. Caller frees. */
static char *catalog__with_dbname(const char *conninfo, const char *dbname) {
  char *perr = NULL;
  PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
  if (perr) PQfreemem(perr);
  if (!opts) return NULL;
  Buf b = BUF_INIT;
  for (PQconninfoOption *o = opts; o->keyword; o++) {
    const char *v = !strcmp(o->keyword, "dbname") ? dbname : o->val;
    if (!v) continue;
    buf_printf(&b, "%s%s='", b.len ? " " : "", o->keyword);
    for (const char *p = v; *p; p++) {
      if (*p == '\'' || *p == '\\') buf_putc(&b, '\\');
      buf_putc(&b, *p);
    }
    buf_putc(&b, '\'');
  }
  PQconninfoFree(opts);
  return buf_detach(&b);
}

bool catalog_scratch_db_drop(Db *db, const char *name, RtError *err) {
  if (!catalog__check_scratch(db, name, err)) return false;
  // Look first: DROP DATABASE IF EXISTS would print a NOTICE on stderr.
  const char *params[1] = {name};
  PGresult *r = PQexecParams(db->conn, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL,
                             params, NULL, NULL, 0);
  bool there = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
  PQclear(r);
  if (!there) return true;
  Buf sql = BUF_INIT;
  buf_printf(&sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
  bool ok = catalog_exec(db, buf_cstr(&sql), err);
  buf_free(&sql);
  return ok;
}

bool catalog_scratch_db_create(Db *db, const char *name, Db **out, RtError *err) {
  *out = NULL;
  if (!catalog_scratch_db_drop(db, name, err)) return false;
  Buf sql = BUF_INIT;
  buf_printf(&sql, "CREATE DATABASE %s", name);
  bool ok = catalog_exec(db, buf_cstr(&sql), err);
  buf_free(&sql);
  if (!ok) return false;
  char *ci = catalog__with_dbname(db->target.conninfo, name);
  if (!ci) {
    catalog_scratch_db_drop(db, name, NULL);
    return error_set(err, ERR_INTERNAL, "cannot read the scratch cluster's connection string");
  }
  DbTarget t = {.kind = DB_KIND_URL, .conninfo = ci, .source = "scratch"};
  Buf m = BUF_INIT;
  buf_printf(&m, "%s (database %s)", db->target.masked ? db->target.masked : "scratch", name);
  t.masked = buf_detach(&m);
  ok = db_connect(&t, out, err);
  free(t.conninfo);
  free(t.masked);
  if (!ok) catalog_scratch_db_drop(db, name, NULL);
  return ok;
}

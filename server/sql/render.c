/* render.c - MigOps to PostgreSQL statements, as Alembic 1.8.1's offline mode prints them
 * (alembic/ddl/base.py, ddl/postgresql.py; SQLAlchemy 1.4 sql/compiler.py DDLCompiler and
 * dialects/postgresql/base.py). Dynamic ops become placeholders, never guesses. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/sql/sql.h"

/* sqlalchemy/dialects/postgresql/base.py RESERVED_WORDS (SQLAlchemy 1.4.46), sorted. */
static const char *const PG_RESERVED[] = {
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "new",
    "not",
    "notnull",
    "null",
    "of",
    "off",
    "offset",
    "old",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "over",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
};

static int sql__cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool sql_is_reserved(const char *word) {
  char low[32];
  size_t n = strlen(word);
  if (n == 0 || n >= sizeof low) return false;
  for (size_t k = 0; k < n; k++) {
    char c = word[k];
    // Python's str.lower(): only ASCII letters matter for an all-ASCII word list.
    low[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
  }
  low[n] = '\0';
  const char *key = low;
  return bsearch(&key, PG_RESERVED, sizeof PG_RESERVED / sizeof PG_RESERVED[0],
                 sizeof PG_RESERVED[0], sql__cmp) != NULL;
}

/* SQLAlchemy's IdentifierPreparer._requires_quotes with the PG preparer:
 *   lc in reserved or value[0] in "0123456789$" or not re.match(r"^[A-Z0-9_$]+$", value, re.I)
 *   or lc != value
 * Python's re.I lets [A-Z] also match U+0130 İ, U+0131 ı, U+017F ſ and U+212A K; of these,
 * ı and ſ are their own lower case, so they alone pass unquoted. */
static bool sql__requires_quotes(const char *v) {
  if (!v[0]) return true;
  if ((v[0] >= '0' && v[0] <= '9') || v[0] == '$') return true;
  if (sql_is_reserved(v)) return true;
  for (const unsigned char *p = (const unsigned char *)v; *p;) {
    unsigned char c = *p;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$') {
      p++;
      continue;
    }
    if (c == 0xC4 && p[1] == 0xB1) {  // ı U+0131
      p += 2;
      continue;
    }
    if (c == 0xC5 && p[1] == 0xBF) {  // ſ U+017F
      p += 2;
      continue;
    }
    return true;  // upper case, İ/K (lower() differs), anything else
  }
  return false;
}

char *sql_quote_ident(Arena *a, const char *ident) {
  if (!ident) ident = "";
  if (!sql__requires_quotes(ident)) return arena_strdup(a, ident);
  Buf b = BUF_INIT;
  buf_putc(&b, '"');
  for (const char *p = ident; *p; p++) {
    if (*p == '"') buf_putc(&b, '"');
    buf_putc(&b, *p);
  }
  buf_putc(&b, '"');
  char *out = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return out;
}

char *sql_quote_qualified(Arena *a, const char *schema, const char *name) {
  if (!schema) return sql_quote_ident(a, name);
  return arena_printf(a, "%s.%s", sql_quote_ident(a, schema), sql_quote_ident(a, name));
}

char *sql_quote_literal(Arena *a, const char *s) {
  Buf b = BUF_INIT;
  buf_putc(&b, '\'');
  for (const char *p = s ? s : ""; *p; p++) {
    if (*p == '\'' || *p == '\\') buf_putc(&b, *p);
    buf_putc(&b, *p);
  }
  buf_putc(&b, '\'');
  char *out = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return out;
}

/* ---- names SQLAlchemy truncates ----------------------------------------------------- */

/* MD5 (RFC 1321), only for SQLAlchemy's truncated names: util.md5_hex(name)[-4:]. */
static uint32_t sql__rol(uint32_t x, int c) { return (x << c) | (x >> (32 - c)); }

static void sql__md5_hex(const char *msg, size_t len, char out[33]) {
  static const uint32_t K[64] = {
      0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
      0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
      0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
      0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
      0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
      0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
      0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
      0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
      0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
      0xeb86d391};
  static const int R[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                            5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                            4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                            6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  size_t total = ((len + 8) / 64 + 1) * 64;
  unsigned char *buf = xcalloc(total, 1);
  memcpy(buf, msg, len);
  buf[len] = 0x80;
  uint64_t bits = (uint64_t)len * 8;
  for (int k = 0; k < 8; k++) buf[total - 8 + k] = (unsigned char)(bits >> (8 * k));
  for (size_t off = 0; off < total; off += 64) {
    uint32_t w[16];
    for (int k = 0; k < 16; k++)
      w[k] = (uint32_t)buf[off + 4 * k] | (uint32_t)buf[off + 4 * k + 1] << 8 |
             (uint32_t)buf[off + 4 * k + 2] << 16 | (uint32_t)buf[off + 4 * k + 3] << 24;
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
      uint32_t f;
      int g;
      if (i < 16)
        f = (b & c) | (~b & d), g = i;
      else if (i < 32)
        f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
      else if (i < 48)
        f = b ^ c ^ d, g = (3 * i + 5) % 16;
      else
        f = c ^ (b | ~d), g = (7 * i) % 16;
      uint32_t tmp = d;
      d = c;
      c = b;
      b = b + sql__rol(a + f + K[i] + w[g], R[i]);
      a = tmp;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d;
  }
  free(buf);
  for (int k = 0; k < 16; k++)
    snprintf(out + 2 * k, 3, "%02x", (unsigned)(h[k / 4] >> (8 * (k % 4))) & 0xffu);
}

/* SQLAlchemy's _truncate_and_render_maxlen_name for a conv (op.f, naming convention) name:
 * past 63 characters (code points, not bytes), name[:55] + "_" + md5_hex(name)[-4:]. */
static const char *sql__conv_name(Arena *a, const char *name, bool conv) {
  static const size_t MAX_IDENT = 63;
  if (!conv || !name) return name;
  size_t chars = 0, cut = 0;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    if ((*p & 0xC0) != 0x80) {
      if (chars == MAX_IDENT - 8) cut = (size_t)((const char *)p - name);
      chars++;
    }
  if (chars <= MAX_IDENT) return name;
  char hex[33];
  sql__md5_hex(name, strlen(name), hex);
  return arena_printf(a, "%.*s_%s", (int)cut, name, hex + 28);
}

/* ---- types ----------------------------------------------------------------------- */

static void sql__type(Arena *a, Buf *b, const SqlType *t) {
  switch (t->kind) {
    case ST_INTEGER:
      buf_puts(b, "INTEGER");
      break;
    case ST_BIGINT:
      buf_puts(b, "BIGINT");
      break;
    case ST_SMALLINT:
      buf_puts(b, "SMALLINT");
      break;
    case ST_STRING:
      buf_puts(b, !strcmp(t->name, "NVARCHAR") ? "NVARCHAR" : "VARCHAR");
      if (t->length >= 0) buf_printf(b, "(%d)", t->length);
      break;
    case ST_CHAR:
      buf_puts(b, !strcmp(t->name, "NCHAR") ? "NCHAR" : "CHAR");
      if (t->length >= 0) buf_printf(b, "(%d)", t->length);
      break;
    case ST_TEXT:
      buf_puts(b, "TEXT");
      break;
    case ST_BOOLEAN:
      buf_puts(b, "BOOLEAN");
      break;
    case ST_DATE:
      buf_puts(b, "DATE");
      break;
    case ST_DATETIME:
    case ST_TIME:
      buf_puts(b, t->kind == ST_TIME ? "TIME" : "TIMESTAMP");
      if (t->precision > 0) buf_printf(b, "(%d)", t->precision);
      buf_puts(b, t->timezone ? " WITH TIME ZONE" : " WITHOUT TIME ZONE");
      break;
    case ST_INTERVAL:
      buf_puts(b, "INTERVAL");
      if (t->precision >= 0) buf_printf(b, " (%d)", t->precision);
      break;
    case ST_NUMERIC:
      buf_puts(b, !strcmp(t->name, "DECIMAL") ? "DECIMAL" : "NUMERIC");
      if (t->precision >= 0 && t->scale >= 0)
        buf_printf(b, "(%d, %d)", t->precision, t->scale);
      else if (t->precision >= 0)
        buf_printf(b, "(%d)", t->precision);
      break;
    case ST_FLOAT:
      buf_puts(b, "FLOAT");
      if (t->precision >= 0) buf_printf(b, "(%d)", t->precision);
      break;
    case ST_REAL:
      buf_puts(b, "REAL");
      break;
    case ST_DOUBLE:
      buf_puts(b, "DOUBLE PRECISION");
      break;
    case ST_LARGEBINARY:
      buf_puts(b, "BYTEA");
      break;
    case ST_JSON:
      buf_puts(b, "JSON");
      break;
    case ST_JSONB:
      buf_puts(b, "JSONB");
      break;
    case ST_UUID:
      buf_puts(b, "UUID");
      break;
    case ST_TSVECTOR:
      buf_puts(b, "TSVECTOR");
      break;
    case ST_INET:
      buf_puts(b, "INET");
      break;
    case ST_CIDR:
      buf_puts(b, "CIDR");
      break;
    case ST_MACADDR:
      buf_puts(b, "MACADDR");
      break;
    case ST_MONEY:
      buf_puts(b, "MONEY");
      break;
    case ST_OID:
      buf_puts(b, "OID");
      break;
    case ST_BIT:
      buf_puts(b, "BIT");
      if (t->length >= 0) buf_printf(b, "(%d)", t->length);
      break;
    case ST_ARRAY: {
      if (t->item) sql__type(a, b, t->item);
      int dims = t->dimensions > 0 ? t->dimensions : 1;
      for (int k = 0; k < dims; k++) buf_puts(b, "[]");
      break;
    }
    case ST_ENUM:
      if (!t->native_enum) {
        // sa.Enum(native_enum=False): VARCHAR as long as the longest label.
        size_t len = 0;
        for (size_t k = 0; k < t->nenum_values; k++)
          if (strlen(t->enum_values[k]) > len) len = strlen(t->enum_values[k]);
        buf_printf(b, "VARCHAR(%zu)", len);
      } else {
        buf_puts(b, sql_quote_qualified(a, t->enum_schema, t->enum_name ? t->enum_name : ""));
      }
      break;
    case ST_UNKNOWN: {
      // A class we do not model: SQLAlchemy's visit_<NAME> mostly prints the name.
      for (const char *p = t->name; *p; p++)
        buf_putc(b, (*p >= 'a' && *p <= 'z') ? (char)(*p - 32) : *p);
      break;
    }
  }
}

char *sql_render_type(Arena *a, const SqlType *t) {
  if (!t || t->dynamic) return NULL;
  Buf b = BUF_INIT;
  sql__type(a, &b, t);
  char *out = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return out;
}

/* ---- statements ------------------------------------------------------------------ */

typedef struct Out {
  Arena *a;
  SqlStmtList *list;
  const MigOp *op;
  bool transactional;
} Out;

static void sql__emit(Out *o, char *sql, bool dynamic) {
  SqlStmtList *l = o->list;
  if (l->len == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    SqlStmt *items = ARENA_ARRAY(o->a, SqlStmt, cap);
    if (l->len) memcpy(items, l->items, l->len * sizeof *items);
    l->items = items;
    l->cap = cap;
  }
  l->items[l->len++] = (SqlStmt){sql, o->op, dynamic, o->transactional};
}

static void sql__emit_buf(Out *o, Buf *b) {
  sql__emit(o, arena_strdup(o->a, buf_cstr(b)), false);
  buf_reset(b);
}

static const char *sql__default(Arena *a, const MigDefault *d) {
  switch (d->kind) {
    case DEF_STRING:
      return sql_quote_literal(a, d->text);
    case DEF_SQL:
    case DEF_FUNC:
      return d->text;
    default:
      return NULL;
  }
}

static void sql__names(Arena *a, Buf *b, const char *const *names, size_t n) {
  for (size_t k = 0; k < n; k++) {
    if (k) buf_puts(b, ", ");
    buf_puts(b, sql_quote_ident(a, names[k]));
  }
}

/* Numeric type affinity (Integer or Numeric subclasses): SERIAL candidates. */
static bool sql__numeric_affinity(const SqlType *t) {
  if (!t) return false;
  switch (t->kind) {
    case ST_INTEGER:
    case ST_BIGINT:
    case ST_SMALLINT:
    case ST_NUMERIC:
    case ST_FLOAT:
    case ST_REAL:
    case ST_DOUBLE:
      return true;
    default:
      return false;
  }
}

/* Whether a table-level ForeignKeyConstraint of `cons` names column `name` (SQLAlchemy
 * then gives the column a ForeignKey as if written on it). */
static bool sql__in_table_fk(const MigConstraint *cons, size_t ncons, const char *name) {
  for (size_t k = 0; k < ncons && name; k++) {
    if (cons[k].kind != CON_FOREIGN_KEY) continue;
    for (size_t j = 0; j < cons[k].fk.ncolumns; j++)
      if (cons[k].fk.columns[j] && !strcmp(cons[k].fk.columns[j], name)) return true;
  }
  return false;
}

/* SQLAlchemy's PrimaryKeyConstraint._autoincrement_column over `pk` (indexes into cols);
 * `cons` are the table's constraints (a foreign key on the column rules SERIAL out). */
static int sql__autoinc(const MigColumn *cols, const size_t *pk, size_t npk,
                        const MigConstraint *cons, size_t ncons) {
  if (npk == 1) {
    const MigColumn *c = &cols[pk[0]];
    if (c->autoincrement == TRI_TRUE) return (int)pk[0];
    if (c->autoincrement == TRI_FALSE) return -1;
    if (!sql__numeric_affinity(c->type)) return -1;
    if (c->has_default) return -1;
    if (c->server_default.kind != DEF_NONE && !c->identity.present) return -1;
    if (c->nfks || sql__in_table_fk(cons, ncons, c->name)) return -1;
    return (int)pk[0];
  }
  for (size_t k = 0; k < npk; k++)
    if (cols[pk[k]].autoincrement == TRI_TRUE) return (int)pk[k];
  return -1;
}

/* PGDDLCompiler.get_column_specification. */
static void sql__colspec(Arena *a, Buf *b, const MigColumn *c, bool in_pk, bool autoinc) {
  buf_puts(b, sql_quote_ident(a, c->name));
  bool identity = c->identity.present;
  if (autoinc && !identity && !c->has_default && !c->sequence && c->type) {
    buf_puts(b, c->type->kind == ST_BIGINT     ? " BIGSERIAL"
                : c->type->kind == ST_SMALLINT ? " SMALLSERIAL"
                                               : " SERIAL");
  } else {
    buf_putc(b, ' ');
    if (c->type)
      sql__type(a, b, c->type);
    else
      buf_puts(b, "NULL");  // NullType: SQLAlchemy fails to compile it; keep visible
    const char *d = sql__default(a, &c->server_default);
    if (d) buf_printf(b, " DEFAULT %s", d);
  }
  if (c->computed.present) buf_printf(b, " GENERATED ALWAYS AS (%s) STORED", c->computed.sqltext);
  if (identity) {
    buf_printf(b, " GENERATED %s AS IDENTITY", c->identity.always ? "ALWAYS" : "BY DEFAULT");
    if (c->identity.options) buf_printf(b, " (%s)", c->identity.options);
  }
  bool nullable =
      c->nullable == TRI_UNSET ? !(c->primary_key || in_pk || identity) : c->nullable == TRI_TRUE;
  if (!nullable && !identity)
    buf_puts(b, " NOT NULL");
  else if (nullable && identity)
    buf_puts(b, " NULL");
}

static void sql__constraint(Arena *a, Buf *b, const MigConstraint *k);

/* DDLCompiler.visit_create_column and Alembic's add_column: the column's own constraints
 * follow its specification (column.constraints is a Python set: with several, SQLAlchemy's
 * order is not stable; ours is the source order). */
static void sql__column_checks(Arena *a, Buf *b, const MigColumn *c) {
  for (size_t k = 0; k < c->nchecks; k++) {
    buf_putc(b, ' ');
    sql__constraint(a, b, &c->checks[k]);
  }
}

/* sa.Enum(native_enum=False, create_constraint=True): CHECK (col IN (...)), named after
 * the enum. NULL when the column has none. */
static char *sql__enum_check(Arena *a, const MigColumn *c) {
  const SqlType *t = c->type;
  if (!t || t->kind != ST_ENUM || t->native_enum || !t->create_constraint) return NULL;
  Buf b = BUF_INIT;
  if (t->enum_name) buf_printf(&b, "CONSTRAINT %s ", sql_quote_ident(a, t->enum_name));
  buf_printf(&b, "CHECK (%s IN (", sql_quote_ident(a, c->name));
  for (size_t k = 0; k < t->nenum_values; k++)
    buf_printf(&b, "%s%s", k ? ", " : "", sql_quote_literal(a, t->enum_values[k]));
  buf_puts(&b, "))");
  char *out = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return out;
}

static void sql__deferrable(Buf *b, Tri deferrable, const char *initially) {
  if (deferrable == TRI_TRUE)
    buf_puts(b, " DEFERRABLE");
  else if (deferrable == TRI_FALSE)
    buf_puts(b, " NOT DEFERRABLE");
  if (initially) buf_printf(b, " INITIALLY %s", initially);
}

static void sql__fk(Arena *a, Buf *b, const MigForeignKey *fk) {
  if (fk->name) buf_printf(b, "CONSTRAINT %s ", sql_quote_ident(a, fk->name));
  buf_puts(b, "FOREIGN KEY(");
  sql__names(a, b, fk->columns, fk->ncolumns);
  buf_printf(b, ") REFERENCES %s (", sql_quote_qualified(a, fk->ref_schema, fk->ref_table));
  sql__names(a, b, fk->ref_columns, fk->nref_columns);
  buf_putc(b, ')');
  if (fk->match) buf_printf(b, " MATCH %s", fk->match);
  if (fk->ondelete) buf_printf(b, " ON DELETE %s", fk->ondelete);
  if (fk->onupdate) buf_printf(b, " ON UPDATE %s", fk->onupdate);
  sql__deferrable(b, fk->deferrable, fk->initially);
  if (fk->not_valid) buf_puts(b, " NOT VALID");
}

static void sql__constraint(Arena *a, Buf *b, const MigConstraint *k) {
  if (k->kind == CON_FOREIGN_KEY) {
    MigForeignKey fk = k->fk;
    fk.name = sql__conv_name(a, k->name, k->name_conv);
    sql__fk(a, b, &fk);
    return;
  }
  if (k->name)
    buf_printf(b, "CONSTRAINT %s ", sql_quote_ident(a, sql__conv_name(a, k->name, k->name_conv)));
  switch (k->kind) {
    case CON_PRIMARY_KEY:
    case CON_UNIQUE:
      buf_puts(b, k->kind == CON_UNIQUE ? "UNIQUE (" : "PRIMARY KEY (");
      sql__names(a, b, k->columns, k->ncolumns);
      buf_putc(b, ')');
      sql__deferrable(b, k->deferrable, k->initially);
      break;
    case CON_CHECK:
      buf_printf(b, "CHECK (%s)", k->condition);
      sql__deferrable(b, k->deferrable, k->initially);
      if (k->not_valid) buf_puts(b, " NOT VALID");
      break;
    default:
      break;
  }
}

/* CREATE TYPE for the table's native enums (ARRAY items too), once per type, before the
 * table: SQLAlchemy's before_create event of each enum type. */
static void sql__enum_types(Out *o, Buf *b, const MigColumn *cols, size_t n) {
  const SqlType **seen = ARENA_ARRAY(o->a, const SqlType *, n + 1);
  size_t nseen = 0;
  for (size_t k = 0; k < n; k++) {
    const SqlType *t = cols[k].type;
    while (t && t->kind == ST_ARRAY) t = t->item;
    if (!t || t->kind != ST_ENUM || !t->native_enum || !t->create_type || !t->enum_name) continue;
    bool dup = false;
    for (size_t j = 0; j < nseen; j++)
      if (!strcmp(seen[j]->enum_name, t->enum_name) &&
          ((!seen[j]->enum_schema && !t->enum_schema) ||
           (seen[j]->enum_schema && t->enum_schema &&
            !strcmp(seen[j]->enum_schema, t->enum_schema))))
        dup = true;
    if (dup) continue;
    seen[nseen++] = t;
    buf_printf(b, "CREATE TYPE %s AS ENUM (",
               sql_quote_qualified(o->a, t->enum_schema, t->enum_name));
    for (size_t j = 0; j < t->nenum_values; j++)
      buf_printf(b, "%s%s", j ? ", " : "", sql_quote_literal(o->a, t->enum_values[j]));
    buf_putc(b, ')');
    sql__emit_buf(o, b);
  }
}

/* index=True columns: CREATE [UNIQUE] INDEX ix_<table>_<col> (SQLAlchemy's default naming
 * convention "ix_%(column_0_label)s"). */
static void sql__column_index(Out *o, Buf *b, const char *schema, const char *table,
                              const MigColumn *c) {
  // column_0_label is the column's _label: "<schema>_<table>_<column>" on a schema table.
  char *name = schema ? arena_printf(o->a, "ix_%s_%s_%s", schema, table, c->name)
                      : arena_printf(o->a, "ix_%s_%s", table, c->name);
  buf_printf(b, "CREATE %sINDEX %s ON %s (%s)", c->unique ? "UNIQUE " : "",
             sql_quote_ident(o->a, sql__conv_name(o->a, name, true)),
             sql_quote_qualified(o->a, schema, table), sql_quote_ident(o->a, c->name));
  sql__emit_buf(o, b);
}

static void sql__column_comment(Out *o, Buf *b, const char *schema, const char *table,
                                const char *column, const char *comment) {
  buf_printf(b, "COMMENT ON COLUMN %s.%s IS %s", sql_quote_qualified(o->a, schema, table),
             sql_quote_ident(o->a, column), comment ? sql_quote_literal(o->a, comment) : "NULL");
  sql__emit_buf(o, b);
}

static void sql__create_index(Out *o, Buf *b, const MigOp *m);

static void sql__create_table(Out *o, Buf *b, const MigOp *m) {
  Arena *a = o->a;
  sql__enum_types(o, b, m->columns, m->ncolumns);
  // Primary key columns: a PrimaryKeyConstraint's, else the primary_key=True columns.
  const MigConstraint *pkc = NULL;
  for (size_t k = 0; k < m->nconstraints; k++)
    if (m->constraints[k].kind == CON_PRIMARY_KEY) pkc = &m->constraints[k];
  size_t *pk = ARENA_ARRAY(a, size_t, m->ncolumns + 1);
  bool *in_pk = ARENA_ARRAY(a, bool, m->ncolumns + 1);
  size_t npk = 0;
  if (pkc) {
    for (size_t j = 0; j < pkc->ncolumns; j++)
      for (size_t k = 0; k < m->ncolumns; k++)
        if (!strcmp(m->columns[k].name, pkc->columns[j])) {
          pk[npk++] = k;
          in_pk[k] = true;
        }
  } else {
    for (size_t k = 0; k < m->ncolumns; k++)
      if (m->columns[k].primary_key) {
        pk[npk++] = k;
        in_pk[k] = true;
      }
  }
  int autoinc = sql__autoinc(m->columns, pk, npk, m->constraints, m->nconstraints);

  buf_printf(b, "CREATE TABLE %s (", sql_quote_qualified(a, m->schema, m->table));
  bool first = true;
  for (size_t k = 0; k < m->ncolumns; k++) {
    buf_puts(b, first ? "\n    " : ", \n    ");
    first = false;
    sql__colspec(a, b, &m->columns[k], in_pk[k], (int)k == autoinc);
    sql__column_checks(a, b, &m->columns[k]);
  }
  if (npk) {
    buf_puts(b, first ? "\n    " : ", \n    ");
    first = false;
    if (pkc && pkc->name)
      buf_printf(b, "CONSTRAINT %s ",
                 sql_quote_ident(a, sql__conv_name(a, pkc->name, pkc->name_conv)));
    buf_puts(b, "PRIMARY KEY (");
    for (size_t k = 0; k < npk; k++)
      buf_printf(b, "%s%s", k ? ", " : "", sql_quote_ident(a, m->columns[pk[k]].name));
    buf_putc(b, ')');
    if (pkc) sql__deferrable(b, pkc->deferrable, pkc->initially);
  }
  // Constraints in SQLAlchemy's creation order: those written as create_table arguments
  // exist before the Table; a column's unique=True and then its ForeignKey ones are made
  // as each column is attached.
  for (size_t k = 0; k < m->nconstraints; k++) {
    if (&m->constraints[k] == pkc) continue;
    buf_puts(b, first ? "\n    " : ", \n    ");
    first = false;
    sql__constraint(a, b, &m->constraints[k]);
  }
  for (size_t k = 0; k < m->ncolumns; k++) {
    const MigColumn *c = &m->columns[k];
    if (c->unique && !c->index) {
      buf_puts(b, first ? "\n    " : ", \n    ");
      first = false;
      buf_printf(b, "UNIQUE (%s)", sql_quote_ident(a, c->name));
    }
    char *ck = sql__enum_check(a, c);
    if (ck) {
      buf_puts(b, first ? "\n    " : ", \n    ");
      first = false;
      buf_puts(b, ck);
    }
    for (size_t j = 0; j < c->nfks; j++) {
      MigForeignKey fk = c->fks[j];
      const char *one[1] = {c->name};
      fk.columns = one;
      fk.ncolumns = 1;
      buf_puts(b, first ? "\n    " : ", \n    ");
      first = false;
      sql__fk(a, b, &fk);
    }
  }
  buf_puts(b, "\n)");
  sql__emit_buf(o, b);
  // table.indexes is a Python set: Alembic's order among these is not stable.
  for (size_t k = 0; k < m->ncolumns; k++)
    if (m->columns[k].index) sql__column_index(o, b, m->schema, m->table, &m->columns[k]);
  for (size_t k = 0; k < m->ntable_indexes; k++) {
    const MigTableIndex *ix = &m->table_indexes[k];
    MigOp fake = *m;
    fake.kind = OPK_CREATE_INDEX;
    memset(&fake.index, 0, sizeof fake.index);
    fake.index.name = ix->name;
    fake.index.name_conv = ix->name_conv;
    fake.index.elems = ix->elems;
    fake.index.nelems = ix->nelems;
    fake.index.unique = ix->unique;
    fake.index.where = ix->where;
    fake.index.using = ix->using;
    sql__create_index(o, b, &fake);
  }
  if (m->table_comment) {
    buf_printf(b, "COMMENT ON TABLE %s IS %s", sql_quote_qualified(a, m->schema, m->table),
               sql_quote_literal(a, m->table_comment));
    sql__emit_buf(o, b);
  }
  for (size_t k = 0; k < m->ncolumns; k++)
    if (m->columns[k].comment)
      sql__column_comment(o, b, m->schema, m->table, m->columns[k].name, m->columns[k].comment);
}

static void sql__add_column(Out *o, Buf *b, const MigOp *m) {
  Arena *a = o->a;
  const MigColumn *c = &m->columns[0];
  const char *t = sql_quote_qualified(a, m->schema, m->table);
  size_t pk0 = 0;
  int autoinc = c->primary_key ? sql__autoinc(c, &pk0, 1, NULL, 0) : -1;
  buf_printf(b, "ALTER TABLE %s ADD COLUMN ", t);
  sql__colspec(a, b, c, false, autoinc == 0);
  sql__column_checks(a, b, c);
  sql__emit_buf(o, b);
  if (c->unique && !c->index) {
    buf_printf(b, "ALTER TABLE %s ADD UNIQUE (%s)", t, sql_quote_ident(a, c->name));
    sql__emit_buf(o, b);
  }
  char *ck = sql__enum_check(a, c);
  if (ck) {
    buf_printf(b, "ALTER TABLE %s ADD %s", t, ck);
    sql__emit_buf(o, b);
  }
  for (size_t j = 0; j < c->nfks; j++) {
    MigForeignKey fk = c->fks[j];
    const char *one[1] = {c->name};
    fk.columns = one;
    fk.ncolumns = 1;
    buf_printf(b, "ALTER TABLE %s ADD ", t);
    sql__fk(a, b, &fk);
    sql__emit_buf(o, b);
  }
  if (c->index) sql__column_index(o, b, m->schema, m->table, c);
  if (c->comment) sql__column_comment(o, b, m->schema, m->table, c->name, c->comment);
}

static void sql__alter_column(Out *o, Buf *b, const MigOp *m) {
  Arena *a = o->a;
  const char *t = sql_quote_qualified(a, m->schema, m->table);
  const char *col = sql_quote_ident(a, m->column);
  // PostgresqlImpl.alter_column: TYPE first, then DefaultImpl: NULL, DEFAULT, comment, name.
  if (m->alter.type) {
    buf_printf(b, "ALTER TABLE %s ALTER COLUMN %s TYPE ", t, col);
    sql__type(a, b, m->alter.type);
    if (m->alter.using) buf_printf(b, " USING %s", m->alter.using);
    sql__emit_buf(o, b);
  }
  if (m->alter.nullable != TRI_UNSET) {
    buf_printf(b, "ALTER TABLE %s ALTER COLUMN %s %s NOT NULL", t, col,
               m->alter.nullable == TRI_TRUE ? "DROP" : "SET");
    sql__emit_buf(o, b);
  }
  if (m->alter.server_default.kind != DEF_NONE) {
    const char *d = sql__default(a, &m->alter.server_default);
    if (d)
      buf_printf(b, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", t, col, d);
    else
      buf_printf(b, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", t, col);
    sql__emit_buf(o, b);
  }
  if (m->alter.comment_set)
    sql__column_comment(o, b, m->schema, m->table, m->column, m->alter.comment);
  if (m->alter.new_name) {
    buf_printf(b, "ALTER TABLE %s RENAME %s TO %s", t, col, sql_quote_ident(a, m->alter.new_name));
    sql__emit_buf(o, b);
  }
}

static void sql__create_index(Out *o, Buf *b, const MigOp *m) {
  Arena *a = o->a;
  buf_printf(b, "CREATE %sINDEX %s%s%s ON %s ", m->index.unique ? "UNIQUE " : "",
             m->index.concurrently ? "CONCURRENTLY " : "",
             m->index.if_not_exists ? "IF NOT EXISTS " : "",
             sql_quote_ident(a, sql__conv_name(a, m->index.name, m->index.name_conv)),
             sql_quote_qualified(a, m->schema, m->table));
  if (m->index.using) {
    buf_puts(b, "USING ");
    for (const char *p = m->index.using; *p; p++)
      buf_putc(b, (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p);
    buf_putc(b, ' ');
  }
  buf_putc(b, '(');
  for (size_t k = 0; k < m->index.nelems; k++) {
    if (k) buf_puts(b, ", ");
    const MigIndexElem *e = &m->index.elems[k];
    buf_puts(b, e->is_expr ? e->text : sql_quote_ident(a, e->text));
  }
  buf_putc(b, ')');
  if (m->index.ninclude) {
    buf_puts(b, " INCLUDE (");
    sql__names(a, b, m->index.include, m->index.ninclude);
    buf_putc(b, ')');
  }
  if (m->index.where) buf_printf(b, " WHERE %s", m->index.where);
  sql__emit_buf(o, b);
}

static const char *sql__py_literal(Arena *a, const PyValue *v) {
  switch (v->kind) {
    case PV_NONE:
      return "NULL";
    case PV_BOOL:
      return v->b ? "true" : "false";
    case PV_INT:
    case PV_FLOAT:
      return v->text;
    case PV_STR:
      return v->bytes ? NULL : sql_quote_literal(a, v->text);
    default:
      return NULL;
  }
}

static void sql__bulk_insert(Out *o, Buf *b, const MigOp *m) {
  Arena *a = o->a;
  const PyValue *rows = m->bulk_rows;
  for (size_t r = 0; r < rows->nitems; r++) {
    const PyValue *row = rows->items[r];
    Buf vals = BUF_INIT;
    buf_printf(b, "INSERT INTO %s (", sql_quote_qualified(a, m->schema, m->table));
    size_t n = 0;
    bool ok = true;
    // Insert columns follow the table's column order, restricted to the row's keys.
    for (size_t c = 0; c < m->nbulk_columns; c++)
      for (size_t j = 0; j + 1 < row->nitems; j += 2) {
        if (strcmp(pyvalue_str(row->items[j]), m->bulk_columns[c]) != 0) continue;
        const char *lit = sql__py_literal(a, row->items[j + 1]);
        if (!lit) ok = false;
        buf_printf(b, "%s%s", n ? ", " : "", sql_quote_ident(a, m->bulk_columns[c]));
        buf_printf(&vals, "%s%s", n ? ", " : "", lit ? lit : "?");
        n++;
      }
    buf_printf(b, ") VALUES (%s)", buf_cstr(&vals));
    buf_free(&vals);
    if (ok) {
      sql__emit_buf(o, b);
    } else {
      buf_reset(b);
      sql__emit(
          o,
          arena_printf(a, "-- dynamic: bulk_insert row %zu holds a value that is not a literal",
                       r + 1),
          true);
    }
  }
}

/* The SQL text of op.execute as Alembic prints it: TextClause turns `\:` into `:`. */
static char *sql__execute_text(Arena *a, const char *s) {
  size_t n = strlen(s);
  while (n && strchr(" \t\r\n", s[n - 1])) n--;
  while (n && strchr(" \t\r\n", *s)) s++, n--;
  char *out = arena_strndup(a, s, n);
  char *w = out;
  for (const char *p = out; *p; p++) {
    if (p[0] == '\\' && p[1] == ':') continue;
    *w++ = *p;
  }
  *w = '\0';
  return out;
}

static void sql__placeholder(Out *o, const MigOp *m) {
  const char *why = m->dynamic_reason ? m->dynamic_reason : "not statically known";
  // One line, whatever the reason holds: the placeholder stays a single SQL comment.
  char *line = arena_printf(
      o->a, "-- dynamic: %s%s%s (line %u): %s", m->src && m->src->receiver ? m->src->receiver : "",
      m->method[0] ? "." : "", m->method[0] ? m->method : "statement", m->range.line, why);
  for (char *p = line; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  sql__emit(o, line, true);
}

static void sql__op(Out *o, const MigOp *m) {
  Arena *a = o->a;
  const MigOp *saved = o->op;
  o->op = m;
  if (m->kind == OPK_BATCH_ALTER_TABLE || m->kind == OPK_AUTOCOMMIT_BLOCK) {
    bool tx = o->transactional;
    if (m->kind == OPK_AUTOCOMMIT_BLOCK) o->transactional = false;
    for (size_t k = 0; k < m->nbody; k++) sql__op(o, &m->body[k]);
    if (m->nbody == 0 && m->dynamic) sql__placeholder(o, m);
    o->transactional = tx;
    o->op = saved;
    return;
  }
  if (m->dynamic) {
    sql__placeholder(o, m);
    o->op = saved;
    return;
  }
  Buf b = BUF_INIT;
  const char *t = m->table ? sql_quote_qualified(a, m->schema, m->table) : NULL;
  switch (m->kind) {
    case OPK_CREATE_TABLE:
      sql__create_table(o, &b, m);
      break;
    case OPK_DROP_TABLE:
      buf_printf(&b, "DROP TABLE %s", t);
      sql__emit_buf(o, &b);
      break;
    case OPK_RENAME_TABLE:
      buf_printf(&b, "ALTER TABLE %s RENAME TO %s", t, sql_quote_ident(a, m->new_table));
      sql__emit_buf(o, &b);
      break;
    case OPK_ADD_COLUMN:
      sql__add_column(o, &b, m);
      break;
    case OPK_DROP_COLUMN:
      buf_printf(&b, "ALTER TABLE %s DROP COLUMN %s", t, sql_quote_ident(a, m->column));
      sql__emit_buf(o, &b);
      break;
    case OPK_ALTER_COLUMN:
      sql__alter_column(o, &b, m);
      break;
    case OPK_CREATE_INDEX:
      sql__create_index(o, &b, m);
      break;
    case OPK_DROP_INDEX:
      buf_printf(
          &b, "DROP INDEX %s%s%s", m->index.concurrently ? "CONCURRENTLY " : "",
          m->index.if_exists ? "IF EXISTS " : "",
          sql_quote_qualified(a, m->schema, sql__conv_name(a, m->index.name, m->index.name_conv)));
      sql__emit_buf(o, &b);
      break;
    case OPK_CREATE_UNIQUE_CONSTRAINT:
    case OPK_CREATE_FOREIGN_KEY:
    case OPK_CREATE_CHECK_CONSTRAINT:
    case OPK_CREATE_PRIMARY_KEY:
      buf_printf(&b, "ALTER TABLE %s ADD ", t);
      sql__constraint(a, &b, &m->constraints[0]);
      sql__emit_buf(o, &b);
      break;
    case OPK_DROP_CONSTRAINT:
      buf_printf(
          &b, "ALTER TABLE %s DROP CONSTRAINT %s", t,
          sql_quote_ident(a, sql__conv_name(a, m->constraint_name, m->constraint_name_conv)));
      sql__emit_buf(o, &b);
      break;
    case OPK_CREATE_TABLE_COMMENT:
    case OPK_DROP_TABLE_COMMENT: {
      const char *c = m->kind == OPK_CREATE_TABLE_COMMENT && m->table_comment
                          ? sql_quote_literal(a, m->table_comment)
                          : "NULL";
      buf_printf(&b, "COMMENT ON TABLE %s IS %s", t, c);
      sql__emit_buf(o, &b);
      break;
    }
    case OPK_EXECUTE:
      sql__emit(o, sql__execute_text(a, m->sql), false);
      break;
    case OPK_BULK_INSERT:
      sql__bulk_insert(o, &b, m);
      break;
    default:
      sql__placeholder(o, m);
      break;
  }
  buf_free(&b);
  o->op = saved;
}

void sql_render_op(Arena *arena, const MigOp *op, SqlStmtList *out) {
  Out o = {arena, out, op, true};
  sql__op(&o, op);
}

void sql_render_ops(Arena *arena, const MigOpList *ops, SqlStmtList *out) {
  for (size_t k = 0; ops && k < ops->len; k++) sql_render_op(arena, &ops->items[k], out);
}

char *sql_stmts_join(Arena *arena, const SqlStmtList *stmts) {
  Buf b = BUF_INIT;
  bool outside = false;
  for (size_t k = 0; stmts && k < stmts->len; k++) {
    const SqlStmt *st = &stmts->items[k];
    if (!st->transactional && !outside) buf_puts(&b, "COMMIT;\n\n");
    if (st->transactional && outside) buf_puts(&b, "BEGIN;\n\n");
    outside = !st->transactional;
    buf_printf(&b, "%s%s\n\n", st->sql, st->dynamic ? "" : ";");
  }
  if (outside) buf_puts(&b, "BEGIN;\n\n");
  char *out = arena_strdup(arena, buf_cstr(&b));
  buf_free(&b);
  return out;
}

/* ---- alembic_version -------------------------------------------------------------- */

static const char *sql__vt(Arena *a, const char *schema, const char *table) {
  return sql_quote_qualified(a, schema, table ? table : "alembic_version");
}

char *sql_version_create_table(Arena *a, const char *schema, const char *table) {
  const char *t = table ? table : "alembic_version";
  return arena_printf(a,
                      "CREATE TABLE %s (\n    version_num VARCHAR(32) NOT NULL, \n    "
                      "CONSTRAINT %s PRIMARY KEY (version_num)\n)",
                      sql__vt(a, schema, table), sql_quote_ident(a, arena_printf(a, "%s_pkc", t)));
}

char *sql_version_drop_table(Arena *a, const char *schema, const char *table) {
  return arena_printf(a, "DROP TABLE %s", sql__vt(a, schema, table));
}

char *sql_version_insert(Arena *a, const char *schema, const char *table, const char *rev) {
  const char *t = sql__vt(a, schema, table);
  return arena_printf(a, "INSERT INTO %s (version_num) VALUES (%s) RETURNING %s.version_num", t,
                      sql_quote_literal(a, rev), t);
}

char *sql_version_update(Arena *a, const char *schema, const char *table, const char *from,
                         const char *to) {
  const char *t = sql__vt(a, schema, table);
  return arena_printf(a, "UPDATE %s SET version_num=%s WHERE %s.version_num = %s", t,
                      sql_quote_literal(a, to), t, sql_quote_literal(a, from));
}

char *sql_version_delete(Arena *a, const char *schema, const char *table, const char *rev) {
  const char *t = sql__vt(a, schema, table);
  return arena_printf(a, "DELETE FROM %s WHERE %s.version_num = %s", t, t,
                      sql_quote_literal(a, rev));
}

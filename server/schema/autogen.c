/* autogen.c - autogenerate: models vs the existing schema, as Alembic ops rendered in
 * Alembic's own layout (alembic/autogenerate/render.py, 1.8.1), in a safe order. */
#include "server/schema/autogen.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/alembic/pyrepr.h"
#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/schema/compare.h"

/* alter_column's continuation indent in Alembic's renderer. */
static const char ALTER_INDENT[] = "           ";

const char *ag_kind_name(AgKind k) {
  switch (k) {
  case AG_CREATE_ENUM: return "create_enum";
  case AG_ADD_ENUM_VALUES: return "add_enum_values";
  case AG_RECREATE_ENUM: return "recreate_enum";
  case AG_DROP_ENUM: return "drop_enum";
  case AG_CREATE_TABLE: return "create_table";
  case AG_DROP_TABLE: return "drop_table";
  case AG_ADD_COLUMN: return "add_column";
  case AG_DROP_COLUMN: return "drop_column";
  case AG_ALTER_COLUMN: return "alter_column";
  case AG_CREATE_INDEX: return "create_index";
  case AG_DROP_INDEX: return "drop_index";
  case AG_ADD_CONSTRAINT: return "add_constraint";
  case AG_DROP_CONSTRAINT: return "drop_constraint";
  case AG_TABLE_COMMENT: return "table_comment";
  }
  return "op";
}

typedef struct Ctx {
  Arena *a;
  const AutogenInput *in;
  const Schema *cur, *tgt;
  const ModelSet *models;
  AgOpList *out;
  FindingList *findings;
  bool postgresql;  /* the rendered code uses `postgresql.` (an import is needed) */
  bool conv_names;  /* the models' MetaData has a naming convention: names of existing
                       objects are written op.f('name'), final, or the convention would
                       apply to them again (ck_%(table_name)s_%(constraint_name)s made
                       ck_t_ck_t_x of ck_t_x) */
} Ctx;

/* ---- small helpers ------------------------------------------------------------------- */

static bool ag__eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return !strcmp(a, b);
}

/* Schemas compare with NULL meaning the default one ("public"). */
static bool ag__same_schema(const char *a, const char *b) {
  return ag__eq(a && strcmp(a, "public") ? a : NULL, b && strcmp(b, "public") ? b : NULL);
}

static const char *ag__norm_schema(const char *s) { return s && strcmp(s, "public") ? s : NULL; }

static char *ag__detach(Ctx *c, Buf *b) {
  char *s = arena_strndup(c->a, b->data ? b->data : "", b->len);
  buf_free(b);
  return s;
}

static const char *ag__qual(Ctx *c, const char *schema, const char *name) {
  schema = ag__norm_schema(schema);
  return schema ? arena_printf(c->a, "%s.%s", schema, name) : name;
}

static AgOp *ag__emit(Ctx *c, AgKind kind, const char *op, const char *schema, const char *table,
                      const char *name, const char *detail, const char *up, const char *down) {
  AgOpList *l = c->out;
  if (l->len == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    AgOp *items = ARENA_ARRAY(c->a, AgOp, cap);
    if (l->len) memcpy(items, l->items, l->len * sizeof *items);
    l->items = items;
    l->cap = cap;
  }
  AgOp *o = &l->items[l->len++];
  *o = (AgOp){kind, op, ag__norm_schema(schema), table, name, detail, up, down};
  return o;
}

/* ", schema='x'" when the schema is not the default one. */
static void ag__schema_kw(Buf *b, const char *schema) {
  schema = ag__norm_schema(schema);
  if (!schema) return;
  buf_puts(b, ", schema=");
  py_repr_str(b, schema);
}

/* A name as Alembic renders it: op.f('x') when a naming convention made it. */
static void ag__name(Buf *b, const char *name, bool conv) {
  if (!name) {
    buf_puts(b, "None");
    return;
  }
  if (conv) buf_puts(b, "op.f(");
  py_repr_str(b, name);
  if (conv) buf_putc(b, ')');
}

static void ag__py_sql(Buf *b, const char *sql) {
  buf_puts(b, "sa.text(");
  py_repr_str(b, sql);
  buf_putc(b, ')');
}

static bool ag__ident_plain(const char *s) {
  if (!s || !*s || isdigit((unsigned char)*s)) return false;
  for (const char *p = s; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '$') return false;
  return true;
}

/* An identifier for SQL text we write into op.execute(): quoted unless plain lower case. */
static void ag__sql_ident(Buf *b, const char *s) {
  bool plain = ag__ident_plain(s);
  for (const char *p = s; plain && *p; p++)
    if (isupper((unsigned char)*p)) plain = false;
  if (plain) {
    buf_puts(b, s);
    return;
  }
  buf_putc(b, '"');
  for (const char *p = s; *p; p++) {
    if (*p == '"') buf_putc(b, '"');
    buf_putc(b, *p);
  }
  buf_putc(b, '"');
}

static void ag__sql_qual(Buf *b, const char *schema, const char *name) {
  schema = ag__norm_schema(schema);
  if (schema) {
    ag__sql_ident(b, schema);
    buf_putc(b, '.');
  }
  ag__sql_ident(b, name);
}

/* A standard SQL string literal ('' for a quote; standard_conforming_strings is on). */
static void ag__sql_literal(Buf *b, const char *s) {
  buf_putc(b, '\'');
  for (const char *p = s; *p; p++) {
    if (*p == '\'') buf_putc(b, '\'');
    buf_putc(b, *p);
  }
  buf_putc(b, '\'');
}

/* `op.execute('...')` for one SQL statement. */
static void ag__execute(Buf *b, const char *sql) {
  buf_puts(b, "op.execute(");
  py_repr_str(b, sql);
  buf_putc(b, ')');
}

/* ---- types --------------------------------------------------------------------------- */

/* Renders a model's type as SQLAlchemy code. False when it cannot be rendered exactly. */
static bool ag__type_model(Ctx *c, Buf *b, const SqlType *t) {
  if (!t || t->dynamic) return false;
  const char *n = t->name ? t->name : "";
  bool upper = *n && isupper((unsigned char)n[0]) && isupper((unsigned char)n[strlen(n) - 1]);
  switch (t->kind) {
  case ST_INTEGER: buf_puts(b, upper ? "sa.INTEGER()" : "sa.Integer()"); return true;
  case ST_BIGINT: buf_puts(b, upper ? "sa.BIGINT()" : "sa.BigInteger()"); return true;
  case ST_SMALLINT: buf_puts(b, upper ? "sa.SMALLINT()" : "sa.SmallInteger()"); return true;
  case ST_STRING:
    buf_puts(b, upper && !strcmp(n, "VARCHAR") ? "sa.VARCHAR(" : "sa.String(");
    if (t->length >= 0) buf_printf(b, "length=%d", t->length);
    buf_putc(b, ')');
    return true;
  case ST_CHAR:
    buf_puts(b, "sa.CHAR(");
    if (t->length >= 0) buf_printf(b, "length=%d", t->length);
    buf_putc(b, ')');
    return true;
  case ST_TEXT: buf_puts(b, upper ? "sa.TEXT()" : "sa.Text()"); return true;
  case ST_BOOLEAN: buf_puts(b, upper ? "sa.BOOLEAN()" : "sa.Boolean()"); return true;
  case ST_DATE: buf_puts(b, upper ? "sa.DATE()" : "sa.Date()"); return true;
  case ST_DATETIME:
    if (t->precision >= 0) {
      c->postgresql = true;
      buf_printf(b, "postgresql.TIMESTAMP(%sprecision=%d)", t->timezone ? "timezone=True, " : "",
                 t->precision);
      return true;
    }
    buf_printf(b, "%s(%s)", upper ? "sa.TIMESTAMP" : "sa.DateTime", t->timezone ? "timezone=True" : "");
    return true;
  case ST_TIME:
    if (t->precision >= 0) {
      c->postgresql = true;
      buf_printf(b, "postgresql.TIME(%sprecision=%d)", t->timezone ? "timezone=True, " : "",
                 t->precision);
      return true;
    }
    buf_printf(b, "%s(%s)", upper ? "sa.TIME" : "sa.Time", t->timezone ? "timezone=True" : "");
    return true;
  case ST_INTERVAL:
    if (t->precision >= 0) {
      c->postgresql = true;
      buf_printf(b, "postgresql.INTERVAL(precision=%d)", t->precision);
      return true;
    }
    buf_puts(b, "sa.Interval()");
    return true;
  case ST_NUMERIC:
    buf_puts(b, upper ? "sa.NUMERIC(" : "sa.Numeric(");
    if (t->precision >= 0) buf_printf(b, "precision=%d", t->precision);
    if (t->scale >= 0) buf_printf(b, "%sscale=%d", t->precision >= 0 ? ", " : "", t->scale);
    buf_putc(b, ')');
    return true;
  case ST_FLOAT:
    buf_puts(b, upper ? "sa.FLOAT(" : "sa.Float(");
    if (t->precision >= 0) buf_printf(b, "precision=%d", t->precision);
    buf_putc(b, ')');
    return true;
  case ST_REAL: buf_puts(b, "sa.REAL()"); return true;
  case ST_DOUBLE:
    c->postgresql = true;
    buf_puts(b, "postgresql.DOUBLE_PRECISION()");
    return true;
  case ST_LARGEBINARY: buf_puts(b, "sa.LargeBinary()"); return true;
  case ST_JSON: buf_puts(b, "sa.JSON()"); return true;
  case ST_JSONB:
    c->postgresql = true;
    buf_puts(b, "postgresql.JSONB(astext_type=sa.Text())");
    return true;
  case ST_UUID:
    c->postgresql = true;
    buf_puts(b, "postgresql.UUID()");
    return true;
  case ST_TSVECTOR:
    c->postgresql = true;
    buf_puts(b, "postgresql.TSVECTOR()");
    return true;
  case ST_ARRAY:
    buf_puts(b, "sa.ARRAY(");
    if (!ag__type_model(c, b, t->item)) return false;
    if (t->dimensions >= 0) buf_printf(b, ", dimensions=%d", t->dimensions);
    buf_putc(b, ')');
    return true;
  case ST_ENUM:
    if (!t->native_enum) {
      buf_puts(b, "sa.Enum(");
      for (size_t k = 0; k < t->nenum_values; k++) {
        py_repr_str(b, t->enum_values[k]);
        buf_puts(b, ", ");
      }
      if (t->enum_name) {
        buf_puts(b, "name=");
        py_repr_str(b, t->enum_name);
        buf_puts(b, ", ");
      }
      buf_puts(b, "native_enum=False");
      if (t->create_constraint) buf_puts(b, ", create_constraint=True");
      buf_putc(b, ')');
      return true;
    }
    if (!t->enum_name) return false;
    // The type is created (and dropped) by its own op: the column never creates it.
    c->postgresql = true;
    buf_puts(b, "postgresql.ENUM(");
    for (size_t k = 0; k < t->nenum_values; k++) {
      py_repr_str(b, t->enum_values[k]);
      buf_puts(b, ", ");
    }
    buf_puts(b, "name=");
    py_repr_str(b, t->enum_name);
    if (t->enum_schema) {
      buf_puts(b, ", schema=");
      py_repr_str(b, t->enum_schema);
    }
    buf_puts(b, ", create_type=False)");
    return true;
  case ST_INET:
  case ST_CIDR:
  case ST_MACADDR:
  case ST_MONEY:
  case ST_OID: {
    static const char *const PG[] = {[ST_INET] = "INET", [ST_CIDR] = "CIDR",
                                     [ST_MACADDR] = "MACADDR", [ST_MONEY] = "MONEY",
                                     [ST_OID] = "OID"};
    c->postgresql = true;
    buf_printf(b, "postgresql.%s()", PG[t->kind]);
    return true;
  }
  case ST_BIT:
    c->postgresql = true;
    buf_puts(b, "postgresql.BIT(");
    if (t->length >= 0) buf_printf(b, "length=%d", t->length);
    buf_putc(b, ')');
    return true;
  case ST_UNKNOWN: break;
  }
  return false;
}

/* "varchar(32)" → 32; "numeric(12,2)" → 12 and 2. Returns how many numbers were read. */
static int ag__mods(const char *canon, int *m1, int *m2) {
  const char *p = strchr(canon, '(');
  if (!p) return 0;
  int got = sscanf(p, "(%d , %d)", m1, m2);
  return got < 0 ? 0 : got;
}

static const SchemaEnum *ag__enum_of(const Schema *s, const char *type) {
  if (!type) return NULL;
  for (size_t k = 0; k < s->nenums; k++)
    if (!strcmp(s->enums[k]->name, type)) return s->enums[k];
  return NULL;
}

/* Renders a canonical type (fold.h / catalog.h spelling) as Alembic renders a reflected
 * one. `s` provides enum labels. False when there is no exact SQLAlchemy spelling. */
static bool ag__type_canon(Ctx *c, Buf *b, const Schema *s, const char *canon) {
  if (!canon) return false;
  size_t n = strlen(canon);
  if (n > 2 && !strcmp(canon + n - 2, "[]")) {
    char *item = arena_strndup(c->a, canon, n - 2);
    c->postgresql = true;
    buf_puts(b, "postgresql.ARRAY(");
    if (!ag__type_canon(c, b, s, item)) return false;
    buf_putc(b, ')');
    return true;
  }
  int m1 = -1, m2 = -1;
  int nm = ag__mods(canon, &m1, &m2);
  size_t base = strcspn(canon, "(");
  char name[64];
  if (base >= sizeof name) return false;
  memcpy(name, canon, base);
  name[base] = '\0';
  static const struct {
    const char *canon, *py;
    bool pg;
  } PLAIN[] = {{"integer", "sa.INTEGER()", false},     {"bigint", "sa.BIGINT()", false},
               {"smallint", "sa.SMALLINT()", false},   {"text", "sa.TEXT()", false},
               {"boolean", "sa.BOOLEAN()", false},     {"date", "sa.DATE()", false},
               {"real", "sa.REAL()", false},           {"bytea", "postgresql.BYTEA()", true},
               {"uuid", "postgresql.UUID()", true},    {"tsvector", "postgresql.TSVECTOR()", true},
               {"inet", "postgresql.INET()", true},    {"cidr", "postgresql.CIDR()", true},
               {"macaddr", "postgresql.MACADDR()", true}, {"money", "postgresql.MONEY()", true},
               {"oid", "postgresql.OID()", true},
               {"double precision", "postgresql.DOUBLE_PRECISION(precision=53)", true},
               {"json", "postgresql.JSON(astext_type=sa.Text())", true},
               {"jsonb", "postgresql.JSONB(astext_type=sa.Text())", true},
               {"varbit", "postgresql.BIT(varying=True)", true}};
  if (nm == 0)
    for (size_t k = 0; k < sizeof PLAIN / sizeof PLAIN[0]; k++)
      if (!strcmp(canon, PLAIN[k].canon)) {
        if (PLAIN[k].pg) c->postgresql = true;
        buf_puts(b, PLAIN[k].py);
        return true;
      }
  if (!strcmp(name, "varchar") || !strcmp(name, "char")) {
    buf_printf(b, "sa.%s(", !strcmp(name, "varchar") ? "VARCHAR" : "CHAR");
    if (nm >= 1) buf_printf(b, "length=%d", m1);
    buf_putc(b, ')');
    return true;
  }
  if (!strcmp(name, "numeric")) {
    buf_puts(b, "sa.NUMERIC(");
    if (nm >= 1) buf_printf(b, "precision=%d", m1);
    if (nm >= 2) buf_printf(b, ", scale=%d", m2);
    buf_putc(b, ')');
    return true;
  }
  if (!strcmp(name, "timestamp") || !strcmp(name, "timestamptz") || !strcmp(name, "time") ||
      !strcmp(name, "timetz")) {
    bool tz = name[strlen(name) - 1] == 'z';
    c->postgresql = true;
    buf_printf(b, "postgresql.%s(", name[4] == 's' ? "TIMESTAMP" : "TIME");
    if (tz) buf_puts(b, "timezone=True");
    if (nm >= 1) buf_printf(b, "%sprecision=%d", tz ? ", " : "", m1);
    buf_putc(b, ')');
    return true;
  }
  if (!strcmp(name, "interval")) {
    c->postgresql = true;
    buf_puts(b, "postgresql.INTERVAL(");
    if (nm >= 1) buf_printf(b, "precision=%d", m1);
    buf_putc(b, ')');
    return true;
  }
  if (!strcmp(name, "bit")) {
    c->postgresql = true;
    buf_puts(b, "postgresql.BIT(");
    if (nm >= 1) buf_printf(b, "length=%d", m1);
    buf_putc(b, ')');
    return true;
  }
  const SchemaEnum *e = ag__enum_of(s, canon);
  if (e) {
    c->postgresql = true;
    buf_puts(b, "postgresql.ENUM(");
    for (size_t k = 0; k < e->nvalues; k++) {
      py_repr_str(b, e->values[k]);
      buf_puts(b, ", ");
    }
    buf_puts(b, "name=");
    py_repr_str(b, e->name);
    if (ag__norm_schema(e->schema)) {
      buf_puts(b, ", schema=");
      py_repr_str(b, e->schema);
    }
    buf_puts(b, ", create_type=False)");
    return true;
  }
  return false;
}

/* ---- columns ------------------------------------------------------------------------- */

static void ag__default_model(Buf *b, const MigDefault *d) {
  switch (d->kind) {
  case DEF_STRING: py_repr_str(b, d->text); break;
  case DEF_SQL:
  case DEF_FUNC: ag__py_sql(b, d->text); break;
  default: buf_puts(b, "None"); break;
  }
}

/* sa.Column(...) for a model column, as Alembic renders metadata columns. False when its
 * type cannot be rendered (the caller reports it). */
static bool ag__column_model(Ctx *c, Buf *b, const MigColumn *col) {
  buf_puts(b, "sa.Column(");
  py_repr_str(b, col->name);
  buf_puts(b, ", ");
  if (!ag__type_model(c, b, col->type)) return false;
  buf_puts(b, ", ");
  if (col->computed.present) {
    buf_puts(b, "sa.Computed(");
    py_repr_str(b, col->computed.sqltext ? col->computed.sqltext : "");
    buf_puts(b, ", ");
    if (col->computed.persisted != TRI_UNSET)
      buf_printf(b, "persisted=%s", col->computed.persisted == TRI_TRUE ? "True" : "False");
    buf_puts(b, "), ");
  }
  if (col->identity.present) {
    buf_printf(b, "sa.Identity(always=%s", col->identity.always ? "True" : "False");
    // options as "START WITH 1 INCREMENT BY 2" → start=1, increment=2
    if (col->identity.options) {
      static const struct {
        const char *sql, *kw;
      } O[] = {{"START WITH ", "start"}, {"INCREMENT BY ", "increment"}, {"MINVALUE ", "minvalue"},
               {"MAXVALUE ", "maxvalue"}, {"CACHE ", "cache"}};
      for (size_t k = 0; k < sizeof O / sizeof O[0]; k++) {
        const char *p = strstr(col->identity.options, O[k].sql);
        if (p) buf_printf(b, ", %s=%lld", O[k].kw, atoll(p + strlen(O[k].sql)));
      }
      if (strstr(col->identity.options, "NO CYCLE"))
        buf_puts(b, ", cycle=False");
      else if (strstr(col->identity.options, "CYCLE"))
        buf_puts(b, ", cycle=True");
    }
    buf_puts(b, "), ");
  }
  bool first = true;
#define KW() (first ? (first = false, (void)0) : buf_puts(b, ", "))
  if (col->server_default.kind != DEF_NONE && col->server_default.kind != DEF_NULL) {
    KW();
    buf_puts(b, "server_default=");
    ag__default_model(b, &col->server_default);
  }
  if (col->autoincrement != TRI_UNSET) {
    KW();
    buf_printf(b, "autoincrement=%s", col->autoincrement == TRI_TRUE ? "True" : "False");
  }
  KW();
  buf_printf(b, "nullable=%s", col->nullable == TRI_FALSE ? "False" : "True");
  if (col->comment) {
    KW();
    buf_puts(b, "comment=");
    py_repr_str(b, col->comment);
  }
#undef KW
  buf_putc(b, ')');
  return true;
}

/* sa.Column(...) for a column that exists (fold or catalog), as Alembic renders a reflected
 * one: upper-case types, autoincrement stated, server defaults as sa.text(). */
static bool ag__column_canon(Ctx *c, Buf *b, const SchemaTable *t, const SchemaColumn *col,
                             bool in_pk) {
  buf_puts(b, "sa.Column(");
  py_repr_str(b, col->name);
  buf_puts(b, ", ");
  if (!ag__type_canon(c, b, c->cur, col->type)) return false;
  bool integer = col->type && (!strcmp(col->type, "integer") || !strcmp(col->type, "bigint") ||
                               !strcmp(col->type, "smallint"));
  (void)t;
  // Serial or identity: SQLAlchemy makes a SERIAL of the autoincrement=True key column and
  // an identity column of one with sa.Identity(). When the catalog or fold could not say
  // which, a key column is taken for a serial.
  char kind = !col->identity       ? 0
              : col->identity_kind ? col->identity_kind
              : integer && in_pk   ? 's'
                                   : 'd';
  if (kind == 'a' || kind == 'd') buf_printf(b, ", sa.Identity(always=%s)", kind == 'a' ? "True" : "False");
  if (col->server_default && !col->identity) {
    buf_puts(b, ", server_default=");
    ag__py_sql(b, col->server_default);
  }
  if (integer) buf_printf(b, ", autoincrement=%s", col->identity && in_pk ? "True" : "False");
  buf_printf(b, ", nullable=%s", col->nullable ? "True" : "False");
  if (col->comment) {
    buf_puts(b, ", comment=");
    py_repr_str(b, col->comment);
  }
  buf_putc(b, ')');
  return true;
}

/* A short description of a column for people: "varchar(255) NOT NULL DEFAULT 'x'". */
static const char *ag__col_detail(Ctx *c, const SchemaColumn *col) {
  Buf b = BUF_INIT;
  buf_printf(&b, "%s %s", col->type ? col->type : "(unknown type)", col->nullable ? "NULL" : "NOT NULL");
  if (col->server_default) buf_printf(&b, " DEFAULT %s", col->server_default);
  return ag__detach(c, &b);
}

/* ---- constraints and indexes --------------------------------------------------------- */

/* A constraint as both sides can express it, for comparing and rendering. */
typedef struct Con {
  ConstraintKind kind;
  const char *name;
  bool conv;                 /* named by a naming convention: op.f() */
  const char *const *cols;
  size_t ncols;
  const char *ref_schema, *ref_table;
  const char *const *ref_cols;
  size_t nref_cols;
  const char *expr;
  const char *ondelete, *onupdate, *initially;
  bool deferrable;
  const char *path;          /* model file, for findings */
  SrcRange range;
} Con;

static Con ag__con_model(const MigConstraint *m, const char *path) {
  Con k = {.kind = m->kind, .name = m->name, .conv = m->name_conv, .path = path, .range = m->range};
  if (m->kind == CON_FOREIGN_KEY) {
    k.cols = m->fk.columns;
    k.ncols = m->fk.ncolumns;
    k.ref_schema = ag__norm_schema(m->fk.ref_schema);
    k.ref_table = m->fk.ref_table;
    k.ref_cols = m->fk.ref_columns;
    k.nref_cols = m->fk.nref_columns;
    k.ondelete = m->fk.ondelete;
    k.onupdate = m->fk.onupdate;
    k.initially = m->fk.initially ? m->fk.initially : m->initially;
    k.deferrable = m->fk.deferrable == TRI_TRUE || m->deferrable == TRI_TRUE;
    if (!k.name) k.name = m->fk.name;
  } else {
    k.cols = m->columns;
    k.ncols = m->ncolumns;
    k.expr = m->condition;
    k.initially = m->initially;
    k.deferrable = m->deferrable == TRI_TRUE;
  }
  return k;
}

static Con ag__con_schema(Ctx *c, const SchemaConstraint *s) {
  return (Con){.kind = s->kind, .name = s->name, .conv = c->conv_names && s->name,
               .cols = s->cols, .ncols = s->ncols,
               .ref_schema = ag__norm_schema(s->ref_schema), .ref_table = s->ref_table,
               .ref_cols = s->ref_cols, .nref_cols = s->nref_cols, .expr = s->expr,
               .ondelete = s->ondelete, .onupdate = s->onupdate, .initially = s->initially,
               .deferrable = s->deferrable};
}

static bool ag__lists_eq(const char *const *a, size_t na, const char *const *b, size_t nb) {
  if (na != nb) return false;
  for (size_t k = 0; k < na; k++)
    if (!ag__eq(a[k], b[k])) return false;
  return true;
}

/* Same columns in any order (Alembic's signature for unique constraints and indexes). */
static bool ag__sets_eq(const char *const *a, size_t na, const char *const *b, size_t nb) {
  if (na != nb) return false;
  for (size_t k = 0; k < na; k++) {
    bool found = false;
    for (size_t j = 0; j < nb && !found; j++) found = ag__eq(a[k], b[j]);
    if (!found) return false;
  }
  return true;
}

static bool ag__sql_eq(const char *a, const char *b) {
  if (!a || !b) return !a && !b;
  char *na = compare_norm_sql(a, true), *nb = compare_norm_sql(b, true);
  bool eq = na && nb && !strcmp(na, nb);
  free(na);
  free(nb);
  return eq;
}

static const char *ag__upper_or_null(Ctx *c, const char *s) {
  if (!s) return NULL;
  char *u = arena_strdup(c->a, s);
  for (char *p = u; *p; p++) *p = (char)toupper((unsigned char)*p);
  // NO ACTION is what no clause means.
  return strcmp(u, "NO ACTION") ? u : NULL;
}

/* What the constraint is, names aside. */
static bool ag__con_same(Ctx *c, const Con *a, const Con *b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case CON_CHECK: return ag__sql_eq(a->expr, b->expr);
  case CON_UNIQUE: return ag__sets_eq(a->cols, a->ncols, b->cols, b->ncols);
  case CON_PRIMARY_KEY: return ag__lists_eq(a->cols, a->ncols, b->cols, b->ncols);
  case CON_FOREIGN_KEY:
    return ag__lists_eq(a->cols, a->ncols, b->cols, b->ncols) && ag__eq(a->ref_table, b->ref_table) &&
           ag__same_schema(a->ref_schema, b->ref_schema) &&
           ag__lists_eq(a->ref_cols, a->nref_cols, b->ref_cols, b->nref_cols) &&
           ag__eq(ag__upper_or_null(c, a->ondelete), ag__upper_or_null(c, b->ondelete)) &&
           ag__eq(ag__upper_or_null(c, a->onupdate), ag__upper_or_null(c, b->onupdate));
  }
  return false;
}

/* The name PostgreSQL gives (or gave) an unnamed constraint of `t` (schema.h). */
static const char *ag__con_default_name(Ctx *c, const SchemaTable *t, const Con *k) {
  return schema_constraint_default_name(c->a, t, k->kind, k->cols, k->ncols, k->expr);
}

/* sa.XConstraint(...) inside create_table. */
static void ag__con_inline(Ctx *c, Buf *b, const Con *k) {
  (void)c;
  switch (k->kind) {
  case CON_PRIMARY_KEY:
    buf_puts(b, "sa.PrimaryKeyConstraint(");
    for (size_t j = 0; j < k->ncols; j++) {
      if (j) buf_puts(b, ", ");
      py_repr_str(b, k->cols[j]);
    }
    if (k->name) {
      buf_puts(b, k->ncols ? ", name=" : "name=");
      ag__name(b, k->name, k->conv);
    }
    buf_putc(b, ')');
    return;
  case CON_UNIQUE:
    buf_puts(b, "sa.UniqueConstraint(");
    for (size_t j = 0; j < k->ncols; j++) {
      if (j) buf_puts(b, ", ");
      py_repr_str(b, k->cols[j]);
    }
    if (k->deferrable) buf_puts(b, ", deferrable='True'");
    if (k->initially) {
      buf_puts(b, ", initially=");
      py_repr_str(b, k->initially);
    }
    if (k->name) {
      buf_puts(b, ", name=");
      ag__name(b, k->name, k->conv);
    }
    buf_putc(b, ')');
    return;
  case CON_CHECK:
    buf_puts(b, "sa.CheckConstraint(");
    py_repr_str(b, k->expr ? k->expr : "");
    if (k->name) {
      buf_puts(b, ", name=");
      ag__name(b, k->name, k->conv);
    }
    buf_putc(b, ')');
    return;
  case CON_FOREIGN_KEY: {
    buf_puts(b, "sa.ForeignKeyConstraint([");
    for (size_t j = 0; j < k->ncols; j++) {
      if (j) buf_puts(b, ", ");
      py_repr_str(b, k->cols[j]);
    }
    buf_puts(b, "], [");
    for (size_t j = 0; j < k->nref_cols; j++) {
      if (j) buf_puts(b, ", ");
      Buf spec = BUF_INIT;
      if (k->ref_schema) buf_printf(&spec, "%s.", k->ref_schema);
      buf_printf(&spec, "%s.%s", k->ref_table, k->ref_cols[j]);
      py_repr_str(b, buf_cstr(&spec));
      buf_free(&spec);
    }
    buf_putc(b, ']');
    if (k->name) {
      buf_puts(b, ", name=");
      ag__name(b, k->name, k->conv);
    }
    if (k->onupdate) {
      buf_puts(b, ", onupdate=");
      py_repr_str(b, k->onupdate);
    }
    if (k->ondelete) {
      buf_puts(b, ", ondelete=");
      py_repr_str(b, k->ondelete);
    }
    if (k->initially) {
      buf_puts(b, ", initially=");
      py_repr_str(b, k->initially);
    }
    if (k->deferrable) buf_puts(b, ", deferrable=True");
    buf_putc(b, ')');
    return;
  }
  }
}

static const char *ag__con_type(ConstraintKind k) {
  switch (k) {
  case CON_PRIMARY_KEY: return "primary";
  case CON_UNIQUE: return "unique";
  case CON_FOREIGN_KEY: return "foreignkey";
  case CON_CHECK: return "check";
  }
  return "";
}

/* op.create_xxx(...) for a constraint on an existing table (named: given, or the name
 * PostgreSQL would pick, so that the downgrade can drop it by name). */
static void ag__con_create(Ctx *c, Buf *b, const char *schema, const char *table, const Con *k,
                           const char *name, bool conv) {
  switch (k->kind) {
  case CON_PRIMARY_KEY:
    buf_puts(b, "op.create_primary_key(");
    ag__name(b, name, conv);
    buf_puts(b, ", ");
    py_repr_str(b, table);
    buf_puts(b, ", ");
    py_repr_str_list(b, k->cols, k->ncols);
    ag__schema_kw(b, schema);
    buf_putc(b, ')');
    return;
  case CON_UNIQUE:
    buf_puts(b, "op.create_unique_constraint(");
    ag__name(b, name, conv);
    buf_puts(b, ", ");
    py_repr_str(b, table);
    buf_puts(b, ", ");
    py_repr_str_list(b, k->cols, k->ncols);
    if (k->deferrable) buf_puts(b, ", deferrable='True'");
    if (k->initially) {
      buf_puts(b, ", initially=");
      py_repr_str(b, k->initially);
    }
    ag__schema_kw(b, schema);
    buf_putc(b, ')');
    return;
  case CON_CHECK:
    buf_puts(b, "op.create_check_constraint(");
    ag__name(b, name, conv);
    buf_puts(b, ", ");
    py_repr_str(b, table);
    buf_puts(b, ", ");
    py_repr_str(b, k->expr ? k->expr : "");
    ag__schema_kw(b, schema);
    buf_putc(b, ')');
    return;
  case CON_FOREIGN_KEY:
    buf_puts(b, "op.create_foreign_key(");
    ag__name(b, name, conv);
    buf_puts(b, ", ");
    py_repr_str(b, table);
    buf_puts(b, ", ");
    py_repr_str(b, k->ref_table);
    buf_puts(b, ", ");
    py_repr_str_list(b, k->cols, k->ncols);
    buf_puts(b, ", ");
    py_repr_str_list(b, k->ref_cols, k->nref_cols);
    if (ag__norm_schema(schema)) {
      buf_puts(b, ", source_schema=");
      py_repr_str(b, schema);
    }
    if (k->ref_schema) {
      buf_puts(b, ", referent_schema=");
      py_repr_str(b, k->ref_schema);
    }
    if (k->onupdate) {
      buf_puts(b, ", onupdate=");
      py_repr_str(b, k->onupdate);
    }
    if (k->ondelete) {
      buf_puts(b, ", ondelete=");
      py_repr_str(b, k->ondelete);
    }
    if (k->initially) {
      buf_puts(b, ", initially=");
      py_repr_str(b, k->initially);
    }
    if (k->deferrable) buf_puts(b, ", deferrable=True");
    buf_putc(b, ')');
    return;
  }
  (void)c;
}

static void ag__con_drop(Buf *b, const char *schema, const char *table, const Con *k,
                         const char *name, bool conv) {
  buf_puts(b, "op.drop_constraint(");
  ag__name(b, name, conv);
  buf_puts(b, ", ");
  py_repr_str(b, table);
  ag__schema_kw(b, schema);
  buf_printf(b, ", type_='%s')", ag__con_type(k->kind));
}

static const char *ag__con_detail(Ctx *c, const Con *k) {
  Buf b = BUF_INIT;
  buf_printf(&b, "%s", constraint_kind_name(k->kind));
  if (k->kind == CON_CHECK) {
    buf_printf(&b, " (%s)", k->expr ? k->expr : "");
  } else {
    buf_puts(&b, " (");
    for (size_t j = 0; j < k->ncols; j++) buf_printf(&b, "%s%s", j ? ", " : "", k->cols[j]);
    buf_putc(&b, ')');
    if (k->kind == CON_FOREIGN_KEY) {
      buf_printf(&b, " → %s(", ag__qual(c, k->ref_schema, k->ref_table));
      for (size_t j = 0; j < k->nref_cols; j++) buf_printf(&b, "%s%s", j ? ", " : "", k->ref_cols[j]);
      buf_putc(&b, ')');
      if (k->ondelete) buf_printf(&b, " ON DELETE %s", k->ondelete);
      if (k->onupdate) buf_printf(&b, " ON UPDATE %s", k->onupdate);
    }
  }
  return ag__detach(c, &b);
}

/* An index as both sides express it. */
typedef struct Ix {
  const char *name;
  bool conv;
  const char **cols;         /* column names or expression text */
  bool *is_expr;
  size_t ncols;
  bool unique;
  const char *where, *using;
} Ix;

static bool ag__looks_expr(const char *s) {
  return !ag__ident_plain(s);
}

static Ix ag__ix_model(Ctx *c, const MigTableIndex *m) {
  Ix x = {.name = m->name, .conv = m->name_conv, .ncols = m->nelems, .unique = m->unique,
          .where = m->where, .using = m->using};
  x.cols = ARENA_ARRAY(c->a, const char *, m->nelems + 1);
  x.is_expr = ARENA_ARRAY(c->a, bool, m->nelems + 1);
  for (size_t k = 0; k < m->nelems; k++) {
    x.cols[k] = m->elems[k].text;
    x.is_expr[k] = m->elems[k].is_expr;
  }
  if (x.using && !strcmp(x.using, "btree")) x.using = NULL;
  return x;
}

static Ix ag__ix_schema(Ctx *c, const SchemaIndex *s) {
  Ix x = {.name = s->name, .conv = c->conv_names, .ncols = s->ncols, .unique = s->unique,
          .where = s->where, .using = s->method};
  x.cols = ARENA_ARRAY(c->a, const char *, s->ncols + 1);
  x.is_expr = ARENA_ARRAY(c->a, bool, s->ncols + 1);
  for (size_t k = 0; k < s->ncols; k++) {
    x.cols[k] = s->cols[k];
    x.is_expr[k] = ag__looks_expr(s->cols[k]);
  }
  if (x.using && !strcmp(x.using, "btree")) x.using = NULL;
  return x;
}

static bool ag__ix_same(const Ix *a, const Ix *b) {
  if (a->unique != b->unique || a->ncols != b->ncols) return false;
  for (size_t k = 0; k < a->ncols; k++)
    if (a->is_expr[k] || b->is_expr[k] ? !ag__sql_eq(a->cols[k], b->cols[k])
                                        : !ag__eq(a->cols[k], b->cols[k]))
      return false;
  if (!ag__eq(a->using, b->using)) return false;
  return ag__sql_eq(a->where, b->where);
}

static void ag__ix_create(Buf *b, const char *schema, const char *table, const Ix *x) {
  buf_puts(b, "op.create_index(");
  ag__name(b, x->name, x->conv);
  buf_puts(b, ", ");
  py_repr_str(b, table);
  buf_puts(b, ", [");
  for (size_t k = 0; k < x->ncols; k++) {
    if (k) buf_puts(b, ", ");
    if (x->is_expr[k])
      ag__py_sql(b, x->cols[k]);
    else
      py_repr_str(b, x->cols[k]);
  }
  buf_printf(b, "], unique=%s", x->unique ? "True" : "False");
  ag__schema_kw(b, schema);
  if (x->where) {
    buf_puts(b, ", postgresql_where=");
    ag__py_sql(b, x->where);
  }
  if (x->using) {
    buf_puts(b, ", postgresql_using=");
    py_repr_str(b, x->using);
  }
  buf_putc(b, ')');
}

static void ag__ix_drop(Buf *b, const char *schema, const char *table, const Ix *x) {
  buf_puts(b, "op.drop_index(");
  ag__name(b, x->name, x->conv);
  buf_puts(b, ", table_name=");
  py_repr_str(b, table);
  ag__schema_kw(b, schema);
  buf_putc(b, ')');
}

static const char *ag__ix_detail(Ctx *c, const Ix *x) {
  Buf b = BUF_INIT;
  buf_printf(&b, "%sindex (", x->unique ? "unique " : "");
  for (size_t k = 0; k < x->ncols; k++) buf_printf(&b, "%s%s", k ? ", " : "", x->cols[k]);
  buf_putc(&b, ')');
  if (x->using) buf_printf(&b, " USING %s", x->using);
  if (x->where) buf_printf(&b, " WHERE %s", x->where);
  return ag__detach(c, &b);
}

/* The ops that create / drop index `x` of table schema.table, with their inverses. */
static void ag__emit_create_index(Ctx *c, const char *schema, const char *table, const Ix *x) {
  Buf up = BUF_INIT, down = BUF_INIT;
  ag__ix_create(&up, schema, table, x);
  ag__ix_drop(&down, schema, table, x);
  ag__emit(c, AG_CREATE_INDEX, "create_index", schema, table, x->name, ag__ix_detail(c, x),
           ag__detach(c, &up), ag__detach(c, &down));
}

static void ag__emit_drop_index(Ctx *c, const char *schema, const char *table, const Ix *x) {
  Buf up = BUF_INIT, down = BUF_INIT;
  ag__ix_drop(&up, schema, table, x);
  ag__ix_create(&down, schema, table, x);
  ag__emit(c, AG_DROP_INDEX, "drop_index", schema, table, x->name, ag__ix_detail(c, x),
           ag__detach(c, &up), ag__detach(c, &down));
}

/* ---- tables ------------------------------------------------------------------------- */

static const SchemaTable *ag__cur_table(Ctx *c, const char *schema, const char *name) {
  return schema_table(c->cur, ag__norm_schema(schema), name);
}

static const ModelTable *ag__model_of(Ctx *c, const SchemaTable *t, size_t *index) {
  for (size_t k = 0; k < c->models->ntables; k++)
    if (!strcmp(c->models->tables[k].name, t->name) &&
        ag__same_schema(c->models->tables[k].schema, t->schema)) {
      if (index) *index = k;
      return &c->models->tables[k];
    }
  return NULL;
}

static bool ag__in_pk(const SchemaTable *t, const char *col) {
  for (size_t k = 0; k < t->ncons; k++)
    if (t->cons[k]->kind == CON_PRIMARY_KEY)
      for (size_t j = 0; j < t->cons[k]->ncols; j++)
        if (!strcmp(t->cons[k]->cols[j], col)) return true;
  return false;
}

static int ag__strptrcmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The end of op.create_table(...) after its `nargs` columns: the constraints sorted by
 * their rendering (as Alembic sorts them), schema=, comment=, and the closing parenthesis. */
static void ag__create_table_end(Ctx *c, Buf *b, const Con *cons, size_t ncons, size_t nargs,
                                 const char *schema, const char *comment) {
  const char **text = ARENA_ARRAY(c->a, const char *, ncons + 1);
  for (size_t k = 0; k < ncons; k++) {
    Buf cb = BUF_INIT;
    ag__con_inline(c, &cb, &cons[k]);
    text[k] = ag__detach(c, &cb);
  }
  qsort(text, ncons, sizeof *text, ag__strptrcmp);
  for (size_t k = 0; k < ncons; k++) {
    if (nargs++) buf_puts(b, ",\n");
    buf_puts(b, text[k]);
  }
  if (ag__norm_schema(schema)) {
    buf_puts(b, ",\nschema=");
    py_repr_str(b, schema);
  }
  if (comment) {
    buf_puts(b, ",\ncomment=");
    py_repr_str(b, comment);
  }
  buf_puts(b, "\n)");
}

/* op.create_table(...) in Alembic's layout, from a model table. False when a column's type
 * cannot be rendered (*bad names it). */
static bool ag__create_table_model(Ctx *c, Buf *b, const ModelTable *m, const char **bad) {
  buf_puts(b, "op.create_table(");
  py_repr_str(b, m->name);
  buf_puts(b, ",\n");
  size_t nargs = 0;
  for (size_t k = 0; k < m->ncolumns; k++) {
    const MigColumn *col = &m->columns[k];
    if (col->dynamic) continue;
    if (nargs++) buf_puts(b, ",\n");
    if (!ag__column_model(c, b, col)) {
      *bad = col->name;
      return false;
    }
  }
  Con *cons = ARENA_ARRAY(c->a, Con, m->nconstraints + 1);
  size_t ncons = 0;
  for (size_t k = 0; k < m->nconstraints; k++)
    if (!m->constraints[k].dynamic) cons[ncons++] = ag__con_model(&m->constraints[k], m->path);
  ag__create_table_end(c, b, cons, ncons, nargs, m->schema, m->comment);
  return true;
}

/* op.create_table(...) for a table that exists (the downgrade of dropping it). */
static bool ag__create_table_canon(Ctx *c, Buf *b, const SchemaTable *t, const char **bad) {
  buf_puts(b, "op.create_table(");
  py_repr_str(b, t->name);
  buf_puts(b, ",\n");
  size_t nargs = 0;
  for (size_t k = 0; k < t->ncols; k++) {
    if (nargs++) buf_puts(b, ",\n");
    if (!ag__column_canon(c, b, t, t->cols[k], ag__in_pk(t, t->cols[k]->name))) {
      *bad = t->cols[k]->name;
      return false;
    }
  }
  Con *cons = ARENA_ARRAY(c->a, Con, t->ncons + 1);
  for (size_t k = 0; k < t->ncons; k++) cons[k] = ag__con_schema(c, t->cons[k]);
  ag__create_table_end(c, b, cons, t->ncons, nargs, t->schema, t->comment);
  return true;
}

static void ag__drop_table(Buf *b, const char *schema, const char *name) {
  buf_puts(b, "op.drop_table(");
  py_repr_str(b, name);
  ag__schema_kw(b, schema);
  buf_putc(b, ')');
}

/* Table order for creation: every table after the tables its foreign keys reference
 * (among `idx`), ties by name, as SQLAlchemy's sorted_tables. A cycle is broken at the
 * table whose name sorts first. */
typedef struct TRef {
  const char *schema, *name;
  const char **refs;   /* referenced tables (qualified keys) */
  size_t nrefs;
  bool done;
} TRef;

static const char *ag__key(Ctx *c, const char *schema, const char *name) {
  return arena_printf(c->a, "%s.%s", ag__norm_schema(schema) ? schema : "", name);
}

static int ag__tref_cmp(const void *a, const void *b) {
  const TRef *x = a, *y = b;
  int r = strcmp(x->name, y->name);
  return r ? r : strcmp(x->schema ? x->schema : "", y->schema ? y->schema : "");
}

/* Sorts `t` (n entries) in dependency order (referenced first) into order[]. */
static void ag__dep_sort(Ctx *c, TRef *t, size_t n, size_t *order) {
  qsort(t, n, sizeof *t, ag__tref_cmp);
  size_t done = 0;
  while (done < n) {
    bool progress = false;
    for (size_t k = 0; k < n; k++) {
      if (t[k].done) continue;
      bool ready = true;
      for (size_t r = 0; r < t[k].nrefs && ready; r++) {
        for (size_t j = 0; j < n; j++)
          if (j != k && !t[j].done && !strcmp(ag__key(c, t[j].schema, t[j].name), t[k].refs[r]))
            ready = false;
      }
      if (!ready) continue;
      t[k].done = true;
      order[done++] = k;
      progress = true;
      break;  // restart from the first name: ties by name
    }
    if (!progress) {
      for (size_t k = 0; k < n; k++)
        if (!t[k].done) {
          t[k].done = true;
          order[done++] = k;
          break;
        }
    }
  }
}

/* ---- enum types ------------------------------------------------------------------------ */

/* An enum type the models use: name, schema, labels (from the first column using it). */
typedef struct ModelEnum {
  const char *schema, *name;
  const char *const *values;
  size_t nvalues;
  const char *path;
  SrcRange range;
} ModelEnum;

typedef VEC(ModelEnum) EnumVec;

static void ag__collect_enum(EnumVec *v, const SqlType *t, const char *path, SrcRange r) {
  if (!t) return;
  if (t->kind == ST_ARRAY) {
    ag__collect_enum(v, t->item, path, r);
    return;
  }
  if (t->kind != ST_ENUM || !t->native_enum || !t->enum_name || t->dynamic) return;
  for (size_t k = 0; k < v->len; k++)
    if (!strcmp(v->items[k].name, t->enum_name) && ag__same_schema(v->items[k].schema, t->enum_schema))
      return;
  ModelEnum e = {ag__norm_schema(t->enum_schema), t->enum_name, t->enum_values, t->nenum_values,
                 path, r};
  vec_push(v, e);
}

static const SchemaEnum *ag__cur_enum(Ctx *c, const char *schema, const char *name) {
  return schema_enum(c->cur, ag__norm_schema(schema), name);
}

static void ag__create_type_sql(Buf *sql, const char *schema, const char *name,
                                const char *const *values, size_t n) {
  buf_puts(sql, "CREATE TYPE ");
  ag__sql_qual(sql, schema, name);
  buf_puts(sql, " AS ENUM (");
  for (size_t k = 0; k < n; k++) {
    if (k) buf_puts(sql, ", ");
    ag__sql_literal(sql, values[k]);
  }
  buf_putc(sql, ')');
}

static const char *ag__create_type(Ctx *c, const char *schema, const char *name,
                                   const char *const *values, size_t n) {
  Buf sql = BUF_INIT, py = BUF_INIT;
  ag__create_type_sql(&sql, schema, name, values, n);
  ag__execute(&py, buf_cstr(&sql));
  buf_free(&sql);
  return ag__detach(c, &py);
}

static const char *ag__drop_type(Ctx *c, const char *schema, const char *name) {
  Buf sql = BUF_INIT, py = BUF_INIT;
  buf_puts(&sql, "DROP TYPE ");
  ag__sql_qual(&sql, schema, name);
  ag__execute(&py, buf_cstr(&sql));
  buf_free(&sql);
  return ag__detach(c, &py);
}

/* The columns of `s` whose type is the enum (or an array of it). */
typedef struct EnumUse {
  const SchemaTable *table;
  const SchemaColumn *col;
  bool array;
} EnumUse;

static size_t ag__enum_uses(const Schema *s, const char *name, EnumUse *out, size_t max) {
  size_t n = 0;
  for (size_t k = 0; k < s->ntables; k++)
    for (size_t j = 0; j < s->tables[k]->ncols; j++) {
      const char *t = s->tables[k]->cols[j]->type;
      if (!t) continue;
      size_t tl = strlen(t), nl = strlen(name);
      bool scalar = !strcmp(t, name);
      bool array = tl == nl + 2 && !strncmp(t, name, nl) && !strcmp(t + nl, "[]");
      if (!scalar && !array) continue;
      if (n < max) out[n] = (EnumUse){s->tables[k], s->tables[k]->cols[j], array};
      n++;
    }
  return n;
}

/* Python that rebuilds enum type `name` with `values`, converting the columns `uses` of
 * the schema as it is when the code runs (defaults are dropped and put back, since an old
 * default cannot be cast to the new type). */
static const char *ag__rebuild_enum(Ctx *c, const char *schema, const char *name,
                                    const char *const *values, size_t n, const EnumUse *uses,
                                    size_t nuses, const char *comment) {
  Buf py = BUF_INIT, sql = BUF_INIT;
  if (comment) buf_printf(&py, "%s\n", comment);
  const char *old = arena_printf(c->a, "%s_old", name);
  buf_puts(&sql, "ALTER TYPE ");
  ag__sql_qual(&sql, schema, name);
  buf_puts(&sql, " RENAME TO ");
  ag__sql_ident(&sql, old);
  ag__execute(&py, buf_cstr(&sql));
  buf_putc(&py, '\n');
  buf_reset(&sql);
  ag__create_type_sql(&sql, schema, name, values, n);
  ag__execute(&py, buf_cstr(&sql));
  buf_putc(&py, '\n');
  Buf type = BUF_INIT;
  buf_puts(&type, "postgresql.ENUM(");
  for (size_t k = 0; k < n; k++) {
    py_repr_str(&type, values[k]);
    buf_puts(&type, ", ");
  }
  buf_puts(&type, "name=");
  py_repr_str(&type, name);
  if (ag__norm_schema(schema)) {
    buf_puts(&type, ", schema=");
    py_repr_str(&type, schema);
  }
  buf_puts(&type, ", create_type=False)");
  c->postgresql = true;
  for (size_t k = 0; k < nuses; k++) {
    const EnumUse *u = &uses[k];
    if (u->col->server_default) {
      buf_puts(&py, "op.alter_column(");
      py_repr_str(&py, u->table->name);
      buf_puts(&py, ", ");
      py_repr_str(&py, u->col->name);
      buf_puts(&py, ", server_default=None");
      ag__schema_kw(&py, u->table->schema);
      buf_puts(&py, ")\n");
    }
    buf_puts(&py, "op.alter_column(");
    py_repr_str(&py, u->table->name);
    buf_puts(&py, ", ");
    py_repr_str(&py, u->col->name);
    buf_puts(&py, ", type_=");
    if (u->array) buf_puts(&py, "postgresql.ARRAY(");
    buf_puts(&py, buf_cstr(&type));
    if (u->array) buf_putc(&py, ')');
    Buf using = BUF_INIT, tn = BUF_INIT;
    ag__sql_qual(&tn, schema, name);
    ag__sql_ident(&using, u->col->name);
    buf_printf(&using, "::text%s::%s%s", u->array ? "[]" : "", buf_cstr(&tn), u->array ? "[]" : "");
    buf_puts(&py, ", postgresql_using=");
    py_repr_str(&py, buf_cstr(&using));
    buf_free(&using);
    buf_free(&tn);
    ag__schema_kw(&py, u->table->schema);
    buf_puts(&py, ")\n");
    if (u->col->server_default) {
      buf_puts(&py, "op.alter_column(");
      py_repr_str(&py, u->table->name);
      buf_puts(&py, ", ");
      py_repr_str(&py, u->col->name);
      buf_puts(&py, ", server_default=");
      ag__py_sql(&py, u->col->server_default);
      ag__schema_kw(&py, u->table->schema);
      buf_puts(&py, ")\n");
    }
  }
  buf_free(&type);
  buf_reset(&sql);
  buf_puts(&sql, "DROP TYPE ");
  ag__sql_qual(&sql, schema, old);
  ag__execute(&py, buf_cstr(&sql));
  buf_free(&sql);
  return ag__detach(c, &py);
}

/* Whether `old` appears in `now` in the same relative order (values only added). */
static bool ag__values_added_only(const char *const *old, size_t nold, const char *const *now,
                                  size_t nnow) {
  size_t j = 0;
  for (size_t k = 0; k < nnow && j < nold; k++)
    if (!strcmp(now[k], old[j])) j++;
  return j == nold;
}

static bool ag__has_value(const char *const *v, size_t n, const char *x) {
  for (size_t k = 0; k < n; k++)
    if (!strcmp(v[k], x)) return true;
  return false;
}

static void ag__enums_before(Ctx *c, const EnumVec *want) {
  for (size_t k = 0; k < want->len; k++) {
    const ModelEnum *e = &want->items[k];
    const SchemaEnum *have = ag__cur_enum(c, e->schema, e->name);
    const char *qn = ag__qual(c, e->schema, e->name);
    EnumUse in_use[1];
    if (!have && ag__enum_uses(c->cur, e->name, in_use, 1) > 0) {
      // A column has the type, so the type exists; the code that made it is not static.
      findings_add(c->findings, "autogenerate-skipped", SEV_INFO, e->path, e->range,
                   "enum type %s exists (column %s.%s uses it), but the migrations create it in "
                   "code retort cannot read, so its labels are not known statically and are not "
                   "compared; use against=\"database\" to compare them with the database",
                   qn, ag__qual(c, in_use[0].table->schema, in_use[0].table->name),
                   in_use[0].col->name);
      continue;
    }
    if (!have) {
      Buf d = BUF_INIT;
      buf_puts(&d, "enum (");
      for (size_t j = 0; j < e->nvalues; j++) buf_printf(&d, "%s'%s'", j ? ", " : "", e->values[j]);
      buf_putc(&d, ')');
      ag__emit(c, AG_CREATE_ENUM, "execute", e->schema, NULL, e->name, ag__detach(c, &d),
               ag__create_type(c, e->schema, e->name, e->values, e->nvalues),
               ag__drop_type(c, e->schema, e->name));
      continue;
    }
    if (ag__lists_eq(have->values, have->nvalues, e->values, e->nvalues)) continue;
    EnumUse uses[256];
    size_t nuses = ag__enum_uses(c->cur, e->name, uses, 256);
    if (nuses > 256) nuses = 256;
    if (ag__values_added_only(have->values, have->nvalues, e->values, e->nvalues)) {
      // ADD VALUE outside the migration's transaction: a new label cannot be used in the
      // transaction that adds it, and before PostgreSQL 12 ADD VALUE cannot run in one.
      Buf up = BUF_INIT, d = BUF_INIT;
      buf_puts(&up, "with op.get_context().autocommit_block():\n");
      buf_puts(&d, "add values ");
      size_t nadded = 0;
      for (size_t j = 0; j < e->nvalues; j++) {
        if (ag__has_value(have->values, have->nvalues, e->values[j])) continue;
        Buf sql = BUF_INIT;
        buf_puts(&sql, "ALTER TYPE ");
        ag__sql_qual(&sql, e->schema, e->name);
        buf_puts(&sql, " ADD VALUE IF NOT EXISTS ");
        ag__sql_literal(&sql, e->values[j]);
        // Keep the models' order: before the next label that exists already.
        for (size_t next = j + 1; next < e->nvalues; next++)
          if (ag__has_value(have->values, have->nvalues, e->values[next])) {
            buf_puts(&sql, " BEFORE ");
            ag__sql_literal(&sql, e->values[next]);
            break;
          }
        buf_puts(&up, "    ");
        ag__execute(&up, buf_cstr(&sql));
        buf_putc(&up, '\n');
        buf_free(&sql);
        buf_printf(&d, "%s'%s'", nadded++ ? ", " : "", e->values[j]);
      }
      if (up.len && up.data[up.len - 1] == '\n') up.data[--up.len] = '\0';
      const char *comment = arena_printf(
          c->a, "# PostgreSQL cannot drop enum labels: the type %s is rebuilt without the new "
          "ones;\n# rows that hold them make this fail: update or delete those rows first.", qn);
      ag__emit(c, AG_ADD_ENUM_VALUES, "execute", e->schema, NULL, e->name, ag__detach(c, &d),
               ag__detach(c, &up),
               ag__rebuild_enum(c, e->schema, e->name, have->values, have->nvalues, uses, nuses,
                                comment));
      continue;
    }
    Buf d = BUF_INIT, removed = BUF_INIT;
    buf_puts(&d, "(");
    for (size_t j = 0; j < have->nvalues; j++) buf_printf(&d, "%s'%s'", j ? ", " : "", have->values[j]);
    buf_puts(&d, ") → (");
    for (size_t j = 0; j < e->nvalues; j++) buf_printf(&d, "%s'%s'", j ? ", " : "", e->values[j]);
    buf_putc(&d, ')');
    size_t nremoved = 0;
    for (size_t j = 0; j < have->nvalues; j++)
      if (!ag__has_value(e->values, e->nvalues, have->values[j]))
        buf_printf(&removed, "%s'%s'", nremoved++ ? ", " : "", have->values[j]);
    const char *why =
        nremoved ? arena_printf(c->a, "# %s %s %s removed from %s: the type is rebuilt;\n"
                                "# rows that hold %s make this fail: update or delete those rows "
                                "first.", nremoved == 1 ? "Label" : "Labels", buf_cstr(&removed),
                                nremoved == 1 ? "is" : "are", qn, nremoved == 1 ? "it" : "them")
                 : arena_printf(c->a, "# The labels of %s are reordered: the type is rebuilt.", qn);
    const char *back = arena_printf(c->a, "# The type %s is rebuilt with its previous labels.", qn);
    Buf msg = BUF_INIT;
    buf_printf(&msg, "enum type %s changes its labels %s: PostgreSQL cannot %s labels, so the generated "
               "code rebuilds the type and converts its columns", qn, ag__detach(c, &d),
               nremoved ? "remove" : "reorder");
    if (nremoved) buf_printf(&msg, "; rows holding %s make the upgrade fail", buf_cstr(&removed));
    findings_add(c->findings, "autogenerate-enum-rebuilt", SEV_WARNING, e->path, e->range, "%s",
                 buf_cstr(&msg));
    buf_free(&msg);
    buf_free(&removed);
    ag__emit(c, AG_RECREATE_ENUM, "execute", e->schema, NULL, e->name,
             arena_printf(c->a, "labels → %zu values", e->nvalues),
             ag__rebuild_enum(c, e->schema, e->name, e->values, e->nvalues, uses, nuses, why),
             ag__rebuild_enum(c, e->schema, e->name, have->values, have->nvalues, uses, nuses, back));
  }
}

/* Enum types that columns use now and no model column will: dropped at the end. */
static void ag__enums_after(Ctx *c, const EnumVec *want) {
  for (size_t k = 0; k < c->cur->nenums; k++) {
    const SchemaEnum *e = c->cur->enums[k];
    bool wanted = false;
    for (size_t j = 0; j < want->len && !wanted; j++)
      wanted = !strcmp(want->items[j].name, e->name) && ag__same_schema(want->items[j].schema, e->schema);
    if (wanted) continue;
    EnumUse one[1];
    if (ag__enum_uses(c->cur, e->name, one, 1) == 0) continue;  // unused before: not ours to drop
    // Still used by a column the models may just not show (a table they could not read
    // completely, or a table they do not have while some model is unreadable): keep it.
    EnumUse uses[256];
    size_t nuses = ag__enum_uses(c->cur, e->name, uses, 256);
    bool kept = false;
    for (size_t u = 0; u < nuses && u < 256 && !kept; u++) {
      const ModelTable *m = ag__model_of(c, uses[u].table, NULL);
      if (!m && !c->models->complete) kept = true;
      if (m && m->partial) kept = true;
    }
    if (kept) continue;
    ag__emit(c, AG_DROP_ENUM, "execute", e->schema, NULL, e->name, "enum no longer used",
             ag__drop_type(c, e->schema, e->name),
             ag__create_type(c, e->schema, e->name, e->values, e->nvalues));
  }
}

/* ---- columns of an existing table ----------------------------------------------------- */

static bool ag__is_string(const char *t) {
  return t && (!strncmp(t, "varchar", 7) || !strcmp(t, "text") || !strncmp(t, "char", 4));
}

static bool ag__is_number(const char *t) {
  static const char *const N[] = {"smallint", "integer", "bigint", "real", "double precision", NULL};
  if (!t) return false;
  if (!strncmp(t, "numeric", 7)) return true;
  for (size_t k = 0; N[k]; k++)
    if (!strcmp(t, N[k])) return true;
  return false;
}

static bool ag__is_time(const char *t) {
  return t && (!strncmp(t, "timestamp", 9) || !strcmp(t, "date"));
}

/* Whether ALTER COLUMN ... TYPE needs USING: no assignment cast between the two types. */
static bool ag__needs_using(const char *from, const char *to) {
  if (!from || !to) return false;
  if (ag__is_string(to)) return false;                       // anything → text via I/O
  if (ag__is_number(from) && ag__is_number(to)) return false;
  if (ag__is_time(from) && ag__is_time(to)) return false;
  if (!strncmp(from, "time", 4) && !strncmp(to, "time", 4) && strncmp(from, "timestamp", 9) &&
      strncmp(to, "timestamp", 9))
    return false;
  if (!strncmp(from, "bit", 3) && !strncmp(to, "bit", 3)) return false;
  return true;
}

static bool ag__types_equal(const char *a, const char *b) {
  return compare_types_equal(a, b, true) || compare_types_equal(b, a, true);
}

static bool ag__defaults_equal(const SchemaColumn *cur, const SchemaColumn *tgt) {
  if (cur->identity || tgt->identity) return true;  // a serial's nextval() is not a default
  if (!cur->server_default || !tgt->server_default) return !cur->server_default && !tgt->server_default;
  char *a = compare_norm_sql(cur->server_default, false);
  char *b = compare_norm_sql(tgt->server_default, false);
  bool eq = a && b && !strcmp(a, b);
  free(a);
  free(b);
  return eq;
}

/* op.alter_column(table, column, server_default=<py>), None when py is NULL. */
static void ag__set_default(Buf *b, const SchemaTable *ct, const char *col, const char *py) {
  buf_puts(b, "op.alter_column(");
  py_repr_str(b, ct->name);
  buf_puts(b, ", ");
  py_repr_str(b, col);
  buf_printf(b, ", server_default=%s", py ? py : "None");
  ag__schema_kw(b, ct->schema);
  buf_putc(b, ')');
}

static void ag__alter_column(Ctx *c, const SchemaTable *ct, const ModelTable *m,
                             const SchemaColumn *cur, const MigColumn *mc, const SchemaColumn *tgt) {
  bool type_changed = !ag__types_equal(cur->type, tgt->type);
  // An enum's labels are the enum's business (handled before the tables).
  if (type_changed && cur->type && tgt->type && !strcmp(cur->type, tgt->type)) type_changed = false;
  bool null_changed = cur->nullable != tgt->nullable;
  bool default_changed = !ag__defaults_equal(cur, tgt);
  bool comment_changed = !ag__eq(cur->comment, tgt->comment);
  if (!type_changed && !null_changed && !default_changed && !comment_changed) return;
  // Alembic states autoincrement for the table's autoincrement column (a serial, or an
  // identity column alone in the key) and where the model sets it (_setup_autoincrement);
  // PostgreSQL's ALTER COLUMN ignores it, but the call is Alembic's.
  size_t npk = 0;
  for (size_t k = 0; k < m->ncolumns; k++) npk += m->columns[k].primary_key;
  Tri autoinc = mc->autoincrement;
  if (autoinc != TRI_FALSE && mc->primary_key &&
      (tgt->identity_kind == 's' || (tgt->identity && npk == 1)))
    autoinc = TRI_TRUE;

  Buf up = BUF_INIT, down = BUF_INIT, d = BUF_INIT;
  Buf cur_type = BUF_INIT, tgt_type = BUF_INIT;
  bool cur_ok = ag__type_canon(c, &cur_type, c->cur, cur->type);
  bool tgt_ok = ag__type_model(c, &tgt_type, mc->type);
  if (!cur_ok || (type_changed && !tgt_ok)) {
    Buf msg = BUF_INIT;
    buf_printf(&msg, "column %s.%s changes (%s → %s) but retort cannot write %s type in "
               "SQLAlchemy terms; write this alter_column by hand",
               ag__qual(c, ct->schema, ct->name), cur->name, cur->type ? cur->type : "?",
               tgt->type ? tgt->type : "?", !cur_ok ? "its current" : "the new");
    findings_add(c->findings, "autogenerate-skipped", SEV_WARNING, m->path, mc->range, "%s",
                 buf_cstr(&msg));
    buf_free(&msg);
    buf_free(&cur_type);
    buf_free(&tgt_type);
    return;
  }
  static const char *const INTS[] = {"smallint", "integer", "bigint", NULL};
  bool cur_int = false, tgt_int = false;
  for (size_t k = 0; INTS[k]; k++) {
    cur_int |= ag__eq(cur->type, INTS[k]);
    tgt_int |= ag__eq(tgt->type, INTS[k]);
  }
  bool serial_widens = type_changed && cur_int && tgt_int && cur->identity_kind == 's';
  // upgrade: current → model
  for (int dir = 0; dir < 2; dir++) {
    Buf *b = dir == 0 ? &up : &down;
    const SchemaColumn *from = dir == 0 ? cur : tgt, *to = dir == 0 ? tgt : cur;
    const char *from_type = dir == 0 ? buf_cstr(&cur_type) : buf_cstr(&tgt_type);
    const char *to_type = dir == 0 ? buf_cstr(&tgt_type) : buf_cstr(&cur_type);
    bool using = type_changed && ag__needs_using(from->type, to->type);
    size_t fl = from->type ? strlen(from->type) : 0;
    bool from_array = fl > 2 && !strcmp(from->type + fl - 2, "[]");
    char *from_item = from->type ? arena_strndup(c->a, from->type, from_array ? fl - 2 : fl) : NULL;
    bool from_enum = ag__enum_of(c->cur, from_item) || ag__enum_of(c->tgt, from_item);
    // A type change that needs USING cannot convert the column's default either
    // (PostgreSQL: "default for column ... cannot be cast automatically"), and one from an
    // enum keeps the old type in the converted default ('a'::old::varchar: the type cannot
    // be dropped): the default is dropped first and set again after, in its new form.
    bool default_dance = type_changed && (using || from_enum) && from->server_default &&
                         !from->identity;
    if (default_dance) {
      ag__set_default(b, ct, cur->name, NULL);
      buf_putc(b, '\n');
    }
    bool put_default = default_changed && !default_dance;
    buf_puts(b, "op.alter_column(");
    py_repr_str(b, ct->name);
    buf_puts(b, ", ");
    py_repr_str(b, cur->name);
    buf_printf(b, ",\n%sexisting_type=%s", ALTER_INDENT, from_type);
    if (put_default) {
      buf_printf(b, ",\n%sserver_default=", ALTER_INDENT);
      if (!to->server_default)
        buf_puts(b, "None");
      else if (dir == 0)
        ag__default_model(b, &mc->server_default);
      else
        ag__py_sql(b, to->server_default);
    }
    if (type_changed) buf_printf(b, ",\n%stype_=%s", ALTER_INDENT, to_type);
    if (null_changed) buf_printf(b, ",\n%snullable=%s", ALTER_INDENT, to->nullable ? "True" : "False");
    if (comment_changed) {
      buf_printf(b, ",\n%scomment=", ALTER_INDENT);
      py_repr_opt_str(b, to->comment);
    }
    if (from->comment) {
      buf_printf(b, ",\n%sexisting_comment=", ALTER_INDENT);
      py_repr_str(b, from->comment);
    }
    if (!null_changed) buf_printf(b, ",\n%sexisting_nullable=%s", ALTER_INDENT, from->nullable ? "True" : "False");
    if (autoinc != TRI_UNSET)
      buf_printf(b, ",\n%sautoincrement=%s", ALTER_INDENT, autoinc == TRI_TRUE ? "True" : "False");
    if (!default_changed && !default_dance && from->server_default && !from->identity) {
      buf_printf(b, ",\n%sexisting_server_default=", ALTER_INDENT);
      ag__py_sql(b, from->server_default);
    }
    if (using) {
      // No cast leads from an enum to another type but through text.
      Buf u = BUF_INIT;
      ag__sql_ident(&u, cur->name);
      if (from_enum) buf_puts(&u, from_array ? "::text[]" : "::text");
      buf_printf(&u, "::%s", to->type);
      buf_printf(b, ",\n%spostgresql_using=", ALTER_INDENT);
      py_repr_str(b, buf_cstr(&u));
      buf_free(&u);
    }
    if (ag__norm_schema(ct->schema)) {
      buf_printf(b, ",\n%sschema=", ALTER_INDENT);
      py_repr_str(b, ct->schema);
    }
    buf_putc(b, ')');
    if (default_dance && to->server_default) {
      Buf dflt = BUF_INIT;
      if (dir == 0)
        ag__default_model(&dflt, &mc->server_default);
      else
        ag__py_sql(&dflt, to->server_default);
      buf_putc(b, '\n');
      ag__set_default(b, ct, cur->name, buf_cstr(&dflt));
      buf_free(&dflt);
    }
    if (serial_widens) {
      // A serial's sequence keeps its type when its column's changes (an identity's
      // follows): an integer key made bigint would still stop at 2^31 - 1.
      Buf sql = BUF_INIT;
      buf_puts(&sql, "ALTER SEQUENCE ");
      ag__sql_qual(&sql, ct->schema, schema_object_name(c->a, ct->name, cur->name, "seq"));
      buf_printf(&sql, " AS %s", to->type);
      buf_putc(b, '\n');
      ag__execute(b, buf_cstr(&sql));
      buf_free(&sql);
    }
  }
  const char *sep = "";
  if (type_changed) buf_printf(&d, "%stype %s → %s", sep, cur->type ? cur->type : "?", tgt->type), sep = "; ";
  if (null_changed)
    buf_printf(&d, "%s%s → %s", sep, cur->nullable ? "NULL" : "NOT NULL", tgt->nullable ? "NULL" : "NOT NULL"),
        sep = "; ";
  if (default_changed)
    buf_printf(&d, "%sdefault %s → %s", sep, cur->server_default ? cur->server_default : "none",
               tgt->server_default ? tgt->server_default : "none"),
        sep = "; ";
  if (comment_changed) buf_printf(&d, "%scomment", sep);
  buf_free(&cur_type);
  buf_free(&tgt_type);
  ag__emit(c, AG_ALTER_COLUMN, "alter_column", ct->schema, ct->name, cur->name, ag__detach(c, &d),
           ag__detach(c, &up), ag__detach(c, &down));
}

static void ag__skip_column(Ctx *c, const ModelTable *m, const MigColumn *mc, const char *why) {
  findings_add(c->findings, "model-unreadable", SEV_WARNING, m->path, mc->range,
               "column %s.%s: %s; autogenerate leaves this column alone",
               ag__qual(c, m->schema, m->name), mc->name ? mc->name : "?", why);
}

/* Column j of the target table for model column k (the same index, see models.h). */
static const SchemaColumn *ag__tgt_col(const SchemaTable *tt, size_t k) {
  return tt && k < tt->ncols ? tt->cols[k] : NULL;
}

/* The op that adds constraint `w` (from the models) to existing table `ct`, named as
 * written or as PostgreSQL would name it (`tt`, the table after the change, tells which
 * columns a CHECK uses), so that the downgrade drops it by name. */
static void ag__emit_add_constraint(Ctx *c, const SchemaTable *ct, const SchemaTable *tt,
                                    const Con *w) {
  static const char *const OPS[] = {[CON_PRIMARY_KEY] = "create_primary_key",
                                    [CON_UNIQUE] = "create_unique_constraint",
                                    [CON_FOREIGN_KEY] = "create_foreign_key",
                                    [CON_CHECK] = "create_check_constraint"};
  const char *wname = w->name ? w->name : ag__con_default_name(c, tt ? tt : ct, w);
  Buf up = BUF_INIT, down = BUF_INIT;
  ag__con_create(c, &up, ct->schema, ct->name, w, wname, w->name && w->conv);
  ag__con_drop(&down, ct->schema, ct->name, w, wname, w->name && w->conv);
  ag__emit(c, AG_ADD_CONSTRAINT, OPS[w->kind], ct->schema, ct->name, wname, ag__con_detail(c, w),
           ag__detach(c, &up), ag__detach(c, &down));
}

/* ---- one existing table ---------------------------------------------------------------- */

static void ag__existing_table(Ctx *c, const SchemaTable *ct, const ModelTable *m,
                               const SchemaTable *tt) {
  const char *tq = ag__qual(c, ct->schema, ct->name);
  if (ct->ncols == 0) {
    findings_add(c->findings, "autogenerate-skipped", SEV_INFO, m->path, m->range,
                 "table %s is created by raw SQL or dynamic code in the migrations, so its "
                 "columns are not known statically; autogenerate does not compare it (use "
                 "against=\"database\" to compare with the database itself)",
                 tq);
    return;
  }
  // Added columns, in model order.
  for (size_t k = 0; k < m->ncolumns; k++) {
    const MigColumn *mc = &m->columns[k];
    if (mc->dynamic || !mc->name || schema_column(ct, mc->name)) continue;
    const SchemaColumn *tc = ag__tgt_col(tt, k);
    Buf up = BUF_INIT, col = BUF_INIT;
    if (!ag__column_model(c, &col, mc)) {
      buf_free(&col);
      ag__skip_column(c, m, mc, "its type cannot be written in SQLAlchemy terms");
      continue;
    }
    buf_puts(&up, "op.add_column(");
    py_repr_str(&up, ct->name);
    buf_printf(&up, ", %s", buf_cstr(&col));
    ag__schema_kw(&up, ct->schema);
    buf_putc(&up, ')');
    buf_free(&col);
    Buf down = BUF_INIT;
    buf_puts(&down, "op.drop_column(");
    py_repr_str(&down, ct->name);
    buf_puts(&down, ", ");
    py_repr_str(&down, mc->name);
    ag__schema_kw(&down, ct->schema);
    buf_putc(&down, ')');
    ag__emit(c, AG_ADD_COLUMN, "add_column", ct->schema, ct->name, mc->name,
             tc ? ag__col_detail(c, tc) : NULL, ag__detach(c, &up), ag__detach(c, &down));
  }
  // Altered columns.
  for (size_t k = 0; k < m->ncolumns; k++) {
    const MigColumn *mc = &m->columns[k];
    if (!mc->name) continue;
    const SchemaColumn *cur = schema_column(ct, mc->name);
    const SchemaColumn *tgt = ag__tgt_col(tt, k);
    if (!cur || !tgt) continue;
    if (mc->dynamic) continue;  // the models' reader said why (a finding)
    ag__alter_column(c, ct, m, cur, mc, tgt);
  }

  // Indexes: by name (models' indexes are always named).
  for (size_t k = 0; k < ct->nindexes; k++) {
    Ix have = ag__ix_schema(c, ct->indexes[k]);
    const MigTableIndex *want = NULL;
    for (size_t j = 0; j < m->nindexes && !want; j++)
      if (ag__eq(m->indexes[j].name, have.name)) want = &m->indexes[j];
    if (!want && m->partial) continue;
    Ix w = want ? ag__ix_model(c, want) : have;
    if (want && ag__ix_same(&have, &w)) continue;
    ag__emit_drop_index(c, ct->schema, ct->name, &have);
    if (want) ag__emit_create_index(c, ct->schema, ct->name, &w);
  }
  for (size_t j = 0; j < m->nindexes; j++) {
    const MigTableIndex *want = &m->indexes[j];
    bool have = false;
    for (size_t k = 0; k < ct->nindexes && !have; k++) have = ag__eq(ct->indexes[k]->name, want->name);
    // A unique constraint of the same name is the same object for PostgreSQL.
    for (size_t k = 0; k < ct->ncons && !have; k++)
      have = ct->cons[k]->kind == CON_UNIQUE && want->unique && ag__eq(ct->cons[k]->name, want->name);
    if (have) continue;
    Ix w = ag__ix_model(c, want);
    ag__emit_create_index(c, ct->schema, ct->name, &w);
  }

  // Constraints: unique, foreign key, check, primary key. Named ones match by name and
  // must be the same; unnamed ones (either side) match by what they are.
  static const ConstraintKind ORDER[] = {CON_UNIQUE, CON_FOREIGN_KEY, CON_CHECK, CON_PRIMARY_KEY};
  for (size_t o = 0; o < sizeof ORDER / sizeof ORDER[0]; o++) {
    ConstraintKind kind = ORDER[o];
    bool *matched = ARENA_ARRAY(c->a, bool, m->nconstraints + 1);
    // Existing constraints the models drop or change.
    for (size_t k = 0; k < ct->ncons; k++) {
      if (ct->cons[k]->kind != kind) continue;
      Con have = ag__con_schema(c, ct->cons[k]);
      const MigConstraint *want = NULL;
      size_t wi = 0;
      for (size_t j = 0; j < m->nconstraints && !want; j++) {
        const MigConstraint *mk = &m->constraints[j];
        if (mk->kind != kind || matched[j] || mk->dynamic) continue;
        Con w = ag__con_model(mk, m->path);
        if (have.name && w.name ? ag__eq(have.name, w.name) : ag__con_same(c, &have, &w)) {
          want = mk;
          wi = j;
        }
      }
      // A unique constraint the models express as a unique index of the same name.
      if (!want && kind == CON_UNIQUE && have.name) {
        bool as_index = false;
        for (size_t j = 0; j < m->nindexes && !as_index; j++)
          as_index = m->indexes[j].unique && ag__eq(m->indexes[j].name, have.name);
        if (as_index) continue;
      }
      if (want) {
        matched[wi] = true;
        Con w = ag__con_model(want, m->path);
        if (ag__con_same(c, &have, &w)) continue;
      }
      if (!want && m->partial) continue;
      const char *hname = have.name ? have.name : ag__con_default_name(c, ct, &have);
      Buf up = BUF_INIT, down = BUF_INIT;
      ag__con_drop(&up, ct->schema, ct->name, &have, hname, c->conv_names);
      ag__con_create(c, &down, ct->schema, ct->name, &have, hname, c->conv_names);
      AgOp *op = ag__emit(c, AG_DROP_CONSTRAINT, "drop_constraint", ct->schema, ct->name, hname,
                          ag__con_detail(c, &have), ag__detach(c, &up), ag__detach(c, &down));
      if (!have.name && !c->in->current_is_catalog)
        findings_add(c->findings, "autogenerate-assumed-name", SEV_INFO, m->path, m->range,
                     "the %s on %s was created without a name; the generated code drops it as "
                     "%s, the name PostgreSQL gives such a constraint (check it in the database: "
                     "\\d %s)",
                     constraint_kind_name(kind), tq, op->name, tq);
      if (want) {
        Con w = ag__con_model(want, m->path);
        ag__emit_add_constraint(c, ct, tt, &w);
      }
    }
    // Constraints the models add.
    for (size_t j = 0; j < m->nconstraints; j++) {
      const MigConstraint *mk = &m->constraints[j];
      if (mk->kind != kind || matched[j] || mk->dynamic) continue;
      Con w = ag__con_model(mk, m->path);
      bool exists = false;
      for (size_t k = 0; k < ct->ncons && !exists; k++) {
        if (ct->cons[k]->kind != kind) continue;
        Con have = ag__con_schema(c, ct->cons[k]);
        exists = have.name && w.name ? ag__eq(have.name, w.name) : ag__con_same(c, &have, &w);
      }
      // A unique constraint that exists as a unique index (same columns or name).
      for (size_t k = 0; k < ct->nindexes && !exists && kind == CON_UNIQUE; k++)
        exists = ct->indexes[k]->unique && (ag__eq(ct->indexes[k]->name, w.name) ||
                                            (!w.name && ag__sets_eq((const char *const *)ct->indexes[k]->cols,
                                                                    ct->indexes[k]->ncols, w.cols, w.ncols)));
      if (exists) continue;
      ag__emit_add_constraint(c, ct, tt, &w);
    }
  }

  // Table comment.
  if (!ag__eq(ct->comment, m->comment) && !(m->partial && !m->comment)) {
    Buf up = BUF_INIT, down = BUF_INIT;
    for (int dir = 0; dir < 2; dir++) {
      Buf *b = dir == 0 ? &up : &down;
      const char *to = dir == 0 ? m->comment : ct->comment;
      const char *from = dir == 0 ? ct->comment : m->comment;
      buf_printf(b, "op.%s_table_comment(\n    ", to ? "create" : "drop");
      py_repr_str(b, ct->name);
      buf_puts(b, ",\n    ");
      if (to) {
        py_repr_str(b, to);
        buf_puts(b, ",\n    ");
      }
      buf_puts(b, "existing_comment=");
      py_repr_opt_str(b, from);
      buf_puts(b, ",\n    schema=");
      py_repr_opt_str(b, ag__norm_schema(ct->schema));
      buf_puts(b, "\n)");
    }
    ag__emit(c, AG_TABLE_COMMENT, m->comment ? "create_table_comment" : "drop_table_comment",
             ct->schema, ct->name, NULL, m->comment ? m->comment : "(none)", ag__detach(c, &up),
             ag__detach(c, &down));
  }

  // Dropped columns (last, as Alembic does), unless the models may just not show them.
  for (size_t k = 0; k < ct->ncols; k++) {
    const SchemaColumn *cur = ct->cols[k];
    bool in_model = false;
    for (size_t j = 0; j < m->ncolumns && !in_model; j++) in_model = ag__eq(m->columns[j].name, cur->name);
    if (in_model) continue;
    if (m->partial) {
      findings_add(c->findings, "autogenerate-skipped", SEV_INFO, m->path, m->range,
                   "column %s.%s exists but the model does not show it; the model could not be "
                   "read completely, so autogenerate does not drop it",
                   tq, cur->name);
      continue;
    }
    Buf up = BUF_INIT, down = BUF_INIT, col = BUF_INIT;
    if (!ag__column_canon(c, &col, ct, cur, ag__in_pk(ct, cur->name))) {
      buf_free(&col);
      findings_add(c->findings, "autogenerate-skipped", SEV_WARNING, m->path, m->range,
                   "column %s.%s is not in the model, but its type %s cannot be written in "
                   "SQLAlchemy terms for the downgrade; drop it by hand",
                   tq, cur->name, cur->type ? cur->type : "(unknown)");
      continue;
    }
    buf_puts(&up, "op.drop_column(");
    py_repr_str(&up, ct->name);
    buf_puts(&up, ", ");
    py_repr_str(&up, cur->name);
    ag__schema_kw(&up, ct->schema);
    buf_putc(&up, ')');
    buf_puts(&down, "op.add_column(");
    py_repr_str(&down, ct->name);
    buf_printf(&down, ", %s", buf_cstr(&col));
    ag__schema_kw(&down, ct->schema);
    buf_putc(&down, ')');
    buf_free(&col);
    ag__emit(c, AG_DROP_COLUMN, "drop_column", ct->schema, ct->name, cur->name, ag__col_detail(c, cur),
             ag__detach(c, &up), ag__detach(c, &down));
    // A column of the same type added to the same table: perhaps a rename.
    for (size_t j = 0; j < m->ncolumns; j++) {
      const MigColumn *mc = &m->columns[j];
      const SchemaColumn *tc = ag__tgt_col(tt, j);
      if (mc->dynamic || !mc->name || !tc || schema_column(ct, mc->name)) continue;
      if (!cur->type || !tc->type || !ag__types_equal(cur->type, tc->type)) continue;
      findings_add(c->findings, "autogenerate-possible-rename", SEV_WARNING, m->path, mc->range,
                   "column %s.%s is dropped and %s added with the same type %s: if this is a "
                   "rename, replace the drop_column and add_column with "
                   "op.alter_column(%s, %s, new_column_name=%s) (and the reverse in downgrade()); "
                   "as generated, the data in %s is lost",
                   tq, cur->name, mc->name, tc->type, ct->name, cur->name, mc->name, cur->name);
    }
  }
}

/* ---- rendering the bodies --------------------------------------------------------------- */

/* Alembic's _indent of the body between its marker comments. */
static const char *ag__body(Ctx *c, const AgOpList *ops, bool downgrade) {
  Buf b = BUF_INIT;
  buf_puts(&b, "# ### commands auto generated by retort - please adjust! ###\n");
  if (ops->len == 0) buf_puts(&b, "pass\n");
  for (size_t k = 0; k < ops->len; k++) {
    const AgOp *o = &ops->items[downgrade ? ops->len - 1 - k : k];
    buf_puts(&b, downgrade ? o->down : o->up);
    buf_putc(&b, '\n');
  }
  buf_puts(&b, "# ### end retort commands ###");
  // Every line but the first gets four spaces (the template indents the first); blank
  // lines stay empty.
  Buf out = BUF_INIT;
  const char *p = buf_cstr(&b);
  bool first = true;
  while (*p) {
    const char *eol = strchr(p, '\n');
    size_t n = eol ? (size_t)(eol - p) : strlen(p);
    if (!first && n) buf_puts(&out, "    ");
    buf_append(&out, p, n);
    first = false;
    if (!eol) break;
    buf_putc(&out, '\n');
    p = eol + 1;
  }
  buf_free(&b);
  return ag__detach(c, &out);
}

/* ---- the run ---------------------------------------------------------------------------- */

/* Whether the models use schema `s` (NULL and "public": the default one, always). */
static bool ag__models_schema(const ModelSet *ms, const char *s) {
  if (!ag__norm_schema(s)) return true;
  for (size_t k = 0; k < ms->ntables; k++) {
    const ModelTable *m = &ms->tables[k];
    if (ag__same_schema(m->schema, s)) return true;
    for (size_t j = 0; j < m->ncolumns; j++) {
      const SqlType *t = m->columns[j].type;
      if (t && t->kind == ST_ARRAY) t = t->item;
      if (t && t->kind == ST_ENUM && ag__same_schema(t->enum_schema, s)) return true;
    }
  }
  return false;
}

/* A database holds what is not the models' business: the tables and enum types of schemas
 * no model uses (another application's, a tool's) are left out of the comparison, with a
 * finding per schema. `out` shares the tables of c->cur (it owns nothing: never deleted). */
static const Schema *ag__scope_catalog(Ctx *c, Schema *out) {
  const Schema *cur = c->cur;
  *out = *cur;
  out->tables = ARENA_ARRAY(c->a, SchemaTable *, cur->ntables + 1);
  out->enums = ARENA_ARRAY(c->a, SchemaEnum *, cur->nenums + 1);
  out->ntables = out->captables = out->nenums = out->capenums = 0;
  const char **skipped = ARENA_ARRAY(c->a, const char *, cur->ntables + 1);
  size_t *count = ARENA_ARRAY(c->a, size_t, cur->ntables + 1);
  size_t nskipped = 0;
  for (size_t k = 0; k < cur->ntables; k++) {
    const SchemaTable *t = cur->tables[k];
    if (ag__models_schema(c->models, t->schema)) {
      out->tables[out->ntables++] = cur->tables[k];
      continue;
    }
    size_t j = 0;
    while (j < nskipped && strcmp(skipped[j], t->schema)) j++;
    if (j == nskipped) skipped[nskipped++] = t->schema, count[j] = 0;
    count[j]++;
  }
  out->captables = out->ntables;
  for (size_t k = 0; k < cur->nenums; k++)
    if (ag__models_schema(c->models, cur->enums[k]->schema)) out->enums[out->nenums++] = cur->enums[k];
  out->capenums = out->nenums;
  for (size_t j = 0; j < nskipped; j++)
    findings_add(c->findings, "autogenerate-skipped", SEV_INFO, NULL, (SrcRange){0},
                 "schema %s (%zu table%s) is not compared with the models: no model is in it, "
                 "so its tables are not the models' to change or drop",
                 skipped[j], count[j], count[j] == 1 ? "" : "s");
  return out;
}

void autogen_run(Arena *a, const AutogenInput *in, AutogenResult *out, FindingList *findings) {
  memset(out, 0, sizeof *out);
  Ctx ctx = {.a = a, .in = in, .cur = in->current, .tgt = in->target, .models = in->models,
             .out = &out->ops, .findings = findings};
  Ctx *c = &ctx;
  const ModelSet *ms = in->models;
  // A constraint named by a convention means a MetaData naming_convention of the project's
  // own (SQLAlchemy's default one has only "ix", which leaves given names alone).
  for (size_t k = 0; k < ms->ntables && !c->conv_names; k++)
    for (size_t j = 0; j < ms->tables[k].nconstraints; j++)
      c->conv_names |= ms->tables[k].constraints[j].name_conv;
  Schema scoped;
  if (in->current_is_catalog) c->cur = ag__scope_catalog(c, &scoped);

  // Enum types the models use, in order of first use.
  EnumVec want = {0};
  for (size_t k = 0; k < ms->ntables; k++)
    for (size_t j = 0; j < ms->tables[k].ncolumns; j++)
      ag__collect_enum(&want, ms->tables[k].columns[j].type, ms->tables[k].path,
                       ms->tables[k].columns[j].range);
  ag__enums_before(c, &want);

  // New tables, referenced ones first.
  size_t nnew = 0;
  TRef *news = ARENA_ARRAY(a, TRef, ms->ntables + 1);
  size_t *new_model = ARENA_ARRAY(a, size_t, ms->ntables + 1);
  for (size_t k = 0; k < ms->ntables; k++) {
    const ModelTable *m = &ms->tables[k];
    if (ag__cur_table(c, m->schema, m->name)) continue;
    TRef *t = &news[nnew];
    *t = (TRef){ag__norm_schema(m->schema), m->name, NULL, 0, false};
    t->refs = ARENA_ARRAY(a, const char *, m->nconstraints + 1);
    for (size_t j = 0; j < m->nconstraints; j++)
      if (m->constraints[j].kind == CON_FOREIGN_KEY && m->constraints[j].fk.ref_table)
        t->refs[t->nrefs++] = ag__key(c, m->constraints[j].fk.ref_schema, m->constraints[j].fk.ref_table);
    new_model[nnew++] = k;
  }
  // ag__dep_sort reorders `news`: remember which model each entry is by name.
  size_t *order = ARENA_ARRAY(a, size_t, nnew + 1);
  ag__dep_sort(c, news, nnew, order);
  for (size_t o = 0; o < nnew; o++) {
    const TRef *t = &news[order[o]];
    size_t mi = 0;
    const ModelTable *m = NULL;
    for (size_t k = 0; k < nnew && !m; k++) {
      const ModelTable *cand = &ms->tables[new_model[k]];
      if (!strcmp(cand->name, t->name) && ag__same_schema(cand->schema, t->schema)) {
        m = cand;
        mi = new_model[k];
      }
    }
    (void)mi;
    if (!m) continue;
    Buf up = BUF_INIT, down = BUF_INIT;
    const char *bad = NULL;
    if (!ag__create_table_model(c, &up, m, &bad)) {
      buf_free(&up);
      findings_add(c->findings, "autogenerate-skipped", SEV_WARNING, m->path, m->range,
                   "table %s is new in the models, but the type of its column %s cannot be "
                   "written in SQLAlchemy terms; create it by hand",
                   ag__qual(c, m->schema, m->name), bad ? bad : "?");
      continue;
    }
    for (size_t k = 0; k < m->ncolumns; k++)
      if (m->columns[k].dynamic)
        findings_add(c->findings, "autogenerate-skipped", SEV_WARNING, m->path, m->columns[k].range,
                     "column %s.%s could not be read from the model (%s); the new table is "
                     "created without it",
                     ag__qual(c, m->schema, m->name), m->columns[k].name ? m->columns[k].name : "?",
                     m->columns[k].dynamic_reason ? m->columns[k].dynamic_reason : "not static");
    ag__drop_table(&down, m->schema, m->name);
    ag__emit(c, AG_CREATE_TABLE, "create_table", m->schema, m->name, NULL,
             arena_printf(a, "%zu columns", m->ncolumns), ag__detach(c, &up), ag__detach(c, &down));
    for (size_t j = 0; j < m->nindexes; j++) {
      Ix w = ag__ix_model(c, &m->indexes[j]);
      ag__emit_create_index(c, m->schema, m->name, &w);
    }
  }

  // Existing tables, by (schema, name).
  const SchemaTable **existing = ARENA_ARRAY(a, const SchemaTable *, c->cur->ntables + 1);
  size_t nexisting = 0;
  for (size_t k = 0; k < c->cur->ntables; k++)
    if (ag__model_of(c, c->cur->tables[k], NULL)) existing[nexisting++] = c->cur->tables[k];
  for (size_t k = 1; k < nexisting; k++)
    for (size_t j = k; j > 0; j--) {
      const SchemaTable *x = existing[j - 1], *y = existing[j];
      int r = strcmp(x->schema ? x->schema : "", y->schema ? y->schema : "");
      if (r < 0 || (r == 0 && strcmp(x->name, y->name) <= 0)) break;
      existing[j - 1] = y;
      existing[j] = x;
    }
  for (size_t k = 0; k < nexisting; k++) {
    size_t mi = 0;
    const ModelTable *m = ag__model_of(c, existing[k], &mi);
    const SchemaTable *tt = mi < c->tgt->ntables ? c->tgt->tables[mi] : NULL;
    ag__existing_table(c, existing[k], m, tt);
  }

  // Dropped tables, referencing ones first (the reverse of creation order).
  size_t ndrop = 0;
  TRef *drops = ARENA_ARRAY(a, TRef, c->cur->ntables + 1);
  for (size_t k = 0; k < c->cur->ntables; k++) {
    const SchemaTable *t = c->cur->tables[k];
    if (ag__model_of(c, t, NULL)) continue;
    if (!ms->complete) {
      findings_add(c->findings, "autogenerate-skipped", SEV_INFO, NULL, (SrcRange){0},
                   "table %s is not in the models, but some model could not be read completely "
                   "(see the model-unreadable findings), so autogenerate drops no table",
                   ag__qual(c, t->schema, t->name));
      continue;
    }
    TRef *r = &drops[ndrop++];
    *r = (TRef){ag__norm_schema(t->schema), t->name, NULL, 0, false};
    r->refs = ARENA_ARRAY(a, const char *, t->ncons + 1);
    for (size_t j = 0; j < t->ncons; j++)
      if (t->cons[j]->kind == CON_FOREIGN_KEY && t->cons[j]->ref_table)
        r->refs[r->nrefs++] = ag__key(c, t->cons[j]->ref_schema, t->cons[j]->ref_table);
  }
  size_t *dorder = ARENA_ARRAY(a, size_t, ndrop + 1);
  ag__dep_sort(c, drops, ndrop, dorder);
  for (size_t o = ndrop; o-- > 0;) {
    const TRef *r = &drops[dorder[o]];
    const SchemaTable *t = ag__cur_table(c, r->schema, r->name);
    Buf up = BUF_INIT, down = BUF_INIT;
    const char *bad = NULL;
    if (!ag__create_table_canon(c, &down, t, &bad)) {
      buf_free(&down);
      findings_add(c->findings, "autogenerate-skipped", SEV_WARNING, NULL, (SrcRange){0},
                   "table %s is not in the models, but the type of its column %s cannot be "
                   "written in SQLAlchemy terms for the downgrade; drop it by hand",
                   ag__qual(c, t->schema, t->name), bad ? bad : "?");
      continue;
    }
    for (size_t j = 0; j < t->nindexes; j++) {
      Ix have = ag__ix_schema(c, t->indexes[j]);
      ag__emit_drop_index(c, t->schema, t->name, &have);
    }
    // The indexes' create_index ops must follow the create_table in the downgrade: the
    // drop_index ops above come before the drop_table in the upgrade, so reversed they
    // come after it. Good as emitted.
    ag__drop_table(&up, t->schema, t->name);
    ag__emit(c, AG_DROP_TABLE, "drop_table", t->schema, t->name, NULL,
             arena_printf(a, "%zu columns", t->ncols), ag__detach(c, &up), ag__detach(c, &down));
    // A new table with the same columns: perhaps a rename.
    for (size_t k = 0; k < ms->ntables; k++) {
      const ModelTable *m = &ms->tables[k];
      if (ag__cur_table(c, m->schema, m->name) || m->ncolumns != t->ncols || m->ncolumns == 0) continue;
      bool same = true;
      for (size_t j = 0; j < m->ncolumns && same; j++) same = schema_column(t, m->columns[j].name) != NULL;
      if (!same) continue;
      findings_add(c->findings, "autogenerate-possible-rename", SEV_WARNING, m->path, m->range,
                   "table %s is dropped and %s created with the same columns: if this is a "
                   "rename, replace the drop_table and create_table with op.rename_table(%s, %s) "
                   "(and the reverse in downgrade()); as generated, the data in %s is lost",
                   ag__qual(c, t->schema, t->name), ag__qual(c, m->schema, m->name), t->name,
                   m->name, ag__qual(c, t->schema, t->name));
    }
  }

  ag__enums_after(c, &want);
  vec_free(&want);

  out->upgrades = ag__body(c, &out->ops, false);
  out->downgrades = ag__body(c, &out->ops, true);
  out->imports = c->postgresql ? "from sqlalchemy.dialects import postgresql" : "";
}

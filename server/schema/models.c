/* models.c - SQLAlchemy and SQLModel model files read statically into the tables their
 * MetaData would hold: declarative classes (Column and Mapped/mapped_column styles), mixins
 * and abstract bases, single-table inheritance, Table(...), SQLModel table models, naming
 * conventions and enum types. What is not static becomes a finding, never a guess. */
#include "server/schema/models.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/schema/fold.h"
#include "server/schema/models_internal.h"

static const char MODELS_RULE[] = "model-unreadable";

/* ---- interpreter state ------------------------------------------------------------------ */

/* A naming convention (MetaData.naming_convention) as templates per kind. UNKNOWN_TMPL marks
 * a kind whose template is not a literal string (a callable). */
static const char UNKNOWN_TMPL[] = "\x01";

typedef struct MConv {
  const char *ix, *uq, *ck, *fk, *pk;
  const char *why;             /* the whole convention could not be read */
} MConv;

typedef struct MConvAt {
  uint64_t key;                /* from this point of execution on */
  MConv conv;
} MConvAt;

typedef struct MMeta {
  const char *label;
  MConvAt *convs;              /* in execution order; convs[0] is the MetaData's own */
  size_t nconvs, capconvs;
  const char *schema;          /* MetaData(schema=...) */
  bool schema_unknown;
} MMeta;

/* A declarative base (declarative_base(), a DeclarativeBase class, a registry, db.Model) or
 * SQLModel: the MetaData its tables go to and its annotation type map. */
typedef struct MBase {
  MMeta *meta;
  MClass *mixin;               /* declarative_base(cls=Mixin) */
  const PyValue *type_map;     /* type_annotation_map, resolved */
  MScope type_map_scope;
  bool sqlmodel, flask;
} MBase;

typedef enum MInfoKind { MI_NONE, MI_BUSY, MI_META, MI_BASE, MI_TABLE } MInfoKind;

typedef struct MTab MTab;

typedef struct MBindInfo {
  MInfoKind kind;
  MMeta *meta;
  MBase *base;
  MTab *tab;
} MBindInfo;

/* A table being built. Constraints keep the order models.h promises: primary key, then
 * column-level ones in column order, then table-level ones. */
struct MTab {
  const char *schema, *name, *class_name;
  MModule *mod;
  SrcRange range;
  MMeta *meta;
  uint64_t key;                /* execution point of its creation */
  uint32_t at;                 /* declaration position in its module (for output order) */
  const char *comment;
  bool partial;
  VEC(MigColumn) cols;
  VEC(bool) null_explicit;     /* per column: nullable was given (a PK constraint keeps it) */
  VEC(const char *) keys;      /* per column: its key (the attribute name) */
  VEC(MigConstraint) col_cons;
  VEC(MigConstraint) tab_cons;
  VEC(MigTableIndex) idx;
  MigConstraint pk;
  bool has_pk_constraint;      /* PrimaryKeyConstraint(...) in the table arguments */
};

/* The interpreter's view of a class. */
typedef struct MCInfo {
  MClassKind kind;
  MBase *base;
  MClass **mro;                /* project classes, the class first */
  size_t nmro;
  bool mro_done;
  MTab *tab;                   /* its table (its own, or the single-table parent's) */
  const char **attr_names;     /* attribute → column name, for Foo.attr references */
  const char **col_names;
  size_t nattr_cols, capattr_cols;
  bool reported;
} MCInfo;

typedef struct X {
  MLoader *L;
  Arena *a;
  FindingList *fl;
  ModelSet *out;
  VEC(MTab *) tabs;
  MMeta *sqlmodel_meta;
  MBase *sqlmodel_base;
  MTab **slots;                /* tables by name (mm__index_tables) */
  size_t nslots;
} X;

/* ---- small helpers ------------------------------------------------------------------------ */

static void mm__finding(X *x, const char *path, SrcRange r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void mm__finding(X *x, const char *path, SrcRange r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = arena_vprintf(x->a, fmt, ap);
  va_end(ap);
  findings_add(x->fl, MODELS_RULE, SEV_WARNING, path, r, "%s", msg);
}

static uint64_t mm__key(const MModule *m, uint32_t at) {
  uint64_t order = m && m->order >= 0 ? (uint64_t)m->order : 0;
  return (order << 32) | at;
}

static char *mm__lower(Arena *a, const char *s) {
  char *o = arena_strdup(a, s);
  for (char *p = o; *p; p++) *p = (char)tolower((unsigned char)*p);
  return o;
}

static char *mm__upper(Arena *a, const char *s) {
  char *o = arena_strdup(a, s);
  for (char *p = o; *p; p++) *p = (char)toupper((unsigned char)*p);
  return o;
}

/* Flask-SQLAlchemy's camel_to_snake_case for automatic table names. */
static char *mm__snake(Arena *a, const char *name) {
  Buf b = BUF_INIT;
  size_t n = strlen(name);
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    bool up = isupper((unsigned char)c);
    bool after_lower = i > 0 && (islower((unsigned char)name[i - 1]) || isdigit((unsigned char)name[i - 1]));
    bool before_lower = i > 0 && i + 1 < n && islower((unsigned char)name[i + 1]);
    if (up && (after_lower || before_lower)) buf_putc(&b, '_');
    buf_putc(&b, (char)tolower((unsigned char)c));
  }
  const char *s = buf_cstr(&b);
  while (*s == '_') s++;
  char *out = arena_strdup(a, s);
  buf_free(&b);
  return out;
}

static const char *mm__canon(X *x, const MScope *sc, const PyValue *v) {
  if (!v || (v->kind != PV_NAME && v->kind != PV_CALL)) return NULL;
  if (!strncmp(v->text, "sa.", 3) || !strncmp(v->text, "postgresql.", 11) ||
      !strncmp(v->text, "sqlmodel.", 9))
    return v->text;  // already canonical (a rewritten value)
  return mres_canon_name(x->L, sc, v->text);
}

static bool mm__is(const char *canon, const char *what) { return canon && !strcmp(canon, what); }

static bool mm__true(const PyValue *v) {
  return v && ((v->kind == PV_BOOL && v->b) || (v->kind == PV_INT && v->i));
}

/* ---- naming conventions --------------------------------------------------------------------- */

static void mm__meta_push(Arena *a, MMeta *m, MConvAt c) {
  if (m->nconvs == m->capconvs) {
    size_t cap = m->capconvs ? m->capconvs * 2 : 4;
    MConvAt *n = ARENA_ARRAY(a, MConvAt, cap);
    if (m->nconvs) memcpy(n, m->convs, m->nconvs * sizeof *n);
    m->convs = n;
    m->capconvs = cap;
  }
  m->convs[m->nconvs++] = c;
}

static MMeta *mm__meta_new(X *x, const char *label) {
  MMeta *m = ARENA_NEW(x->a, MMeta);
  m->label = label;
  MConvAt c = {0};
  c.conv.ix = "ix_%(column_0_label)s";  // SQLAlchemy's DEFAULT_NAMING_CONVENTION
  mm__meta_push(x->a, m, c);
  return m;
}

static const char *mm__conv_kind(X *x, const MScope *sc, const PyValue *k) {
  const char *s = pyvalue_str(k);
  if (s) {
    static const char *const KINDS[] = {"ix", "uq", "ck", "fk", "pk", NULL};
    for (size_t i = 0; KINDS[i]; i++)
      if (!strcmp(s, KINDS[i])) return KINDS[i];
    return NULL;  // a token of its own (a callable): templates that use it are unreadable
  }
  const char *c = mm__canon(x, sc, k);
  if (mm__is(c, "sa.Index")) return "ix";
  if (mm__is(c, "sa.UniqueConstraint")) return "uq";
  if (mm__is(c, "sa.CheckConstraint")) return "ck";
  if (mm__is(c, "sa.ForeignKeyConstraint")) return "fk";
  if (mm__is(c, "sa.PrimaryKeyConstraint")) return "pk";
  return NULL;
}

/* A naming_convention= value read into templates (replacing SQLAlchemy's default). */
static MConv mm__conv_read(X *x, const MScope *sc, const PyValue *raw) {
  MConv c = {0};
  const PyValue *v = mres_value(x->L, sc, raw);
  if (!v || v->kind != PV_DICT || v->dynamic) {
    c.why = arena_printf(x->a, "naming_convention is not a literal dict (`%.60s`)",
                         v && v->text ? v->text : "...");
    return c;
  }
  for (size_t k = 0; k + 1 < v->nitems; k += 2) {
    const char *kind = mm__conv_kind(x, sc, v->items[k]);
    if (!kind) continue;
    const char *t = pyvalue_str(v->items[k + 1]);
    if (!t) t = UNKNOWN_TMPL;
    if (!strcmp(kind, "ix")) c.ix = t;
    else if (!strcmp(kind, "uq")) c.uq = t;
    else if (!strcmp(kind, "ck")) c.ck = t;
    else if (!strcmp(kind, "fk")) c.fk = t;
    else c.pk = t;
  }
  return c;
}

static void mm__meta_set_conv(X *x, MMeta *m, uint64_t key, MConv c) {
  MConvAt at = {key, c};
  mm__meta_push(x->a, m, at);
}

static const MConv *mm__conv_at(const MMeta *m, uint64_t key) {
  const MConv *best = &m->convs[0].conv;
  for (size_t k = 0; k < m->nconvs; k++)
    if (m->convs[k].key <= key) best = &m->convs[k].conv;
  return best;
}

/* What a convention names a constraint of table `t`. `cols` are the constraint's column
 * names and `keys` their keys; `fk` gives referred names. Returns NULL with *why when a token
 * is not one SQLAlchemy defines or needs what is not there. */
static const char *mm__expand(X *x, const MTab *t, const char *tmpl, const char *explicit_name,
                              const char *const *cols, const char *const *keys, size_t ncols,
                              const MigForeignKey *fk, const char **why) {
  Buf b = BUF_INIT;
  const char *p = tmpl;
  const char *err = NULL;
  while (*p && !err) {
    if (p[0] == '%' && p[1] == '%') {
      buf_putc(&b, '%');
      p += 2;
      continue;
    }
    if (p[0] != '%' || p[1] != '(') {
      buf_putc(&b, *p++);
      continue;
    }
    const char *close = strstr(p, ")s");
    if (!close) {
      err = "a naming convention template is malformed";
      break;
    }
    char *tok = arena_strndup(x->a, p + 2, (size_t)(close - p - 2));
    p = close + 2;
    if (!strcmp(tok, "table_name")) {
      buf_puts(&b, t->name);
      continue;
    }
    if (!strcmp(tok, "constraint_name")) {
      if (!explicit_name) {
        err = "the naming convention uses %(constraint_name)s but the constraint has no name "
              "(SQLAlchemy refuses it)";
        break;
      }
      buf_puts(&b, explicit_name);
      continue;
    }
    if (!strcmp(tok, "referred_table_name")) {
      if (!fk || !fk->ref_table) {
        err = "%(referred_table_name)s is used for a constraint that is not a foreign key";
        break;
      }
      buf_puts(&b, fk->ref_table);
      continue;
    }
    // column_<N>_<what>, column_0N_<what>, column_0_N_<what>, referred_column_...
    bool referred = !strncmp(tok, "referred_", 9);
    const char *q = referred ? tok + 9 : tok;
    if (strncmp(q, "column_", 7) != 0) {
      err = arena_printf(x->a, "the naming convention token %%(%s)s is not one SQLAlchemy defines "
                               "by itself (a callable of the project)", tok);
      break;
    }
    q += 7;
    const char *const *names = referred ? (fk ? fk->ref_columns : NULL) : cols;
    size_t nnames = referred ? (fk ? fk->nref_columns : 0) : ncols;
    bool all = false, sep = false;
    size_t idx = 0;
    if (!strncmp(q, "0N_", 3)) {
      all = true;
      q += 3;
    } else if (!strncmp(q, "0_N_", 4)) {
      all = sep = true;
      q += 4;
    } else {
      char *end;
      unsigned long v = strtoul(q, &end, 10);
      if (end == q || *end != '_') {
        err = arena_printf(x->a, "the naming convention token %%(%s)s is not understood", tok);
        break;
      }
      idx = v;
      q = end + 1;
    }
    bool label = !strcmp(q, "label"), key = !strcmp(q, "key"), name = !strcmp(q, "name");
    if (!label && !key && !name) {
      err = arena_printf(x->a, "the naming convention token %%(%s)s is not understood", tok);
      break;
    }
    if (referred && (label || key)) {
      // only names of referred columns are known without the referred table
      key = false, label = false, name = true;
    }
    size_t from = all ? 0 : idx, to = all ? nnames : idx + 1;
    if (to > nnames || nnames == 0) {
      err = arena_printf(x->a, "the naming convention token %%(%s)s needs a column the "
                               "constraint does not name (an expression?)", tok);
      break;
    }
    for (size_t i = from; i < to; i++) {
      if (!names[i]) {
        err = "a constraint column is not known";
        break;
      }
      if (sep && i > from) buf_putc(&b, '_');
      if (label) {
        if (t->schema) {
          char *s = arena_strdup(x->a, t->schema);
          for (char *c = s; *c; c++)
            if (*c == '.') *c = '_';
          buf_printf(&b, "%s_", s);
        }
        buf_printf(&b, "%s_%s", t->name, names[i]);
      } else if (key && keys && keys[i]) {
        buf_puts(&b, keys[i]);
      } else {
        buf_puts(&b, names[i]);
      }
    }
  }
  char *out = err ? NULL : arena_strdup(x->a, buf_cstr(&b));
  buf_free(&b);
  if (err) *why = err;
  return out;
}

/* The name SQLAlchemy gives a constraint or index of kind `kind` ("ix", "uq", ...): the
 * explicit one, else the convention's (conv = true), else NULL (the database picks one for a
 * constraint). NULL with *why when it cannot be known. */
static const char *mm__name(X *x, MTab *t, uint64_t key, const char *kind, const char *explicit_name,
                            bool explicit_conv, const char *const *cols, const char *const *keys,
                            size_t ncols, const MigForeignKey *fk, bool *conv, const char **why) {
  *conv = explicit_conv;
  *why = NULL;
  if (explicit_conv) return explicit_name;  // conv("name"): final, whatever the convention
  const MConv *c = mm__conv_at(t->meta, key);
  if (c->why && !explicit_name) {
    *why = c->why;
    return NULL;
  }
  const char *tmpl = !strcmp(kind, "ix")   ? c->ix
                     : !strcmp(kind, "uq") ? c->uq
                     : !strcmp(kind, "ck") ? c->ck
                     : !strcmp(kind, "fk") ? c->fk
                                           : c->pk;
  if (!tmpl) return explicit_name;
  if (tmpl == UNKNOWN_TMPL) {
    if (explicit_name) return explicit_name;  // a callable convention is not consulted then
    *why = arena_printf(x->a, "the \"%s\" naming convention is not a literal string", kind);
    return NULL;
  }
  // SQLAlchemy applies the convention to unnamed constraints, and to named ones only when
  // it uses %(constraint_name)s.
  if (explicit_name && !strstr(tmpl, "%(constraint_name)s")) return explicit_name;
  const char *n = mm__expand(x, t, tmpl, explicit_name, cols, keys, ncols, fk, why);
  if (n) *conv = true;
  return n;
}

/* ---- tables -------------------------------------------------------------------------------- */

static MTab *mm__table_new(X *x, const char *schema, const char *name, MMeta *meta, MModule *mod,
                           uint32_t at, SrcRange range, const char *class_name) {
  MTab *t = ARENA_NEW(x->a, MTab);
  t->schema = schema ? schema : meta->schema;
  t->name = name;
  t->meta = meta;
  t->mod = mod;
  t->at = at;
  t->key = mm__key(mod, at);
  t->range = range;
  t->class_name = class_name;
  vec_push(&x->tabs, t);
  return t;
}

static void mm__table_free(MTab *t) {
  vec_free(&t->cols);
  vec_free(&t->null_explicit);
  vec_free(&t->keys);
  vec_free(&t->col_cons);
  vec_free(&t->tab_cons);
  vec_free(&t->idx);
}

static const char *mm__tab_label(X *x, const MTab *t) {
  return t->schema ? arena_printf(x->a, "%s.%s", t->schema, t->name) : t->name;
}

/* Names a constraint read by ops.h with the table's convention. */
static void mm__name_constraint(X *x, MTab *t, MigConstraint *k, uint64_t key, const char *path) {
  const char *kind = k->kind == CON_PRIMARY_KEY ? "pk"
                     : k->kind == CON_UNIQUE    ? "uq"
                     : k->kind == CON_CHECK     ? "ck"
                                                : "fk";
  const char **keys = ARENA_ARRAY(x->a, const char *, k->ncolumns + 1);
  for (size_t i = 0; i < k->ncolumns; i++) {
    keys[i] = k->columns[i];
    for (size_t j = 0; j < t->cols.len; j++)
      if (t->cols.items[j].name && k->columns[i] && !strcmp(t->cols.items[j].name, k->columns[i]))
        keys[i] = t->keys.items[j];
  }
  const char *why = NULL;
  bool conv = false;
  const char *n = mm__name(x, t, key, kind, k->name, k->name_conv, k->columns, keys, k->ncolumns,
                           k->kind == CON_FOREIGN_KEY ? &k->fk : NULL, &conv, &why);
  if (why) {
    mm__finding(x, path, k->range,
                "%s: the name of a %s constraint cannot be known: %s; autogenerate does not "
                "drop or rename constraints of this table",
                mm__tab_label(x, t), constraint_kind_name(k->kind), why);
    t->partial = true;
  }
  k->name = n;
  k->name_conv = conv;
  if (k->kind == CON_FOREIGN_KEY) k->fk.name = n;
}

static int mm__col_index(const MTab *t, const char *name) {
  for (size_t k = 0; name && k < t->cols.len; k++)
    if (t->cols.items[k].name && !strcmp(t->cols.items[k].name, name)) return (int)k;
  return -1;
}

/* A column named by a string in a constraint or Index: SQLAlchemy looks it up by key
 * (table.c[key]); the name it stands for. */
static const char *mm__key_to_name(const MTab *t, const char *s) {
  for (size_t k = 0; s && k < t->cols.len; k++)
    if (t->keys.items[k] && !strcmp(t->keys.items[k], s) && t->cols.items[k].name)
      return t->cols.items[k].name;
  return s;
}

/* Column-level ForeignKey / CheckConstraint / unique / index moved to the table's lists. */
static void mm__column_extras(X *x, MTab *t, MigColumn *c, const char *ckey, uint64_t key,
                              const char *path) {
  for (size_t i = 0; i < c->nfks; i++) {
    if (!c->fks[i].ref_table) continue;  // not readable: the column says why (dynamic)
    MigConstraint k = {0};
    k.kind = CON_FOREIGN_KEY;
    k.fk = c->fks[i];
    k.fk.columns = ARENA_ARRAY(x->a, const char *, 1);
    k.fk.columns[0] = c->name;
    k.fk.ncolumns = 1;
    k.columns = k.fk.columns;
    k.ncolumns = 1;
    k.name = k.fk.name;
    k.deferrable = k.fk.deferrable;
    k.initially = k.fk.initially;
    k.not_valid = k.fk.not_valid;
    k.range = c->range;
    mm__name_constraint(x, t, &k, key, path);
    vec_push(&t->col_cons, k);
  }
  for (size_t i = 0; i < c->nchecks; i++) {
    MigConstraint k = c->checks[i];
    mm__name_constraint(x, t, &k, key, path);
    vec_push(&t->col_cons, k);
  }
  if (c->index) {
    MigTableIndex ix = {0};
    ix.elems = ARENA_NEW(x->a, MigIndexElem);
    ix.elems[0].text = c->name;
    ix.nelems = 1;
    ix.unique = c->unique;
    ix.range = c->range;
    const char *why = NULL;
    bool conv = false;
    const char *cols[1] = {c->name}, *keys[1] = {ckey};
    ix.name = mm__name(x, t, key, "ix", NULL, false, cols, keys, 1, NULL, &conv, &why);
    ix.name_conv = conv;
    if (why) {
      mm__finding(x, path, c->range,
                  "%s.%s: the name of its index cannot be known: %s; autogenerate does not drop "
                  "or rename indexes of this table",
                  mm__tab_label(x, t), c->name, why);
      t->partial = true;
    } else if (!ix.name) {
      mm__finding(x, path, c->range,
                  "%s.%s: index=True, but the MetaData's naming_convention has no \"ix\" entry, "
                  "so SQLAlchemy cannot name the index (it fails to create it)",
                  mm__tab_label(x, t), c->name);
    }
    vec_push(&t->idx, ix);
  } else if (c->unique) {
    MigConstraint k = {0};
    k.kind = CON_UNIQUE;
    k.columns = ARENA_ARRAY(x->a, const char *, 1);
    k.columns[0] = c->name;
    k.ncolumns = 1;
    k.range = c->range;
    mm__name_constraint(x, t, &k, key, path);
    vec_push(&t->col_cons, k);
  }
  c->fks = NULL;
  c->nfks = 0;
  c->checks = NULL;
  c->nchecks = 0;
  c->unique = c->index = false;
}

static size_t mm__utf8_len(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) n++;
  return n;
}

/* Types SQLAlchemy renders differently from what ops.h reads: a non-native Enum is a
 * VARCHAR as long as its longest label (or length=). */
static SqlType *mm__fix_type(X *x, SqlType *t) {
  if (!t || t->dynamic) return t;
  if (t->kind == ST_ARRAY && t->item) {
    SqlType *item = mm__fix_type(x, t->item);
    if (item != t->item) {
      SqlType *c = ARENA_NEW(x->a, SqlType);
      *c = *t;
      c->item = item;
      return c;
    }
    return t;
  }
  if (t->kind != ST_ENUM || t->native_enum) return t;
  SqlType *c = ARENA_NEW(x->a, SqlType);
  *c = *t;
  c->kind = ST_STRING;
  c->name = "VARCHAR";
  const PyValue *len = pyvalue_call_arg(t->src, (size_t)-1, "length");
  if (len && len->kind == PV_INT) {
    c->length = (int)len->i;
  } else {
    size_t m = 0;
    for (size_t k = 0; k < t->nenum_values; k++)
      if (mm__utf8_len(t->enum_values[k]) > m) m = mm__utf8_len(t->enum_values[k]);
    c->length = (int)m;
  }
  c->enum_values = NULL;
  c->nenum_values = 0;
  c->enum_name = NULL;
  return c;
}

/* Adds a read column to the table; `owner` and `attr` (the attribute that declares it, or
 * NULL) name it in findings. */
static void mm__add_column(X *x, MTab *t, MigColumn *c, bool null_explicit, const char *attr,
                           uint64_t key, const char *path, const char *owner) {
  // SQLAlchemy's Column.key: key=, else the name (what string references and
  // %(column_0_key)s use)
  const char *ckey = pyvalue_str(pyvalue_call_arg(c->src, (size_t)-1, "key"));
  if (!ckey) ckey = c->name;
  // the column's name, else the attribute that declares it
  const char *label = c->name ? c->name : attr;
  const char *who = arena_printf(x->a, "%s%s%s", owner ? owner : mm__tab_label(x, t),
                                 label ? "." : "", label ? label : "");
  if (c->dynamic) {
    mm__finding(x, path, c->range,
                "%s: %s; autogenerate leaves this column as it is in the database and drops "
                "nothing of table %s",
                who, c->dynamic_reason ? c->dynamic_reason : "not static", t->name);
    t->partial = true;
  }
  if (c->name && mm__col_index(t, c->name) >= 0) {
    mm__finding(x, path, c->range,
                "%s: table %s already has a column named %s (SQLAlchemy refuses or ignores the "
                "second); the first is kept",
                who, t->name, c->name);
    t->partial = true;
    return;
  }
  c->type = mm__fix_type(x, c->type);
  if (c->type && !c->dynamic && (c->type->kind == ST_BOOLEAN || c->type->kind == ST_STRING) &&
      mm__true(pyvalue_call_arg(c->type->src, (size_t)-1, "create_constraint"))) {
    // Boolean / non-native Enum(create_constraint=True) adds a CHECK the reader does not make
    mm__finding(x, path, c->range,
                "%s: create_constraint=True makes a CHECK constraint the reader does not model; "
                "autogenerate does not drop or change checks of table %s",
                who, t->name);
    t->partial = true;
  }
  // in the table first, so that its key names its constraints as SQLAlchemy does
  vec_push(&t->cols, *c);
  vec_push(&t->null_explicit, null_explicit);
  vec_push(&t->keys, ckey);
  mm__column_extras(x, t, &t->cols.items[t->cols.len - 1], ckey, key, path);
}

/* Index("name", "col", sa.text("expr"), unique=..., postgresql_where=..., postgresql_using=)
 * of table arguments; `resolve_col` maps a non-string element (Foo.attr at module level). */
typedef const char *(*MColRef)(X *x, const PyValue *e, MTab **tab, void *ctx);

static bool mm__sql_text(const PyValue *v, const char **out) {
  *out = pyvalue_str(v);
  if (*out) return true;
  if (v && v->kind == PV_CALL && (!strcmp(mpv_last(v->text), "text") ||
                                  !strcmp(mpv_last(v->text), "literal_column")))
    *out = pyvalue_str(pyvalue_call_arg(v, 0, NULL));
  return *out != NULL;
}

static void mm__index(X *x, MTab *t, const PyValue *v, uint64_t key, const char *path,
                      MColRef colref, void *ctx) {
  MigTableIndex ix = {0};
  ix.range = v->range;
  ix.elems = ARENA_ARRAY(x->a, MigIndexElem, v->nargs + 1);
  const char **cols = ARENA_ARRAY(x->a, const char *, v->nargs + 1);
  const char *explicit_name = NULL;
  bool explicit_conv = false, bad = false;
  const char *why = NULL;
  size_t npos = 0;
  for (size_t k = 0; k < v->nargs; k++) {
    const PyArg *arg = &v->args[k];
    const PyValue *e = arg->value;
    if (!arg->name) {
      if (npos++ == 0) {
        if (e->kind == PV_NONE) continue;
        if ((explicit_name = pyvalue_str(e))) continue;
        if (e->kind == PV_CALL && (!strcmp(mpv_last(e->text), "conv") || !strcmp(mpv_last(e->text), "f")) &&
            (explicit_name = pyvalue_str(pyvalue_call_arg(e, 0, NULL)))) {
          explicit_conv = true;
          continue;
        }
        bad = true;
        why = "the index name is not a literal string";
        continue;
      }
      MigIndexElem *el = &ix.elems[ix.nelems];
      const char *s = pyvalue_str(e);
      if (s) {
        el->text = mm__key_to_name(t, s);
        cols[ix.nelems++] = el->text;
        continue;
      }
      if (e->kind == PV_CALL && (!strcmp(mpv_last(e->text), "text") ||
                                 !strcmp(mpv_last(e->text), "literal_column")) &&
          mm__sql_text(e, &s)) {
        el->text = s;
        el->is_expr = true;
        cols[ix.nelems++] = NULL;
        continue;
      }
      if (colref && e->kind == PV_NAME) {
        MTab *owner = t;
        const char *cn = colref(x, e, &owner, ctx);
        if (cn && owner == t) {
          el->text = cn;
          cols[ix.nelems++] = cn;
          continue;
        }
      }
      bad = true;
      why = arena_printf(x->a, "index element `%.60s` is not a column name or sa.text(...)",
                         e->text ? e->text : "...");
      continue;
    }
    const char *kw = arg->name;
    if (!strcmp(kw, "unique")) {
      if (e->kind != PV_BOOL) bad = true, why = "unique= is not a literal";
      ix.unique = mm__true(e);
    } else if (!strcmp(kw, "name")) {
      if (!(explicit_name = pyvalue_str(e)) && e->kind != PV_NONE) bad = true;
    } else if (!strcmp(kw, "postgresql_where")) {
      if (e->kind != PV_NONE && !mm__sql_text(e, &ix.where))
        bad = true, why = "postgresql_where= is not literal SQL";
    } else if (!strcmp(kw, "postgresql_using")) {
      if (e->kind != PV_NONE && !(ix.using = pyvalue_str(e)))
        bad = true, why = "postgresql_using= is not a literal";
    } else if (!strcmp(kw, "info") || !strcmp(kw, "quote") || !strcmp(kw, "_table") ||
               (strchr(kw, '_') && strncmp(kw, "postgresql_", 11) != 0)) {
      // metadata only, or another dialect's option
    } else {
      bad = true;
      why = arena_printf(x->a, "Index keyword %s= is not modelled", kw);
    }
  }
  if (v->dynamic && !why) bad = true, why = "computed Index arguments";
  // Index.columns: the elements that are columns (expressions have no name to give)
  size_t ncols = 0;
  const char **keys = ARENA_ARRAY(x->a, const char *, ix.nelems + 1);
  for (size_t i = 0; i < ix.nelems; i++) {
    if (!cols[i]) continue;
    cols[ncols] = cols[i];
    int ci = mm__col_index(t, cols[i]);
    keys[ncols++] = ci >= 0 ? t->keys.items[ci] : cols[i];
  }
  const char *nwhy = NULL;
  bool conv = false;
  ix.name = mm__name(x, t, key, "ix", explicit_name, explicit_conv, cols, keys, ncols, NULL,
                     &conv, &nwhy);
  ix.name_conv = conv;
  if (bad || nwhy) {
    mm__finding(x, path, v->range,
                "%s: an index cannot be read: %s; autogenerate does not drop or change indexes "
                "of this table",
                mm__tab_label(x, t), why ? why : nwhy);
    t->partial = true;
    if (bad) return;
  } else if (!ix.name) {
    mm__finding(x, path, v->range,
                "%s: an Index has no name and the MetaData has no \"ix\" naming convention; "
                "SQLAlchemy cannot create it",
                mm__tab_label(x, t));
  }
  vec_push(&t->idx, ix);
}

/* One item of __table_args__ / Table(...): a constraint or an Index. */
static void mm__table_item(X *x, MTab *t, const PyValue *v, uint64_t key, const char *path,
                           MColRef colref, void *ctx) {
  const char *last = v->kind == PV_CALL ? mpv_last(v->text) : "";
  bool sa = v->kind == PV_CALL && !strncmp(v->text, "sa.", 3);
  if (sa && !strcmp(last, "Index")) {
    mm__index(x, t, v, key, path, colref, ctx);
    return;
  }
  MigConstraint k;
  if (sa && ops_read_constraint(x->a, v, &k)) {
    for (size_t i = 0; i < k.ncolumns; i++) k.columns[i] = mm__key_to_name(t, k.columns[i]);
    if (k.dynamic) {
      mm__finding(x, path, k.range,
                  "%s: a %s constraint cannot be read: %s; autogenerate does not drop or change "
                  "constraints of this table",
                  mm__tab_label(x, t), constraint_kind_name(k.kind), k.dynamic_reason);
      t->partial = true;
      return;
    }
    if (k.kind == CON_PRIMARY_KEY) {
      t->pk = k;
      t->has_pk_constraint = true;
      return;
    }
    mm__name_constraint(x, t, &k, key, path);
    vec_push(&t->tab_cons, k);
    return;
  }
  mm__finding(x, path, v->range,
              "%s: table argument `%.60s` is not a constraint or Index the reader knows; "
              "autogenerate does not drop or change constraints and indexes of this table",
              mm__tab_label(x, t), v->text ? v->text : "...");
  t->partial = true;
}

/* The primary key: a PrimaryKeyConstraint of the table arguments, else the primary_key=True
 * columns in table order; named by the "pk" convention. */
static void mm__table_pk(X *x, MTab *t, const char *path) {
  MigConstraint pk = {0};
  if (t->has_pk_constraint) {
    pk = t->pk;
    for (size_t i = 0; i < pk.ncolumns; i++) {
      int ci = mm__col_index(t, pk.columns[i]);
      if (ci < 0) {
        mm__finding(x, path, pk.range,
                    "%s: the primary key names column %s, which the table does not have",
                    mm__tab_label(x, t), pk.columns[i]);
        t->partial = true;
        continue;
      }
      MigColumn *c = &t->cols.items[ci];
      c->primary_key = true;
      if (!t->null_explicit.items[ci]) c->nullable = TRI_FALSE;
    }
  } else {
    pk.kind = CON_PRIMARY_KEY;
    pk.columns = ARENA_ARRAY(x->a, const char *, t->cols.len + 1);
    for (size_t i = 0; i < t->cols.len; i++)
      if (t->cols.items[i].primary_key && t->cols.items[i].name)
        pk.columns[pk.ncolumns++] = t->cols.items[i].name;
    pk.range = t->range;
    if (!pk.ncolumns) return;
  }
  mm__name_constraint(x, t, &pk, t->key, path);
  t->pk = pk;
  t->has_pk_constraint = true;
}

/* ---- metadata, bases ---------------------------------------------------------------------- */

static MBase *mm__base_of_bind(X *x, MBind *b, MModule *m);
static MMeta *mm__meta_of(X *x, const MRef *r);
static MCInfo *mm__classify(X *x, MClass *c);

static MBindInfo *mm__binfo(X *x, MBind *b) {
  if (!b->info) b->info = ARENA_NEW(x->a, MBindInfo);
  return b->info;
}

/* A MetaData(...) call: its convention and schema. */
static MMeta *mm__meta_call(X *x, const PyValue *call, const MScope *sc, const char *label,
                            const char *path) {
  MMeta *m = mm__meta_new(x, label);
  const PyValue *nc = pyvalue_call_arg(call, (size_t)-1, "naming_convention");
  if (nc && nc->kind != PV_NONE) {
    m->convs[0].conv = mm__conv_read(x, sc, nc);
    if (m->convs[0].conv.why)
      mm__finding(x, path, nc->range,
                  "%s: %s; names that come from it are not known, and autogenerate does not "
                  "drop or rename constraints named by it",
                  label, m->convs[0].conv.why);
  }
  const PyValue *sch = pyvalue_call_arg(call, (size_t)-1, "schema");
  if (sch && sch->kind != PV_NONE) {
    const PyValue *s = mres_value(x->L, sc, sch);
    m->schema = pyvalue_str(s);
    if (!m->schema) {
      m->schema_unknown = true;
      mm__finding(x, path, sch->range, "%s: MetaData(schema=) is not a literal string", label);
    }
  }
  return m;
}

/* The MetaData a value (metadata=..., Table's second argument) refers to. */
static MMeta *mm__meta_value(X *x, const PyValue *v, const MScope *sc, const char *label,
                             const char *path) {
  if (!v) return NULL;
  if (v->kind == PV_CALL && mm__is(mm__canon(x, sc, v), "sa.MetaData"))
    return mm__meta_call(x, v, sc, label, path);
  if (v->kind != PV_NAME) return NULL;
  MRef r = mres_name(x->L, sc, v->text);
  return mm__meta_of(x, &r);
}

static MBase *mm__base_new(X *x, MMeta *meta) {
  MBase *b = ARENA_NEW(x->a, MBase);
  b->meta = meta;
  return b;
}

/* registry(...) / declarative_base(...) / as_declarative(...) / SQLAlchemy(...) keywords. */
static MBase *mm__base_call(X *x, const PyValue *call, const MScope *sc, const char *label,
                            const char *path) {
  const PyValue *mv = pyvalue_call_arg(call, (size_t)-1, "metadata");
  MMeta *meta = mm__meta_value(x, mv, sc, arena_printf(x->a, "%s.metadata", label), path);
  if (mv && mv->kind != PV_NONE && !meta)
    mm__finding(x, path, mv->range,
                "%s: metadata= is not a MetaData the reader can follow; its naming convention "
                "is taken as SQLAlchemy's default",
                label);
  MBase *b = mm__base_new(x, meta ? meta : mm__meta_new(x, arena_printf(x->a, "%s.metadata", label)));
  const PyValue *cls = pyvalue_call_arg(call, (size_t)-1, "cls");
  if (cls && cls->kind == PV_NAME) {
    MRef r = mres_name(x->L, sc, cls->text);
    if (r.kind == MR_CLASS && !r.rest) b->mixin = r.cls;
  }
  const PyValue *tm = pyvalue_call_arg(call, (size_t)-1, "type_annotation_map");
  if (tm) {
    b->type_map = mres_value(x->L, sc, tm);
    b->type_map_scope = *sc;
  }
  const PyValue *reg = pyvalue_call_arg(call, (size_t)-1, "registry");
  if (reg && reg->kind == PV_NAME) {
    MRef r = mres_name(x->L, sc, reg->text);
    if (r.kind == MR_VALUE && !r.rest) {
      MBase *rb = mm__base_of_bind(x, r.bind, r.mod);
      if (rb) return rb;
    }
  }
  return b;
}

/* The base a binding makes: declarative_base(), registry(), reg.generate_base(),
 * SQLAlchemy() (Flask-SQLAlchemy). NULL for anything else. */
static MBase *mm__base_of_bind(X *x, MBind *b, MModule *m) {
  MBindInfo *bi = mm__binfo(x, b);
  if (bi->kind == MI_BASE) return bi->base;
  if (bi->kind != MI_NONE) return NULL;
  const PyValue *v = b->value;
  if (!v || v->kind != PV_CALL) return NULL;
  bi->kind = MI_BUSY;
  MScope sc = {m, b->at, NULL};
  const char *canon = mm__canon(x, &sc, v);
  MBase *base = NULL;
  if (mm__is(canon, "sa.declarative_base") || mm__is(canon, "sa.registry")) {
    base = mm__base_call(x, v, &sc, b->name, m->path);
  } else if (canon && !strcmp(mpv_last(canon), "SQLAlchemy") && !strncmp(canon, "flask_sqlalchemy", 16)) {
    base = mm__base_call(x, v, &sc, b->name, m->path);
    base->flask = true;
  } else if (!strcmp(mpv_last(v->text), "generate_base") && strchr(v->text, '.')) {
    const char *reg = arena_strndup(x->a, v->text, strlen(v->text) - strlen(".generate_base"));
    MRef r = mres_name(x->L, &sc, reg);
    if (r.kind == MR_VALUE && !r.rest) base = mm__base_of_bind(x, r.bind, r.mod);
  }
  bi->kind = base ? MI_BASE : MI_NONE;
  bi->base = base;
  return base;
}

/* The SQLModel base (one MetaData for every SQLModel table). */
static MBase *mm__sqlmodel_base(X *x) {
  if (!x->sqlmodel_base) {
    x->sqlmodel_meta = mm__meta_new(x, "SQLModel.metadata");
    x->sqlmodel_base = mm__base_new(x, x->sqlmodel_meta);
    x->sqlmodel_base->sqlmodel = true;
  }
  return x->sqlmodel_base;
}

static MMeta *mm__meta_of(X *x, const MRef *r) {
  if (r->kind == MR_VALUE) {
    MBindInfo *bi = mm__binfo(x, r->bind);
    if (!r->rest) {
      if (bi->kind == MI_META) return bi->meta;
      if (bi->kind != MI_NONE) return NULL;
      MScope sc = {r->mod, r->bind->at, NULL};
      if (r->bind->value && r->bind->value->kind == PV_CALL &&
          mm__is(mm__canon(x, &sc, r->bind->value), "sa.MetaData")) {
        bi->kind = MI_BUSY;
        bi->meta = mm__meta_call(x, r->bind->value, &sc, r->bind->name, r->mod->path);
        bi->kind = MI_META;
        return bi->meta;
      }
      return NULL;
    }
    if (!strcmp(r->rest, "metadata")) {
      MBase *b = mm__base_of_bind(x, r->bind, r->mod);
      return b ? b->meta : NULL;
    }
    return NULL;
  }
  if (r->kind == MR_CLASS && r->rest && !strcmp(r->rest, "metadata")) {
    MCInfo *ci = mm__classify(x, r->cls);
    return ci->base ? ci->base->meta : NULL;
  }
  if (r->kind == MR_EXTERNAL && r->ext && !strcmp(mpv_last(r->ext), "metadata")) {
    size_t n = strlen(r->ext) - strlen(".metadata");
    const char *owner = arena_strndup(x->a, r->ext, n);
    if (!strcmp(mpv_last(owner), "SQLModel") && !strncmp(owner, "sqlmodel", 8))
      return mm__sqlmodel_base(x)->meta;
  }
  return NULL;
}

/* ---- classes ------------------------------------------------------------------------------- */

static const PyValue *mm__attr_value(X *x, MClass *c, const char *name) {
  MAttr *at = mres_attr(c, name);
  if (!at || !at->value) return NULL;
  MScope sc = {c->mod, at->at, c};
  return mres_value(x->L, &sc, at->value);
}

/* A class-style declarative base (class Base(DeclarativeBase), @as_declarative): its
 * metadata / registry / type_annotation_map attributes. */
static MBase *mm__class_base(X *x, MClass *c, const PyValue *decorator) {
  MBase *b = NULL;
  if (decorator && decorator->kind == PV_CALL) {
    MScope dsc = {c->mod, c->at, NULL};
    b = mm__base_call(x, decorator, &dsc, c->name, c->mod->path);
  }
  MAttr *md = mres_attr(c, "metadata");
  if (md && md->value) {
    MScope asc = {c->mod, md->at, c};
    MMeta *m = mm__meta_value(x, md->value, &asc, arena_printf(x->a, "%s.metadata", c->name),
                              c->mod->path);
    if (!m)
      mm__finding(x, c->mod->path, md->range,
                  "%s.metadata is not a MetaData the reader can follow; its naming convention is "
                  "taken as SQLAlchemy's default",
                  c->name);
    else if (b) b->meta = m;
    else b = mm__base_new(x, m);
  }
  MAttr *reg = mres_attr(c, "registry");
  if (reg && reg->value && !b) {
    MScope asc = {c->mod, reg->at, c};
    if (reg->value->kind == PV_CALL && mm__is(mm__canon(x, &asc, reg->value), "sa.registry")) {
      b = mm__base_call(x, reg->value, &asc, c->name, c->mod->path);
    } else if (reg->value->kind == PV_NAME) {
      MRef r = mres_name(x->L, &asc, reg->value->text);
      if (r.kind == MR_VALUE && !r.rest) b = mm__base_of_bind(x, r.bind, r.mod);
    }
  }
  if (!b) b = mm__base_new(x, mm__meta_new(x, arena_printf(x->a, "%s.metadata", c->name)));
  MAttr *tm = mres_attr(c, "type_annotation_map");
  if (tm && tm->value) {
    MScope asc = {c->mod, tm->at, c};
    b->type_map = mres_value(x->L, &asc, tm->value);
    b->type_map_scope = asc;
  }
  return b;
}

static bool mm__enum_ext(const char *ext) {
  return ext && (!strncmp(ext, "enum.", 5) || strstr(ext, "StrEnum")) &&
         (strstr(ext, "Enum") || strstr(ext, "Flag"));
}

/* External bases that never make a class a model: the standard library, typing, pydantic,
 * SQLAlchemy's and SQLModel's own helpers. */
static bool mm__plain_ext(const char *ext) {
  static const char *const PLAIN[] = {"builtins.", "typing.", "typing_extensions.", "abc.",
                                      "collections.", "pydantic.", "dataclasses.", "enum.",
                                      "sqlalchemy.", "sqlmodel.", "json.", "datetime.",
                                      "decimal.", "uuid.", NULL};
  for (size_t k = 0; PLAIN[k]; k++)
    if (!strncmp(ext, PLAIN[k], strlen(PLAIN[k]))) return true;
  return !strchr(ext, '.');
}

/* What a class is: mapped, a base, a mixin, an enum, a SQLModel table... (memoised). */
static MCInfo *mm__classify(X *x, MClass *c) {
  if (c->info) return c->info;
  MCInfo *ci = ARENA_NEW(x->a, MCInfo);
  c->info = ci;
  ci->kind = MC_PLAIN;  // while visiting: a cycle reads as a plain class
  MClassKind kind = MC_PLAIN;
  MBase *found = NULL;
  bool unknown = false, sqlm = false, td = false;
  bool table_kw = false;
  const PyValue *decl_decorator = NULL;
  for (size_t k = 0; k < c->ndecorators; k++) {
    const PyValue *d = c->decorators[k];
    if (d->kind != PV_NAME && d->kind != PV_CALL) continue;
    MScope sc = {c->mod, c->at, NULL};
    const char *canon = mm__canon(x, &sc, d);
    if (mm__is(canon, "sa.as_declarative") || mm__is(canon, "sa.as_declarative_base")) {
      kind = MC_DECL_BASE;
      decl_decorator = d;
    } else if (!strcmp(mpv_last(d->text), "mapped") || !strcmp(mpv_last(d->text), "mapped_as_dataclass")) {
      const char *reg = arena_strndup(x->a, d->text, strlen(d->text) - strlen(mpv_last(d->text)) - (strchr(d->text, '.') ? 1 : 0));
      MRef r = mres_name(x->L, &sc, reg);
      if (r.kind == MR_VALUE && !r.rest) found = mm__base_of_bind(x, r.bind, r.mod);
    }
  }
  for (size_t k = 0; k < c->nargs; k++) {
    const PyArg *arg = &c->args[k];
    if (arg->name) {
      if (!strcmp(arg->name, "table")) {
        MScope sc = {c->mod, c->at, NULL};
        const PyValue *tv = mres_value(x->L, &sc, arg->value);
        table_kw = mm__true(tv);
        if (tv->kind != PV_BOOL && tv->kind != PV_INT && tv->kind != PV_NONE) {
          mm__finding(x, c->mod->path, arg->value->range,
                      "%s: table= is not a literal, so whether SQLModel makes a table of it is "
                      "not known; autogenerate drops no table",
                      c->name);
          x->out->complete = false;
        }
      }
      continue;
    }
    const PyValue *bv = arg->value;
    if (bv->kind == PV_EXPR) continue;  // Generic[T] and the like
    MRef r = mres_base(x->L, c, bv);
    const char *canon = mres_canon(x->L, &r);
    if (r.kind == MR_EXTERNAL) {
      if (mm__is(canon, "sa.DeclarativeBase") || mm__is(canon, "sa.DeclarativeBaseNoMeta")) {
        kind = MC_DECL_BASE;
      } else if (mm__is(canon, "sqlmodel.SQLModel")) {
        sqlm = true;
      } else if (mm__enum_ext(r.ext)) {
        kind = MC_ENUM;
      } else if (mm__is(canon, "sa.TypeDecorator")) {
        td = true;
      } else if (!mm__plain_ext(r.ext)) {
        // a base from another package (a declarative base built elsewhere?)
        unknown = true;
      }
      continue;
    }
    if (r.kind == MR_VALUE) {
      if (mm__is(canon, "flask_sqlalchemy.Model")) {
        MBase *b = mm__base_of_bind(x, r.bind, r.mod);
        if (b && !found) found = b;
        continue;
      }
      MBase *b = r.rest ? NULL : mm__base_of_bind(x, r.bind, r.mod);
      if (b) {
        if (!found) found = b;
        continue;
      }
      unknown = true;
      continue;
    }
    if (r.kind == MR_CLASS && !r.rest && r.cls != c) {
      MCInfo *bi = mm__classify(x, r.cls);
      switch (bi->kind) {
      case MC_DECL_BASE: case MC_MAPPED: case MC_ABSTRACT:
        if (!found) found = bi->base;
        break;
      case MC_SQLMODEL: case MC_SQLMODEL_TABLE: sqlm = true; break;
      case MC_ENUM: kind = MC_ENUM; break;
      case MC_TYPE_DECORATOR: td = true; break;
      case MC_UNKNOWN_BASE: unknown = true; break;
      default: break;
      }
      continue;
    }
    unknown = true;
  }
  if (kind == MC_DECL_BASE) {
    ci->base = mm__class_base(x, c, decl_decorator);
  } else if (kind == MC_ENUM) {
  } else if (found) {
    const PyValue *ab = mm__attr_value(x, c, "__abstract__");
    kind = mm__true(ab) ? MC_ABSTRACT : MC_MAPPED;
    ci->base = found;
  } else if (sqlm) {
    kind = table_kw ? MC_SQLMODEL_TABLE : MC_SQLMODEL;
    ci->base = mm__sqlmodel_base(x);
  } else if (td) {
    kind = MC_TYPE_DECORATOR;
  } else if (unknown) {
    kind = MC_UNKNOWN_BASE;
  }
  ci->kind = kind;
  return ci;
}

static bool mm__in(MClass *const *v, size_t n, const MClass *c) {
  for (size_t k = 0; k < n; k++)
    if (v[k] == c) return true;
  return false;
}

/* The project classes of `c`'s C3 linearisation (MRO), `c` first. An inconsistent hierarchy
 * (Python refuses it) falls back to depth-first order. */
static void mm__mro(X *x, MClass *c, int depth) {
  MCInfo *ci = mm__classify(x, c);
  if (ci->mro_done) return;
  ci->mro_done = true;  // a cycle sees a partial MRO
  MClass *bases[MODELS_MAX_MRO];
  size_t nb = 0;
  for (size_t k = 0; k < c->nargs && nb < MODELS_MAX_MRO; k++) {
    if (c->args[k].name || c->args[k].value->kind == PV_EXPR) continue;
    MRef r = mres_base(x->L, c, c->args[k].value);
    if (r.kind == MR_CLASS && !r.rest && r.cls != c && !mm__in(bases, nb, r.cls)) bases[nb++] = r.cls;
  }
  if (depth > MODELS_MAX_MRO) nb = 0;
  // the sequences to merge: each base's MRO, then the bases themselves
  MClass **seqs[MODELS_MAX_MRO + 1];
  size_t lens[MODELS_MAX_MRO + 1], pos[MODELS_MAX_MRO + 1];
  for (size_t k = 0; k < nb; k++) {
    mm__mro(x, bases[k], depth + 1);
    MCInfo *bi = bases[k]->info;
    seqs[k] = bi->mro;
    lens[k] = bi->nmro;
    pos[k] = 0;
  }
  seqs[nb] = bases;
  lens[nb] = nb;
  pos[nb] = 0;
  MClass **out = ARENA_ARRAY(x->a, MClass *, MODELS_MAX_MRO + 1);
  size_t n = 0;
  out[n++] = c;
  bool ok = true;
  while (n < MODELS_MAX_MRO) {
    MClass *next = NULL;
    bool any = false;
    for (size_t s = 0; s <= nb && !next; s++) {
      if (pos[s] >= lens[s]) continue;
      any = true;
      MClass *cand = seqs[s][pos[s]];
      bool in_tail = false;
      for (size_t t = 0; t <= nb && !in_tail; t++)
        for (size_t i = pos[t] + 1; i < lens[t]; i++)
          if (seqs[t][i] == cand) in_tail = true;
      if (!in_tail) next = cand;
    }
    if (!any) break;
    if (!next) {
      ok = false;
      break;
    }
    if (!mm__in(out, n, next)) out[n++] = next;
    for (size_t s = 0; s <= nb; s++)
      if (pos[s] < lens[s] && seqs[s][pos[s]] == next) pos[s]++;
  }
  if (!ok) {
    // depth first, left to right
    n = 1;
    for (size_t k = 0; k < nb; k++)
      for (size_t i = 0; i < lens[k] && n < MODELS_MAX_MRO; i++)
        if (!mm__in(out, n, seqs[k][i])) out[n++] = seqs[k][i];
    mm__finding(x, c->mod->path, c->range,
                "%s: its base classes have no consistent method resolution order (Python "
                "refuses it); columns are read in depth-first order",
                c->name);
  }
  ci->mro = out;
  ci->nmro = n;
}

static bool mm__looks_mapped(const MClass *c) {
  for (size_t k = 0; k < c->nattrs; k++) {
    const MAttr *at = &c->attrs[k];
    if (!strcmp(at->name, "__tablename__") || !strcmp(at->name, "__table__")) return true;
    if (at->value && at->value->kind == PV_CALL) {
      const char *l = mpv_last(at->value->text);
      if (!strcmp(l, "Column") || !strcmp(l, "mapped_column")) return true;
    }
  }
  return false;
}

/* ---- annotations and Python types ----------------------------------------------------------- */

/* An annotation unwrapped: Mapped[...] removed, Optional / X | None / Union[X, None] noted,
 * Annotated[...] split, module-level aliases followed. */
typedef struct MType {
  MAnn *ann;                   /* the Python type left (int, str, an enum class...) */
  MScope sc;                   /* where its names are looked up */
  bool optional;
  bool mapped;                 /* inside Mapped[...] */
  bool classvar, relationship; /* ClassVar[...], WriteOnlyMapped / DynamicMapped */
  const PyValue *annotated_col; /* mapped_column(...) found in Annotated[...] */
  MAnn *alias;                 /* the outermost alias name seen (type_annotation_map key) */
  MScope alias_sc;
  const char *why;
} MType;

static void mm__unwrap(X *x, MAnn *ann, MScope sc, MType *t, int depth) {
  if (!ann || depth > MODELS_MAX_DEPTH) {
    t->why = "the annotation is too deeply nested";
    return;
  }
  if (!ann->name) {
    t->ann = ann;
    t->sc = sc;
    return;
  }
  if (!strcmp(ann->name, "|")) {
    MAnn *only = NULL;
    size_t non_none = 0;
    for (size_t k = 0; k < ann->nargs; k++) {
      if (ann->args[k]->name && !strcmp(ann->args[k]->name, "None")) t->optional = true;
      else only = ann->args[k], non_none++;
    }
    if (non_none != 1) {
      t->why = "a union of several types has no column type";
      return;
    }
    mm__unwrap(x, only, sc, t, depth + 1);
    return;
  }
  MRef r = mres_name(x->L, &sc, ann->name);
  const char *canon = mres_canon(x->L, &r);
  const char *ext = r.kind == MR_EXTERNAL ? r.ext : NULL;
  const char *last = mpv_last(ann->name);
  if (mm__is(canon, "sa.Mapped") || (r.kind == MR_UNKNOWN && !strcmp(last, "Mapped"))) {
    t->mapped = true;
    if (ann->nargs == 1) mm__unwrap(x, ann->args[0], sc, t, depth + 1);
    else t->why = "Mapped[] needs one type";
    return;
  }
  if (mm__is(canon, "sa.WriteOnlyMapped") || mm__is(canon, "sa.DynamicMapped")) {
    t->relationship = true;
    return;
  }
  if ((ext && (!strcmp(ext, "typing.ClassVar") || !strcmp(ext, "typing_extensions.ClassVar"))) ||
      (r.kind == MR_UNKNOWN && !strcmp(last, "ClassVar"))) {
    t->classvar = true;
    return;
  }
  if (ext && (!strcmp(mpv_last(ext), "Optional")) && !strncmp(ext, "typing", 6)) {
    t->optional = true;
    if (ann->nargs == 1) mm__unwrap(x, ann->args[0], sc, t, depth + 1);
    return;
  }
  if (ext && !strcmp(mpv_last(ext), "Union") && !strncmp(ext, "typing", 6)) {
    MAnn u = *ann;
    u.name = "|";
    mm__unwrap(x, &u, sc, t, depth + 1);
    return;
  }
  if (ext && !strcmp(mpv_last(ext), "Annotated") && !strncmp(ext, "typing", 6)) {
    for (size_t k = 1; k < ann->nargs; k++) {
      const PyValue *v = ann->args[k]->value;
      if (v && v->kind == PV_CALL && mm__is(mm__canon(x, &sc, v), "sa.mapped_column") &&
          !t->annotated_col)
        t->annotated_col = mres_value(x->L, &sc, v);
    }
    if (ann->nargs >= 1) mm__unwrap(x, ann->args[0], sc, t, depth + 1);
    return;
  }
  if (r.kind == MR_VALUE && !r.rest && r.bind->ann_value) {
    // a module-level alias: str50 = Annotated[str, ...]
    if (!t->alias) {
      t->alias = ann;
      t->alias_sc = sc;
    }
    MScope there = {r.mod, r.bind->at, NULL};
    mm__unwrap(x, r.bind->ann_value, there, t, depth + 1);
    return;
  }
  t->ann = ann;
  t->sc = sc;
}

/* A key identifying what an annotation or type-map key names ("builtins.int", a class). */
static const char *mm__type_key(X *x, const char *name, const MScope *sc) {
  MRef r = mres_name(x->L, sc, name);
  switch (r.kind) {
  case MR_EXTERNAL: return r.ext;
  case MR_CLASS: return arena_printf(x->a, "class:%p%s%s", (void *)r.cls, r.rest ? "." : "", r.rest ? r.rest : "");
  case MR_VALUE: return arena_printf(x->a, "value:%p%s%s", (void *)r.bind, r.rest ? "." : "", r.rest ? r.rest : "");
  default: return arena_printf(x->a, "?%s", name);
  }
}

/* The type_annotation_map entry for `key`, or NULL. */
static const PyValue *mm__type_map(X *x, const MBase *b, const char *key) {
  if (!b || !b->type_map || b->type_map->kind != PV_DICT) return NULL;
  const PyValue *m = b->type_map;
  for (size_t k = 0; k + 1 < m->nitems; k += 2) {
    const PyValue *kv = m->items[k];
    // keys were rewritten: SQLAlchemy names are canonical, project names are as written
    const char *kk = NULL;
    if (kv->kind == PV_NAME) {
      if (!strncmp(kv->text, "sa.", 3) || !strncmp(kv->text, "postgresql.", 11)) kk = kv->text;
      else kk = mm__type_key(x, kv->text, &b->type_map_scope);
    }
    if (kk && !strcmp(kk, key)) return m->items[k + 1];
  }
  return NULL;
}

static const PyValue *mm__num_arg(const PyValue *field, const char *kw) {
  const PyValue *v = field ? pyvalue_call_arg(field, (size_t)-1, kw) : NULL;
  return v && v->kind == PV_INT ? v : NULL;
}

/* The SQLAlchemy type of a Python type: SQLAlchemy 2.0's default type map, or SQLModel's
 * get_sqlalchemy_type (`field` is the Field(...) call for max_length and friends). */
static const PyValue *mm__python_type(X *x, const MType *t, bool sqlmodel, const PyValue *field,
                                      SrcRange r, const char **why) {
  if (!t->ann || !t->ann->name) {
    *why = "the annotation is not a type the reader understands";
    return NULL;
  }
  MRef ref = mres_name(x->L, &t->sc, t->ann->name);
  Arena *a = x->a;
  if (ref.kind == MR_CLASS && !ref.rest && mres_is_enum(x->L, ref.cls)) {
    const char **members;
    size_t n;
    const char *ewhy = NULL;
    if (!mres_enum_members(x->L, ref.cls, false, !x->L->sa2, &members, &n, &ewhy)) {
      *why = ewhy;
      return NULL;
    }
    PyValue *c = mpv_call(a, "sa.Enum", n + 1, r);
    for (size_t k = 0; k < n; k++) mpv_arg(c, NULL, mpv_str(a, members[k], r));
    mpv_arg(c, "name", mpv_str(a, mm__lower(a, ref.cls->name), r));
    return c;
  }
  const char *e = ref.kind == MR_EXTERNAL ? ref.ext : NULL;
  if (!e) {
    *why = arena_printf(a, "`%s` is not a type with a default SQLAlchemy type", t->ann->name);
    return NULL;
  }
  static const struct {
    const char *py, *sa;
  } MAP[] = {
      {"builtins.int", "sa.Integer"},       {"builtins.float", "sa.Float"},
      {"builtins.bool", "sa.Boolean"},      {"builtins.bytes", "sa.LargeBinary"},
      {"datetime.datetime", "sa.DateTime"}, {"datetime.date", "sa.Date"},
      {"datetime.time", "sa.Time"},         {"datetime.timedelta", "sa.Interval"},
      {"uuid.UUID", "sa.Uuid"},
  };
  for (size_t k = 0; k < sizeof MAP / sizeof MAP[0]; k++)
    if (!strcmp(e, MAP[k].py)) return mpv_name(a, MAP[k].sa, r);
  bool strlike = !strcmp(e, "builtins.str");
  if (sqlmodel && (!strncmp(e, "ipaddress.", 10) || !strcmp(e, "pathlib.Path") ||
                   !strcmp(mpv_last(e), "EmailStr")))
    strlike = true;
  if (strlike) {
    const PyValue *ml = sqlmodel ? mm__num_arg(field, "max_length") : NULL;
    if (!ml) return mpv_name(a, "sa.String", r);
    PyValue *c = mpv_call(a, "sa.String", 1, r);
    mpv_arg(c, NULL, ml);
    return c;
  }
  if (!strcmp(e, "decimal.Decimal")) {
    const PyValue *p = sqlmodel ? mm__num_arg(field, "max_digits") : NULL;
    const PyValue *s = sqlmodel ? mm__num_arg(field, "decimal_places") : NULL;
    if (!p && !s) return mpv_name(a, "sa.Numeric", r);
    PyValue *c = mpv_call(a, "sa.Numeric", 2, r);
    if (p) mpv_arg(c, "precision", p);
    if (s) mpv_arg(c, "scale", s);
    return c;
  }
  *why = arena_printf(a, "`%s` has no %s column type", t->ann->name,
                      sqlmodel ? "SQLModel" : "default SQLAlchemy");
  return NULL;
}

/* ---- columns ------------------------------------------------------------------------------- */

typedef enum MSrcKind { MSK_COLUMN, MSK_MAPPED, MSK_ANN_ONLY, MSK_FIELD } MSrcKind;

/* One column source of a class: where it is declared and how SQLAlchemy orders it. */
typedef struct MSrc {
  MSrcKind kind;
  const char *attr;
  MAttr *at;
  MClass *owner;
  const PyValue *value;        /* resolved Column / mapped_column / Field call, or NULL */
  MScope sc;
  uint64_t key;                /* SQLAlchemy 1.4: creation order */
  uint32_t seq;
  int sort_order;              /* mapped_column(sort_order=) */
} MSrc;

typedef VEC(MSrc) MSrcVec;

/* What a class attribute's value makes: Column(...), mapped_column(...), a property
 * wrapping a Column, or nothing. Returns the Column-like call, or NULL. */
static const PyValue *mm__column_call(X *x, const PyValue *v, MSrcKind *kind, const char **unreadable,
                                      const MScope *sc) {
  if (!v || v->kind != PV_CALL) return NULL;
  const char *c = v->text;
  if (mm__is(c, "sa.Column")) {
    *kind = MSK_COLUMN;
    return v;
  }
  if (mm__is(c, "sa.mapped_column")) {
    *kind = MSK_MAPPED;
    return v;
  }
  if (mm__is(c, "sa.column_property") || mm__is(c, "sa.deferred")) {
    const PyValue *inner = pyvalue_call_arg(v, 0, NULL);
    return mm__column_call(x, inner, kind, unreadable, sc);
  }
  if (mm__is(c, "sa.composite")) {
    for (size_t k = 0; k < v->nargs; k++) {
      const PyValue *a = v->args[k].value;
      if (a->kind == PV_CALL && (mm__is(a->text, "sa.Column") || mm__is(a->text, "sa.mapped_column")))
        *unreadable = "composite() columns are not read";
    }
    return NULL;
  }
  // A helper of the project that builds a column from its arguments.
  if (strncmp(c, "sa.", 3) && strncmp(c, "postgresql.", 11) && strncmp(c, "sqlmodel.", 9)) {
    MRef r = mres_name(x->L, sc, c);
    if (r.kind == MR_FUNC && !r.rest && r.bind->fn->ret && r.bind->fn->ret->kind == PV_CALL) {
      const char *l = mpv_last(r.bind->fn->ret->text);
      if (!strcmp(l, "Column") || !strcmp(l, "mapped_column"))
        *unreadable = arena_printf(x->a, "the column is built by %s(...), whose arguments the "
                                         "reader does not evaluate", c);
    }
  }
  return NULL;
}

/* Model.attr = Column(...) after the class statement (`target` is "Model.attr"): declarative
 * adds the column to the model's table. The reader does not follow it, so the table is
 * partial, with a finding (autogenerate must not drop that column). True when it was one. */
static MCInfo *mm__classify(X *x, MClass *c);
static bool mm__late_column(X *x, MModule *m, const MScope *sc, const char *target,
                            const PyValue *value, SrcRange range) {
  const char *dot = target ? strrchr(target, '.') : NULL;
  if (!dot || !value) return false;
  MRef r = mres_name(x->L, sc, arena_strndup(x->a, target, (size_t)(dot - target)));
  if (r.kind != MR_CLASS || !r.cls || r.rest) return false;
  MCInfo *ci = mm__classify(x, r.cls);
  if ((ci->kind != MC_MAPPED && ci->kind != MC_SQLMODEL_TABLE) || !ci->tab) return false;
  MSrcKind kind;
  const char *unreadable = NULL;
  if (!mm__column_call(x, mres_value(x->L, sc, value), &kind, &unreadable, sc) && !unreadable)
    return false;
  ci->tab->partial = true;
  mm__finding(x, m->path, range,
              "%s: a column added to %s after its class statement is not read; autogenerate "
              "drops no column of table %s",
              target, r.cls->name, ci->tab->name);
  return true;
}

/* `cls.__name__.lower()` and friends: what a declared_attr __tablename__ returns. */
static const char *mm__declared_name(X *x, const MFunc *f, const MClass *c) {
  if (!f->ret) return NULL;
  const char *self = f->nparams ? f->params[0] : "cls";
  const PyValue *v = f->ret;
  if (pyvalue_str(v)) return pyvalue_str(v);
  const char *name = arena_printf(x->a, "%s.__name__", self);
  if (v->kind == PV_NAME && !strcmp(v->text, name)) return c->name;
  if (v->kind == PV_CALL && v->nargs == 0) {
    if (!strcmp(v->text, arena_printf(x->a, "%s.lower", name))) return mm__lower(x->a, c->name);
  }
  return NULL;
}

/* __tablename__ / __table_args__ as SQLAlchemy finds them: the class's own, or an unmapped
 * base's (mixin, abstract base, declarative base), or a declared_attr anywhere. */
static MAttr *mm__special(X *x, MClass *c, MCInfo *ci, const char *name, MClass **owner) {
  for (size_t k = 0; k < ci->nmro; k++) {
    MClass *b = ci->mro[k];
    MAttr *at = mres_attr(b, name);
    if (!at) continue;
    bool mapped = b != c && mm__classify(x, b)->kind == MC_MAPPED;
    bool sqlm_table = b != c && mm__classify(x, b)->kind == MC_SQLMODEL_TABLE;
    if ((mapped || sqlm_table) && !at->declared_attr) continue;
    *owner = b;
    return at;
  }
  return NULL;
}

typedef enum MNameState { MN_NONE, MN_KNOWN, MN_UNKNOWN } MNameState;

static MNameState mm__tablename(X *x, MClass *c, MAttr *at, MClass *owner, const char **name) {
  *name = NULL;
  if (!at) return MN_NONE;
  if (at->fn) {
    if (!at->declared_attr) return MN_UNKNOWN;
    *name = mm__declared_name(x, at->fn, c);
    return *name ? MN_KNOWN : MN_UNKNOWN;
  }
  MScope sc = {owner->mod, at->at, owner};
  const PyValue *v = mres_value(x->L, &sc, at->value);
  if (v && v->kind == PV_NONE) return MN_NONE;
  *name = pyvalue_str(v);
  return *name ? MN_KNOWN : MN_UNKNOWN;
}

/* __table_args__: its items (constraints, indexes) and its keyword dict. */
typedef struct MArgs {
  const PyValue **items;
  size_t nitems;
  const PyValue *kw;           /* PV_DICT or NULL */
  bool bad;
  SrcRange range;
} MArgs;

static MArgs mm__table_args(X *x, MAttr *at, MClass *owner) {
  MArgs r = {0};
  if (!at) return r;
  r.range = at->range;
  const PyValue *v = NULL;
  if (at->fn) {
    if (at->declared_attr && at->fn->ret) {
      MScope sc = {owner->mod, at->fn->at, NULL};
      v = mres_value(x->L, &sc, at->fn->ret);
    }
  } else {
    MScope sc = {owner->mod, at->at, owner};
    v = mres_value(x->L, &sc, at->value);
  }
  if (!v) {
    r.bad = true;
    return r;
  }
  if (v->kind == PV_NONE) return r;
  if (v->kind == PV_DICT) {
    r.kw = v;
    return r;
  }
  if (v->kind != PV_TUPLE) {
    r.bad = true;
    return r;
  }
  size_t n = v->nitems;
  if (n && v->items[n - 1]->kind == PV_DICT) r.kw = v->items[--n];
  r.items = (const PyValue **)v->items;
  r.nitems = n;
  return r;
}

/* schema= / comment= of the table keywords (a dict). Returns false when not literal. */
static bool mm__table_kw(const PyValue *kw, const char **schema, const char **comment, bool *has_schema) {
  bool ok = true;
  for (size_t k = 0; kw && k + 1 < kw->nitems; k += 2) {
    const char *key = pyvalue_str(kw->items[k]);
    const PyValue *v = kw->items[k + 1];
    if (!key) continue;
    if (!strcmp(key, "schema")) {
      *has_schema = true;
      if (v->kind == PV_NONE) *schema = NULL;
      else if (!(*schema = pyvalue_str(v))) ok = false;
    } else if (!strcmp(key, "comment")) {
      if (v->kind != PV_NONE && !(*comment = pyvalue_str(v))) ok = false;
    }
  }
  return ok;
}

/* Drops what mapped_column() takes that Column() does not, and spells it sa.Column. */
static const PyValue *mm__mapped_to_column(X *x, const PyValue *v, const PyValue *annotated,
                                           int *sort_order, SrcRange r) {
  static const char *const DROP[] = {"init", "repr", "default_factory", "compare", "kw_only",
                                     "deferred", "deferred_group", "deferred_raiseload",
                                     "use_existing_column", "active_history", "sort_order",
                                     "hash", "dataclass_metadata", "insert_default", NULL};
  size_t cap = (v ? v->nargs : 0) + (annotated ? annotated->nargs : 0) + 2;
  PyValue *c = mpv_call(x->a, "sa.Column", cap, v ? v->range : r);
  bool explicit_pos = false;
  for (size_t k = 0; v && k < v->nargs; k++)
    if (!v->args[k].name) explicit_pos = true;
  // Annotated[..., mapped_column(...)] gives defaults the attribute's own call overrides.
  const PyValue *calls[2] = {annotated, v};
  for (int ci = 0; ci < 2; ci++) {
    const PyValue *src = calls[ci];
    if (!src) continue;
    for (size_t k = 0; k < src->nargs; k++) {
      const char *nm = src->args[k].name;
      const PyValue *val = src->args[k].value;
      if (!nm && ci == 0 && explicit_pos) continue;
      bool drop = false;
      for (size_t d = 0; nm && DROP[d]; d++)
        if (!strcmp(nm, DROP[d])) drop = true;
      if (nm && !strcmp(nm, "sort_order") && val->kind == PV_INT) *sort_order = (int)val->i;
      if (nm && !strcmp(nm, "insert_default") && val->kind != PV_NONE) {
        mpv_arg(c, "default", val);
        continue;
      }
      if (!drop) mpv_arg(c, nm, val);
    }
  }
  return c;
}

static bool mm__first_pos_is_expr(const PyValue *call) {
  for (size_t k = 0; call && k < call->nargs; k++)
    if (!call->args[k].name) return call->args[k].value->kind == PV_EXPR;
  return false;
}

/* A project TypeDecorator used as a column type: what its `impl` makes (SQLAlchemy renders
 * the impl's DDL), when the class leaves the impl alone (no load_dialect_impl, no __init__
 * of its own). NULL with *why otherwise; `v` itself when it is not such a class. */
static const PyValue *mm__decorated_type(X *x, const PyValue *v, const MScope *sc,
                                         const char **why) {
  if (!v || (v->kind != PV_CALL && v->kind != PV_NAME) || !strncmp(v->text, "sa.", 3) ||
      !strncmp(v->text, "postgresql.", 11))
    return v;
  MRef r = mres_name(x->L, sc, v->text);
  if (r.kind != MR_CLASS || r.rest) return v;
  MCInfo *ci = mm__classify(x, r.cls);
  if (ci->kind != MC_TYPE_DECORATOR) return v;
  mm__mro(x, r.cls, 0);
  const PyValue *impl = NULL;
  MScope isc = {0};
  for (size_t k = 0; k < ci->nmro; k++) {
    MClass *b = ci->mro[k];
    if (mres_attr(b, "load_dialect_impl") || mres_attr(b, "__init__")) {
      *why = arena_printf(x->a, "type %s chooses its implementation in Python code "
                                "(load_dialect_impl / __init__)", r.cls->name);
      return NULL;
    }
    MAttr *at = mres_attr(b, "impl");
    if (at && at->value && !impl) {
      isc = (MScope){b->mod, at->at, b};
      impl = mres_value(x->L, &isc, at->value);
    }
  }
  if (!impl) {
    *why = arena_printf(x->a, "type %s has no impl the reader can see", r.cls->name);
    return NULL;
  }
  if (impl->kind == PV_NAME && v->kind == PV_CALL) {
    // TypeDecorator(*args, **kw) builds impl(*args, **kw)
    PyValue *c = mpv_call(x->a, impl->text, v->nargs, v->range);
    for (size_t k = 0; k < v->nargs; k++) mpv_arg(c, v->args[k].name, v->args[k].value);
    return c;
  }
  return impl;
}

static const char *mm__colref(X *x, const PyValue *e, MTab **tab, void *ctx);

/* ForeignKey(Model.attr) / ForeignKey(table.c.col): the column object named as SQLAlchemy
 * names it, "schema.table.column". NULL when it is not such a reference. */
static const PyValue *mm__fk_target(X *x, const PyValue *fk, const MScope *sc) {
  const PyValue *target = pyvalue_call_arg(fk, 0, "column");
  if (!target || target->kind != PV_NAME) return NULL;
  MTab *t = NULL;
  MScope scope = *sc;
  const char *col = mm__colref(x, target, &t, &scope);
  if (!col || !t) return NULL;
  const char *ref = t->schema ? arena_printf(x->a, "%s.%s.%s", t->schema, t->name, col)
                              : arena_printf(x->a, "%s.%s", t->name, col);
  PyValue *c = mpv_call(x->a, fk->text, fk->nargs, fk->range);
  bool done = false;
  for (size_t k = 0; k < fk->nargs; k++) {
    const PyValue *v = fk->args[k].value;
    if (!done && v == target) {
      v = mpv_str(x->a, ref, target->range);
      done = true;
    }
    mpv_arg(c, fk->args[k].name, v);
  }
  return c;
}

/* The Column-like call with its type argument read through project TypeDecorators, and its
 * ForeignKey(Model.attr) arguments spelled as strings. When a decorator cannot be read, the
 * type is left as is and *why says why. */
static const PyValue *mm__retype(X *x, const PyValue *call, const MScope *sc, const char **why_out) {
  *why_out = NULL;
  if (!call || call->kind != PV_CALL) return call;
  for (size_t k = 0; k < call->nargs; k++) {
    const PyValue *v = call->args[k].value;
    if (call->args[k].name || v->kind != PV_CALL || strcmp(v->text, "sa.ForeignKey")) continue;
    const PyValue *fk = mm__fk_target(x, v, sc);
    if (!fk) continue;
    PyValue *c = mpv_call(x->a, call->text, call->nargs, call->range);
    for (size_t j = 0; j < call->nargs; j++) mpv_arg(c, call->args[j].name, call->args[j].value);
    c->args[k].value = (PyValue *)fk;
    call = c;
  }
  for (size_t k = 0; k < call->nargs; k++) {
    const PyArg *a = &call->args[k];
    if (a->name && strcmp(a->name, "type_")) continue;
    const PyValue *v = a->value;
    if (v->kind != PV_CALL && v->kind != PV_NAME) continue;
    const char *why = NULL;
    const PyValue *t = mm__decorated_type(x, v, sc, &why);
    if (t == v) continue;
    if (!t) {
      *why_out = why;
      return call;
    }
    PyValue *c = mpv_call(x->a, call->text, call->nargs, call->range);
    for (size_t j = 0; j < call->nargs; j++) mpv_arg(c, call->args[j].name, call->args[j].value);
    c->args[k].value = (PyValue *)t;
    c->dynamic = false;
    for (size_t j = 0; j < c->nargs; j++) c->dynamic |= c->args[j].value->dynamic;
    return c;
  }
  return call;
}

/* A TypeDecorator the reader could not follow is the reason the column is dynamic. */
static void mm__type_why(MigColumn *col, const char *why) {
  if (!why || !col->type || !col->type->dynamic) return;
  if (col->dynamic_reason == col->type->dynamic_reason) col->dynamic_reason = why;
  col->type->dynamic_reason = why;
}

/* Reads one column source into *col. Returns whether nullable was given explicitly. */
static bool mm__read_src(X *x, const MSrc *s, MBase *base, MigColumn *col) {
  const char *dflt = s->attr;
  MType t = {0};
  if (s->at && s->at->ann) mm__unwrap(x, s->at->ann, (MScope){s->owner->mod, s->at->at, NULL}, &t, 0);
  const PyValue *call = s->value;
  int sort_order = 0;
  if (s->kind == MSK_MAPPED || s->kind == MSK_ANN_ONLY) {
    call = mm__mapped_to_column(x, s->kind == MSK_MAPPED ? s->value : NULL, t.annotated_col,
                                &sort_order, s->at ? s->at->range : (SrcRange){0});
  }
  if (!call) call = mpv_call(x->a, "sa.Column", 0, s->at ? s->at->range : (SrcRange){0});
  const char *type_why = NULL;
  call = mm__retype(x, call, &s->sc, &type_why);
  if (mm__first_pos_is_expr(call)) dflt = NULL;  // Column(f"{x}_id", ...): the name is computed
  ops_read_column_named(x->a, call, dflt, col);
  mm__type_why(col, type_why);
  if (!col->range.line && s->at) col->range = s->at->range;
  bool explicit_null = col->nullable != TRI_UNSET;
  bool from_ann = s->kind == MSK_MAPPED || s->kind == MSK_ANN_ONLY;
  if (from_ann && !col->type && !col->dynamic) {
    if (t.relationship || t.classvar || !t.mapped) {
      if (!t.mapped && s->kind == MSK_ANN_ONLY) col->dynamic = true;
    } else if (t.why) {
      col->dynamic = true;
      col->dynamic_reason = arena_printf(x->a, "its annotation cannot be read: %s", t.why);
    } else {
      const PyValue *tv = NULL;
      const char *why = NULL;
      // The type map first (the alias, then the type itself), then the defaults.
      if (t.alias) tv = mm__type_map(x, base, mm__type_key(x, t.alias->name, &t.alias_sc));
      if (!tv && t.ann && t.ann->name) tv = mm__type_map(x, base, mm__type_key(x, t.ann->name, &t.sc));
      if (tv) tv = mres_value(x->L, &base->type_map_scope, tv);
      if (!tv && col->nfks) {
        // no annotation type: the referenced column's type (filled in later)
      } else if (!tv) {
        tv = mm__python_type(x, &t, false, NULL, col->range, &why);
      }
      if (tv) {
        col->type = ops_read_type(x->a, tv);
        if (col->type->dynamic) {
          col->dynamic = true;
          col->dynamic_reason = col->type->dynamic_reason;
        }
      } else if (why && !col->nfks) {
        col->dynamic = true;
        col->dynamic_reason = arena_printf(x->a, "no column type: %s", why);
      }
    }
  }
  if (!explicit_null) {
    if (col->primary_key) col->nullable = TRI_FALSE;
    else if (from_ann && t.mapped) col->nullable = t.optional ? TRI_TRUE : TRI_FALSE;
    else col->nullable = TRI_TRUE;
  }
  return explicit_null;
}

/* SQLModel: the Column SQLModel builds for a field (get_column_from_field). */
static const PyValue *mm__field_column(X *x, const MSrc *s, const char **why) {
  MAttr *at = s->at;
  const PyValue *field = s->value;  // Field(...) call, a default value, or NULL
  bool is_field = field && field->kind == PV_CALL && mm__is(field->text, "sqlmodel.Field");
  if (is_field) {
    const PyValue *sac = pyvalue_call_arg(field, (size_t)-1, "sa_column");
    if (sac && sac->kind != PV_NONE) {
      if (sac->kind == PV_CALL && mm__is(sac->text, "sa.Column")) return sac;
      *why = "sa_column= is not a Column(...) call";
      return NULL;
    }
  }
  MType t = {0};
  mm__unwrap(x, at->ann, (MScope){s->owner->mod, at->at, NULL}, &t, 0);
  const PyValue *pk = is_field ? pyvalue_call_arg(field, (size_t)-1, "primary_key") : NULL;
  const PyValue *nullable = is_field ? pyvalue_call_arg(field, (size_t)-1, "nullable") : NULL;
  const PyValue *sa_type = is_field ? pyvalue_call_arg(field, (size_t)-1, "sa_type") : NULL;
  const PyValue *fk = is_field ? pyvalue_call_arg(field, (size_t)-1, "foreign_key") : NULL;
  const PyValue *ondelete = is_field ? pyvalue_call_arg(field, (size_t)-1, "ondelete") : NULL;
  const PyValue *index = is_field ? pyvalue_call_arg(field, (size_t)-1, "index") : NULL;
  const PyValue *unique = is_field ? pyvalue_call_arg(field, (size_t)-1, "unique") : NULL;
  const PyValue *args = is_field ? pyvalue_call_arg(field, (size_t)-1, "sa_column_args") : NULL;
  const PyValue *kwargs = is_field ? pyvalue_call_arg(field, (size_t)-1, "sa_column_kwargs") : NULL;
  SrcRange r = at->range;
  const PyValue *type = NULL;
  if (sa_type && sa_type->kind != PV_NONE) {
    type = sa_type;
  } else {
    if (t.why) {
      *why = t.why;
      return NULL;
    }
    type = mm__python_type(x, &t, true, is_field ? field : NULL, r, why);
    if (!type) return NULL;
  }
  if ((pk && pk->kind != PV_BOOL && pk->kind != PV_NONE) ||
      (nullable && nullable->kind != PV_BOOL && nullable->kind != PV_NONE)) {
    *why = "primary_key= / nullable= are not literals";
    return NULL;
  }
  bool is_pk = mm__true(pk);
  bool null = nullable && nullable->kind == PV_BOOL ? nullable->b : (!is_pk && t.optional);
  size_t cap = 8 + (args && (args->kind == PV_LIST || args->kind == PV_TUPLE) ? args->nitems : 0) +
               (kwargs && kwargs->kind == PV_DICT ? kwargs->nitems / 2 : 0);
  PyValue *c = mpv_call(x->a, "sa.Column", cap, r);
  mpv_arg(c, NULL, type);
  if (fk && fk->kind != PV_NONE) {
    PyValue *f = mpv_call(x->a, "sa.ForeignKey", 2, fk->range);
    mpv_arg(f, NULL, fk);
    if (ondelete && ondelete->kind != PV_NONE) mpv_arg(f, "ondelete", ondelete);
    mpv_arg(c, NULL, f);
  }
  if (args && args->kind != PV_NONE) {
    if ((args->kind != PV_LIST && args->kind != PV_TUPLE) || args->dynamic) {
      *why = "sa_column_args= is not a literal list";
      return NULL;
    }
    for (size_t k = 0; k < args->nitems; k++) mpv_arg(c, NULL, args->items[k]);
  }
  mpv_arg(c, "primary_key", mpv_bool(x->a, is_pk, r));
  mpv_arg(c, "nullable", mpv_bool(x->a, null, r));
  mpv_arg(c, "index", index && index->kind != PV_NONE ? index : mpv_bool(x->a, false, r));
  mpv_arg(c, "unique", unique && unique->kind != PV_NONE ? unique : mpv_bool(x->a, false, r));
  if (kwargs && kwargs->kind != PV_NONE) {
    if (kwargs->kind != PV_DICT || kwargs->dynamic) {
      *why = "sa_column_kwargs= is not a literal dict";
      return NULL;
    }
    for (size_t k = 0; k + 1 < kwargs->nitems; k += 2) {
      const char *kn = pyvalue_str(kwargs->items[k]);
      if (!kn) {
        *why = "sa_column_kwargs= has a key that is not a literal string";
        return NULL;
      }
      mpv_arg(c, kn, kwargs->items[k + 1]);
    }
  }
  return c;
}

/* ---- collecting a class's columns ------------------------------------------------------------ */

static bool mm__seen(const char **seen, size_t n, const char *name) {
  for (size_t k = 0; k < n; k++)
    if (!strcmp(seen[k], name)) return true;
  return false;
}

static bool mm__dunder(const char *n) {
  size_t l = strlen(n);
  return l > 4 && n[0] == '_' && n[1] == '_' && n[l - 1] == '_' && n[l - 2] == '_';
}

/* Whether `b` is mapped by another class of the MRO than `c` (its attributes belong to that
 * class's table): a mapped class, or an ancestor of one. */
static bool mm__mapped_elsewhere(X *x, MClass *c, MCInfo *ci, MClass *b) {
  if (b == c) return false;
  for (size_t k = 1; k < ci->nmro; k++) {
    MClass *m = ci->mro[k];
    MCInfo *mi = mm__classify(x, m);
    if (mi->kind != MC_MAPPED && mi->kind != MC_SQLMODEL_TABLE) continue;
    if (m == b) return true;
    mm__mro(x, m, 0);
    if (mm__in(mi->mro, mi->nmro, b)) return true;
  }
  return false;
}

/* A class body's attributes in the order SQLAlchemy 2.0 scans them:
 * merge_lists_w_ordering(list(vars(cls)), list(cls.__annotations__)) - names bound by
 * assignment (or def) and names annotated, each list in source order, merged so that both
 * orders are kept where they overlap. Each name once, with its last binding. */
static MAttr **mm__scan_order(X *x, MClass *b, size_t *n) {
  size_t na = 0, nb = 0;
  const char **a = ARENA_ARRAY(x->a, const char *, b->nattrs + 1);
  const char **an = ARENA_ARRAY(x->a, const char *, b->nattrs + 1);
  for (size_t k = 0; k < b->nattrs; k++) {
    const MAttr *at = &b->attrs[k];
    if ((at->value || at->fn) && !mm__seen(a, na, at->name)) a[na++] = at->name;
    if (at->ann && !mm__seen(an, nb, at->name)) an[nb++] = at->name;
  }
  const char **out = ARENA_ARRAY(x->a, const char *, na + nb + 1);
  size_t no = 0;
  // the overlap, consumed as Python's implementation does
  bool *overlap_a = ARENA_ARRAY(x->a, bool, na + 1);
  for (size_t i = 0; i < na; i++) overlap_a[i] = mm__seen(an, nb, a[i]);
  const char **cur = a, **other = an;
  size_t ncur = na, nother = nb, icur = 0, iother = 0;
  const char **ov = ARENA_ARRAY(x->a, const char *, na + 1);
  size_t nov = 0;
  for (size_t i = 0; i < na; i++)
    if (overlap_a[i]) ov[nov++] = a[i];
  for (;;) {
    bool swapped = false;
    while (icur < ncur) {
      const char *e = cur[icur++];
      size_t hit = nov;
      for (size_t j = 0; j < nov; j++)
        if (ov[j] && !strcmp(ov[j], e)) hit = j;
      if (hit < nov) {
        ov[hit] = NULL;  // overlap.discard(element)
        const char **tl = cur;
        size_t tn = ncur, ti = icur;
        cur = other, ncur = nother, icur = iother;
        other = tl, nother = tn, iother = ti;
        swapped = true;
        break;
      }
      out[no++] = e;
    }
    if (!swapped) {
      while (iother < nother) out[no++] = other[iother++];
      break;
    }
  }
  MAttr **res = ARENA_ARRAY(x->a, MAttr *, no + 1);
  *n = 0;
  for (size_t k = 0; k < no; k++) {
    MAttr *last = NULL;
    for (size_t j = 0; j < b->nattrs; j++)
      if (!strcmp(b->attrs[j].name, out[k])) {
        // the value of the last binding, the annotation of any
        if (!last || b->attrs[j].value || b->attrs[j].fn) last = &b->attrs[j];
      }
    bool dup = false;
    for (size_t j = 0; j < *n && !dup; j++) dup = !strcmp(res[j]->name, out[k]);
    if (last && !dup) res[(*n)++] = last;
  }
  return res;
}

/* The column sources of a declarative class, in SQLAlchemy's order. */
static void mm__collect(X *x, MClass *c, MCInfo *ci, MSrcVec *out) {
  const char **seen = ARENA_ARRAY(x->a, const char *, 1);
  size_t nseen = 0, capseen = 1;
  uint32_t seq = 0;
  MTab *tab = ci->tab;
  for (size_t k = 0; k < ci->nmro; k++) {
    MClass *b = ci->mro[k];
    bool elsewhere = mm__mapped_elsewhere(x, c, ci, b);
    if (b->body_dynamic && !elsewhere && tab) {
      mm__finding(x, b->mod->path, b->dynamic_range,
                  "%s: the class body binds names in conditional code (or is too large to "
                  "read); columns declared there are not read, and autogenerate drops nothing "
                  "of table %s",
                  b->name, tab->name);
      tab->partial = true;
    }
    // SQLAlchemy 2.0 collects a mixin's plain columns before its declared_attr ones.
    size_t norder = b->nattrs;
    MAttr **order = NULL;
    if (x->L->sa2) {
      order = mm__scan_order(x, b, &norder);
    } else {
      // each name once: its last binding (a later `x = ...` replaces an earlier one)
      order = ARENA_ARRAY(x->a, MAttr *, b->nattrs + 1);
      norder = 0;
      for (size_t j = 0; j < b->nattrs; j++) {
        bool later = false;
        for (size_t i = j + 1; i < b->nattrs && !later; i++)
          later = !strcmp(b->attrs[i].name, b->attrs[j].name) &&
                  (b->attrs[i].value || b->attrs[i].fn);
        if (!later) order[norder++] = &b->attrs[j];
      }
    }
    for (int pass = 0; pass < 2; pass++) {
      for (size_t j = 0; j < norder; j++) {
        MAttr *at = order[j];
        bool declared = at->fn && at->declared_attr;
        if (pass == 0 && declared && b != c && x->L->sa2) continue;
        if (pass == 1 && !(declared && b != c && x->L->sa2)) continue;
        if (mm__dunder(at->name)) continue;
        if (mm__seen(seen, nseen, at->name)) continue;
        if (nseen == capseen) {
          capseen *= 2;
          const char **n2 = ARENA_ARRAY(x->a, const char *, capseen);
          memcpy(n2, seen, nseen * sizeof *seen);
          seen = n2;
        }
        seen[nseen++] = at->name;
        if (elsewhere) continue;
        MSrc s = {0};
        s.attr = at->name;
        s.at = at;
        s.owner = b;
        const PyValue *v = NULL;
        uint32_t vat = at->at;
        if (at->fn) {
          if (!declared) continue;
          if (!at->fn->ret) {
            if (tab) {
              mm__finding(x, b->mod->path, at->range,
                          "%s.%s: a declared_attr whose body is not a single return is not read; "
                          "if it makes a column, autogenerate does not see it and drops nothing "
                          "of table %s",
                          c->name, at->name, tab->name);
              tab->partial = true;
            }
            continue;
          }
          MScope fsc = {b->mod, at->fn->at, NULL};
          v = mres_value(x->L, &fsc, at->fn->ret);
          s.sc = fsc;
          // Created when the class is mapped: after everything in class bodies.
          s.key = mm__key(c->mod, c->end);
          s.seq = (b == c ? 100000u : 0u) + seq++;
        } else if (at->value) {
          MScope vsc = {b->mod, vat, b};
          v = mres_value(x->L, &vsc, at->value);
          s.sc = vsc;
          s.key = mm__key(b->mod, vat);
          s.seq = seq++;
        } else {
          s.key = mm__key(c->mod, c->end);
          s.seq = 200000u + seq++;
        }
        const char *unreadable = NULL;
        MSrcKind kind = MSK_COLUMN;
        const PyValue *call = mm__column_call(x, v, &kind, &unreadable, &s.sc);
        if (unreadable && tab) {
          mm__finding(x, b->mod->path, at->range,
                      "%s.%s: %s; autogenerate leaves such a column as it is and drops nothing of "
                      "table %s",
                      c->name, at->name, unreadable, tab->name);
          tab->partial = true;
          continue;
        }
        if (!call) {
          if (v || !at->ann) continue;
          // An annotation alone: a column when it is Mapped[...] (SQLAlchemy 2.0).
          MType t = {0};
          mm__unwrap(x, at->ann, (MScope){b->mod, at->at, NULL}, &t, 0);
          if (!t.mapped || t.relationship || t.classvar) continue;
          kind = MSK_ANN_ONLY;
        }
        if (kind == MSK_MAPPED && call) {
          const PyValue *so = pyvalue_call_arg(call, (size_t)-1, "sort_order");
          if (so && so->kind == PV_INT) s.sort_order = (int)so->i;
        }
        if (kind == MSK_COLUMN && b != c && !x->L->sa2 && tab) {
          // SQLAlchemy 1.4 refuses a plain Column with a ForeignKey on a mixin.
          for (size_t a = 0; call && a < call->nargs; a++) {
            const PyValue *av = call->args[a].value;
            if (!call->args[a].name && av->kind == PV_CALL && mm__is(av->text, "sa.ForeignKey") &&
                !declared) {
              mm__finding(x, b->mod->path, at->range,
                          "%s.%s: SQLAlchemy 1.4 refuses a Column with a ForeignKey on a mixin "
                          "(declare it with @declared_attr); it is read as SQLAlchemy 2.0 would",
                          b->name, at->name);
              break;
            }
          }
        }
        s.kind = kind;
        s.value = call;
        vec_push(out, s);
      }
    }
  }
}

static int mm__cmp_14(const void *pa, const void *pb) {
  const MSrc *a = pa, *b = pb;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Orders the sources as the SQLAlchemy version in use builds the Table: 1.4 by creation
 * order, 2.0 as collected (the class's own, then each base's) by sort_order. */
static void mm__order(X *x, MSrcVec *v) {
  if (!v->len) return;
  if (!x->L->sa2) {
    qsort(v->items, v->len, sizeof *v->items, mm__cmp_14);
    return;
  }
  // a stable insertion sort on sort_order (few columns per table)
  for (size_t i = 1; i < v->len; i++) {
    MSrc cur = v->items[i];
    size_t j = i;
    while (j > 0 && v->items[j - 1].sort_order > cur.sort_order) {
      v->items[j] = v->items[j - 1];
      j--;
    }
    v->items[j] = cur;
  }
}

static void mm__map_attr(X *x, MCInfo *ci, const char *attr, const char *col) {
  if (!attr || !col) return;
  if (ci->nattr_cols == ci->capattr_cols) {
    size_t cap = ci->capattr_cols ? ci->capattr_cols * 2 : 8;
    const char **a = ARENA_ARRAY(x->a, const char *, cap);
    const char **b = ARENA_ARRAY(x->a, const char *, cap);
    if (ci->nattr_cols) {
      memcpy(a, ci->attr_names, ci->nattr_cols * sizeof *a);
      memcpy(b, ci->col_names, ci->nattr_cols * sizeof *b);
    }
    ci->attr_names = a;
    ci->col_names = b;
    ci->capattr_cols = cap;
  }
  ci->attr_names[ci->nattr_cols] = attr;
  ci->col_names[ci->nattr_cols++] = col;
}

/* Reads the collected sources into table `t`. */
static void mm__read_columns(X *x, MClass *c, MCInfo *ci, MTab *t, MSrcVec *srcs, uint64_t key) {
  for (size_t k = 0; k < srcs->len; k++) {
    MSrc *s = &srcs->items[k];
    MigColumn col;
    bool explicit_null;
    if (s->kind == MSK_FIELD) {
      const char *why = NULL;
      const PyValue *call = mm__field_column(x, s, &why);
      if (!call) {
        memset(&col, 0, sizeof col);
        col.name = s->attr;
        col.dynamic = true;
        col.dynamic_reason = why ? why : "the field cannot be read";
        col.range = s->at->range;
        col.nullable = TRI_TRUE;
        explicit_null = false;
      } else {
        const char *type_why = NULL;
        call = mm__retype(x, call, &s->sc, &type_why);
        ops_read_column_named(x->a, call, mm__first_pos_is_expr(call) ? NULL : s->attr, &col);
        mm__type_why(&col, type_why);
        if (!col.range.line) col.range = s->at->range;
        explicit_null = col.nullable != TRI_UNSET;
        if (!explicit_null) col.nullable = col.primary_key ? TRI_FALSE : TRI_TRUE;
      }
    } else {
      explicit_null = mm__read_src(x, s, ci->base, &col);
    }
    // no type: a foreign key (column- or table-level) may give one (mm__fk_types)
    mm__add_column(x, t, &col, explicit_null, s->attr, key, c->mod->path, c->name);
    mm__map_attr(x, ci, s->attr, col.name);
  }
}

/* __table_args__ items applied to the table (after its columns). */
static void mm__apply_args(X *x, MTab *t, const MArgs *args, uint64_t key, const char *path) {
  for (size_t k = 0; k < args->nitems; k++) mm__table_item(x, t, args->items[k], key, path, NULL, NULL);
}

static bool mm__declares_pk(const MSrcVec *v) {
  for (size_t k = 0; k < v->len; k++) {
    const PyValue *c = v->items[k].value;
    if (c && v->items[k].owner && mm__true(pyvalue_call_arg(c, (size_t)-1, "primary_key"))) return true;
  }
  return false;
}

static MTab *mm__table_call(X *x, const PyValue *raw, const MScope *sc, MModule *mod, uint32_t at,
                            const char *class_name);

/* A declarative class (or SQLModel table model): its table, columns, arguments. */
static void mm__map_class(X *x, MClass *c) {
  MCInfo *ci = mm__classify(x, c);
  bool sqlm = ci->kind == MC_SQLMODEL_TABLE;
  mm__mro(x, c, 0);
  // declarative_base(cls=Mixin): the mixin's attributes come last
  if (ci->base && ci->base->mixin && !mm__in(ci->mro, ci->nmro, ci->base->mixin) &&
      ci->nmro < MODELS_MAX_MRO) {
    MClass *mx = ci->base->mixin;
    mm__mro(x, mx, 0);
    MCInfo *mi = mx->info;
    MClass **n = ARENA_ARRAY(x->a, MClass *, ci->nmro + mi->nmro + 1);
    memcpy(n, ci->mro, ci->nmro * sizeof *n);
    size_t nn = ci->nmro;
    for (size_t k = 0; k < mi->nmro && nn < MODELS_MAX_MRO; k++)
      if (!mm__in(n, nn, mi->mro[k])) n[nn++] = mi->mro[k];
    ci->mro = n;
    ci->nmro = nn;
  }
  const char *path = c->mod->path;
  MClass *tn_owner = NULL, *ta_owner = NULL;
  MAttr *tn = mm__special(x, c, ci, "__tablename__", &tn_owner);
  MAttr *ta = mm__special(x, c, ci, "__table_args__", &ta_owner);
  MAttr *own_table = mres_attr(c, "__table__");
  // the nearest mapped ancestor (inheritance)
  MClass *parent = NULL;
  for (size_t k = 1; k < ci->nmro && !parent; k++) {
    MCInfo *pi = mm__classify(x, ci->mro[k]);
    if (pi->kind == MC_MAPPED || pi->kind == MC_SQLMODEL_TABLE) parent = ci->mro[k];
  }
  const char *name = NULL;
  MNameState ns = mm__tablename(x, c, tn, tn_owner, &name);
  MSrcVec srcs = {0};
  uint64_t key = mm__key(c->mod, c->end);

  if (own_table && own_table->value) {
    // __table__ = Table(...) or a module-level Table: the class maps that table as is.
    MScope sc = {c->mod, own_table->at, c};
    MTab *t = NULL;
    const PyValue *v = own_table->value;
    if (v->kind == PV_NAME) {
      MRef r = mres_name(x->L, &sc, v->text);
      if (r.kind == MR_VALUE && !r.rest && r.bind->info &&
          ((MBindInfo *)r.bind->info)->kind == MI_TABLE)
        t = ((MBindInfo *)r.bind->info)->tab;
    } else {
      t = mm__table_call(x, v, &sc, c->mod, own_table->at, c->name);
    }
    if (!t) {
      mm__finding(x, path, own_table->range,
                  "%s.__table__ is not a Table(...) the reader can read; autogenerate drops no "
                  "table",
                  c->name);
      x->out->complete = false;
      return;
    }
    ci->tab = t;
    for (size_t k = 0; k < t->cols.len; k++) mm__map_attr(x, ci, t->keys.items[k], t->cols.items[k].name);
    return;
  }

  if (ns == MN_NONE && sqlm) {
    ns = MN_KNOWN;
    name = mm__lower(x->a, c->name);  // SQLModel's declared_attr __tablename__
  }
  if (ns == MN_NONE && ci->base && ci->base->flask) {
    // Flask-SQLAlchemy names a table after the class unless it is single-table inheritance
    // (a subclass that declares no primary key of its own).
    ci->tab = NULL;
    MSrcVec probe = {0};
    mm__collect(x, c, ci, &probe);
    bool pk = mm__declares_pk(&probe);
    vec_free(&probe);
    if (!parent || pk) {
      ns = MN_KNOWN;
      name = mm__snake(x->a, c->name);
    }
  }
  if (ns == MN_UNKNOWN) {
    mm__finding(x, path, tn ? tn->range : c->range,
                "%s: its __tablename__ is not static (%s); the reader cannot name its table, so "
                "autogenerate drops no table",
                c->name, tn && tn->fn ? "a declared_attr" : "not a literal string");
    x->out->complete = false;
    return;
  }
  if (ns == MN_KNOWN) {
    MArgs args = mm__table_args(x, ta, ta_owner);
    const char *schema = NULL, *comment = NULL;
    bool has_schema = false;
    bool kw_ok = mm__table_kw(args.kw, &schema, &comment, &has_schema);
    MTab *t = mm__table_new(x, NULL, name, ci->base ? ci->base->meta : mm__sqlmodel_base(x)->meta,
                            c->mod, c->at, c->range, c->name);
    if (has_schema) t->schema = schema;
    t->comment = comment;
    ci->tab = t;
    if (args.bad || !kw_ok) {
      mm__finding(x, path, args.range,
                  "%s.__table_args__ is not a literal tuple or dict; its constraints, indexes "
                  "and schema are not read, so autogenerate drops no table and nothing of %s",
                  c->name, name);
      t->partial = true;
      x->out->complete = false;
    }
    if (t->meta->schema_unknown && !has_schema) x->out->complete = false;
    if (sqlm) {
      // SQLModel: pydantic fields, the most basic class first; a redefinition keeps the
      // first position.
      mm__mro(x, c, 0);
      for (size_t k = ci->nmro; k-- > 0;) {
        MClass *b = ci->mro[k];
        MClassKind bk = mm__classify(x, b)->kind;
        if (bk != MC_SQLMODEL && bk != MC_SQLMODEL_TABLE) continue;
        if (b->body_dynamic) {
          mm__finding(x, b->mod->path, b->dynamic_range,
                      "%s: the class body binds names in conditional code; fields declared there "
                      "are not read, and autogenerate drops nothing of table %s",
                      b->name, name);
          t->partial = true;
        }
        for (size_t j = 0; j < b->nattrs; j++) {
          MAttr *at = &b->attrs[j];
          if (!at->ann || at->fn || at->name[0] == '_' || !strcmp(at->name, "model_config")) continue;
          MType ty = {0};
          mm__unwrap(x, at->ann, (MScope){b->mod, at->at, NULL}, &ty, 0);
          if (ty.classvar) continue;
          MScope vsc = {b->mod, at->at, b};
          const PyValue *v = at->value ? mres_value(x->L, &vsc, at->value) : NULL;
          if (v && v->kind == PV_CALL && (mm__is(v->text, "sqlmodel.Relationship") ||
                                          mm__is(v->text, "sa.relationship")))
            continue;
          MSrc s = {0};
          s.kind = MSK_FIELD;
          s.attr = at->name;
          s.at = at;
          s.owner = b;
          s.value = v;
          s.sc = vsc;
          size_t pos = srcs.len;
          for (size_t i = 0; i < srcs.len; i++)
            if (!strcmp(srcs.items[i].attr, at->name)) pos = i;
          if (pos < srcs.len) srcs.items[pos] = s;
          else vec_push(&srcs, s);
        }
      }
    } else {
      mm__collect(x, c, ci, &srcs);
      mm__order(x, &srcs);
    }
    mm__read_columns(x, c, ci, t, &srcs, key);
    mm__apply_args(x, t, &args, key, path);
    mm__table_pk(x, t, path);
    vec_free(&srcs);
    return;
  }
  if (parent) {
    // single-table inheritance: the class's own columns go to the parent's table
    MCInfo *pi = mm__classify(x, parent);
    ci->tab = pi->tab;
    if (ta && ta_owner == c) {
      mm__finding(x, path, ta->range,
                  "%s: SQLAlchemy refuses __table_args__ on a class without a table of its own "
                  "(single-table inheritance)",
                  c->name);
    }
    if (!ci->tab) return;  // the parent's table is not known (a finding said why)
    for (size_t k = 0; k < pi->nattr_cols; k++) mm__map_attr(x, ci, pi->attr_names[k], pi->col_names[k]);
    mm__collect(x, c, ci, &srcs);
    mm__order(x, &srcs);
    for (size_t k = 0; k < srcs.len; k++) {
      const PyValue *cv = srcs.items[k].value;
      if (cv && mm__true(pyvalue_call_arg(cv, (size_t)-1, "primary_key")))
        mm__finding(x, path, srcs.items[k].at->range,
                    "%s.%s: SQLAlchemy refuses primary key columns on a class without a table "
                    "of its own",
                    c->name, srcs.items[k].attr);
    }
    mm__read_columns(x, c, ci, ci->tab, &srcs, key);
    vec_free(&srcs);
    return;
  }
  mm__finding(x, path, c->range,
              "%s: a mapped class with no __tablename__ or __table__ and no mapped parent "
              "(SQLAlchemy refuses it); autogenerate drops no table",
              c->name);
  x->out->complete = false;
}

/* ---- Table(...) ------------------------------------------------------------------------------- */

static MTab *mm__table_call(X *x, const PyValue *raw, const MScope *sc, MModule *mod, uint32_t at,
                            const char *class_name) {
  const PyValue *v = mres_value(x->L, sc, raw);
  if (v->kind != PV_CALL || !mm__is(v->text, "sa.Table")) return NULL;
  const char *path = mod->path;
  const PyValue *nm = pyvalue_call_arg(v, 0, "name");
  const char *name = pyvalue_str(nm);
  if (!name) {
    mm__finding(x, path, v->range,
                "Table(...) name is not a literal string; autogenerate drops no table");
    x->out->complete = false;
    return NULL;
  }
  // Flask-SQLAlchemy's db.Table("name", *columns) takes the MetaData from `db`
  size_t first_item = 2;
  MMeta *meta = NULL;
  const PyValue *md = pyvalue_call_arg(v, 1, "metadata");
  if (raw->kind == PV_CALL && strchr(raw->text, '.')) {
    MRef r = mres_name(x->L, sc, raw->text);
    if (r.kind == MR_VALUE && r.rest && !strcmp(r.rest, "Table")) {
      MBase *b = mm__base_of_bind(x, r.bind, r.mod);
      if (b && b->flask) {
        meta = b->meta;
        first_item = 1;
        md = NULL;
      }
    }
  }
  if (!meta) meta = mm__meta_value(x, md, sc, "metadata", path);
  if (!meta) {
    mm__finding(x, path, md ? md->range : v->range,
                "Table %s: its MetaData cannot be followed; names from a naming convention are "
                "taken from SQLAlchemy's default",
                name);
    meta = mm__meta_new(x, "metadata");
  }
  MTab *t = mm__table_new(x, NULL, name, meta, mod, at, v->range, class_name);
  const PyValue *sch = pyvalue_call_arg(v, (size_t)-1, "schema");
  if (sch && sch->kind != PV_NONE) {
    t->schema = pyvalue_str(sch);
    if (!t->schema) {
      mm__finding(x, path, sch->range,
                  "Table %s: schema= is not a literal string; autogenerate drops no table", name);
      x->out->complete = false;
      t->partial = true;
    }
  } else if (sch) {
    t->schema = NULL;
  }
  const PyValue *cm = pyvalue_call_arg(v, (size_t)-1, "comment");
  if (cm && cm->kind != PV_NONE) t->comment = pyvalue_str(cm);
  uint64_t key = mm__key(mod, at);
  size_t npos = 0;
  for (size_t k = 0; k < v->nargs; k++) {
    const PyArg *arg = &v->args[k];
    const PyValue *a = arg->value;
    if (arg->name) {
      const char *kw = arg->name;
      if (!strcmp(kw, "autoload_with") || !strcmp(kw, "autoload")) {
        mm__finding(x, path, a->range,
                    "Table %s is reflected from a database; its columns are not in the models, so "
                    "autogenerate drops nothing of it",
                    name);
        t->partial = true;
      } else if (!strcmp(kw, "*") || !strcmp(kw, "**")) {
        mm__finding(x, path, a->range,
                    "Table %s: arguments given through a splat are not read; autogenerate drops "
                    "nothing of it",
                    name);
        t->partial = true;
      }
      continue;
    }
    if (npos++ < first_item) continue;
    if (a->kind == PV_CALL && mm__is(a->text, "sa.Column")) {
      MigColumn col;
      const char *type_why = NULL;
      ops_read_column(x->a, mm__retype(x, a, sc, &type_why), &col);
      mm__type_why(&col, type_why);
      bool explicit_null = col.nullable != TRI_UNSET;
      if (!explicit_null) col.nullable = col.primary_key ? TRI_FALSE : TRI_TRUE;
      mm__add_column(x, t, &col, explicit_null, NULL, key, path, NULL);
      continue;
    }
    mm__table_item(x, t, a, key, path, NULL, NULL);
  }
  mm__table_pk(x, t, path);
  return t;
}

/* ---- module-level statements --------------------------------------------------------------- */

/* `Foo.attr`, `Foo.__table__.c.col`, `table.c.col`: the column and its table. */
static const char *mm__colref(X *x, const PyValue *e, MTab **tab, void *ctx) {
  const MScope *sc = ctx;
  MRef r = mres_name(x->L, sc, e->text);
  if (r.kind == MR_CLASS && r.rest) {
    MCInfo *ci = mm__classify(x, r.cls);
    if (!ci->tab) return NULL;
    const char *rest = r.rest;
    if (!strncmp(rest, "__table__.c.", 12) || !strncmp(rest, "__table__.columns.", 18)) {
      *tab = ci->tab;
      return strrchr(rest, '.') + 1;
    }
    if (strchr(rest, '.')) return NULL;
    for (size_t k = 0; k < ci->nattr_cols; k++)
      if (!strcmp(ci->attr_names[k], rest)) {
        *tab = ci->tab;
        return ci->col_names[k];
      }
    return NULL;
  }
  if (r.kind == MR_VALUE && r.rest && r.bind->info && ((MBindInfo *)r.bind->info)->kind == MI_TABLE) {
    if (!strncmp(r.rest, "c.", 2) || !strncmp(r.rest, "columns.", 8)) {
      *tab = ((MBindInfo *)r.bind->info)->tab;
      return strrchr(r.rest, '.') + 1;
    }
  }
  return NULL;
}

static void mm__module_index(X *x, MModule *m, const MStmt *st, const PyValue *v) {
  MScope sc = {m, st->at, NULL};
  // the table: from the first element that names a column
  MTab *t = NULL;
  for (size_t k = 1; k < v->nargs && !t; k++) {
    if (v->args[k].name || v->args[k].value->kind != PV_NAME) continue;
    MTab *owner = NULL;
    if (mm__colref(x, v->args[k].value, &owner, &sc)) t = owner;
  }
  if (!t) {
    mm__finding(x, m->path, v->range,
                "an Index(...) outside a class names no column the reader can place in a table; "
                "autogenerate may not see it");
    return;
  }
  mm__index(x, t, v, mm__key(m, st->at), m->path, mm__colref, &sc);
}

static void mm__statement(X *x, MModule *m, const MStmt *st) {
  MScope sc = {m, st->at, NULL};
  switch (st->kind) {
  case MS_CLASS: {
    MClass *c = st->cls;
    if (c->conditional) {
      if (mm__looks_mapped(c)) {
        mm__finding(x, m->path, c->range,
                    "%s is defined inside conditional code and looks like a model; it is not "
                    "read, so autogenerate drops no table",
                    c->name);
        x->out->complete = false;
      }
      return;
    }
    MCInfo *ci = mm__classify(x, c);
    if (ci->kind == MC_MAPPED || ci->kind == MC_SQLMODEL_TABLE) {
      mm__map_class(x, c);
    } else if (ci->kind == MC_UNKNOWN_BASE && mm__looks_mapped(c)) {
      mm__finding(x, m->path, c->range,
                  "%s looks like a model, but the reader cannot follow its base classes to a "
                  "declarative base; it is not read, so autogenerate drops no table",
                  c->name);
      x->out->complete = false;
    }
    return;
  }
  case MS_ASSIGN: {
    const PyValue *v = st->value;
    if (!v || v->kind != PV_CALL) return;
    const char *canon = mm__canon(x, &sc, v);
    if (mm__is(canon, "sa.Table")) {
      MTab *t = mm__table_call(x, v, &sc, m, st->at, NULL);
      MBindInfo *bi = mm__binfo(x, st->bind);
      if (t) {
        bi->kind = MI_TABLE;
        bi->tab = t;
      }
    } else if (mm__is(canon, "sa.MetaData")) {
      MRef r = {0};
      r.kind = MR_VALUE;
      r.bind = st->bind;
      r.mod = m;
      (void)mm__meta_of(x, &r);
    }
    return;
  }
  case MS_ATTR_ASSIGN:
  case MS_ITEM_ASSIGN: {
    if (st->kind == MS_ATTR_ASSIGN && mm__late_column(x, m, &sc, st->target, st->value, st->range))
      return;
    // X.metadata.naming_convention = {...} / X.naming_convention["ix"] = "..."
    const char *t = st->target;
    size_t tl = strlen(t);
    static const char NC[] = "naming_convention";
    if (tl < sizeof NC || strcmp(t + tl - (sizeof NC - 1), NC) || t[tl - sizeof NC] != '.') return;
    const char *owner = arena_strndup(x->a, t, tl - sizeof NC);
    MRef r = mres_name(x->L, &sc, owner);
    MMeta *meta = mm__meta_of(x, &r);
    if (!meta) {
      mm__finding(x, m->path, st->range,
                  "%s is not a MetaData the reader can follow; this naming convention is not "
                  "applied, so names it would give are not known",
                  owner);
      return;
    }
    MConv c = meta->convs[meta->nconvs - 1].conv;
    if (st->kind == MS_ATTR_ASSIGN) {
      c = mm__conv_read(x, &sc, st->value);
    } else {
      const char *kind = mm__conv_kind(x, &sc, mres_value(x->L, &sc, st->key));
      const char *tmpl = pyvalue_str(mres_value(x->L, &sc, st->value));
      if (!tmpl) tmpl = UNKNOWN_TMPL;
      if (kind && !strcmp(kind, "ix")) c.ix = tmpl;
      else if (kind && !strcmp(kind, "uq")) c.uq = tmpl;
      else if (kind && !strcmp(kind, "ck")) c.ck = tmpl;
      else if (kind && !strcmp(kind, "fk")) c.fk = tmpl;
      else if (kind && !strcmp(kind, "pk")) c.pk = tmpl;
    }
    if (c.why)
      mm__finding(x, m->path, st->range, "%s: %s; names that come from it are not known", owner,
                  c.why);
    mm__meta_set_conv(x, meta, mm__key(m, st->at), c);
    return;
  }
  case MS_EXPR: {
    const PyValue *v = st->value;
    if (!v || v->kind != PV_CALL) return;
    const char *canon = mm__canon(x, &sc, v);
    if (!strcmp(v->text, "setattr") && v->nargs == 3 && !v->args[0].name &&
        v->args[0].value->kind == PV_NAME && pyvalue_str(v->args[1].value)) {
      // setattr(Model, "name", Column(...)): as Model.name = Column(...)
      const char *target = arena_printf(x->a, "%s.%s", v->args[0].value->text,
                                        pyvalue_str(v->args[1].value));
      (void)mm__late_column(x, m, &sc, target, v->args[2].value, v->range);
    } else if (mm__is(canon, "sa.Index")) {
      mm__module_index(x, m, st, mres_value(x->L, &sc, v));
    } else if (mm__is(canon, "sa.Table")) {
      (void)mm__table_call(x, v, &sc, m, st->at, NULL);
    } else if (strstr(v->text, "__table__.append_") || strstr(v->text, ".append_constraint") ||
               strstr(v->text, ".append_column")) {
      mm__finding(x, m->path, v->range,
                  "`%.60s(...)` changes a table outside its declaration; the reader does not "
                  "apply it, so autogenerate drops no table",
                  v->text);
      x->out->complete = false;
    }
    return;
  }
  }
}

/* ---- after all statements ------------------------------------------------------------------ */

/* Tables by qualified name (schema NULL is "public"), built once all are read: a hash
 * table of indexes into x->tabs, so that lookups stay linear in big projects. */
static uint64_t mm__hash(const char *schema, const char *name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (const char *p = schema ? schema : "public"; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
  h = (h ^ '.') * 1099511628211ull;
  for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
  return h;
}

static bool mm__same_table(const MTab *t, const char *schema, const char *name) {
  const char *a = t->schema ? t->schema : "public", *b = schema ? schema : "public";
  return !strcmp(t->name, name) && !strcmp(a, b);
}

static void mm__index_tables(X *x) {
  x->nslots = 16;
  while (x->nslots < x->tabs.len * 2) x->nslots *= 2;
  x->slots = ARENA_ARRAY(x->a, MTab *, x->nslots);
  for (size_t k = 0; k < x->tabs.len; k++) {
    MTab *t = x->tabs.items[k];
    size_t i = mm__hash(t->schema, t->name) & (x->nslots - 1);
    while (x->slots[i] && !mm__same_table(x->slots[i], t->schema, t->name)) i = (i + 1) & (x->nslots - 1);
    if (!x->slots[i]) x->slots[i] = t;  // the first declaration answers for the name
  }
}

static MTab *mm__find_table(X *x, const char *schema, const char *name) {
  if (!x->nslots || !name) return NULL;
  size_t i = mm__hash(schema, name) & (x->nslots - 1);
  for (; x->slots[i]; i = (i + 1) & (x->nslots - 1))
    if (mm__same_table(x->slots[i], schema, name)) return x->slots[i];
  return NULL;
}

/* The FK constraint of `t` (column- or table-level) that covers column `name`, and the
 * position of the column in it, or NULL. */
static const MigConstraint *mm__fk_of(const MTab *t, const char *name, size_t *pos) {
  for (int list = 0; list < 2; list++) {
    const MigConstraint *v = list ? t->tab_cons.items : t->col_cons.items;
    size_t n = list ? t->tab_cons.len : t->col_cons.len;
    for (size_t i = 0; i < n; i++) {
      if (v[i].kind != CON_FOREIGN_KEY || v[i].fk.nref_columns != v[i].ncolumns) continue;
      for (size_t j = 0; j < v[i].ncolumns; j++)
        if (v[i].columns[j] && !strcmp(v[i].columns[j], name)) {
          *pos = j;
          return &v[i];
        }
    }
  }
  return NULL;
}

/* Columns declared without a type take the type of the column their foreign key
 * references (as SQLAlchemy does); without one they are SQLAlchemy's NullType. */
static void mm__fk_types(X *x) {
  for (int pass = 0; pass < 8; pass++) {
    bool changed = false;
    for (size_t k = 0; k < x->tabs.len; k++) {
      MTab *t = x->tabs.items[k];
      for (size_t i = 0; i < t->cols.len; i++) {
        MigColumn *c = &t->cols.items[i];
        if (c->type || c->dynamic || !c->name) continue;
        size_t pos = 0;
        const MigConstraint *fk = mm__fk_of(t, c->name, &pos);
        if (!fk) continue;
        MTab *rt = mm__find_table(x, fk->fk.ref_schema, fk->fk.ref_table);
        int ri = rt ? mm__col_index(rt, fk->fk.ref_columns[pos]) : -1;
        if (ri < 0 || !rt->cols.items[ri].type) continue;
        c->type = rt->cols.items[ri].type;
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (size_t k = 0; k < x->tabs.len; k++) {
    MTab *t = x->tabs.items[k];
    for (size_t i = 0; i < t->cols.len; i++) {
      MigColumn *c = &t->cols.items[i];
      if (c->type || c->dynamic) continue;
      size_t pos;
      c->dynamic = true;
      c->dynamic_reason = c->name && mm__fk_of(t, c->name, &pos)
                              ? "its type comes from the column its foreign key references, "
                                "which the models do not declare"
                              : "the column has no type (SQLAlchemy's NullType)";
      mm__finding(x, t->mod->path, c->range,
                  "%s.%s: %s; autogenerate leaves this column as it is and drops nothing of table "
                  "%s",
                  t->class_name ? t->class_name : mm__tab_label(x, t), c->name ? c->name : "?",
                  c->dynamic_reason, t->name);
      t->partial = true;
    }
  }
}

static int mm__file_index(X *x, const MModule *m) {
  for (size_t k = 0; k < x->L->nfiles; k++)
    if (x->L->files[k] == m->path) return (int)k;
  return INT32_MAX;
}

typedef struct MOrd {
  MTab *t;
  int file;
} MOrd;

static int mm__cmp_tab(const void *pa, const void *pb) {
  const MOrd *a = pa, *b = pb;
  if (a->file != b->file) return a->file < b->file ? -1 : 1;
  return a->t->at < b->t->at ? -1 : a->t->at > b->t->at;
}

static void mm__output(X *x) {
  size_t n = x->tabs.len;
  MOrd *ord = xmalloc((n ? n : 1) * sizeof *ord);
  for (size_t k = 0; k < n; k++) {
    ord[k].t = x->tabs.items[k];
    ord[k].file = mm__file_index(x, ord[k].t->mod);
  }
  qsort(ord, n, sizeof *ord, mm__cmp_tab);
  ModelSet *out = x->out;
  out->tables = ARENA_ARRAY(x->a, ModelTable, n + 1);
  for (size_t k = 0; k < n; k++) {
    MTab *t = ord[k].t;
    // A second declaration of a table of one MetaData: SQLAlchemy refuses it (or, with
    // extend_existing, merges it); the first is kept and said to be partial.
    MTab *first = mm__find_table(x, t->schema, t->name);
    if (first == t || (first && first->meta != t->meta)) first = NULL;
    if (first) {
      mm__finding(x, t->mod->path, t->range,
                  "table %s is declared twice in one MetaData (first at %s:%u); the first "
                  "declaration is kept, and autogenerate drops nothing of it",
                  mm__tab_label(x, t), first->mod->path, first->range.line);
      first->partial = true;  // when it comes later in the output
      for (size_t j = 0; j < out->ntables; j++)
        if (!strcmp(out->tables[j].name, first->name) && out->tables[j].path == first->mod->path &&
            out->tables[j].range.start_byte == first->range.start_byte)
          out->tables[j].partial = true;
      continue;
    }
    ModelTable *mt = &out->tables[out->ntables++];
    mt->schema = t->schema;
    mt->name = t->name;
    mt->class_name = t->class_name;
    mt->path = t->mod->path;
    mt->range = t->range;
    mt->comment = t->comment;
    mt->partial = t->partial;
    mt->columns = ARENA_ARRAY(x->a, MigColumn, t->cols.len + 1);
    if (t->cols.len) memcpy(mt->columns, t->cols.items, t->cols.len * sizeof *mt->columns);
    mt->ncolumns = t->cols.len;
    size_t nc = (t->has_pk_constraint ? 1 : 0) + t->col_cons.len + t->tab_cons.len;
    mt->constraints = ARENA_ARRAY(x->a, MigConstraint, nc + 1);
    if (t->has_pk_constraint) mt->constraints[mt->nconstraints++] = t->pk;
    for (size_t i = 0; i < t->col_cons.len; i++) mt->constraints[mt->nconstraints++] = t->col_cons.items[i];
    for (size_t i = 0; i < t->tab_cons.len; i++) mt->constraints[mt->nconstraints++] = t->tab_cons.items[i];
    mt->indexes = ARENA_ARRAY(x->a, MigTableIndex, t->idx.len + 1);
    if (t->idx.len) memcpy(mt->indexes, t->idx.items, t->idx.len * sizeof *mt->indexes);
    mt->nindexes = t->idx.len;
  }
  free(ord);
}

/* Whether the project is written for SQLAlchemy 2.0 (its column order differs from 1.4). */
static bool mm__detect_sa2(MLoader *L) {
  static const char *const SA2[] = {"Mapped", "mapped_column", "DeclarativeBase",
                                    "DeclarativeBaseNoMeta", "MappedAsDataclass",
                                    "WriteOnlyMapped", NULL};
  for (size_t k = 0; k < L->nmods; k++) {
    MModule *m = L->mods[k];
    for (size_t j = 0; j < m->nbinds; j++) {
      MBind *b = &m->binds[j];
      if (b->kind != MB_IMPORT || b->path || !b->ext) continue;
      // SQLModel runs on SQLAlchemy 2.0 since 0.0.12
      if (!strncmp(b->ext, "sqlmodel", 8)) return true;
      if (strncmp(b->ext, "sqlalchemy", 10)) continue;
      for (size_t i = 0; SA2[i]; i++)
        if (!strcmp(b->attr, SA2[i])) return true;
    }
    for (size_t j = 0; j < m->nclasses; j++) {
      MClass *c = m->classes[j];
      for (size_t i = 0; i < c->nattrs; i++) {
        const MAttr *at = &c->attrs[i];
        if (at->value && at->value->kind == PV_CALL && !strcmp(mpv_last(at->value->text), "mapped_column"))
          return true;
        if (at->ann && at->ann->name && !strcmp(mpv_last(at->ann->name), "Mapped")) return true;
      }
    }
  }
  return false;
}

static int mm__cmp_order(const void *pa, const void *pb) {
  const MModule *a = *(MModule *const *)pa, *b = *(MModule *const *)pb;
  return a->order < b->order ? -1 : a->order > b->order;
}

/* ---- public ------------------------------------------------------------------------------- */

bool models_read(Arena *arena, const char *root, const char *const *paths, size_t n,
                 ModelSet *out, RtError *err) {
  memset(out, 0, sizeof *out);
  findings_init(&out->findings);
  out->complete = true;
  MLoader L = {0};
  L.a = arena;
  char *rroot = root ? realpath(root, NULL) : NULL;
  L.root = rroot ? arena_strdup(arena, rroot) : (root ? arena_strdup(arena, root) : NULL);
  free(rroot);
  L.parser = revparser_new();
  L.findings = &out->findings;
  MModule **given = ARENA_ARRAY(arena, MModule *, n + 1);
  for (size_t k = 0; k < n; k++) {
    given[k] = mload_file(&L, paths[k], err);
    if (!given[k]) {
      revparser_delete(L.parser);
      findings_free(&out->findings);
      findings_init(&out->findings);
      return false;
    }
  }
  for (size_t k = 0; k < n; k++) mload_execute(&L, given[k]);
  if (L.missing) out->complete = false;
  L.sa2 = mm__detect_sa2(&L);

  X x = {0};
  x.L = &L;
  x.a = arena;
  x.fl = &out->findings;
  x.out = out;
  // Statements in execution order: imported modules before their importers.
  size_t nexec = 0;
  MModule **exec = ARENA_ARRAY(arena, MModule *, L.nmods + 1);
  for (size_t k = 0; k < L.nmods; k++)
    if (L.mods[k]->executed) exec[nexec++] = L.mods[k];
  qsort(exec, nexec, sizeof *exec, mm__cmp_order);
  for (size_t k = 0; k < nexec; k++) {
    MModule *m = exec[k];
    if (!m->syntax_ok) out->complete = false;
    for (size_t j = 0; j < m->nstmts; j++) mm__statement(&x, m, &m->stmts[j]);
  }
  mm__index_tables(&x);
  mm__fk_types(&x);
  mm__output(&x);
  out->files = L.files;
  out->nfiles = L.nfiles;
  for (size_t k = 0; k < x.tabs.len; k++) mm__table_free(x.tabs.items[k]);
  vec_free(&x.tabs);
  revparser_delete(L.parser);
  return true;
}

void models_free(ModelSet *m) {
  if (!m) return;
  findings_free(&m->findings);
}

/* SQLAlchemy's autoincrement column on PostgreSQL (SERIAL): the single integer primary key
 * column with no default, server default or foreign key, or the one autoincrement=True. */
static bool mm__serial(const ModelTable *t, size_t j) {
  const MigColumn *c = &t->columns[j];
  if (!c->primary_key || !c->type || c->dynamic || c->identity.present || c->computed.present)
    return false;
  size_t npk = 0;
  for (size_t k = 0; k < t->ncolumns; k++)
    if (t->columns[k].primary_key) npk++;
  if (c->autoincrement == TRI_FALSE) return false;
  if (npk > 1 && c->autoincrement != TRI_TRUE) return false;
  switch (c->type->kind) {
  case ST_INTEGER: case ST_BIGINT: case ST_SMALLINT: case ST_NUMERIC: case ST_FLOAT:
  case ST_REAL: case ST_DOUBLE:
    break;
  default:
    return false;
  }
  // PostgreSQL renders SERIAL only when the column has no default of its own.
  if (c->has_default || c->sequence) return false;
  if (c->autoincrement == TRI_TRUE) return true;
  if (c->server_default.kind != DEF_NONE && c->server_default.kind != DEF_NULL) return false;
  for (size_t k = 0; k < t->nconstraints; k++) {
    const MigConstraint *k2 = &t->constraints[k];
    if (k2->kind != CON_FOREIGN_KEY) continue;
    for (size_t i = 0; i < k2->ncolumns; i++)
      if (k2->columns[i] && c->name && !strcmp(k2->columns[i], c->name)) return false;
  }
  return true;
}

static void mm__schema_enum(Schema *s, const SqlType *t) {
  if (!t) return;
  if (t->kind == ST_ARRAY) {
    mm__schema_enum(s, t->item);
    return;
  }
  if (t->kind != ST_ENUM || !t->enum_name || !t->native_enum || t->dynamic) return;
  if (!schema_enum(s, t->enum_schema, t->enum_name))
    schema_enum_add(s, t->enum_schema, t->enum_name, t->enum_values, t->nenum_values);
}

Schema *models_schema(const ModelSet *m) {
  Schema *s = schema_new();
  Arena *a = s->arena;
  for (size_t i = 0; m && i < m->ntables; i++) {
    const ModelTable *t = &m->tables[i];
    // Table i of the schema is table i of the set, even when two MetaData objects declare
    // the same name (schema_table_add would merge them).
    SchemaTable *st;
    if (schema_table(s, t->schema, t->name)) {
      st = ARENA_NEW(s->arena, SchemaTable);
      st->schema = schema_strdup(s, t->schema);
      st->name = schema_strdup(s, t->name);
      if (s->ntables == s->captables) {
        s->captables = s->captables ? s->captables * 2 : 8;
        s->tables = xrealloc(s->tables, s->captables * sizeof *s->tables);
      }
      s->tables[s->ntables++] = st;
      st->is_new = true;  // as schema_table_add marks it
    } else {
      st = schema_table_add(s, t->schema, t->name);
    }
    st->comment = schema_strdup(s, t->comment);
    for (size_t j = 0; j < t->ncolumns; j++) {
      const MigColumn *c = &t->columns[j];
      const char *type = c->dynamic ? NULL : fold_sqltype_name(a, c->type);
      const PyValue *sd = c->src ? pyvalue_call_arg(c->src, (size_t)-1, "server_default") : NULL;
      const char *def = c->dynamic ? NULL : fold_default_sql(a, sd);
      SchemaColumn *sc = ARENA_NEW(s->arena, SchemaColumn);
      // schema_column_add merges by name; a dynamic column may have none, and each column of
      // the set must stay one column of the schema.
      if (c->name) {
        sc = schema_column_add(s, st, c->name, type, c->nullable != TRI_FALSE, def);
      } else {
        sc->type = type ? arena_strdup(a, type) : NULL;
        sc->nullable = c->nullable != TRI_FALSE;
        if (st->ncols == st->capcols) {
          st->capcols = st->capcols ? st->capcols * 2 : 8;
          st->cols = xrealloc(st->cols, st->capcols * sizeof *st->cols);
        }
        st->cols[st->ncols++] = sc;
      }
      sc->identity = c->identity.present || mm__serial(t, j);
      sc->identity_kind = c->identity.present ? (c->identity.always ? 'a' : 'd')
                          : sc->identity        ? 's'
                                                : 0;
      sc->comment = schema_strdup(s, c->comment);
      if (!c->dynamic) mm__schema_enum(s, c->type);
    }
    for (size_t j = 0; j < t->nindexes; j++) {
      const MigTableIndex *ix = &t->indexes[j];
      const char **cols = ARENA_ARRAY(a, const char *, ix->nelems + 1);
      for (size_t k = 0; k < ix->nelems; k++) cols[k] = ix->elems[k].text;
      SchemaIndex *si = schema_index_add(s, st, ix->name, cols, ix->nelems, ix->unique);
      si->where = schema_strdup(s, ix->where);
      // btree is PostgreSQL's default method: the catalog spells it as no method
      if (ix->using && strcasecmp(ix->using, "btree"))
        si->method = schema_strdup(s, mm__lower(a, ix->using));
    }
    for (size_t j = 0; j < t->nconstraints; j++) {
      const MigConstraint *k = &t->constraints[j];
      SchemaConstraint sc = {0};
      sc.kind = k->kind;
      sc.name = k->name;
      sc.cols = k->columns;
      sc.ncols = k->ncolumns;
      if (k->kind == CON_FOREIGN_KEY) {
        sc.ref_table = k->fk.ref_table;
        sc.ref_cols = k->fk.ref_columns;
        sc.nref_cols = k->fk.nref_columns;
        sc.ref_schema = k->fk.ref_schema;
        // ON DELETE / ON UPDATE as PostgreSQL prints them (upper case); NO ACTION is none
        if (k->fk.ondelete && strcasecmp(k->fk.ondelete, "NO ACTION"))
          sc.ondelete = mm__upper(a, k->fk.ondelete);
        if (k->fk.onupdate && strcasecmp(k->fk.onupdate, "NO ACTION"))
          sc.onupdate = mm__upper(a, k->fk.onupdate);
      }
      sc.deferrable = k->deferrable == TRI_TRUE;
      sc.initially = k->initially ? mm__upper(a, k->initially) : NULL;
      sc.expr = k->condition;
      sc.not_valid = k->not_valid;
      schema_constraint_add(s, st, &sc);
    }
  }
  return s;
}

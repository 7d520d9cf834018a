/* analyze.c - statements classified from libpg_query's parse tree (PostgreSQL 15's own
 * grammar): kind, target, ALTER TABLE subcommands, and the table locks each one takes, per
 * the PostgreSQL 15 documentation ("13.3.1 Table-Level Locks", ALTER TABLE "Notes"). */
#include "server/sql/analyze.h"

#include <pg_query.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/base/mem.h"

/* ---- a small reader for libpg_query's JSON output (trusted, machine-written) ------- */

typedef enum JType { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } JType;

typedef struct J J;
struct J {
  JType t;
  const char *key; /* member name inside an object */
  const char *s;   /* J_STR value */
  long long n;     /* J_NUM */
  bool b;          /* J_BOOL */
  J *kids;         /* J_ARR elements, J_OBJ members */
  size_t nkids;
};

typedef struct JP {
  Arena *a;
  const char *p;
  int depth;
} JP;

// The tree mirrors PostgreSQL's node nesting; deeper than this is cut (never seen in DDL).
static const int ANALYZE_MAX_DEPTH = 1000;

static void analyze__ws(JP *jp) {
  while (*jp->p == ' ' || *jp->p == '\n' || *jp->p == '\t' || *jp->p == '\r') jp->p++;
}

static void analyze__utf8(char **w, unsigned cp) {
  char *o = *w;
  if (cp < 0x80)
    *o++ = (char)cp;
  else if (cp < 0x800) {
    *o++ = (char)(0xC0 | (cp >> 6));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | (cp >> 12));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (char)(0xF0 | (cp >> 18));
    *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  *w = o;
}

static unsigned analyze__hex4(const char *p) {
  unsigned v = 0;
  for (int k = 0; k < 4; k++) {
    char c = p[k];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
  }
  return v;
}

static const char *analyze__string(JP *jp) {
  const char *start = ++jp->p;  // after the opening quote
  const char *e = start;
  while (*e && *e != '"') e += (*e == '\\' && e[1]) ? 2 : 1;
  char *out = arena_alloc(jp->a, (size_t)(e - start) + 1), *w = out;
  for (const char *p = start; p < e; p++) {
    if (*p != '\\') {
      *w++ = *p;
      continue;
    }
    p++;
    switch (*p) {
      case 'n':
        *w++ = '\n';
        break;
      case 't':
        *w++ = '\t';
        break;
      case 'r':
        *w++ = '\r';
        break;
      case 'b':
        *w++ = '\b';
        break;
      case 'f':
        *w++ = '\f';
        break;
      case 'u': {
        if (e - p < 5) break;
        unsigned cp = analyze__hex4(p + 1);
        p += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && e - p >= 7 && p[1] == '\\' && p[2] == 'u') {
          unsigned lo = analyze__hex4(p + 3);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        }
        analyze__utf8(&w, cp);
        break;
      }
      default:
        *w++ = *p;
    }
  }
  *w = '\0';
  jp->p = *e ? e + 1 : e;
  return out;
}

static void analyze__value(JP *jp, J *out);

static void analyze__container(JP *jp, J *out, char close) {
  VEC(J) kids = {0};
  jp->p++;
  analyze__ws(jp);
  while (*jp->p && *jp->p != close) {
    J kid = {0};
    if (close == '}') {
      if (*jp->p != '"') break;
      kid.key = analyze__string(jp);
      analyze__ws(jp);
      if (*jp->p == ':') jp->p++;
      analyze__ws(jp);
    }
    analyze__value(jp, &kid);
    vec_push(&kids, kid);
    analyze__ws(jp);
    if (*jp->p == ',') jp->p++;
    analyze__ws(jp);
  }
  if (*jp->p == close) jp->p++;
  out->kids = ARENA_ARRAY(jp->a, J, kids.len ? kids.len : 1);
  if (kids.len) memcpy(out->kids, kids.items, kids.len * sizeof(J));
  out->nkids = kids.len;
  vec_free(&kids);
}

static void analyze__value(JP *jp, J *out) {
  analyze__ws(jp);
  char c = *jp->p;
  if (c == '{' || c == '[') {
    out->t = c == '{' ? J_OBJ : J_ARR;
    if (++jp->depth > ANALYZE_MAX_DEPTH) {
      // Skip the container without building it.
      int d = 0;
      do {
        if (*jp->p == '"') {
          analyze__string(jp);
          continue;
        }
        if (*jp->p == '{' || *jp->p == '[') d++;
        if (*jp->p == '}' || *jp->p == ']') d--;
        jp->p++;
      } while (*jp->p && d > 0);
    } else {
      analyze__container(jp, out, c == '{' ? '}' : ']');
    }
    jp->depth--;
  } else if (c == '"') {
    out->t = J_STR;
    out->s = analyze__string(jp);
  } else if (c == 't' || c == 'f') {
    out->t = J_BOOL;
    out->b = c == 't';
    jp->p += c == 't' ? 4 : 5;
  } else if (c == 'n') {
    out->t = J_NULL;
    jp->p += 4;
  } else {
    out->t = J_NUM;
    char *end;
    out->n = strtoll(jp->p, &end, 10);
    jp->p = end;
    while (*jp->p && strchr("0123456789.eE+-", *jp->p)) jp->p++;
    if (end == jp->p && !*jp->p) return;
  }
}

static const J *analyze__jget(const J *o, const char *key) {
  if (!o || o->t != J_OBJ) return NULL;
  for (size_t k = 0; k < o->nkids; k++)
    if (!strcmp(o->kids[k].key, key)) return &o->kids[k];
  return NULL;
}

static const char *analyze__jstr(const J *o, const char *key) {
  const J *v = analyze__jget(o, key);
  return v && v->t == J_STR ? v->s : NULL;
}

static bool analyze__jbool(const J *o, const char *key) {
  const J *v = analyze__jget(o, key);
  return v && v->t == J_BOOL && v->b;
}

static long long analyze__jnum(const J *o, const char *key) {
  const J *v = analyze__jget(o, key);
  return v && v->t == J_NUM ? v->n : 0;
}

/* A node {"NodeName": {...}}: its single member. */
static const J *analyze__jnode(const J *v, const char **name) {
  if (!v || v->t != J_OBJ || v->nkids != 1) return NULL;
  if (name) *name = v->kids[0].key;
  return &v->kids[0];
}

/* ---- classification ---------------------------------------------------------------- */

static const char *const LOCK_NAMES[] = {
    "NONE",  "ACCESS SHARE",        "ROW SHARE", "ROW EXCLUSIVE",    "SHARE UPDATE EXCLUSIVE",
    "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE",
};

const char *pglock_name(PgLockMode m) {
  return (unsigned)m <= PGLOCK_ACCESS_EXCLUSIVE ? LOCK_NAMES[m] : "NONE";
}

bool pglock_blocks_writes(PgLockMode m) { return m >= PGLOCK_SHARE; }
bool pglock_blocks_reads(PgLockMode m) { return m == PGLOCK_ACCESS_EXCLUSIVE; }

static const char *const KIND_NAMES[] = {
    [SK_UNKNOWN] = "unknown",
    [SK_PARSE_ERROR] = "parse_error",
    [SK_CREATE_TABLE] = "create_table",
    [SK_DROP_TABLE] = "drop_table",
    [SK_ALTER_TABLE] = "alter_table",
    [SK_RENAME_TABLE] = "rename_table",
    [SK_RENAME_COLUMN] = "rename_column",
    [SK_RENAME_OTHER] = "rename",
    [SK_CREATE_INDEX] = "create_index",
    [SK_DROP_INDEX] = "drop_index",
    [SK_REINDEX] = "reindex",
    [SK_CREATE_TYPE] = "create_type",
    [SK_ALTER_TYPE] = "alter_type",
    [SK_DROP_TYPE] = "drop_type",
    [SK_DROP_OTHER] = "drop",
    [SK_COMMENT] = "comment",
    [SK_INSERT] = "insert",
    [SK_UPDATE] = "update",
    [SK_DELETE] = "delete",
    [SK_TRUNCATE] = "truncate",
    [SK_SELECT] = "select",
    [SK_LOCK] = "lock",
    [SK_TRANSACTION] = "transaction",
    [SK_VACUUM] = "vacuum",
    [SK_SET] = "set",
    [SK_CREATE_OTHER] = "create",
};

const char *sqlstmt_kind_name(SqlStmtKind k) {
  return (unsigned)k <= SK_CREATE_OTHER ? KIND_NAMES[k] : "unknown";
}

typedef struct Acc {
  Arena *a;
  SqlStmtInfo *si;
  VEC(SqlLock) locks;
  VEC(SqlAlterCmd) cmds;
  const char *sql; /* the whole analysed input (locations are offsets into it) */
  size_t n;        /* its length */
} Acc;

static bool analyze__same(const char *x, const char *y) {
  return (!x && !y) || (x && y && !strcmp(x, y));
}

/* The strongest mode per table. */
static void analyze__lock(Acc *acc, PgLockMode mode, const char *schema, const char *table) {
  if (!table || mode == PGLOCK_NONE) return;
  for (size_t k = 0; k < acc->locks.len; k++)
    if (analyze__same(acc->locks.items[k].schema, schema) &&
        !strcmp(acc->locks.items[k].table, table)) {
      if (mode > acc->locks.items[k].mode) acc->locks.items[k].mode = mode;
      return;
    }
  SqlLock l = {mode, schema, table};
  vec_push(&acc->locks, l);
}

static void analyze__rangevar(const J *rv, const char **schema, const char **table) {
  const J *r = analyze__jget(rv, "RangeVar");
  if (r) rv = r;
  *schema = analyze__jstr(rv, "schemaname");
  *table = analyze__jstr(rv, "relname");
}

/* ["s", "t"] or ["t"] from a List of String nodes ({"List":{"items":[...]}} or a bare array). */
static void analyze__names(const J *v, const char **schema, const char **name) {
  *schema = *name = NULL;
  const J *l = analyze__jget(v, "List");
  const J *items = l ? analyze__jget(l, "items") : (v && v->t == J_ARR ? v : NULL);
  if (!items || items->t != J_ARR) return;
  const char *parts[3] = {0};
  size_t n = 0;
  for (size_t k = 0; k < items->nkids && n < 3; k++) {
    const J *s = analyze__jget(&items->kids[k], "String");
    parts[n++] = s ? analyze__jstr(s, "sval") : NULL;
  }
  if (n == 1)
    *name = parts[0];
  else if (n >= 2) {
    *schema = parts[n - 2];
    *name = parts[n - 1];
  }
}

/* A list of String nodes into si->values. */
static void analyze__strings(Acc *acc, const J *items) {
  if (!items || items->t != J_ARR) return;
  acc->si->values = ARENA_ARRAY(acc->a, const char *, items->nkids + 1);
  for (size_t k = 0; k < items->nkids; k++) {
    const char *s = analyze__jstr(analyze__jget(&items->kids[k], "String"), "sval");
    if (s) acc->si->values[acc->si->nvalues++] = s;
  }
}

/* Every RangeVar below `v`, with `mode` (the tables a query reads). */
static void analyze__all_rangevars(Acc *acc, const J *v, PgLockMode mode) {
  if (!v) return;
  if (v->t == J_OBJ) {
    const J *rv = analyze__jget(v, "RangeVar");
    if (rv) {
      analyze__lock(acc, mode, analyze__jstr(rv, "schemaname"), analyze__jstr(rv, "relname"));
      return;
    }
    // A data-modifying CTE (WITH d AS (DELETE ...)) writes its table: ROW EXCLUSIVE.
    static const char *const DML[] = {"InsertStmt", "UpdateStmt", "DeleteStmt"};
    for (size_t k = 0; k < 3; k++) {
      const J *d = analyze__jget(v, DML[k]);
      const J *rel = d ? analyze__jget(d, "relation") : NULL;
      if (rel)
        analyze__lock(acc, PGLOCK_ROW_EXCLUSIVE, analyze__jstr(rel, "schemaname"),
                      analyze__jstr(rel, "relname"));
    }
    // SELECT ... FOR UPDATE / FOR SHARE takes ROW SHARE on the tables it reads.
    const J *sel = analyze__jget(v, "SelectStmt");
    if (sel && analyze__jget(sel, "lockingClause"))
      analyze__all_rangevars(acc, sel, PGLOCK_ROW_SHARE);
  }
  if (v->t == J_OBJ || v->t == J_ARR)
    for (size_t k = 0; k < v->nkids; k++) analyze__all_rangevars(acc, &v->kids[k], mode);
}

static SqlConstraintType analyze__contype(const char *ct) {
  if (!ct) return SC_NONE;
  if (!strcmp(ct, "CONSTR_PRIMARY")) return SC_PRIMARY_KEY;
  if (!strcmp(ct, "CONSTR_UNIQUE")) return SC_UNIQUE;
  if (!strcmp(ct, "CONSTR_FOREIGN")) return SC_FOREIGN_KEY;
  if (!strcmp(ct, "CONSTR_CHECK")) return SC_CHECK;
  if (!strcmp(ct, "CONSTR_EXCLUSION")) return SC_EXCLUSION;
  if (!strcmp(ct, "CONSTR_NOTNULL")) return SC_NOT_NULL;
  return SC_OTHER;
}

/* Foreign keys anywhere below `v` take SHARE ROW EXCLUSIVE on the referenced table. */
static void analyze__fk_targets(Acc *acc, const J *v, SqlAlterCmd *cmd) {
  if (!v) return;
  if (v->t == J_OBJ) {
    const J *c = analyze__jget(v, "Constraint");
    if (c && analyze__contype(analyze__jstr(c, "contype")) == SC_FOREIGN_KEY) {
      const char *s, *t;
      analyze__rangevar(analyze__jget(c, "pktable"), &s, &t);
      analyze__lock(acc, PGLOCK_SHARE_ROW_EXCLUSIVE, s, t);
      if (cmd && !cmd->ref_table) {
        cmd->ref_schema = s;
        cmd->ref_table = t;
      }
    }
  }
  if (v->t == J_OBJ || v->t == J_ARR)
    for (size_t k = 0; k < v->nkids; k++) analyze__fk_targets(acc, &v->kids[k], cmd);
}

static const char *analyze__typename(const J *tn) {
  const J *t = analyze__jget(tn, "TypeName");
  if (t) tn = t;
  const char *s, *n;
  analyze__names(analyze__jget(tn, "names"), &s, &n);
  return n;
}

/* ---- definitions: columns, constraints, index elements -------------------------------- */

/* The parse tree gives where a node starts ("location"); where it ends, and the text of
 * names, types and expressions, come from a small lexer over the input that knows
 * PostgreSQL's quoting (strings, E'' strings, quoted identifiers, dollar quotes, comments). */
typedef enum TokKind {
  TK_END, TK_IDENT, TK_QIDENT, TK_STRING, TK_OPEN, TK_CLOSE, TK_OTHER
} TokKind;

typedef struct Tok {
  TokKind kind;
  size_t start, end;
} Tok;

static bool analyze__ident_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || c >= 0x80;
}

/* The next token at or after *i (whitespace and comments skipped); *i moves past it. */
static Tok analyze__tok(const char *s, size_t n, size_t *i) {
  size_t p = *i;
  for (;;) {
    while (p < n && strchr(" \t\r\n\f\v", s[p]) && s[p]) p++;
    if (p + 1 < n && s[p] == '-' && s[p + 1] == '-') {
      while (p < n && s[p] != '\n') p++;
    } else if (p + 1 < n && s[p] == '/' && s[p + 1] == '*') {
      int depth = 1; // PostgreSQL's block comments nest
      p += 2;
      while (p < n && depth) {
        if (p + 1 < n && s[p] == '/' && s[p + 1] == '*') depth++, p += 2;
        else if (p + 1 < n && s[p] == '*' && s[p + 1] == '/') depth--, p += 2;
        else p++;
      }
    } else {
      break;
    }
  }
  Tok t = {TK_END, p, p};
  if (p >= n) {
    *i = p;
    return t;
  }
  unsigned char c = (unsigned char)s[p];
  bool escapes = false;
  if ((c == 'e' || c == 'E') && p + 1 < n && s[p + 1] == '\'') {
    escapes = true;
    c = '\'';
    p++;
  }
  if (c == '\'' || c == '"') {
    t.kind = c == '"' ? TK_QIDENT : TK_STRING;
    p++;
    while (p < n) {
      if (escapes && s[p] == '\\' && p + 1 < n) {
        p += 2;
      } else if (s[p] == (char)c) {
        p++;
        if (p < n && s[p] == (char)c) p++; // doubled: part of the text
        else break;
      } else {
        p++;
      }
    }
  } else if (c == '$' && p + 1 < n && !(s[p + 1] >= '0' && s[p + 1] <= '9')) {
    // $tag$ ... $tag$ (or a lone `$`)
    size_t q = p + 1;
    while (q < n && analyze__ident_char((unsigned char)s[q]) && s[q] != '$') q++;
    if (q < n && s[q] == '$') {
      size_t tag = q + 1 - p;
      size_t e = q + 1;
      while (e + tag <= n && memcmp(s + e, s + p, tag) != 0) e++;
      t.kind = TK_STRING;
      p = e + tag <= n ? e + tag : n;
    } else {
      t.kind = TK_OTHER;
      p++;
    }
  } else if (analyze__ident_char(c)) {
    t.kind = TK_IDENT;
    while (p < n && analyze__ident_char((unsigned char)s[p])) p++;
  } else {
    t.kind = c == '(' ? TK_OPEN : c == ')' ? TK_CLOSE : TK_OTHER;
    p++;
  }
  t.end = p;
  *i = p;
  return t;
}

static bool analyze__tok_is(const char *s, Tok t, const char *word) {
  size_t len = strlen(word);
  return t.kind == TK_IDENT && t.end - t.start == len && !strncasecmp(s + t.start, word, len);
}

/* An identifier token's value: quotes removed ("" is "), or folded to lower case (ASCII,
 * as PostgreSQL's scanner does). NULL for another token. */
static char *analyze__ident(Arena *a, const char *s, Tok t) {
  if (t.kind == TK_IDENT) {
    char *v = arena_strndup(a, s + t.start, t.end - t.start);
    for (char *p = v; *p; p++)
      if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return v;
  }
  if (t.kind != TK_QIDENT || t.end - t.start < 2) return NULL;
  char *v = arena_alloc(a, t.end - t.start), *w = v;
  for (size_t k = t.start + 1; k + 1 < t.end; k++) {
    if (s[k] == '"') k++; // "" stands for "
    *w++ = s[k];
  }
  *w = '\0';
  return v;
}

/* Whether an identifier `written` is `name` as the parser gives it: PostgreSQL truncates
 * identifiers past 63 bytes (NAMEDATALEN - 1, at a character boundary). */
static bool analyze__same_ident(const char *written, const char *name) {
  if (!written || !name) return false;
  size_t n = strlen(name);
  return !strcmp(written, name) || (n >= 60 && n <= 63 && strlen(written) > 63 &&
                                    !strncmp(written, name, n));
}

/* Whether an identifier token names `name` (the parser folded unquoted names to lower case). */
static bool analyze__tok_names(Arena *a, const char *s, Tok t, const char *name) {
  return name && analyze__same_ident(analyze__ident(a, s, t), name);
}

/* The end of an element that starts at `from`: before a `,` or `)` or `;` at its own
 * depth, or `limit`; trailing whitespace and comments excluded. */
static size_t analyze__elem_end(const Acc *acc, size_t from, size_t limit) {
  if (limit > acc->n) limit = acc->n;
  size_t i = from, last = from;
  int depth = 0;
  for (;;) {
    Tok t = analyze__tok(acc->sql, limit, &i);
    if (t.kind == TK_END) break;
    bool sep = t.kind == TK_OTHER && strchr(",;", acc->sql[t.start]);
    if (depth == 0 && (t.kind == TK_CLOSE || sep)) break;
    if (t.kind == TK_OPEN) depth++;
    if (t.kind == TK_CLOSE) depth--;
    last = t.end;
  }
  return last;
}

static SqlSpan analyze__span(size_t from, size_t to) {
  return to > from ? (SqlSpan){from, to - from} : (SqlSpan){0, 0};
}

static char *analyze__text(const Acc *acc, SqlSpan sp) {
  return sp.len ? arena_strndup(acc->a, acc->sql + sp.offset, sp.len) : NULL;
}

/* A node's "location", or -1 when it has none. */
static long long analyze__loc(const J *o) {
  const J *v = analyze__jget(o, "location");
  return v && v->t == J_NUM && v->n >= 0 ? v->n : -1;
}

/* The span of one name (a plain or quoted identifier) written at `at`. */
static SqlSpan analyze__name_at(const Acc *acc, long long at) {
  if (at < 0 || (size_t)at >= acc->n) return (SqlSpan){0, 0};
  size_t i = (size_t)at;
  Tok t = analyze__tok(acc->sql, acc->n, &i);
  if (t.start != (size_t)at || (t.kind != TK_IDENT && t.kind != TK_QIDENT)) return (SqlSpan){0, 0};
  return analyze__span(t.start, t.end);
}

/* A possibly qualified name written at `at`: `s.t`, `"S"."t"`. */
static SqlSpan analyze__qualified_at(const Acc *acc, long long at) {
  SqlSpan sp = analyze__name_at(acc, at);
  while (sp.len) {
    size_t i = sp.offset + sp.len;
    Tok dot = analyze__tok(acc->sql, acc->n, &i);
    if (dot.kind != TK_OTHER || acc->sql[dot.start] != '.') break;
    Tok next = analyze__tok(acc->sql, acc->n, &i);
    if (next.kind != TK_IDENT && next.kind != TK_QIDENT) break;
    sp.len = next.end - sp.offset;
  }
  return sp;
}

/* The first identifier token naming `name` in [from, to). */
static SqlSpan analyze__find_name(const Acc *acc, size_t from, size_t to, const char *name) {
  size_t i = from;
  if (to > acc->n) to = acc->n;
  for (;;) {
    Tok t = analyze__tok(acc->sql, to, &i);
    if (t.kind == TK_END) return (SqlSpan){0, 0};
    if (analyze__tok_names(acc->a, acc->sql, t, name)) return analyze__span(t.start, t.end);
  }
}

/* The last part of a qualified name at `sp` as written, when it is `name` (possibly
 * truncated by the parser); else `name`. */
static const char *analyze__last_name(const Acc *acc, SqlSpan sp, const char *name) {
  size_t i = sp.offset, end = sp.offset + sp.len;
  const char *last = NULL;
  for (;;) {
    Tok t = analyze__tok(acc->sql, end, &i);
    if (t.kind == TK_END) break;
    if (t.kind == TK_IDENT || t.kind == TK_QIDENT) last = analyze__ident(acc->a, acc->sql, t);
  }
  return analyze__same_ident(last, name) ? last : name;
}

static const char *const SQL_TYPE_STOP[] = {
    "constraint", "not", "null", "default", "primary", "unique", "references", "check",
    "generated", "collate", "using", "deferrable", "initially", "compression", "storage",
};

/* A type written at `at`: up to the first keyword that starts a constraint or clause. */
static SqlSpan analyze__type_at(const Acc *acc, long long at, size_t limit) {
  if (at < 0 || (size_t)at >= acc->n) return (SqlSpan){0, 0};
  if (limit > acc->n) limit = acc->n;
  size_t i = (size_t)at, last = (size_t)at;
  int depth = 0;
  for (;;) {
    Tok t = analyze__tok(acc->sql, limit, &i);
    if (t.kind == TK_END) break;
    if (depth == 0) {
      if (t.kind == TK_CLOSE || (t.kind == TK_OTHER && strchr(",;", acc->sql[t.start]))) break;
      bool stop = false;
      for (size_t k = 0; k < sizeof SQL_TYPE_STOP / sizeof *SQL_TYPE_STOP && !stop; k++)
        stop = analyze__tok_is(acc->sql, t, SQL_TYPE_STOP[k]);
      if (stop) break;
    }
    if (t.kind == TK_OPEN) depth++;
    if (t.kind == TK_CLOSE) depth--;
    last = t.end;
  }
  return analyze__span((size_t)at, last);
}

/* The text inside the first parenthesis pair at or after `from` (before `to`), trimmed. */
static const char *analyze__paren_text(const Acc *acc, size_t from, size_t to) {
  size_t i = from;
  Tok t;
  do t = analyze__tok(acc->sql, to, &i);
  while (t.kind != TK_END && t.kind != TK_OPEN);
  if (t.kind != TK_OPEN) return NULL;
  size_t open = t.end, last = open, first = 0;
  int depth = 1;
  for (;;) {
    t = analyze__tok(acc->sql, to, &i);
    if (t.kind == TK_END) return NULL;
    if (t.kind == TK_OPEN) depth++;
    if (t.kind == TK_CLOSE && --depth == 0) break;
    if (!first) first = t.start;
    last = t.end;
  }
  return first ? arena_strndup(acc->a, acc->sql + first, last - first) : NULL;
}

static const char **analyze__string_list(Acc *acc, const J *items, size_t *n) {
  *n = 0;
  if (!items || items->t != J_ARR) return NULL;
  const char **out = ARENA_ARRAY(acc->a, const char *, items->nkids + 1);
  for (size_t k = 0; k < items->nkids; k++) {
    const char *s = analyze__jstr(analyze__jget(&items->kids[k], "String"), "sval");
    if (s) out[(*n)++] = s;
  }
  return out;
}

static const char *analyze__fk_action(const char *a) {
  if (!a || !*a) return NULL;
  switch (a[0]) {
  case 'r': return "RESTRICT";
  case 'c': return "CASCADE";
  case 'n': return "SET NULL";
  case 'd': return "SET DEFAULT";
  default: return NULL; // 'a': NO ACTION, the default
  }
}

const char *sql_type_canonical(Arena *a, const char *name, const long long *mods, size_t n,
                               bool array) {
  if (!name) return NULL;
  static const char *const SAME[][2] = {
      {"int4", "integer"}, {"int", "integer"}, {"integer", "integer"}, {"serial", "integer"},
      {"serial4", "integer"}, {"int8", "bigint"}, {"bigint", "bigint"}, {"bigserial", "bigint"},
      {"serial8", "bigint"}, {"int2", "smallint"}, {"smallint", "smallint"},
      {"smallserial", "smallint"}, {"serial2", "smallint"}, {"bool", "boolean"},
      {"boolean", "boolean"}, {"float4", "real"}, {"real", "real"},
      {"float8", "double precision"}, {"text", "text"}, {"date", "date"}, {"bytea", "bytea"},
      {"json", "json"}, {"jsonb", "jsonb"}, {"uuid", "uuid"}, {"tsvector", "tsvector"},
      {"inet", "inet"}, {"cidr", "cidr"}, {"macaddr", "macaddr"}, {"money", "money"},
      {"oid", "oid"}, {"bit", "bit"},
  };
  const char *out = NULL;
  for (size_t k = 0; k < sizeof SAME / sizeof *SAME && !out; k++)
    if (!strcmp(name, SAME[k][0])) out = SAME[k][1];
  if (out) {
  } else if (!strcmp(name, "bpchar") || !strcmp(name, "char") || !strcmp(name, "character")) {
    out = arena_printf(a, "char(%lld)", n ? mods[0] : 1);
  } else if (!strcmp(name, "varchar")) {
    out = n ? arena_printf(a, "varchar(%lld)", mods[0]) : "varchar";
  } else if (!strcmp(name, "timestamp") || !strcmp(name, "timestamptz") || !strcmp(name, "time") ||
             !strcmp(name, "timetz")) {
    out = n ? arena_printf(a, "%s(%lld)", name, mods[0]) : name;
  } else if (!strcmp(name, "interval")) {
    // interval's typmods are (fields, precision); INTERVAL_FULL_RANGE is 0x7FFF.
    out = n == 2 && mods[0] == 0x7FFF ? arena_printf(a, "interval(%lld)", mods[1]) : "interval";
  } else if (!strcmp(name, "numeric") || !strcmp(name, "decimal")) {
    out = n >= 2 ? arena_printf(a, "numeric(%lld,%lld)", mods[0], mods[1])
          : n    ? arena_printf(a, "numeric(%lld,0)", mods[0])
                 : "numeric";
  } else {
    out = name; // a user type (an enum), or one the fold spells as PostgreSQL does
  }
  return array ? arena_printf(a, "%s[]", out) : arena_strdup(a, out);
}

/* TypeName → canonical name (and the span where it is written). */
static const char *analyze__type(Acc *acc, const J *tn, size_t limit, SqlSpan *span) {
  const J *t = analyze__jget(tn, "TypeName");
  if (t) tn = t;
  *span = (SqlSpan){0, 0};
  if (!tn) return NULL;
  const char *schema, *name;
  analyze__names(analyze__jget(tn, "names"), &schema, &name);
  const J *mods = analyze__jget(tn, "typmods");
  long long m[4] = {0};
  size_t nm = 0;
  for (size_t k = 0; mods && mods->t == J_ARR && k < mods->nkids && nm < 4; k++) {
    const J *c = analyze__jget(&mods->kids[k], "A_Const");
    if (!c) continue;
    m[nm++] = analyze__jnum(analyze__jget(c, "ival"), "ival");
  }
  bool array = analyze__jget(tn, "arrayBounds") != NULL;
  *span = analyze__type_at(acc, analyze__loc(tn), limit);
  return sql_type_canonical(acc->a, name, m, nm, array);
}

/* One Constraint node. `col`: the column it is written on (NULL at table level); its text
 * ends before `limit`. */
static void analyze__constraint(Acc *acc, const J *c, const char *col, size_t limit,
                                SqlConstraintDef *out) {
  memset(out, 0, sizeof *out);
  out->type = analyze__contype(analyze__jstr(c, "contype"));
  out->name = analyze__jstr(c, "conname");
  long long at = analyze__loc(c);
  if (at >= 0) {
    size_t from = (size_t)at;
    out->span = analyze__span(from, analyze__elem_end(acc, from, limit));
    size_t i = from;
    Tok kw = analyze__tok(acc->sql, acc->n, &i);
    if (out->name && analyze__tok_is(acc->sql, kw, "constraint")) {
      Tok nm = analyze__tok(acc->sql, acc->n, &i);
      if (analyze__tok_names(acc->a, acc->sql, nm, out->name)) {
        out->name_span = analyze__span(nm.start, nm.end);
        out->name = analyze__ident(acc->a, acc->sql, nm); // as written, not truncated
      }
    }
    if (out->type == SC_CHECK) {
      size_t end = out->span.offset + out->span.len;
      // after the CHECK keyword: `CHECK (cond)`
      size_t j = from;
      Tok t;
      do t = analyze__tok(acc->sql, end, &j);
      while (t.kind != TK_END && !analyze__tok_is(acc->sql, t, "check"));
      if (t.kind != TK_END) out->expr = analyze__paren_text(acc, j, end);
    }
  }
  const J *keys = analyze__jget(c, out->type == SC_FOREIGN_KEY ? "fk_attrs" : "keys");
  out->cols = analyze__string_list(acc, keys, &out->ncols);
  if (!out->ncols && col) {
    out->cols = ARENA_ARRAY(acc->a, const char *, 1);
    out->cols[0] = col;
    out->ncols = 1;
  }
  if (out->type == SC_FOREIGN_KEY) {
    analyze__rangevar(analyze__jget(c, "pktable"), &out->ref_schema, &out->ref_table);
    out->ref_cols = analyze__string_list(acc, analyze__jget(c, "pk_attrs"), &out->nref_cols);
    out->ondelete = analyze__fk_action(analyze__jstr(c, "fk_del_action"));
    out->onupdate = analyze__fk_action(analyze__jstr(c, "fk_upd_action"));
  }
  out->deferrable = analyze__jbool(c, "deferrable");
  if (analyze__jbool(c, "initdeferred")) out->initially = "DEFERRED";
  out->not_valid = analyze__jbool(c, "skip_validation");
  out->using_index = analyze__jstr(c, "indexname") != NULL;
}

/* One ColumnDef, whose text ends before `limit`. */
static SqlColumnDef *analyze__column(Acc *acc, const J *cd, size_t limit) {
  SqlColumnDef *col = ARENA_NEW(acc->a, SqlColumnDef);
  const J *d = analyze__jget(cd, "ColumnDef");
  if (d) cd = d;
  col->name = analyze__jstr(cd, "colname");
  long long at = analyze__loc(cd);
  if (at >= 0) {
    col->span = analyze__span((size_t)at, analyze__elem_end(acc, (size_t)at, limit));
    col->name_span = analyze__name_at(acc, at);
    Tok nm = {acc->sql[at] == '"' ? TK_QIDENT : TK_IDENT, (size_t)at,
              (size_t)at + col->name_span.len};
    const char *written = col->name_span.len ? analyze__ident(acc->a, acc->sql, nm) : NULL;
    if (analyze__same_ident(written, col->name))
      col->name = written; // as written, not truncated
    else
      col->name_span = (SqlSpan){0, 0};
  }
  size_t end = col->span.len ? col->span.offset + col->span.len : limit;
  col->type = analyze__type(acc, analyze__jget(cd, "typeName"), end, &col->type_span);
  col->type_written = analyze__text(acc, col->type_span);
  const J *cons = analyze__jget(cd, "constraints");
  size_t n = cons && cons->t == J_ARR ? cons->nkids : 0;
  col->cons = ARENA_ARRAY(acc->a, SqlConstraintDef, n + 1);
  for (size_t k = 0; k < n; k++) {
    const J *c = analyze__jget(&cons->kids[k], "Constraint");
    if (!c) continue;
    // A column constraint's text runs to the next one's start.
    size_t next = end;
    for (size_t j = k + 1; j < n; j++) {
      long long l = analyze__loc(analyze__jget(&cons->kids[j], "Constraint"));
      if (l >= 0) {
        next = (size_t)l;
        break;
      }
    }
    const char *ct = analyze__jstr(c, "contype");
    if (!ct) continue;
    if (!strcmp(ct, "CONSTR_NOTNULL")) {
      col->not_null = true;
    } else if (!strcmp(ct, "CONSTR_DEFAULT")) {
      long long l = analyze__loc(c);
      if (l >= 0) {
        size_t i = (size_t)l;
        Tok kw = analyze__tok(acc->sql, next, &i);
        if (analyze__tok_is(acc->sql, kw, "default")) {
          Tok first = analyze__tok(acc->sql, next, &i);
          size_t e = analyze__elem_end(acc, first.start, next);
          col->default_sql = analyze__text(acc, analyze__span(first.start, e));
        }
      }
    } else if (!strcmp(ct, "CONSTR_IDENTITY")) {
      col->identity = col->not_null = true;
    } else if (!strncmp(ct, "CONSTR_ATTR_", 12)) {
      // DEFERRABLE / INITIALLY ... after a column constraint: separate nodes in the raw
      // tree, which apply to the constraint before them.
      SqlConstraintDef *prev = col->ncons ? &col->cons[col->ncons - 1] : NULL;
      if (prev && !strcmp(ct, "CONSTR_ATTR_DEFERRABLE")) prev->deferrable = true;
      if (prev && !strcmp(ct, "CONSTR_ATTR_DEFERRED")) prev->initially = "DEFERRED";
    } else {
      SqlConstraintDef def;
      analyze__constraint(acc, c, col->name, next, &def);
      if (def.type == SC_PRIMARY_KEY) col->primary_key = col->not_null = true;
      if (def.type == SC_UNIQUE) col->unique = true;
      if (def.type == SC_PRIMARY_KEY || def.type == SC_UNIQUE || def.type == SC_FOREIGN_KEY ||
          def.type == SC_CHECK)
        col->cons[col->ncons++] = def;
    }
  }
  return col;
}

/* CREATE TABLE's elements. */
static void analyze__table_elts(Acc *acc, const J *elts, size_t limit) {
  SqlStmtInfo *si = acc->si;
  size_t n = elts && elts->t == J_ARR ? elts->nkids : 0;
  si->columns = ARENA_ARRAY(acc->a, SqlColumnDef, n + 1);
  si->constraints = ARENA_ARRAY(acc->a, SqlConstraintDef, n + 1);
  for (size_t k = 0; k < n; k++) {
    const J *e = &elts->kids[k];
    const J *cd = analyze__jget(e, "ColumnDef");
    const J *c = analyze__jget(e, "Constraint");
    if (cd)
      si->columns[si->ncolumns++] = *analyze__column(acc, cd, limit);
    else if (c)
      analyze__constraint(acc, c, NULL, limit, &si->constraints[si->nconstraints++]);
  }
}

/* CREATE INDEX's elements and predicate, read from the text after the table's name. */
static void analyze__index(Acc *acc, const J *n, size_t from, size_t limit) {
  SqlStmtInfo *si = acc->si;
  const J *params = analyze__jget(n, "indexParams");
  size_t np = params && params->t == J_ARR ? params->nkids : 0;
  si->index_cols = ARENA_ARRAY(acc->a, const char *, np + 1);
  si->index_exprs = ARENA_ARRAY(acc->a, bool, np + 1);
  si->index_using = analyze__jstr(n, "accessMethod");
  // The element list: the first parenthesis after the table name.
  size_t i = from;
  Tok t;
  do t = analyze__tok(acc->sql, limit, &i);
  while (t.kind != TK_END && t.kind != TK_OPEN);
  bool found = t.kind == TK_OPEN;
  size_t elem = i;
  for (size_t k = 0; k < np; k++) {
    const J *ie = analyze__jget(&params->kids[k], "IndexElem");
    const char *name = analyze__jstr(ie, "name");
    size_t peek = elem;
    Tok first = analyze__tok(acc->sql, limit, &peek);
    if (first.kind != TK_END) elem = first.start;
    size_t e = found ? analyze__elem_end(acc, elem, limit) : elem;
    if (name) {
      si->index_cols[si->nindex_cols] = name;
    } else {
      si->index_exprs[si->nindex_cols] = true;
      const char *text = analyze__text(acc, analyze__span(elem, e));
      si->index_cols[si->nindex_cols] = text ? text : "?";
    }
    si->nindex_cols++;
    size_t j = e; // past the comma, to the next element
    Tok sep = analyze__tok(acc->sql, limit, &j);
    elem = sep.kind == TK_OTHER && acc->sql[sep.start] == ',' ? j : e;
  }
  if (analyze__jget(n, "whereClause")) {
    // WHERE at depth 0 after the element list
    size_t j = from;
    int depth = 0;
    for (;;) {
      Tok w = analyze__tok(acc->sql, limit, &j);
      if (w.kind == TK_END) break;
      if (w.kind == TK_OPEN) depth++;
      if (w.kind == TK_CLOSE) depth--;
      if (depth == 0 && analyze__tok_is(acc->sql, w, "where")) {
        size_t k = j;
        Tok first = analyze__tok(acc->sql, limit, &k);
        if (first.kind != TK_END) {
          size_t e = analyze__elem_end(acc, first.start, limit);
          si->index_where = analyze__text(acc, analyze__span(first.start, e));
        }
        break;
      }
    }
  }
}

/* One ALTER TABLE subcommand: its kind and the lock mode on the altered table. */
static PgLockMode analyze__alter_cmd(Acc *acc, const J *cmd, SqlAlterCmd *out) {
  const char *st = analyze__jstr(cmd, "subtype");
  const J *def = analyze__jget(cmd, "def");
  out->subtype = st;
  out->name = analyze__jstr(cmd, "name");
  if (!st) return PGLOCK_ACCESS_EXCLUSIVE;
  // ALTER TABLE "Notes": ACCESS EXCLUSIVE unless a form says otherwise.
  size_t stmt_end = acc->si->offset + acc->si->len;
  if (!strcmp(st, "AT_AddColumn")) {
    out->kind = SA_ADD_COLUMN;
    out->column = analyze__column(acc, def, stmt_end);
    const J *cd = analyze__jget(def, "ColumnDef");
    out->name = analyze__jstr(cd, "colname");
    out->column_type = analyze__typename(analyze__jget(cd, "typeName"));
    const J *cons = analyze__jget(cd, "constraints");
    for (size_t k = 0; cons && k < cons->nkids; k++) {
      const J *c = analyze__jget(&cons->kids[k], "Constraint");
      const char *ct = analyze__jstr(c, "contype");
      if (ct && !strcmp(ct, "CONSTR_NOTNULL")) out->column_not_null = true;
      if (ct && !strcmp(ct, "CONSTR_DEFAULT")) out->column_default = true;
      if (ct && !strcmp(ct, "CONSTR_IDENTITY")) out->column_default = true;
    }
    analyze__fk_targets(acc, def, out);
    return PGLOCK_ACCESS_EXCLUSIVE;
  }
  if (!strcmp(st, "AT_DropColumn"))
    out->kind = SA_DROP_COLUMN;
  else if (!strcmp(st, "AT_AlterColumnType")) {
    out->kind = SA_ALTER_TYPE;
    const J *cd = analyze__jget(def, "ColumnDef");
    out->column_type = analyze__typename(analyze__jget(cd, "typeName"));
    SqlColumnDef *col = ARENA_NEW(acc->a, SqlColumnDef);
    col->name = out->name;
    col->type = analyze__type(acc, analyze__jget(cd, "typeName"), stmt_end, &col->type_span);
    col->type_written = analyze__text(acc, col->type_span);
    col->span = col->type_span;
    col->cons = ARENA_ARRAY(acc->a, SqlConstraintDef, 1);
    out->column = col;
  } else if (!strcmp(st, "AT_SetNotNull"))
    out->kind = SA_SET_NOT_NULL;
  else if (!strcmp(st, "AT_DropNotNull"))
    out->kind = SA_DROP_NOT_NULL;
  else if (!strcmp(st, "AT_ColumnDefault"))
    out->kind = def ? SA_SET_DEFAULT : SA_DROP_DEFAULT;
  else if (!strcmp(st, "AT_AddConstraint")) {
    out->kind = SA_ADD_CONSTRAINT;
    const J *c = analyze__jget(def, "Constraint");
    out->constraint = ARENA_NEW(acc->a, SqlConstraintDef);
    analyze__constraint(acc, c, NULL, stmt_end, out->constraint);
    out->contype = analyze__contype(analyze__jstr(c, "contype"));
    out->name = analyze__jstr(c, "conname");
    out->not_valid = analyze__jbool(c, "skip_validation");
    out->using_index = analyze__jstr(c, "indexname") != NULL;
    if (out->contype == SC_FOREIGN_KEY) {
      // "ADD FOREIGN KEY requires a SHARE ROW EXCLUSIVE lock on the referenced table, in
      // addition to the lock on the table on which the constraint is declared."
      analyze__fk_targets(acc, def, out);
      return PGLOCK_SHARE_ROW_EXCLUSIVE;
    }
  } else if (!strcmp(st, "AT_DropConstraint"))
    out->kind = SA_DROP_CONSTRAINT;
  else if (!strcmp(st, "AT_ValidateConstraint")) {
    // "VALIDATE CONSTRAINT ... acquires a SHARE UPDATE EXCLUSIVE lock on the table being
    // altered" (and ROW SHARE on a foreign key's referenced table, not named here).
    out->kind = SA_VALIDATE_CONSTRAINT;
    return PGLOCK_SHARE_UPDATE_EXCLUSIVE;
  } else if (!strcmp(st, "AT_SetStatistics")) {
    out->kind = SA_SET_STATISTICS;
    return PGLOCK_SHARE_UPDATE_EXCLUSIVE;
  } else if (!strcmp(st, "AT_SetRelOptions") || !strcmp(st, "AT_ResetRelOptions") ||
             !strcmp(st, "AT_ClusterOn") || !strcmp(st, "AT_DropCluster")) {
    // fillfactor, toast and autovacuum parameters, CLUSTER ON / SET WITHOUT CLUSTER.
    out->kind = SA_SET_OPTIONS;
    return PGLOCK_SHARE_UPDATE_EXCLUSIVE;
  } else if (!strncmp(st, "AT_EnableTrig", 13) || !strncmp(st, "AT_DisableTrig", 14) ||
             !strncmp(st, "AT_EnableAlwaysTrig", 19) || !strncmp(st, "AT_EnableReplicaTrig", 20)) {
    out->kind = SA_ENABLE_TRIGGER;
    return PGLOCK_SHARE_ROW_EXCLUSIVE;
  } else if (!strcmp(st, "AT_AttachPartition")) {
    out->kind = SA_ATTACH_PARTITION;
    const J *pc = analyze__jget(def, "PartitionCmd");
    const char *s, *t;
    analyze__rangevar(analyze__jget(pc, "name"), &s, &t);
    analyze__lock(acc, PGLOCK_ACCESS_EXCLUSIVE, s, t);
    return PGLOCK_SHARE_UPDATE_EXCLUSIVE;
  } else if (!strcmp(st, "AT_DetachPartition")) {
    out->kind = SA_DETACH_PARTITION;
    const J *pc = analyze__jget(def, "PartitionCmd");
    return analyze__jbool(pc, "concurrent") ? PGLOCK_SHARE_UPDATE_EXCLUSIVE
                                            : PGLOCK_ACCESS_EXCLUSIVE;
  }
  return PGLOCK_ACCESS_EXCLUSIVE;
}

static void analyze__stmt(Acc *acc, const char *node, const J *n) {
  SqlStmtInfo *si = acc->si;
  const char *s = NULL, *t = NULL;
  si->node = node;
  si->transactional = true;
  if (!strcmp(node, "CreateStmt")) {
    si->kind = SK_CREATE_TABLE;
    analyze__rangevar(analyze__jget(n, "relation"), &si->schema, &si->table);
    si->if_not_exists = analyze__jbool(n, "if_not_exists");
    analyze__fk_targets(acc, analyze__jget(n, "tableElts"), NULL);
    si->table_span = analyze__qualified_at(acc, analyze__loc(analyze__jget(n, "relation")));
    si->table_written = analyze__last_name(acc, si->table_span, si->table);
    analyze__table_elts(acc, analyze__jget(n, "tableElts"), si->offset + si->len);
  } else if (!strcmp(node, "IndexStmt")) {
    si->kind = SK_CREATE_INDEX;
    analyze__rangevar(analyze__jget(n, "relation"), &si->schema, &si->table);
    si->name = analyze__jstr(n, "idxname");
    si->unique = analyze__jbool(n, "unique");
    si->concurrently = analyze__jbool(n, "concurrent");
    si->if_not_exists = analyze__jbool(n, "if_not_exists");
    // "CREATE INDEX ... SHARE"; "CONCURRENTLY ... SHARE UPDATE EXCLUSIVE", and "a regular
    // CREATE INDEX command can be performed within a transaction block, but CREATE INDEX
    // CONCURRENTLY cannot."
    analyze__lock(acc, si->concurrently ? PGLOCK_SHARE_UPDATE_EXCLUSIVE : PGLOCK_SHARE, si->schema,
                  si->table);
    si->transactional = !si->concurrently;
    long long rel = analyze__loc(analyze__jget(n, "relation"));
    if (rel >= 0) {
      si->table_span = analyze__qualified_at(acc, rel);
      si->name_span = analyze__find_name(acc, si->offset, (size_t)rel, si->name);
      if (si->name_span.len) {
        size_t j = si->name_span.offset;
        si->name = analyze__ident(acc->a, acc->sql, analyze__tok(acc->sql, acc->n, &j));
      }
      si->table_written = analyze__last_name(acc, si->table_span, si->table);
      analyze__index(acc, n, si->table_span.len ? si->table_span.offset + si->table_span.len
                                                 : (size_t)rel,
                     si->offset + si->len);
    }
  } else if (!strcmp(node, "AlterTableStmt")) {
    si->kind = SK_ALTER_TABLE;
    si->object_type = analyze__jstr(n, "objtype");
    analyze__rangevar(analyze__jget(n, "relation"), &si->schema, &si->table);
    si->table_span = analyze__qualified_at(acc, analyze__loc(analyze__jget(n, "relation")));
    si->table_written = analyze__last_name(acc, si->table_span, si->table);
    si->if_exists = analyze__jbool(n, "missing_ok");
    const J *cmds = analyze__jget(n, "cmds");
    PgLockMode mode = PGLOCK_NONE;
    for (size_t k = 0; cmds && k < cmds->nkids; k++) {
      SqlAlterCmd c = {0};
      PgLockMode m = analyze__alter_cmd(acc, analyze__jget(&cmds->kids[k], "AlterTableCmd"), &c);
      if (m > mode) mode = m;
      vec_push(&acc->cmds, c);
    }
    // "When multiple subcommands are given, the lock acquired will be the strictest one
    // required by any subcommand."
    analyze__lock(acc, mode, si->schema, si->table);
  } else if (!strcmp(node, "RenameStmt")) {
    const char *rt = analyze__jstr(n, "renameType");
    si->object_type = rt;
    analyze__rangevar(analyze__jget(n, "relation"), &si->schema, &si->table);
    si->new_name = analyze__jstr(n, "newname");
    if (rt && !strcmp(rt, "OBJECT_TABLE"))
      si->kind = SK_RENAME_TABLE;
    else if (rt && !strcmp(rt, "OBJECT_COLUMN"))
      si->kind = SK_RENAME_COLUMN;
    else
      si->kind = SK_RENAME_OTHER;
    if (si->kind == SK_RENAME_COLUMN || (rt && !strcmp(rt, "OBJECT_TABCONSTRAINT"))) {
      si->name = analyze__jstr(n, "subname");
    } else if (rt && !strcmp(rt, "OBJECT_INDEX")) {
      si->name = si->table;  // ALTER INDEX names the index as its relation
    } else if (!si->table) {
      const char *sch = NULL;
      const J *obj = analyze__jget(n, "object");
      const J *tn = analyze__jget(obj, "TypeName");
      if (tn)
        si->name = analyze__typename(obj);
      else
        analyze__names(obj, &sch, &si->name);
      if (!si->schema) si->schema = sch;
    }
    // ALTER INDEX ... RENAME takes SHARE UPDATE EXCLUSIVE (PostgreSQL 12+); tables,
    // columns and constraints ACCESS EXCLUSIVE.
    if (rt && !strcmp(rt, "OBJECT_INDEX"))
      analyze__lock(acc, PGLOCK_SHARE_UPDATE_EXCLUSIVE, si->schema, si->table);
    else if (si->table)
      analyze__lock(acc, PGLOCK_ACCESS_EXCLUSIVE, si->schema, si->table);
  } else if (!strcmp(node, "DropStmt")) {
    const char *rt = analyze__jstr(n, "removeType");
    si->object_type = rt;
    si->if_exists = analyze__jbool(n, "missing_ok");
    si->concurrently = analyze__jbool(n, "concurrent");
    const J *objs = analyze__jget(n, "objects");
    bool table = rt && (!strcmp(rt, "OBJECT_TABLE") || !strcmp(rt, "OBJECT_VIEW") ||
                        !strcmp(rt, "OBJECT_MATVIEW"));
    bool index = rt && !strcmp(rt, "OBJECT_INDEX");
    si->kind = table                                ? SK_DROP_TABLE
               : index                              ? SK_DROP_INDEX
               : (rt && !strcmp(rt, "OBJECT_TYPE")) ? SK_DROP_TYPE
                                                    : SK_DROP_OTHER;
    for (size_t k = 0; objs && k < objs->nkids; k++) {
      const J *o = &objs->kids[k];
      if (si->kind == SK_DROP_TYPE) {
        const char *tn = analyze__typename(o);
        if (!si->name) si->name = tn;
        continue;
      }
      analyze__names(o, &s, &t);
      if (table) {
        if (!si->table) si->schema = s, si->table = t;
        analyze__lock(acc, PGLOCK_ACCESS_EXCLUSIVE, s, t);
      } else if (index) {
        // The index's table is not in the text: the lock is reported on the index name
        // (sql_lock_for moves it to the op's table). DROP INDEX takes ACCESS EXCLUSIVE on
        // the table; CONCURRENTLY only SHARE UPDATE EXCLUSIVE, outside a transaction.
        if (!si->name) si->schema = s, si->name = t;
        analyze__lock(
            acc, si->concurrently ? PGLOCK_SHARE_UPDATE_EXCLUSIVE : PGLOCK_ACCESS_EXCLUSIVE, s, t);
      } else if (!si->name) {
        si->schema = s;
        si->name = t;
      }
    }
    if (index && si->concurrently) si->transactional = false;
  } else if (!strcmp(node, "CreateEnumStmt") || !strcmp(node, "CompositeTypeStmt") ||
             !strcmp(node, "CreateDomainStmt") || !strcmp(node, "CreateRangeStmt")) {
    si->kind = SK_CREATE_TYPE;
    const J *tn = analyze__jget(n, "typeName");
    if (!tn) tn = analyze__jget(n, "domainname");
    if (!tn) {
      const J *tv = analyze__jget(n, "typevar");
      analyze__rangevar(tv, &si->schema, &si->name);
    } else {
      analyze__names(tn, &si->schema, &si->name);
    }
    analyze__strings(acc, analyze__jget(n, "vals"));
  } else if (!strcmp(node, "AlterEnumStmt")) {
    // ALTER TYPE ... ADD VALUE runs inside a transaction block since PostgreSQL 12 (the
    // new value cannot be used before that transaction commits).
    si->kind = SK_ALTER_TYPE;
    analyze__names(analyze__jget(n, "typeName"), &si->schema, &si->name);
    si->if_not_exists = analyze__jbool(n, "skipIfNewValExists");
    const char *nv = analyze__jstr(n, "newVal");
    if (analyze__jstr(n, "oldVal")) {
      si->new_name = nv;  // RENAME VALUE 'old' TO 'new'
      nv = analyze__jstr(n, "oldVal");
    }
    if (nv) {
      si->values = ARENA_ARRAY(acc->a, const char *, 1);
      si->values[0] = nv;
      si->nvalues = 1;
    }
  } else if (!strcmp(node, "CommentStmt")) {
    si->kind = SK_COMMENT;
    const char *ot = analyze__jstr(n, "objtype");
    si->object_type = ot;
    const J *obj = analyze__jget(n, "object");
    if (ot && !strcmp(ot, "OBJECT_TABLE")) {
      analyze__names(obj, &si->schema, &si->table);
    } else if (ot && !strcmp(ot, "OBJECT_COLUMN")) {
      // [schema.]table.column
      const J *l = analyze__jget(obj, "List");
      const J *items = l ? analyze__jget(l, "items") : NULL;
      if (items && items->nkids >= 2) {
        size_t m = items->nkids;
        si->table = analyze__jstr(analyze__jget(&items->kids[m - 2], "String"), "sval");
        si->name = analyze__jstr(analyze__jget(&items->kids[m - 1], "String"), "sval");
        if (m >= 3)
          si->schema = analyze__jstr(analyze__jget(&items->kids[m - 3], "String"), "sval");
      }
    }
    // COMMENT takes SHARE UPDATE EXCLUSIVE on the object's relation.
    analyze__lock(acc, PGLOCK_SHARE_UPDATE_EXCLUSIVE, si->schema, si->table);
  } else if (!strcmp(node, "InsertStmt") || !strcmp(node, "UpdateStmt") ||
             !strcmp(node, "DeleteStmt")) {
    si->kind = node[0] == 'I' ? SK_INSERT : node[0] == 'U' ? SK_UPDATE : SK_DELETE;
    analyze__rangevar(analyze__jget(n, "relation"), &si->schema, &si->table);
    si->has_where = analyze__jget(n, "whereClause") != NULL;
    analyze__lock(acc, PGLOCK_ROW_EXCLUSIVE, si->schema, si->table);
    analyze__all_rangevars(acc, n, PGLOCK_ACCESS_SHARE);
  } else if (!strcmp(node, "SelectStmt")) {
    si->kind = SK_SELECT;
    analyze__all_rangevars(
        acc, n, analyze__jget(n, "lockingClause") ? PGLOCK_ROW_SHARE : PGLOCK_ACCESS_SHARE);
  } else if (!strcmp(node, "TruncateStmt")) {
    si->kind = SK_TRUNCATE;
    const J *rels = analyze__jget(n, "relations");
    for (size_t k = 0; rels && k < rels->nkids; k++) {
      analyze__rangevar(&rels->kids[k], &s, &t);
      if (!si->table) si->schema = s, si->table = t;
      analyze__lock(acc, PGLOCK_ACCESS_EXCLUSIVE, s, t);
    }
  } else if (!strcmp(node, "LockStmt")) {
    si->kind = SK_LOCK;
    long long mode = analyze__jnum(n, "mode");  // AccessShareLock = 1 ... AccessExclusiveLock = 8
    const J *rels = analyze__jget(n, "relations");
    for (size_t k = 0; rels && k < rels->nkids; k++) {
      analyze__rangevar(&rels->kids[k], &s, &t);
      if (!si->table) si->schema = s, si->table = t;
      if (mode >= 1 && mode <= 8) analyze__lock(acc, (PgLockMode)mode, s, t);
    }
  } else if (!strcmp(node, "TransactionStmt")) {
    si->kind = SK_TRANSACTION;
  } else if (!strcmp(node, "VacuumStmt")) {
    si->kind = SK_VACUUM;
    si->transactional = false;
    analyze__all_rangevars(acc, n, PGLOCK_SHARE_UPDATE_EXCLUSIVE);
  } else if (!strcmp(node, "ReindexStmt")) {
    si->kind = SK_REINDEX;
    analyze__rangevar(analyze__jget(n, "relation"), &si->schema, &si->table);
    const J *params = analyze__jget(n, "params");
    for (size_t k = 0; params && k < params->nkids; k++) {
      const char *dn = analyze__jstr(analyze__jget(&params->kids[k], "DefElem"), "defname");
      if (dn && !strcmp(dn, "concurrently")) si->concurrently = true;
    }
    si->transactional = !si->concurrently;
    analyze__lock(acc, si->concurrently ? PGLOCK_SHARE_UPDATE_EXCLUSIVE : PGLOCK_SHARE, si->schema,
                  si->table);
  } else if (!strcmp(node, "VariableSetStmt") || !strcmp(node, "VariableShowStmt")) {
    si->kind = SK_SET;
  } else if (!strcmp(node, "CreateTrigStmt")) {
    si->kind = SK_CREATE_OTHER;
    analyze__rangevar(analyze__jget(n, "relation"), &si->schema, &si->table);
    analyze__lock(acc, PGLOCK_SHARE_ROW_EXCLUSIVE, si->schema, si->table);
  } else if (!strcmp(node, "RefreshMatViewStmt")) {
    si->kind = SK_CREATE_OTHER;
    analyze__rangevar(analyze__jget(n, "relation"), &si->schema, &si->table);
    analyze__lock(acc, analyze__jbool(n, "concurrent") ? PGLOCK_EXCLUSIVE : PGLOCK_ACCESS_EXCLUSIVE,
                  si->schema, si->table);
  } else if (!strcmp(node, "CreatedbStmt") || !strcmp(node, "DropdbStmt") ||
             !strcmp(node, "AlterSystemStmt") || !strcmp(node, "CreateTableSpaceStmt") ||
             !strcmp(node, "DropTableSpaceStmt")) {
    si->kind = node[0] == 'D' ? SK_DROP_OTHER : SK_CREATE_OTHER;
    si->transactional = false;
  } else if (!strncmp(node, "Create", 6) || !strcmp(node, "ViewStmt") ||
             !strcmp(node, "DefineStmt")) {
    si->kind = SK_CREATE_OTHER;
  } else {
    si->kind = SK_UNKNOWN;
  }
}

static void analyze__finish(Acc *acc) {
  SqlStmtInfo *si = acc->si;
  si->nlocks = acc->locks.len;
  si->locks = ARENA_ARRAY(acc->a, SqlLock, si->nlocks ? si->nlocks : 1);
  if (si->nlocks) memcpy(si->locks, acc->locks.items, si->nlocks * sizeof(SqlLock));
  si->ncmds = acc->cmds.len;
  si->cmds = ARENA_ARRAY(acc->a, SqlAlterCmd, si->ncmds ? si->ncmds : 1);
  if (si->ncmds) memcpy(si->cmds, acc->cmds.items, si->ncmds * sizeof(SqlAlterCmd));
  vec_free(&acc->locks);
  vec_free(&acc->cmds);
}

bool sql_analyze(Arena *a, const char *sql, SqlStmtInfo **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!sql) sql = "";
  PgQueryParseResult r = pg_query_parse(sql);
  if (r.error) {
    SqlStmtInfo *si = ARENA_NEW(a, SqlStmtInfo);
    si->kind = SK_PARSE_ERROR;
    si->text = arena_strdup(a, sql);
    si->len = strlen(sql);
    si->error = arena_strdup(a, r.error->message ? r.error->message : "syntax error");
    size_t pos = r.error->cursorpos > 0 ? (size_t)r.error->cursorpos - 1 : 0;
    si->error_offset = pos <= si->len ? pos : si->len;
    si->transactional = true;
    si->locks = ARENA_ARRAY(a, SqlLock, 1);
    si->cmds = ARENA_ARRAY(a, SqlAlterCmd, 1);
    pg_query_free_parse_result(r);
    *out = si;
    *n = 1;
    return false;
  }
  JP jp = {a, r.parse_tree, 0};
  J root = {0};
  analyze__value(&jp, &root);
  pg_query_free_parse_result(r);
  const J *stmts = analyze__jget(&root, "stmts");
  size_t count = stmts && stmts->t == J_ARR ? stmts->nkids : 0;
  SqlStmtInfo *infos = ARENA_ARRAY(a, SqlStmtInfo, count ? count : 1);
  size_t total = strlen(sql);
  for (size_t k = 0; k < count; k++) {
    const J *raw = &stmts->kids[k];
    SqlStmtInfo *si = &infos[k];
    size_t loc = (size_t)analyze__jnum(raw, "stmt_location");
    size_t len = (size_t)analyze__jnum(raw, "stmt_len");
    if (loc > total) loc = total;
    if (!len || loc + len > total) len = total - loc;
    // The statement text without the whitespace PostgreSQL counts into it.
    while (len && strchr(" \t\r\n", sql[loc])) loc++, len--;
    while (len && strchr(" \t\r\n;", sql[loc + len - 1])) len--;
    si->offset = loc;
    si->len = len;
    si->text = arena_strndup(a, sql + loc, len);
    const char *node = NULL;
    const J *body = analyze__jnode(analyze__jget(raw, "stmt"), &node);
    Acc acc = {a, si, {0}, {0}, sql, total};
    if (body && node)
      analyze__stmt(&acc, node, body);
    else
      si->transactional = true;
    analyze__finish(&acc);
  }
  *out = infos;
  *n = count;
  return true;
}

bool sql_lock_for(Arena *a, const SqlStmt *stmt, SqlStmtInfo *out) {
  memset(out, 0, sizeof *out);
  out->transactional = true;
  if (!stmt || stmt->dynamic || !stmt->sql) {
    out->kind = SK_UNKNOWN;
    out->locks = ARENA_ARRAY(a, SqlLock, 1);
    out->cmds = ARENA_ARRAY(a, SqlAlterCmd, 1);
    return false;
  }
  SqlStmtInfo *infos;
  size_t n;
  bool ok = sql_analyze(a, stmt->sql, &infos, &n);
  if (!n) {
    out->kind = SK_UNKNOWN;
    out->locks = ARENA_ARRAY(a, SqlLock, 1);
    out->cmds = ARENA_ARRAY(a, SqlAlterCmd, 1);
    return ok;
  }
  *out = infos[0];
  if (n > 1) {
    // op.execute with several statements: one entry holding every lock, strongest per table.
    Acc acc = {a, out, {0}, {0}, stmt->sql, strlen(stmt->sql)};
    for (size_t k = 0; k < n; k++) {
      for (size_t j = 0; j < infos[k].nlocks; j++)
        analyze__lock(&acc, infos[k].locks[j].mode, infos[k].locks[j].schema,
                      infos[k].locks[j].table);
      for (size_t j = 0; j < infos[k].ncmds; j++) vec_push(&acc.cmds, infos[k].cmds[j]);
      if (!infos[k].transactional) out->transactional = false;
    }
    analyze__finish(&acc);
  }
  const MigOp *m = stmt->op;
  if (out->kind == SK_DROP_INDEX && m && m->kind == OPK_DROP_INDEX && m->table) {
    for (size_t k = 0; k < out->nlocks; k++) {
      out->locks[k].schema = m->schema;
      out->locks[k].table = m->table;
    }
    out->schema = m->schema;
    out->table = m->table;
  }
  return ok;
}

/* analyze.c - statements classified from libpg_query's parse tree (PostgreSQL 15's own
 * grammar): kind, target, ALTER TABLE subcommands, and the table locks each one takes, per
 * the PostgreSQL 15 documentation ("13.3.1 Table-Level Locks", ALTER TABLE "Notes"). */
#include "server/sql/analyze.h"

#include <pg_query.h>
#include <stdlib.h>
#include <string.h>

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

/* One ALTER TABLE subcommand: its kind and the lock mode on the altered table. */
static PgLockMode analyze__alter_cmd(Acc *acc, const J *cmd, SqlAlterCmd *out) {
  const char *st = analyze__jstr(cmd, "subtype");
  const J *def = analyze__jget(cmd, "def");
  out->subtype = st;
  out->name = analyze__jstr(cmd, "name");
  if (!st) return PGLOCK_ACCESS_EXCLUSIVE;
  // ALTER TABLE "Notes": ACCESS EXCLUSIVE unless a form says otherwise.
  if (!strcmp(st, "AT_AddColumn")) {
    out->kind = SA_ADD_COLUMN;
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
    out->column_type =
        analyze__typename(analyze__jget(analyze__jget(def, "ColumnDef"), "typeName"));
  } else if (!strcmp(st, "AT_SetNotNull"))
    out->kind = SA_SET_NOT_NULL;
  else if (!strcmp(st, "AT_DropNotNull"))
    out->kind = SA_DROP_NOT_NULL;
  else if (!strcmp(st, "AT_ColumnDefault"))
    out->kind = def ? SA_SET_DEFAULT : SA_DROP_DEFAULT;
  else if (!strcmp(st, "AT_AddConstraint")) {
    out->kind = SA_ADD_CONSTRAINT;
    const J *c = analyze__jget(def, "Constraint");
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
  } else if (!strcmp(node, "AlterTableStmt")) {
    si->kind = SK_ALTER_TABLE;
    si->object_type = analyze__jstr(n, "objtype");
    analyze__rangevar(analyze__jget(n, "relation"), &si->schema, &si->table);
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
    Acc acc = {a, si, {0}, {0}};
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
    Acc acc = {a, out, {0}, {0}};
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

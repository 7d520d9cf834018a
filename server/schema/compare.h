/* compare.h - two schemas compared object by object: what one has that the other lacks,
 * and what differs (type, nullability, default, columns of an index, ...). Pure: used by
 * `status` (drift: the migrations' fold vs the database's catalog) and by round-trip
 * verification (catalog snapshots before and after a downgrade). */
#ifndef RETORT_SCHEMA_COMPARE_H
#define RETORT_SCHEMA_COMPARE_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/graph.h"
#include "server/schema/schema.h"

typedef enum CompareKind {
  CMP_MISSING, /* in a, not in b (drift: the migrations create it, the database lacks it) */
  CMP_EXTRA,   /* in b, not in a (drift: the database has it, the migrations do not) */
  CMP_CHANGED, /* in both, different */
} CompareKind;

typedef enum CompareObject {
  CMPO_TABLE, CMPO_COLUMN, CMPO_INDEX, CMPO_CONSTRAINT, CMPO_ENUM, CMPO_ENUM_VALUE,
  CMPO_SEQUENCE, CMPO_COMMENT, CMPO_OTHER,
} CompareObject;

/** "missing", "extra", "changed". Static storage. */
const char *compare_kind_name(CompareKind k);
/** "table", "column", "index", "constraint", "enum", "enum value", "sequence", "comment",
 * "object". Static storage. */
const char *compare_object_name(CompareObject o);

/* One difference. `name` is qualified: "public.customers" (table), "public.customers.email"
 * (column, index and constraint: schema.table.name), "public.order_status" (enum),
 * "public.order_status.refunded" (enum value), "public.customers_id_seq" (sequence).
 * `detail` says what differs for CMP_CHANGED, a vs b ("type varchar(32) vs text",
 * "nullable: NOT NULL vs NULL"), and describes the object for missing/extra. Both are
 * malloc'd, owned by the list. */
typedef struct CompareItem {
  CompareKind kind;
  CompareObject object;
  char *name;
  char *detail;
} CompareItem;

typedef struct CompareList {
  CompareItem *items;
  size_t len, cap;
} CompareList;

/** Frees the items (the list itself is the caller's; it is left empty). NULL-safe. */
void compare_list_free(CompareList *l);

typedef struct CompareOptions {
  /* `a` is a static fold of migrations (fold.h), which knows less than a catalog. When
   * set: a type written without modifiers matches the same type with them ("numeric" ~
   * "numeric(12,2)"), an unknown type (NULL) matches any; identity/serial is not
   * compared; a constraint or index that is unnamed in `a`, or whose name is longer than
   * PostgreSQL's 63 bytes, is matched by what it is (kind, columns, referenced table,
   * condition); an index whose columns `a` does not know (raw SQL) matches on its name;
   * a table `a` knows only by name (no columns: it came from raw SQL or dynamic code)
   * has its columns not compared. */
  bool lenient;
} CompareOptions;

/**
 * Appends every difference between `a` and `b` to `out` (zero it first), in a
 * deterministic order: by qualified name, then object kind, then difference kind.
 * Columns are compared on type (see compare_types_equal), nullability, server default
 * (see compare_norm_sql) and, unless lenient, identity; enum values in order; CHECK
 * conditions and index expressions after compare_norm_sql with parentheses dropped.
 * `o` may be NULL (strict).
 */
void compare_schemas(const Schema *a, const Schema *b, const CompareOptions *o, CompareList *out);

/**
 * SQL expression text normalised for comparison, so that what a migration wrote and what
 * PostgreSQL prints back (pg_get_expr) compare equal: casts (`::character varying`,
 * `::"Mood"`, `::timestamp(3) with time zone`) are dropped, whitespace and double quotes
 * outside string literals removed, the rest lower-cased outside literals, enclosing
 * parentheses dropped (all parentheses when `drop_parens`), CURRENT_TIMESTAMP and
 * current_timestamp() read as now(), and a string literal that is only a number
 * ('0', '-1.5') read as that number. Caller frees. NULL in → NULL out.
 */
char *compare_norm_sql(const char *sql, bool drop_parens);

/** Whether two canonical types (fold_type_name's spelling) are the same; see
 * CompareOptions.lenient for `lenient`. */
bool compare_types_equal(const char *a, const char *b, bool lenient);

/* ---- what the migrations create ---- */

/* The static fold of the revisions a database has applied. */
typedef struct CompareExpected {
  Schema *schema;            /* the fold of every revision up to the rows, in apply order */
  size_t nrevisions;         /* how many revisions were folded */
  const Revision **dynamic;  /* those whose upgrade() is not fully static: the fold may be
                                incomplete there (malloc'd array of borrowed Revisions) */
  size_t ndynamic;
  const Revision **partial;  /* static, but with ops the fold models only in part: raw SQL
                                (op.execute) that alters tables or creates objects other
                                than enums, indexes and sequences, or op methods it does
                                not model (malloc'd array of borrowed Revisions) */
  size_t npartial;
  const char **unknown;      /* rows that name no revision of the graph (borrowed) */
  size_t nunknown;
} CompareExpected;

/**
 * Folds (fold_revision) every revision that the version rows `rows` imply — each row
 * and all its ancestors through down_revision and depends_on — parents before children.
 * Revisions must have been parsed REV_PARSE_FULL. Never fails; free with
 * compare_expected_free.
 */
void compare_expected_schema(const Graph *g, const char *const *rows, size_t nrows,
                             CompareExpected *out);
void compare_expected_free(CompareExpected *e);

/* ---- snapshots: every object with its full definition ---- */

/* A flat, exact picture of a database schema for round-trip verification: one entry per
 * object (table, column, index, constraint, enum, sequence, comment, ...), keyed by its
 * qualified name, with its whole definition as PostgreSQL prints it. Strings malloc'd,
 * owned by the snapshot. */
typedef struct SnapshotEntry {
  CompareObject object;
  char *name;
  char *def;
} SnapshotEntry;

typedef struct Snapshot {
  SnapshotEntry *items;
  size_t len, cap;
} Snapshot;

/** Adds an entry (strings copied). */
void snapshot_add(Snapshot *s, CompareObject object, const char *name, const char *def);
/** Frees the entries; the snapshot is left empty. NULL-safe. */
void snapshot_free(Snapshot *s);

/**
 * Appends the differences between snapshots `a` and `b` to `out`: entries only in a
 * (missing), only in b (extra), or with another definition (changed: "def a vs def b"),
 * in the order of compare_schemas. Entries are matched on (object, name).
 */
void compare_snapshots(const Snapshot *a, const Snapshot *b, CompareList *out);

#endif

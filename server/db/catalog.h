/* catalog.h - a live database read back from pg_catalog: into the static Schema model (to
 * compare with the fold of the migrations: drift), as an exact snapshot of every object
 * (to check that a downgrade restores what it should), and the locks a session holds. */
#ifndef RETORT_DB_CATALOG_H
#define RETORT_DB_CATALOG_H
#include <stdbool.h>
#include <stddef.h>

#include "server/base/error.h"
#include "server/db/db.h"
#include "server/schema/compare.h"
#include "server/schema/schema.h"

/*
 * What is read: user schemas only (not pg_catalog, information_schema, pg_toast*,
 * pg_temp*), not objects that belong to an extension, and not the version table
 * (`vt_table` in `vt_schema`; NULL schema: the first schema of the search path that
 * has it, i.e. current_schema(); NULL table: alembic_version).
 *
 * The Schema form uses the canonical spelling of fold_type_name (server/schema/fold.h),
 * so that the fold of the migrations and the catalog of the database they built compare
 * equal (compare_schemas, lenient):
 *   - types: "character varying(32)" → "varchar(32)", "character(2)" → "char(2)",
 *     "timestamp(3) with time zone" → "timestamptz(3)", "time without time zone" →
 *     "time", "bit varying" → "varbit", arrays "<element>[]"; enum and other user types
 *     by their bare type name (no schema, no quotes: the fold's spelling);
 *   - the default schema (current_schema(): the first of the search path, normally
 *     public) is NULL, as the fold's default schema; other schemas by name;
 *   - a serial column (a nextval() default on a sequence the column owns) and an
 *     identity column have identity = true and no server_default; their sequence is not
 *     listed in Schema.sequences (the fold never creates it); other sequences are, by
 *     bare name in the default schema, "schema.name" elsewhere;
 *   - server_default is pg_get_expr's text as PostgreSQL prints it ('x'::character
 *     varying, now()); compare_norm_sql makes it comparable to what migrations wrote;
 *     a generated column's expression is not a default (none is reported);
 *   - indexes that back a PRIMARY KEY / UNIQUE / EXCLUDE constraint are not listed as
 *     indexes (the fold has them as constraints); index columns are column names, or
 *     the expression text for expression keys, followed by a non-default ordering as
 *     written in SQL ("born DESC NULLS LAST"); INCLUDE columns are left out;
 *   - constraints: PRIMARY KEY, UNIQUE, FOREIGN KEY (ref_table unqualified), CHECK
 *     (expr: pg_get_expr of the condition), with not_valid.
 * Comments, deferrability, ON DELETE actions, index methods and predicates are not in
 * the Schema model; the snapshot has them.
 */

/**
 * Reads the database into a new Schema (*out, free with schema_delete), in a handful of
 * queries (not one per table). Fails with ERR_DB naming the masked database and
 * PostgreSQL's error; *out is then NULL. Reads only.
 */
bool catalog_read(Db *db, const char *vt_schema, const char *vt_table, Schema **out,
                  RtError *err);

/**
 * Appends one entry per object to `out` (zero it first) with its whole definition as
 * PostgreSQL prints it: schemas, tables (with persistence and partitioning), columns
 * (format_type, NOT NULL, default, identity, generated expression, collation), indexes
 * (pg_get_indexdef), constraints (pg_get_constraintdef, so deferrability and NOT VALID
 * too), enum types and their labels in order, sequences (type, start, increment, bounds,
 * cycle, owner column), views (pg_get_viewdef), functions (pg_get_functiondef),
 * triggers (pg_get_triggerdef), extensions with their version, and every comment.
 * Same exclusions as catalog_read. Column order (attnum) is not part of a column's
 * definition: re-adding a dropped column puts it last, which is not a lost object.
 * Fails with ERR_DB; reads only.
 */
bool catalog_snapshot(Db *db, const char *vt_schema, const char *vt_table, Snapshot *out,
                      RtError *err);

/* One lock this session holds on a relation (or on something else: relation NULL). */
typedef struct CatalogLock {
  char *relation;   /* "public.customers", or NULL for a non-relation lock */
  char *locktype;   /* pg_locks.locktype: "relation", "object", "transactionid", ... */
  char *mode;       /* "AccessExclusiveLock", ... */
} CatalogLock;

typedef struct CatalogLockList {
  CatalogLock *items;
  size_t len;
} CatalogLockList;

/**
 * The granted locks of this connection's backend (pg_locks for pg_backend_pid()) on
 * relations and objects, excluding its own virtualxid/transactionid locks and the locks
 * of the pg_locks query itself; sorted, duplicates removed. *out is replaced (free the
 * old one first). Fails with ERR_DB.
 */
bool catalog_locks(Db *db, CatalogLockList *out, RtError *err);
void catalog_locks_free(CatalogLockList *l);

/**
 * The qualified names ("schema.name", as catalog_locks names relations) of every user
 * relation (tables, indexes, sequences, views, ...), sorted; *names is one malloc
 * (free(*names) frees everything). Fails with ERR_DB.
 */
bool catalog_relations(Db *db, char ***names, size_t *n, RtError *err);

/* ---- a throwaway database in the scratch cluster (round-trip verification) ---- */

/**
 * Creates database `name` (an identifier: [a-z0-9_] only, checked) on `db`'s cluster,
 * which must be the scratch cluster (ERR_PARAMS otherwise: verification never touches a
 * user's database), and connects to it (*out; db_close). A database of that name left
 * by an earlier run is dropped first. Fails with ERR_DB.
 */
bool catalog_scratch_db_create(Db *db, const char *name, Db **out, RtError *err);

/** Drops database `name` from `db`'s cluster (WITH (FORCE)); the connection to it must be
 * closed or is terminated. Scratch cluster only, as above. */
bool catalog_scratch_db_drop(Db *db, const char *name, RtError *err);

/**
 * Runs `sql` (one or more statements, no parameters) on `db`, expecting success. For
 * verification's own bookkeeping (BEGIN, COMMIT, SAVEPOINT ...). Fails with ERR_DB and
 * PostgreSQL's message.
 */
bool catalog_exec(Db *db, const char *sql, RtError *err);

#endif

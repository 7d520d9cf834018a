/* sql.h - MigOps rendered offline to the PostgreSQL statements `alembic upgrade --sql`
 * prints for them (Alembic 1.8.1, SQLAlchemy 1.4 PG dialect), identifiers quoted as
 * SQLAlchemy's IdentifierPreparer does, and the version-table bookkeeping. */
#ifndef RETORT_SQL_SQL_H
#define RETORT_SQL_SQL_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/ops.h"
#include "server/base/arena.h"

/* One rendered statement (no trailing ';'). */
typedef struct SqlStmt {
  const char *sql;        /* the statement; for a dynamic op, a `-- dynamic: ...` comment */
  const MigOp *op;        /* the op it comes from (borrowed) */
  bool dynamic;           /* a placeholder: the op is not statically known, nothing guessed */
  bool transactional;     /* false inside autocommit_block (runs outside the migration's
                             transaction, as Alembic's COMMIT ... BEGIN brackets it) */
} SqlStmt;

typedef struct SqlStmtList {
  SqlStmt *items;
  size_t len, cap;
} SqlStmtList;

/**
 * Renders `ops` (one upgrade or downgrade) in order, appending to `out` (zero it first).
 * Never fails: a dynamic op yields one placeholder statement with dynamic = true. Strings
 * and the array are owned by `arena`; MigOps are borrowed.
 */
void sql_render_ops(Arena *arena, const MigOpList *ops, SqlStmtList *out);
/** Same for one op (batch and autocommit bodies included). */
void sql_render_op(Arena *arena, const MigOp *op, SqlStmtList *out);

/**
 * The statements as one script, the way Alembic's offline mode prints a migration's body:
 * each statement followed by ";" and a blank line; a run of statements that must run
 * outside the transaction (autocommit_block) bracketed by "COMMIT;" and "BEGIN;" as
 * Alembic does on PostgreSQL; a dynamic placeholder as its comment line. "" for an empty
 * list. Owned by `arena`.
 */
char *sql_stmts_join(Arena *arena, const SqlStmtList *stmts);

/** An identifier quoted exactly as SQLAlchemy's PostgreSQL IdentifierPreparer does:
 * quoted when it is a reserved word, is not all lower case, starts with a digit or `$`, or
 * holds a character outside [A-Za-z0-9_$]; embedded `"` doubled. Owned by `arena`. */
char *sql_quote_ident(Arena *arena, const char *ident);
/** `schema.name` with each part quoted (schema may be NULL). Owned by `arena`. */
char *sql_quote_qualified(Arena *arena, const char *schema, const char *name);
/** A string literal as SQLAlchemy's PG compiler renders it offline: `'` doubled, and `\`
 * doubled (its offline dialect assumes backslash escapes). Owned by `arena`. */
char *sql_quote_literal(Arena *arena, const char *s);
/** True when `word` (any case) is in SQLAlchemy's PostgreSQL RESERVED_WORDS. */
bool sql_is_reserved(const char *word);
/** A column type as SQLAlchemy's PG type compiler renders it (`VARCHAR(32)`, `TIMESTAMP
 * WITH TIME ZONE`, `INTEGER[]`, an enum's quoted name). NULL for a dynamic type. */
char *sql_render_type(Arena *arena, const SqlType *t);

/* The alembic_version bookkeeping, as Alembic prints it in offline mode. `table` is the
 * version table (NULL: "alembic_version"), `schema` its schema or NULL. Owned by `arena`. */
/** CREATE TABLE alembic_version (...) printed before the first revision from base. */
char *sql_version_create_table(Arena *arena, const char *schema, const char *table);
/** DROP TABLE alembic_version, printed after downgrading to base. */
char *sql_version_drop_table(Arena *arena, const char *schema, const char *table);
/** INSERT INTO alembic_version (version_num) VALUES ('rev') RETURNING ... (a new head). */
char *sql_version_insert(Arena *arena, const char *schema, const char *table, const char *rev);
/** UPDATE alembic_version SET version_num='to' WHERE alembic_version.version_num = 'from'. */
char *sql_version_update(Arena *arena, const char *schema, const char *table, const char *from,
                         const char *to);
/** DELETE FROM alembic_version WHERE alembic_version.version_num = 'rev' (a head removed). */
char *sql_version_delete(Arena *arena, const char *schema, const char *table, const char *rev);

#endif

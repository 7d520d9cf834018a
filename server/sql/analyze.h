/* analyze.h - SQL text classified with PostgreSQL's own parser (libpg_query): per statement
 * its kind, target table, ALTER TABLE subcommands, and the locks it takes on which tables
 * (PostgreSQL 15 docs, "13.3 Explicit Locking" table and ALTER TABLE's notes). */
#ifndef RETORT_SQL_ANALYZE_H
#define RETORT_SQL_ANALYZE_H
#include <stdbool.h>
#include <stddef.h>

#include "server/base/arena.h"
#include "server/sql/sql.h"

/* Table-level lock modes, weakest first (so a larger value conflicts with more). */
typedef enum PgLockMode {
  PGLOCK_NONE = 0,
  PGLOCK_ACCESS_SHARE,           /* SELECT */
  PGLOCK_ROW_SHARE,              /* SELECT FOR UPDATE; FK validation's referenced table */
  PGLOCK_ROW_EXCLUSIVE,          /* INSERT, UPDATE, DELETE */
  PGLOCK_SHARE_UPDATE_EXCLUSIVE, /* CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT, COMMENT */
  PGLOCK_SHARE,                  /* CREATE INDEX */
  PGLOCK_SHARE_ROW_EXCLUSIVE,    /* ADD FOREIGN KEY (both tables), CREATE TRIGGER */
  PGLOCK_EXCLUSIVE,              /* REFRESH MATERIALIZED VIEW CONCURRENTLY */
  PGLOCK_ACCESS_EXCLUSIVE,       /* most ALTER TABLE forms, DROP, TRUNCATE */
} PgLockMode;

/** "ACCESS EXCLUSIVE", ..., "NONE". Static storage. */
const char *pglock_name(PgLockMode m);
/** True when a lock in mode `m` blocks plain INSERT/UPDATE/DELETE (ROW EXCLUSIVE). */
bool pglock_blocks_writes(PgLockMode m);
/** True when a lock in mode `m` blocks plain SELECT (ACCESS SHARE). */
bool pglock_blocks_reads(PgLockMode m);

typedef enum SqlStmtKind {
  SK_UNKNOWN = 0,    /* parsed, not one of the kinds below (kept with its node name) */
  SK_PARSE_ERROR,    /* does not parse: see error / error_offset */
  SK_CREATE_TABLE, SK_DROP_TABLE, SK_ALTER_TABLE, SK_RENAME_TABLE, SK_RENAME_COLUMN,
  SK_RENAME_OTHER,   /* ALTER INDEX/TYPE/... RENAME */
  SK_CREATE_INDEX, SK_DROP_INDEX, SK_REINDEX,
  SK_CREATE_TYPE,    /* CREATE TYPE ... AS ENUM and other type definitions */
  SK_ALTER_TYPE,     /* ALTER TYPE ... ADD VALUE / RENAME VALUE */
  SK_DROP_TYPE, SK_DROP_OTHER,
  SK_COMMENT,
  SK_INSERT, SK_UPDATE, SK_DELETE, SK_TRUNCATE, SK_SELECT,
  SK_LOCK,           /* LOCK TABLE */
  SK_TRANSACTION,    /* BEGIN / COMMIT / ROLLBACK / SAVEPOINT */
  SK_VACUUM,
  SK_SET,            /* SET / RESET (e.g. lock_timeout) */
  SK_CREATE_OTHER,   /* CREATE FUNCTION / TRIGGER / VIEW / EXTENSION / SEQUENCE ... */
} SqlStmtKind;

/** "create_index", "alter_table", ... Static storage. */
const char *sqlstmt_kind_name(SqlStmtKind k);

typedef enum SqlAlterKind {
  SA_OTHER = 0,
  SA_ADD_COLUMN, SA_DROP_COLUMN, SA_ALTER_TYPE, SA_SET_NOT_NULL, SA_DROP_NOT_NULL,
  SA_SET_DEFAULT, SA_DROP_DEFAULT, SA_ADD_CONSTRAINT, SA_DROP_CONSTRAINT,
  SA_VALIDATE_CONSTRAINT, SA_SET_STATISTICS, SA_SET_OPTIONS, SA_ENABLE_TRIGGER,
  SA_ATTACH_PARTITION, SA_DETACH_PARTITION,
} SqlAlterKind;

typedef enum SqlConstraintType {
  SC_NONE = 0, SC_PRIMARY_KEY, SC_UNIQUE, SC_FOREIGN_KEY, SC_CHECK, SC_EXCLUSION, SC_NOT_NULL,
  SC_OTHER,
} SqlConstraintType;

/* Where a piece of the analysed input is: byte offset and length (len 0: not known). */
typedef struct SqlSpan {
  size_t offset, len;
} SqlSpan;

/* A constraint as written: in CREATE TABLE (table or column level), ADD COLUMN's column,
 * or ALTER TABLE ... ADD CONSTRAINT. */
typedef struct SqlConstraintDef {
  SqlConstraintType type;
  const char *name;           /* CONSTRAINT name as written (not truncated at 63 bytes as
                                 PostgreSQL does), or NULL */
  const char **cols;          /* PRIMARY KEY / UNIQUE keys, FOREIGN KEY local columns; a column
                                 constraint: that column */
  size_t ncols;
  const char *ref_schema, *ref_table; /* FOREIGN KEY: the referenced table */
  const char **ref_cols;
  size_t nref_cols;
  const char *ondelete, *onupdate;    /* "CASCADE", "SET NULL", ...; NULL: NO ACTION */
  bool deferrable;
  const char *initially;      /* "DEFERRED" / "IMMEDIATE" when written */
  const char *expr;           /* CHECK: the condition's text, without its parentheses */
  bool not_valid;             /* NOT VALID */
  bool using_index;           /* ADD ... USING INDEX */
  SqlSpan span;               /* the constraint's text (from CONSTRAINT/the keyword) */
  SqlSpan name_span;          /* where its name is written */
} SqlConstraintDef;

/* A column definition: CREATE TABLE's, ADD COLUMN's; for ALTER COLUMN ... TYPE, the column
 * and its new type. */
typedef struct SqlColumnDef {
  const char *name;           /* as written (not truncated at 63 bytes) when its span is known */
  const char *type;           /* canonical, in the fold's spelling (sql_type_canonical) */
  const char *type_written;   /* the type's text as written ("serial", "int4[]"), or NULL */
  bool not_null;              /* NOT NULL, PRIMARY KEY or an identity */
  bool primary_key, unique, identity;
  const char *default_sql;    /* DEFAULT's expression text, or NULL */
  SqlConstraintDef *cons;     /* its constraints that are objects: PRIMARY KEY, UNIQUE,
                                 REFERENCES, CHECK */
  size_t ncons;
  SqlSpan span;               /* the whole definition */
  SqlSpan name_span, type_span;
} SqlColumnDef;

/* One ALTER TABLE subcommand. */
typedef struct SqlAlterCmd {
  SqlAlterKind kind;
  const char *subtype;        /* libpg_query's AlterTableType name ("AT_AddColumn") */
  const char *name;           /* column or constraint name, or NULL */
  SqlConstraintType contype;  /* SA_ADD_CONSTRAINT (and constraints inside ADD COLUMN) */
  bool not_valid;             /* ADD CONSTRAINT ... NOT VALID */
  bool using_index;           /* ADD CONSTRAINT ... USING INDEX */
  bool column_not_null;       /* SA_ADD_COLUMN: NOT NULL in the definition */
  bool column_default;        /* SA_ADD_COLUMN: a DEFAULT in the definition */
  const char *column_type;    /* SA_ADD_COLUMN / SA_ALTER_TYPE: type name as parsed ("int4") */
  const char *ref_schema;     /* a FOREIGN KEY's referenced table, or NULL */
  const char *ref_table;
  SqlColumnDef *column;       /* SA_ADD_COLUMN, SA_ALTER_TYPE: the column (NULL otherwise) */
  SqlConstraintDef *constraint; /* SA_ADD_CONSTRAINT: the constraint (NULL otherwise) */
  const char *default_sql;    /* SA_SET_DEFAULT: the expression's text */
} SqlAlterCmd;

typedef struct SqlLock {
  PgLockMode mode;
  const char *schema;         /* NULL: the search path's */
  const char *table;          /* for DROP INDEX: the index name (its table is not in the SQL) */
} SqlLock;

/* One statement of the analysed text. */
typedef struct SqlStmtInfo {
  SqlStmtKind kind;
  const char *node;           /* libpg_query node name ("IndexStmt"), or NULL on a parse error */
  const char *text;           /* this statement's text (no trailing ';') */
  size_t offset, len;         /* its bytes in the analysed input */
  const char *schema, *table; /* the target relation, or NULL */
  const char *name;           /* index / type / constraint name where there is one; for a
                                 rename the object renamed (column, index, type); a CREATE
                                 INDEX's name as written (not truncated) */
  const char *new_name;       /* RENAME ... TO x; ALTER TYPE ... RENAME VALUE 'a' TO 'x' */
  const char **values;        /* CREATE TYPE ... AS ENUM labels; ALTER TYPE ... ADD VALUE's */
  size_t nvalues;
  bool concurrently;          /* CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY */
  bool unique;                /* CREATE UNIQUE INDEX */
  bool if_not_exists;         /* CREATE ... IF NOT EXISTS, ADD VALUE IF NOT EXISTS */
  bool if_exists;             /* DROP ... IF EXISTS */
  bool has_where;             /* UPDATE / DELETE with a WHERE clause */
  const char *object_type;    /* DropStmt/RenameStmt/CommentStmt object ("OBJECT_TABLE") */
  SqlAlterCmd *cmds;          /* SK_ALTER_TABLE subcommands */
  size_t ncmds;
  SqlColumnDef *columns;      /* SK_CREATE_TABLE: the columns, in order */
  size_t ncolumns;
  SqlConstraintDef *constraints; /* SK_CREATE_TABLE: the table-level constraints */
  size_t nconstraints;
  const char **index_cols;    /* SK_CREATE_INDEX: each element's column name, or its
                                 expression's text */
  bool *index_exprs;          /* which of index_cols are expressions */
  size_t nindex_cols;
  const char *index_where;    /* SK_CREATE_INDEX: the WHERE predicate's text, or NULL */
  const char *index_using;    /* SK_CREATE_INDEX: the access method ("btree") */
  SqlSpan table_span;         /* where the target table's name is written */
  const char *table_written;  /* CREATE TABLE, ALTER TABLE, CREATE INDEX: the table's name as
                                 written, untruncated (`table` is PostgreSQL's, cut at 63
                                 bytes), when that span is known; else `table` */
  SqlSpan name_span;          /* SK_CREATE_INDEX: where the index name is written */
  SqlLock *locks;             /* the table locks taken (strongest per table) */
  size_t nlocks;
  bool transactional;         /* false: PostgreSQL refuses to run it inside a transaction
                                 block (CREATE/DROP INDEX CONCURRENTLY, VACUUM, ...). Where
                                 a rendered statement is placed is SqlStmt.transactional. */
  const char *error;          /* SK_PARSE_ERROR: PostgreSQL's message */
  size_t error_offset;        /* SK_PARSE_ERROR: byte offset of the error in the input */
} SqlStmtInfo;

/**
 * Splits and parses `sql` (one or many statements) with PostgreSQL's parser. On success
 * returns true with one SqlStmtInfo per statement in *out / *n. When the text does not
 * parse, returns false with exactly one SK_PARSE_ERROR entry (error, error_offset) — a
 * finding for callers, not a failure. Everything is owned by `arena`.
 */
bool sql_analyze(Arena *arena, const char *sql, SqlStmtInfo **out, size_t *n);

/** A type name as PostgreSQL's parser read it (its last name part, "int4", "bpchar",
 * "serial"; with typmods and array bounds) in the fold's canonical spelling: "integer",
 * "char(3)", "varchar(32)", "timestamp(3)", "double precision", "text[]". serial kinds are
 * their integer type. `mods` may be NULL when n is 0. Owned by `arena`. */
const char *sql_type_canonical(Arena *arena, const char *name, const long long *mods, size_t n,
                               bool array);

/**
 * The locks of one rendered statement (sql_render_*). A dynamic placeholder gives false
 * (unknown) with *out zeroed except kind SK_UNKNOWN. For DROP INDEX the lock is placed on
 * the op's table when the op knows it. Owned by `arena`.
 */
bool sql_lock_for(Arena *arena, const SqlStmt *stmt, SqlStmtInfo *out);

#endif

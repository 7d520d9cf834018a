/* fold.h - a revision's ops read as typed schema changes (FoldOp), and fold(): applying
 * them to a Schema statically, so the schema before any revision is known offline. */
#ifndef RETORT_SCHEMA_FOLD_H
#define RETORT_SCHEMA_FOLD_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/revision.h"
#include "server/base/arena.h"
#include "server/schema/schema.h"

/* NOTE: FoldOp is retort's lint/fold view of an op. server/alembic/ops.h (MigOp) is the
 * project-wide typed op model; FoldOp reads the same Revision ops and will become a thin
 * adapter over MigOp once that lands. Every pointer is owned by the arena given to
 * fold_ops_read, or borrowed from the Revision (PyValues, Ops). */

typedef enum FoldOpKind {
  FOP_OTHER,            /* a static op call retort does not model (comments, ...) */
  FOP_DYNAMIC,          /* not a literal op call: loops, helpers, get_bind() code */
  FOP_CREATE_TABLE, FOP_DROP_TABLE, FOP_RENAME_TABLE,
  FOP_ADD_COLUMN, FOP_DROP_COLUMN, FOP_ALTER_COLUMN,
  FOP_CREATE_INDEX, FOP_DROP_INDEX,
  FOP_CREATE_PRIMARY_KEY, FOP_CREATE_UNIQUE, FOP_CREATE_FOREIGN_KEY, FOP_CREATE_CHECK,
  FOP_DROP_CONSTRAINT,
  FOP_EXECUTE,          /* op.execute(sql): see FoldOp.stmts */
  FOP_BULK_INSERT,
} FoldOpKind;
const char *fold_op_kind_name(FoldOpKind k);

/* One column definition (sa.Column(...)). */
typedef struct FoldColumn {
  const char *name;
  const char *type;              /* canonical PostgreSQL type (fold_type_name), or NULL */
  const PyValue *type_expr;      /* the type argument, NULL when absent */
  bool nullable;                 /* SQLAlchemy's default: True unless primary_key */
  const PyValue *nullable_arg;   /* the `nullable=` value, or NULL */
  const char *server_default;    /* SQL text, or NULL */
  const PyValue *default_arg;    /* the `server_default=` value, or NULL */
  bool primary_key, unique, index;
  bool identity;                 /* sa.Identity() among the arguments */
  bool identity_always;          /* sa.Identity(always=True) */
  bool autoincrement_false;      /* autoincrement=False */
  bool autoincrement_true;       /* autoincrement=True */
  const char *enum_name;         /* sa.Enum(..., name=) / postgresql.ENUM: the type name */
  const char **enum_values;
  size_t nenum_values;
  bool enum_create_type;         /* the column's type creates its enum (create_type) */
  const char *comment;           /* comment=, NULL when none */
  const PyValue *expr;           /* the sa.Column(...) call */
  /* A column read from SQL (FoldSql.ops) has no PyValues; where its parts are written in the
   * revision file instead (line 0 when not known exactly: the SQL is not a plain literal). */
  SrcRange range, name_range, type_range;
  const char *type_sql;          /* from SQL: the type as written ("serial", "int4[]") */
} FoldColumn;

typedef struct FoldConstraint {
  ConstraintKind kind;
  const char *name;              /* NULL when unnamed */
  const char **cols;
  size_t ncols;
  const char *ref_table;         /* FK: referenced table ("customers" from "customers.id") */
  const char **ref_cols;
  size_t nref_cols;
  const char *expr;              /* CHECK condition text */
  bool not_valid;                /* postgresql_not_valid=True */
  const char *ref_schema;        /* FK: "s" from "s.customers.id", referent_schema= */
  const char *ondelete, *onupdate, *initially; /* FK options as written, NULL when absent */
  bool deferrable;
  const PyValue *src;            /* the constraint object / ForeignKey(...) call, or the op */
  SrcRange range, name_range;    /* from SQL: the constraint's text and its name (line 0:
                                    not known exactly) */
} FoldConstraint;

/* What the rules need from one SQL statement of op.execute: server/sql's sql_analyze
 * (PostgreSQL's parser) classifies it; a lexical reading adds enum labels and rename
 * targets, and stands in alone for text that does not parse. */
typedef enum FoldSqlKind {
  FSQL_OTHER, FSQL_SELECT, FSQL_INSERT, FSQL_UPDATE, FSQL_DELETE, FSQL_TRUNCATE,
  FSQL_CREATE_TABLE, FSQL_DROP_TABLE, FSQL_ALTER_TABLE, FSQL_CREATE_INDEX, FSQL_DROP_INDEX,
  FSQL_CREATE_ENUM, FSQL_ALTER_TYPE_ADD_VALUE, FSQL_ALTER_TYPE_RENAME, FSQL_DROP_TYPE,
  FSQL_CREATE_OTHER, FSQL_DROP_OTHER,
} FoldSqlKind;

typedef struct FoldSql {
  FoldSqlKind kind;
  const char *text;              /* the statement, NUL-terminated */
  bool parse_ok;                 /* PostgreSQL's parser accepted the whole SQL string */
  const char *table;             /* target table (unqualified), or NULL */
  const char *object;            /* index / type / sequence name, or NULL */
  const char *what;              /* FSQL_CREATE_OTHER / FSQL_DROP_OTHER: the object kind as
                                    written, lower-cased ("sequence", "extension") */
  const char *new_name;          /* ALTER TYPE ... RENAME TO x */
  bool has_where, concurrently, if_not_exists, if_exists, unique;
  /* ALTER TABLE actions seen */
  bool add_column, add_column_not_null, add_column_default, alter_type, set_not_null,
       drop_column, rename, rename_column, add_fk, add_check, add_unique, add_pk, not_valid,
       using_index;
  const char **values;           /* CREATE TYPE ... AS ENUM (values) / ADD VALUE 'v' */
  size_t nvalues;
  const char *before, *after;    /* ADD VALUE 'v' BEFORE 'x' / AFTER 'x', else NULL */
  const struct SqlStmtInfo *info; /* PostgreSQL's parse of it (server/sql/analyze.h), NULL
                                    when the SQL did not parse */
  /* The statement read as the op calls that do the same (fold_sql_ops): CREATE TABLE as
   * create_table, ALTER TABLE ... ADD COLUMN as add_column, ADD CONSTRAINT as
   * create_*_constraint / create_foreign_key / create_primary_key, ALTER COLUMN ... TYPE /
   * SET|DROP NOT NULL / DROP DEFAULT and RENAME COLUMN as alter_column, DROP COLUMN,
   * DROP CONSTRAINT, RENAME TO, CREATE / DROP INDEX, DROP TABLE. Each has from_sql set. */
  struct FoldOp *ops;
  size_t nops;
  SrcRange range;                /* where the statement is written: inside the string when
                                    it is a plain literal, else the string, else line 0 */
} FoldSql;

typedef struct FoldOp {
  FoldOpKind kind;
  const Op *op;                  /* the source statement (range, args) */
  const char *method;            /* op method name ("add_column"), NULL for FOP_DYNAMIC */
  const char *table, *schema;
  const char *name;              /* index / constraint name; column name (drop/alter) */
  const PyValue *name_arg;       /* where that name is written (or NULL) */
  const char *new_name;          /* rename_table, alter_column(new_column_name=) */
  FoldColumn *cols;              /* create_table / add_column (1); an alter_column read from
                                    SQL (ALTER COLUMN ... TYPE): the column, new type (1) */
  size_t ncols;
  FoldConstraint *cons;          /* create_table's constraints; the one of create_*_constraint */
  size_t ncons;
  const char **idx_cols;         /* create_index */
  size_t nidx_cols;
  bool unique, concurrently, if_exists, if_not_exists;
  const PyValue *concurrently_arg;
  /* alter_column */
  const char *type;              /* type_= (canonical), NULL when not changed */
  const PyValue *type_arg;
  const char *existing_type;
  int nullable;                  /* -1 unchanged, 0 NOT NULL, 1 NULL */
  const PyValue *nullable_arg;
  bool server_default_set;       /* server_default= given (NULL value drops it) */
  const char *server_default;
  const PyValue *default_arg;
  const char *constraint_type;   /* drop_constraint(type_=) */
  /* execute */
  const char *sql;
  const PyValue *sql_arg;
  FoldSql *stmts;
  size_t nstmts;
  /* create_table(comment=), alter_column(comment=), create_table_comment / drop_table_comment */
  bool comment_set;
  const char *comment;           /* NULL with comment_set: the comment is removed */
  /* create_index */
  const char *where;             /* postgresql_where= (SQL text) */
  const char *using;             /* postgresql_using= */
  /* context */
  bool in_batch;                 /* inside `with op.batch_alter_table(...)` */
  bool in_autocommit;            /* inside `with op.get_context().autocommit_block()` */
  bool dynamic;                  /* computed arguments or not an op call at all */
  const char *dynamic_reason;
  /* An op read from a statement of op.execute (FoldSql.ops): `op`, `sql_arg` and the
   * context are the execute call's, `method` the equivalent op method, `sql` the statement;
   * PyValues are NULL and the ranges below say where things are written. */
  const FoldSql *from_sql;       /* the statement, NULL for an op call */
  SrcRange sql_range;            /* from_sql: the statement's range (FoldSql.range) */
  SrcRange name_range;           /* from_sql: where the table / index / constraint name is
                                    (line 0: not known exactly) */
} FoldOp;

typedef struct FoldOpList {
  FoldOp *items;
  size_t len;
} FoldOpList;

/** Reads a function body's ops (batch and autocommit blocks flattened, in order).
 * Never fails; what cannot be read statically is FOP_DYNAMIC. Owned by `arena`. */
FoldOpList fold_ops_read(Arena *arena, const OpList *ops);

/** The canonical PostgreSQL type of a SQLAlchemy type expression (sa.String(32) →
 * "varchar(32)", sa.DateTime(timezone=True) → "timestamptz", postgresql.JSONB →
 * "jsonb", sa.Enum(..., name="x") → "x"), or NULL for NULL. Owned by `arena`. */
const char *fold_type_name(Arena *arena, const PyValue *type);

/** The canonical PostgreSQL type of a type already read by ops.h (ops_read_type): what
 * fold_type_name gives for the expression it was read from. NULL for NULL. Owned by
 * `arena`. */
const char *fold_sqltype_name(Arena *arena, const SqlType *t);

/** SQL text of a server_default value ('x' → "'x'", sa.text("now()") → "now()",
 * sa.func.now() → "now()"), or NULL. Owned by `arena`. */
const char *fold_default_sql(Arena *arena, const PyValue *v);

/** Splits and reads a SQL string (see FoldSql). Owned by `arena`. */
FoldSql *fold_sql_read(Arena *arena, const char *sql, size_t *n);

/** For an op.execute FoldOp `f` whose statements were read (f->stmts): fills each
 * statement's `ops` (the op calls that do the same) and the ranges of the statements and
 * of their parts, mapped into the revision file when the SQL is a plain string literal
 * (no escapes, no implicit concatenation). fold_ops_read calls it. Owned by `arena`. */
void fold_sql_ops(Arena *arena, FoldOp *f);

/** Applies one op to `s`. Unknown tables referenced by an op are created on the fly
 * (their earlier history was dynamic or raw SQL), so later ops still fold. */
void fold_op(Schema *s, const FoldOp *op);
/** Applies every op in order. */
void fold_ops(Schema *s, const FoldOpList *ops);
/** Applies a revision's upgrade() (REV_PARSE_FULL revisions; others do nothing). */
void fold_revision(Schema *s, const Revision *rev);

#endif

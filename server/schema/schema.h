/* schema.h - a PostgreSQL schema known statically: tables, columns, indexes, constraints,
 * enum types and sequences, as folded from migrations (fold.h) or read from models. */
#ifndef RETORT_SCHEMA_SCHEMA_H
#define RETORT_SCHEMA_SCHEMA_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/ops.h"
#include "server/base/arena.h"

/* Names are compared exactly (Alembic passes them quoted as written). A NULL schema
 * name means the default schema and matches "public". Every string is owned by the
 * Schema's arena; arrays of pointers are malloc'd and freed by schema_delete. */
typedef struct SchemaColumn {
  const char *name;
  const char *type;           /* canonical PostgreSQL type: "integer", "varchar(255)",
                                 "timestamptz", "order_status" (an enum), ... or NULL */
  bool nullable;
  const char *server_default; /* SQL text, NULL when none */
  bool identity;              /* GENERATED ... AS IDENTITY or serial */
  const char *comment;        /* COMMENT ON COLUMN, NULL when none */
} SchemaColumn;

/* ConstraintKind (CON_PRIMARY_KEY, CON_UNIQUE, CON_FOREIGN_KEY, CON_CHECK) is ops.h's. */
const char *constraint_kind_name(ConstraintKind k); /* "primary key", "unique", ... */

typedef struct SchemaConstraint {
  ConstraintKind kind;
  const char *name;           /* NULL when unnamed (PostgreSQL picks one) */
  const char **cols;
  size_t ncols;
  const char *ref_table;      /* CON_FOREIGN_KEY */
  const char **ref_cols;
  size_t nref_cols;
  const char *expr;           /* CON_CHECK: the condition text */
  bool not_valid;
  const char *ref_schema;     /* CON_FOREIGN_KEY: the referenced table's schema, NULL: default */
  const char *ondelete, *onupdate; /* CON_FOREIGN_KEY: "CASCADE", "SET NULL", ...; NULL: NO ACTION */
  bool deferrable;            /* DEFERRABLE */
  const char *initially;      /* "DEFERRED" / "IMMEDIATE" or NULL */
} SchemaConstraint;

typedef struct SchemaIndex {
  const char *name;
  const char **cols;          /* column names or expression text */
  size_t ncols;
  bool unique;
  const char *where;          /* partial index predicate (SQL text), NULL when none */
  const char *method;         /* access method when not btree ("gin", "gist"), else NULL */
} SchemaIndex;

typedef struct SchemaTable {
  const char *schema;         /* NULL: default schema */
  const char *name;
  SchemaColumn **cols;
  size_t ncols, capcols;
  SchemaIndex **indexes;
  size_t nindexes, capindexes;
  SchemaConstraint **cons;
  size_t ncons, capcons;
  bool is_new;                /* created since the last schema_mark_existing */
  const char *comment;        /* COMMENT ON TABLE, NULL when none */
} SchemaTable;

typedef struct SchemaEnum {
  const char *schema;
  const char *name;
  const char **values;
  size_t nvalues;
} SchemaEnum;

typedef struct Schema {
  Arena *arena;
  SchemaTable **tables;
  size_t ntables, captables;
  SchemaEnum **enums;
  size_t nenums, capenums;
  const char **sequences;
  size_t nsequences, capsequences;
} Schema;

/** An empty schema. Free with schema_delete. */
Schema *schema_new(void);
/** Frees the schema and everything it owns. schema_delete(NULL) is a no-op. */
void schema_delete(Schema *s);
/** A deep copy (free with schema_delete). */
Schema *schema_clone(const Schema *s);
/** A schema holding only the enum types of `s` (cheap: no tables). Free with schema_delete. */
Schema *schema_clone_enums(const Schema *s);
/** Clears every table's is_new flag (called when a new revision starts). */
void schema_mark_existing(Schema *s);

/** The table, or NULL. Borrowed. */
SchemaTable *schema_table(const Schema *s, const char *schema, const char *name);
/** Adds a table (or returns the existing one, emptied of nothing). Marked is_new. */
SchemaTable *schema_table_add(Schema *s, const char *schema, const char *name);
/** Drops a table with its indexes and constraints. False when it was not known. */
bool schema_table_drop(Schema *s, const char *schema, const char *name);
/** Renames a table (indexes and constraints stay with it). False when it was not known. */
bool schema_table_rename(Schema *s, const char *schema, const char *name, const char *new_name);

/** The column of `t` (NULL-safe: a NULL table has no columns), or NULL. Borrowed. */
SchemaColumn *schema_column(const SchemaTable *t, const char *name);
/** Adds (or replaces) a column; strings are copied into the schema's arena. */
SchemaColumn *schema_column_add(Schema *s, SchemaTable *t, const char *name, const char *type,
                                bool nullable, const char *server_default);
/** Drops a column and the indexes and constraints that use it (as PostgreSQL does). */
bool schema_column_drop(SchemaTable *t, const char *name);
/** Renames a column, and its name inside the table's indexes and constraints. */
bool schema_column_rename(Schema *s, SchemaTable *t, const char *name, const char *new_name);

/** The index named `name` in `schema`, or NULL; *table_out (may be NULL) gets its table. */
SchemaIndex *schema_index(const Schema *s, const char *schema, const char *name,
                          SchemaTable **table_out);
/** Adds an index to `t`; the name and columns are copied (set where/method afterwards
 * with schema_strdup). */
SchemaIndex *schema_index_add(Schema *s, SchemaTable *t, const char *name,
                              const char *const *cols, size_t ncols, bool unique);
/** Drops the index named `name` in `schema`. False when it was not known. */
bool schema_index_drop(Schema *s, const char *schema, const char *name);

/** A copy of `x` owned by the schema (NULL for NULL), for the optional fields. */
const char *schema_strdup(Schema *s, const char *x);

/** The named constraint of `t`, or NULL. */
SchemaConstraint *schema_constraint(const SchemaTable *t, const char *name);
/** Adds a constraint; all strings and arrays are copied. */
SchemaConstraint *schema_constraint_add(Schema *s, SchemaTable *t, const SchemaConstraint *c);
/** Drops the named constraint of `t` (NULL-safe); an unnamed one answers to the name
 * PostgreSQL gave it (schema_constraint_default_name). False when it was not known. */
bool schema_constraint_drop(SchemaTable *t, const char *name);

/**
 * PostgreSQL's makeObjectName: `name1` `_name2` `_label`, the first two shortened
 * alternately to fit 63 bytes (never inside a UTF-8 sequence). `name2` and `label` may be
 * NULL. Owned by `a`.
 */
const char *schema_object_name(Arena *a, const char *name1, const char *name2, const char *label);

/**
 * The name PostgreSQL gives a constraint of `t` created without one: t_pkey, t_c1_c2_key,
 * t_c1_c2_fkey, t_col_check when the CHECK condition `expr` uses exactly one column of
 * `t` (else t_check). Without the numeric suffix PostgreSQL adds on a collision. Owned by
 * `a`.
 */
const char *schema_constraint_default_name(Arena *a, const SchemaTable *t, ConstraintKind kind,
                                           const char *const *cols, size_t ncols,
                                           const char *expr);

/** The enum type, or NULL. Borrowed. */
SchemaEnum *schema_enum(const Schema *s, const char *schema, const char *name);
/** Adds an enum type, or replaces the labels of an existing one; everything is copied. */
SchemaEnum *schema_enum_add(Schema *s, const char *schema, const char *name,
                            const char *const *values, size_t nvalues);
/** Appends a label (ALTER TYPE ... ADD VALUE). False when it is already there. */
bool schema_enum_add_value(Schema *s, SchemaEnum *e, const char *value);
/** Adds a label before `before` or after `after` (one may be given; an unknown neighbour or
 * neither: at the end), as ADD VALUE ... BEFORE / AFTER. False when it is already there. */
bool schema_enum_insert_value(Schema *s, SchemaEnum *e, const char *value, const char *before,
                              const char *after);
/** Drops / renames an enum type. False when it was not known. */
bool schema_enum_drop(Schema *s, const char *schema, const char *name);
bool schema_enum_rename(Schema *s, const char *schema, const char *name, const char *new_name);

/** Sequences by name (CREATE / DROP SEQUENCE seen in raw SQL). */
bool schema_sequence_has(const Schema *s, const char *name);
void schema_sequence_add(Schema *s, const char *name);
bool schema_sequence_drop(Schema *s, const char *name);

/** True when an index, primary key or unique constraint of `t` starts with exactly
 * these columns (in any order among the first ncols), so lookups by them are indexed. */
bool schema_table_has_index_on(const SchemaTable *t, const char *const *cols, size_t ncols);

#endif

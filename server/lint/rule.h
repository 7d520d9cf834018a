/* rule.h - what a rule file sees: the lint context, the configuration's details and the
 * reporting helpers. Internal to server/lint (tools include lint.h only). */
#ifndef RETORT_LINT_RULE_H
#define RETORT_LINT_RULE_H
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "server/lint/lint.h"
#include "server/schema/fold.h"

typedef struct TypePattern {
  const char *pattern; /* fnmatch pattern on the column name */
  const char *type;    /* canonical type it must have ("uuid", "tsvector") */
} TypePattern;

typedef struct ColumnGroup {
  const char **cols;
  size_t ncols;
} ColumnGroup;

struct LintConfig {
  Arena *arena;
  int pg_version;
  signed char *enabled; /* per registry index: -1 default, 0 off, 1 on */
  signed char *severity; /* per registry index: -1 default, else a Severity */
  const char **protected_tables;
  size_t nprotected;
  ColumnGroup *groups;
  size_t ngroups;
  TypePattern *types;
  size_t ntypes;
  const char **enum_like;
  size_t nenum_like;
  const char *naming;   /* constraint_naming source, NULL when unset */
  regex_t naming_re;
};

typedef struct Suppression {
  uint32_t line;
  const char *ids; /* "a, b" as written inside the brackets */
} Suppression;

struct LintCtx {
  const LintConfig *cfg;
  const Graph *graph;        /* may be NULL (lint_revision_with_schema without a graph) */
  const Revision *rev;
  const char *src;           /* the revision's source, NULL when unavailable */
  size_t len;
  const FoldOpList *up, *down;
  const Schema *schema;      /* check_op: just before the op; check_revision: after upgrade */
  const Schema *before_enums; /* the enum types before the revision (no tables) */
  const LintRule *rule;      /* the rule being run (set by the engine) */
  Arena *arena;              /* per revision scratch */
  FindingList *out;
  const Suppression *sup;
  size_t nsup;
};

/** Reports a finding of the running rule at `r`; `fix` (may be NULL) replaces the text
 * of `r`. Severity and help come from the configuration and the doc page; suppressed
 * findings are dropped here. */
void lint_report(LintCtx *ctx, SrcRange r, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** The range of `v` when it is known, else the op's. */
SrcRange lint_range(const FoldOp *op, const PyValue *v);
/** The range of a keyword argument, `name=value`, from its value `v` (falls back to the
 * value's range, then the op's). */
SrcRange lint_kwarg_range(const LintCtx *ctx, const FoldOp *op, const PyValue *v);
/** True when the op's table exists before this op and was not created in this revision
 * (a table retort never saw counts as existing: its history was dynamic or raw SQL). */
bool lint_table_existing(const LintCtx *ctx, const char *schema, const char *table);
/** Same test for the table an SQL statement names (default schema). */
bool lint_sql_table_existing(const LintCtx *ctx, const char *table);
/** The op's call text with `kwarg` (e.g. "postgresql_concurrently=True") added before its
 * closing parenthesis, or NULL when the op's source is not a single call. Owned by ctx. */
const char *lint_fix_add_kwarg(const LintCtx *ctx, const FoldOp *op, const char *kwarg);
/** The module prefix of a SQLAlchemy name ("sa." for "sa.Integer", "" for "Integer"). */
const char *lint_type_prefix(const LintCtx *ctx, const PyValue *type);
/** True when `name` matches one of the fnmatch patterns. */
bool lint_name_matches(const char *const *patterns, size_t n, const char *name);
/** Calls fn for every column an op defines: create_table's and add_column's columns, and
 * alter_column(type_=...) as a column with that name and new type (expr NULL). */
typedef void (*LintColumnFn)(LintCtx *ctx, const FoldOp *op, const FoldColumn *c);
void lint_each_column(LintCtx *ctx, const FoldOp *op, LintColumnFn fn);
/* SQL as op calls (walk.c). op.execute("CREATE TABLE ...") / sa.text(...) statements are
 * read as the op calls that do the same (FoldSql.ops, each with from_sql set); rules that
 * judge op calls visit those too through these helpers. */
typedef void (*LintOpFn)(LintCtx *ctx, const FoldOp *op);
/** Calls fn for `op` and, when it is an op.execute, for each op its SQL reads as. */
void lint_each_op(LintCtx *ctx, const FoldOp *op, LintOpFn fn);
/** lint_each_op over every op of the revision's upgrade(), in order (revision rules). */
void lint_each_upgrade_op(LintCtx *ctx, LintOpFn fn);
/** lint_each_column, where an ALTER COLUMN ... TYPE read from SQL gives its column with the
 * ranges of the SQL text. */
void lint_each_column_of(LintCtx *ctx, const FoldOp *op, LintColumnFn fn);
/** The range of `v` when known, else `sql` (a part of SQL text, line 0 when not known
 * exactly), else the SQL statement of an op read from SQL, else the op's. */
SrcRange lint_at(const FoldOp *op, const PyValue *v, SrcRange sql);
/** Where a column is defined (sa.Column(...) or its SQL definition). */
SrcRange lint_column_range(const FoldOp *op, const FoldColumn *c);
/** Where a column's type is written, else lint_column_range. */
SrcRange lint_column_type_range(const FoldOp *op, const FoldColumn *c);
/** Where a constraint is written. */
SrcRange lint_constraint_range(const FoldOp *op, const FoldConstraint *c);
/** Whether a range from SQL is exact (inside a plain literal): a fix may replace it. */
bool lint_exact(SrcRange r);

/** True when column `name` is among a foreign key's local columns of the op. */
bool lint_column_in_fk(const FoldOp *op, const char *name);
/** True when the statement is DDL (changes the schema) / DML (changes rows). */
bool lint_sql_is_ddl(const FoldSql *st);
bool lint_sql_is_dml(const FoldSql *st);
/** Whether `word` occurs as a whole word in `text`, case-insensitively. */
bool lint_has_word(const char *text, const char *word);

#endif

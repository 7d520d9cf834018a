/* lint.h - the migration linter: rules over each revision's ops, in the context of the
 * schema folded from its ancestors, configured from the [retort] section of alembic.ini. */
#ifndef RETORT_LINT_LINT_H
#define RETORT_LINT_LINT_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/graph.h"
#include "server/alembic/project.h"
#include "server/alembic/revision.h"
#include "server/base/error.h"
#include "server/base/finding.h"
#include "server/schema/schema.h"

/* One rule of the registry (server/lint/registry.c names them all). */
typedef struct LintCtx LintCtx;
typedef struct FoldOp FoldOp;
typedef struct LintRule {
  const char *id;        /* kebab-case, what users write: "ban-drop-column" */
  const char *name;      /* the C function's name: "rule_ban_drop_column" */
  Severity severity;     /* default severity */
  bool opt_in;           /* off unless listed in `enable` */
  const char *summary;   /* one line */
  /* Called for each upgrade() op with the schema as it is just before that op. */
  void (*check_op)(LintCtx *ctx, const FoldOp *op);
  /* Called once per revision, after the op checks, with the schema after upgrade(). */
  void (*check_revision)(LintCtx *ctx);
  /* Both NULL: a graph rule; its findings come from graph_build (lint_graph_findings). */
} LintRule;

/** Every rule, in registry order (an array of *n pointers). Static; never freed. */
const LintRule *const *lint_rules(size_t *n);
/** The rule with this id, or NULL. */
const LintRule *lint_rule_find(const char *id);
/** The rule's doc page (Markdown: problem, solution, before/after example), or NULL for an
 * unknown id. Static data. */
const char *lint_rule_doc(const char *id);

/* ---- configuration -------------------------------------------------------------- */

/* Keys of [retort] (all optional):
 *   postgresql_version = 15           target server major version (9.6 reads as 9)
 *   disable = rule-a, rule-b          rules turned off
 *   enable = opt-in-rule              opt-in rules turned on (or disabled ones back on)
 *   severity.<rule-id> = warning      error | warning | info
 *   protected_tables = audit_log, ... no DELETE, TRUNCATE or DROP on them
 *   column_groups = is_deleted, deleted_at; created_by, updated_by
 *                                     ';' (or newline) between groups, ',' inside one
 *   column_types = search_vector=tsvector, id=uuid, *_id=uuid
 *                                     shell patterns (fnmatch) on column names
 *   constraint_naming = ^(pk|uq|fk|ck|ix)_[a-z0-9_]+$
 *                                     POSIX extended regex every constraint and index
 *                                     name must match
 *   enum_like_columns = status, state, *_status, *_state
 *                                     string columns that need a CHECK (this is the default;
 *                                     add e.g. *_type, kind for your schema)
 * Lists are separated by commas, spaces or newlines. */
typedef struct LintConfig LintConfig;

/** Defaults: every rule that is not opt-in, PostgreSQL 15. Free with lint_config_delete. */
LintConfig *lint_config_new(void);
/** lint_config_delete(NULL) is a no-op. */
void lint_config_delete(LintConfig *cfg);
/**
 * Applies one [retort] key. Unrelated keys (models, timeouts...) are accepted and ignored.
 * Fails with ERR_CONFIG (cfg keeps its previous value for that key) on an unknown rule id,
 * a bad severity, version or regex; the message names the key and the value.
 */
bool lint_config_set(LintConfig *cfg, const char *key, const char *value, RtError *err);
/** Reads every setting of the project (project_settings_each: alembic.ini's [retort], then
 * pyproject.toml's [tool.retort]; none: defaults). On failure returns false, *out is NULL
 * and err says which key of which file is wrong. */
bool lint_config_from_project(const Project *p, LintConfig **out, RtError *err);
int lint_config_pg_version(const LintConfig *cfg);
/** Whether the rule runs under this configuration. */
bool lint_config_enabled(const LintConfig *cfg, const LintRule *rule);
Severity lint_config_severity(const LintConfig *cfg, const LintRule *rule);

/* ---- linting -------------------------------------------------------------------- */

/* A revision's source text, for `# retort: ignore[rule-id, ...]` comments and fixes. */
typedef struct LintSource {
  const char *src; /* NULL: read the file at Revision.path (unreadable: no suppressions) */
  size_t len;
} LintSource;

/**
 * Lints `revs` (REV_PARSE_FULL revisions of `g`; others are skipped) and appends their
 * findings to `out`. Each revision is checked against the schema before it: the fold of
 * its ancestors (down revisions and depends_on, transitively) in apply order, so the
 * graph's revisions should be full parses too (a header-only ancestor contributes
 * nothing, and tables it made count as existing ones). `srcs` (may be NULL) parallels
 * `revs`. Graph problems are not re-reported here: see lint_graph_findings.
 * Ops that are not static (computed arguments, loops, helpers, get_bind() code) are
 * folded for what is known but not judged by op rules; revision rules may still count them
 * (a get_bind() block is a data migration).
 * Suppression: `# retort: ignore[a, b]` (or `ignore[all]`) on a finding's first line or
 * the line above it.
 * Returns false only for a NULL config (ERR_PARAMS).
 */
bool lint_revisions(const LintConfig *cfg, const Graph *g, Revision *const *revs, size_t n,
                    const LintSource *srcs, FindingList *out, RtError *err);

/* A cache of "schema before a revision" for a long-lived caller (a tool session, an
 * editor's project): keyed on the folded content of the ancestors in apply order, so an
 * edited ancestor (or a changed order of them) misses and an edit of the linted file itself
 * hits. Not thread-safe: one caller at a time. Free with lint_schema_cache_delete. */
typedef struct LintSchemaCache LintSchemaCache;

/** A new, empty cache (holds a few schemas). */
LintSchemaCache *lint_schema_cache_new(void);
/** Frees the cache and its schemas. lint_schema_cache_delete(NULL) is a no-op. */
void lint_schema_cache_delete(LintSchemaCache *c);
/** How many lookups found / did not find their schema (for tests and benchmarks). */
void lint_schema_cache_stats(const LintSchemaCache *c, size_t *hits, size_t *misses);

/**
 * lint_revisions, with the schema before a single revision (n == 1) taken from `cache`
 * when its ancestors' ops are unchanged (folded and stored otherwise). Findings are
 * exactly lint_revisions'. `cache` NULL or n != 1: lint_revisions itself.
 */
bool lint_revisions_cached(LintSchemaCache *cache, const LintConfig *cfg, const Graph *g,
                           Revision *const *revs, size_t n, const LintSource *srcs,
                           FindingList *out, RtError *err);

/**
 * Lints one revision against a schema the caller already has (e.g. a session's cached
 * lint_schema_before result, valid while no ancestor file changed): the warm path of an
 * editor re-linting the file being typed. `before` is not modified; `g` may be NULL
 * (graph-aware rules then stay silent); `src` may be NULL (read Revision.path).
 * Findings are those lint_revisions would give for `rev`.
 */
bool lint_revision_with_schema(const LintConfig *cfg, const Graph *g, const Revision *rev,
                               const LintSource *src, const Schema *before, FindingList *out,
                               RtError *err);

/** Copies graph_build's problems into `out` with the configuration applied: findings of
 * disabled rules dropped, severities overridden. Unknown rule ids are copied as they are. */
void lint_graph_findings(const LintConfig *cfg, const FindingList *problems, FindingList *out);

/** The schema before `rev` (its ancestors folded in apply order). Free with schema_delete. */
Schema *lint_schema_before(const Graph *g, const Revision *rev);

#endif

/* registry.c - the one list naming every lint rule, with its doc page.
 *
 * Ids follow squawk's where the two overlap; retort's own are kebab-case sentences:
 *   ban-*      an operation that is unsafe or destructive wherever it appears
 *   prefer-*   a type or form with a better alternative
 *   require-*  something the operation lacks (CONCURRENTLY, a WHERE clause, an index)
 *   adding-*, changing-*, renaming-*, setting-*  ALTER TABLE forms that lock or rewrite
 * Graph rules (no check function) come from graph_build; they are listed so that
 * `disable`, `enable` and `severity.<id>` apply to them too.
 *
 *  id                                           default   what
 *  adding-not-nullable-field                    error     ADD COLUMN NOT NULL without server_default
 *  adding-field-with-default                    warning   volatile default (any default before PG 11)
 *  setting-not-nullable-field                   error     SET NOT NULL on an existing table
 *  changing-column-type                         error     ALTER COLUMN TYPE that rewrites the table
 *  require-concurrent-index-creation            error     CREATE INDEX without CONCURRENTLY
 *  require-concurrent-index-deletion            warning   DROP INDEX without CONCURRENTLY
 *  ban-concurrent-index-creation-in-transaction error     CONCURRENTLY outside autocommit_block()
 *  constraint-missing-not-valid                 error     FOREIGN KEY / CHECK without NOT VALID
 *  disallowed-unique-constraint                 error     ADD UNIQUE instead of a concurrent index
 *  adding-primary-key-constraint                error     ADD PRIMARY KEY on an existing table
 *  ban-drop-column                              warning   DROP COLUMN
 *  ban-drop-table                               warning   DROP TABLE
 *  renaming-column                              warning   RENAME COLUMN
 *  renaming-table                               warning   RENAME TABLE
 *  prefer-enum-add-value                        warning   enum type dropped and recreated
 *  ban-char-field                               warning   char(n)
 *  prefer-jsonb                                 warning   json
 *  prefer-timestamptz                           warning   timestamp without time zone
 *  prefer-bigint-over-int                       warning   integer keys
 *  prefer-identity                              warning   serial keys
 *  identifier-too-long                          error     names over 63 bytes (silently truncated)
 *  unnamed-constraint                           warning   constraints without a name
 *  require-where-clause                         error     DELETE / UPDATE without WHERE
 *  separate-data-migration                      warning   data changes mixed with schema changes
 *  missing-downgrade                            warning   no downgrade()
 *  empty-downgrade                              warning   downgrade() does nothing
 *  incomplete-downgrade                         warning   an upgrade op downgrade() does not undo
 *  protected-table                              error     DELETE/TRUNCATE/DROP on protected_tables
 *  column-group                                 error     part of a column_groups group added
 *  column-type-pattern                          error     column_types violated
 *  require-fk-index                             warning   foreign key columns without an index
 *  enum-like-column-without-check               warning   status-like string column, no CHECK
 *  raw-sql-without-guard                        warning   (opt-in) raw DDL without IF [NOT] EXISTS
 *  constraint-naming                            warning   names not matching constraint_naming
 *  not-based-on-head                            warning   a head revision beside another head
 *  multiple-heads, missing-revision, missing-dependency, duplicate-revision,
 *  revision-cycle, invalid-revision-id, duplicate-branch-label, file-name-mismatch,
 *  docstring-mismatch                           graph rules (see graph.h)
 */
#include <string.h>

#include "server/base/embed.h"
#include "server/lint/rule.h"

extern const EmbeddedFile retort_lint_docs[];

#define RULES(X)                                                                          \
  X(adding_not_nullable_field) X(adding_field_with_default) X(setting_not_nullable_field)  \
  X(changing_column_type) X(require_concurrent_index_creation)                            \
  X(require_concurrent_index_deletion) X(ban_concurrent_index_creation_in_transaction)    \
  X(constraint_missing_not_valid) X(disallowed_unique_constraint)                         \
  X(adding_primary_key_constraint) X(ban_drop_column) X(ban_drop_table)                   \
  X(renaming_column) X(renaming_table) X(prefer_enum_add_value) X(ban_char_field)         \
  X(prefer_jsonb) X(prefer_timestamptz) X(prefer_bigint_over_int) X(prefer_identity)      \
  X(identifier_too_long) X(unnamed_constraint) X(require_where_clause)                    \
  X(separate_data_migration) X(missing_downgrade) X(empty_downgrade)                      \
  X(incomplete_downgrade) X(protected_table) X(column_group) X(column_type_pattern)       \
  X(require_fk_index) X(enum_like_column_without_check) X(raw_sql_without_guard)          \
  X(constraint_naming) X(not_based_on_head)

#define DECLARE(name) extern const LintRule rule_##name;
RULES(DECLARE)
#undef DECLARE

#define GRAPH_RULE(var, id_, sev, what) \
  static const LintRule var = {id_, NULL, sev, false, what, NULL, NULL};
GRAPH_RULE(graph_multiple_heads, "multiple-heads", SEV_WARNING, "more than one head revision")
GRAPH_RULE(graph_missing_revision, "missing-revision", SEV_ERROR, "down_revision names no revision")
GRAPH_RULE(graph_missing_dependency, "missing-dependency", SEV_ERROR,
           "depends_on names no revision or label")
GRAPH_RULE(graph_duplicate_revision, "duplicate-revision", SEV_WARNING,
           "two files declare the same revision id")
GRAPH_RULE(graph_revision_cycle, "revision-cycle", SEV_ERROR, "revisions form a cycle")
GRAPH_RULE(graph_invalid_revision_id, "invalid-revision-id", SEV_ERROR,
           "a revision id Alembic refuses")
GRAPH_RULE(graph_duplicate_branch_label, "duplicate-branch-label", SEV_ERROR,
           "a branch label used twice")
GRAPH_RULE(graph_file_name_mismatch, "file-name-mismatch", SEV_INFO,
           "the file name lacks the revision id")
GRAPH_RULE(graph_docstring_mismatch, "docstring-mismatch", SEV_INFO,
           "docstring ids disagree with the code")

#define ADDRESS(name) &rule_##name,
static const LintRule *const REGISTRY[] = {
    RULES(ADDRESS)
    &graph_multiple_heads, &graph_missing_revision, &graph_missing_dependency,
    &graph_duplicate_revision, &graph_revision_cycle, &graph_invalid_revision_id,
    &graph_duplicate_branch_label, &graph_file_name_mismatch, &graph_docstring_mismatch,
};
#undef ADDRESS

const LintRule *const *lint_rules(size_t *n) {
  *n = sizeof REGISTRY / sizeof REGISTRY[0];
  return REGISTRY;
}

const LintRule *lint_rule_find(const char *id) {
  for (size_t k = 0; id && k < sizeof REGISTRY / sizeof REGISTRY[0]; k++)
    if (!strcmp(REGISTRY[k]->id, id)) return REGISTRY[k];
  return NULL;
}

const char *lint_rule_doc(const char *id) {
  if (!id || !lint_rule_find(id)) return NULL;
  char name[128];
  size_t len = strlen(id);
  if (len + 4 > sizeof name) return NULL;
  memcpy(name, id, len);
  memcpy(name + len, ".md", 4);
  const EmbeddedFile *f = embed_find(retort_lint_docs, name);
  return f ? f->data : NULL;
}

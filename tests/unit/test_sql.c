/* test_sql.c - SQL rendering: identifier and literal quoting against SQLAlchemy's rules,
 * the version-table statements, and conformance with Debian's `alembic upgrade --sql` /
 * `downgrade --sql` on tests/sqlconf/project, statement by statement, compared as
 * libpg_query parse trees (locations removed), not as text. */
#include <criterion/criterion.h>
#include <pg_query.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/alembic/ops.h"
#include "server/alembic/revision.h"
#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/sql/sql.h"

#define SQLCONF RETORT_SOURCE_DIR "/tests/sqlconf/project"

static Arena *arena;

static void setup(void) { arena = arena_new(); }
static void teardown(void) { arena_delete(arena); }

TestSuite(quote, .init = setup, .fini = teardown);

Test(quote, plain_lower_case_is_bare) {
  cr_assert_str_eq(sql_quote_ident(arena, "customers"), "customers");
  cr_assert_str_eq(sql_quote_ident(arena, "order_items_2"), "order_items_2");
  cr_assert_str_eq(sql_quote_ident(arena, "a$b"), "a$b");
  cr_assert_str_eq(sql_quote_ident(arena, "_x"), "_x");
}

Test(quote, reserved_words_any_case) {
  cr_assert_str_eq(sql_quote_ident(arena, "user"), "\"user\"");
  cr_assert_str_eq(sql_quote_ident(arena, "order"), "\"order\"");
  cr_assert_str_eq(sql_quote_ident(arena, "table"), "\"table\"");
  cr_assert_str_eq(sql_quote_ident(arena, "current_timestamp"), "\"current_timestamp\"");
  cr_assert_str_eq(sql_quote_ident(arena, "Select"), "\"Select\"");
  cr_assert(sql_is_reserved("SELECT"));
  cr_assert(sql_is_reserved("analyse"));
  // Non-reserved in SQLAlchemy's list although keywords for PostgreSQL: left bare.
  cr_assert_str_eq(sql_quote_ident(arena, "name"), "name");
  cr_assert_str_eq(sql_quote_ident(arena, "type"), "type");
  cr_assert_str_eq(sql_quote_ident(arena, "value"), "value");
  cr_assert(!sql_is_reserved("status"));
}

Test(quote, upper_mixed_case_and_leading_characters) {
  cr_assert_str_eq(sql_quote_ident(arena, "CamelCase"), "\"CamelCase\"");
  cr_assert_str_eq(sql_quote_ident(arena, "ID"), "\"ID\"");
  cr_assert_str_eq(sql_quote_ident(arena, "1abc"), "\"1abc\"");
  cr_assert_str_eq(sql_quote_ident(arena, "$x"), "\"$x\"");
  cr_assert_str_eq(sql_quote_ident(arena, "with space"), "\"with space\"");
  cr_assert_str_eq(sql_quote_ident(arena, "dash-ed"), "\"dash-ed\"");
  cr_assert_str_eq(sql_quote_ident(arena, ""), "\"\"");
}

Test(quote, embedded_quotes_doubled) {
  cr_assert_str_eq(sql_quote_ident(arena, "a\"b"), "\"a\"\"b\"");
  cr_assert_str_eq(sql_quote_ident(arena, "\""), "\"\"\"\"");
}

Test(quote, unicode_follows_python_re_ignorecase) {
  cr_assert_str_eq(sql_quote_ident(arena, "café"), "\"café\"");
  cr_assert_str_eq(sql_quote_ident(arena, "日本"), "\"日本\"");
  // re.I lets [A-Z] match ı (U+0131) and ſ (U+017F), both their own lower case: bare.
  cr_assert_str_eq(sql_quote_ident(arena, "ıd"), "ıd");
  cr_assert_str_eq(sql_quote_ident(arena, "ſ"), "ſ");
  // K (U+212A KELVIN SIGN) matches too, but lower() changes it: quoted.
  cr_assert_str_eq(sql_quote_ident(arena, "\xe2\x84\xaa"), "\"\xe2\x84\xaa\"");
}

Test(quote, qualified_and_literals) {
  cr_assert_str_eq(sql_quote_qualified(arena, "audit", "user"), "audit.\"user\"");
  cr_assert_str_eq(sql_quote_qualified(arena, NULL, "t"), "t");
  cr_assert_str_eq(sql_quote_literal(arena, "it's"), "'it''s'");
  cr_assert_str_eq(sql_quote_literal(arena, "C:\\temp"), "'C:\\\\temp'");
  cr_assert_str_eq(sql_quote_literal(arena, "100%"), "'100%'");
}

Test(quote, version_table_statements) {
  cr_assert_str_eq(sql_version_insert(arena, NULL, NULL, "r01"),
                   "INSERT INTO alembic_version (version_num) VALUES ('r01') RETURNING "
                   "alembic_version.version_num");
  cr_assert_str_eq(sql_version_update(arena, NULL, NULL, "r01", "r02"),
                   "UPDATE alembic_version SET version_num='r02' WHERE "
                   "alembic_version.version_num = 'r01'");
  cr_assert_str_eq(sql_version_delete(arena, NULL, NULL, "r01"),
                   "DELETE FROM alembic_version WHERE alembic_version.version_num = 'r01'");
  cr_assert_str_eq(sql_version_drop_table(arena, "ops", "Versions"), "DROP TABLE ops.\"Versions\"");
  cr_assert_str_eq(sql_version_create_table(arena, NULL, NULL),
                   "CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n    "
                   "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)");
}

/* ---- conformance with alembic --sql ----------------------------------------------- */

/* The parse tree of one statement with every "location": N removed. NULL when it does not
 * parse (the error goes to *err). Owned by the caller (free). */
static char *tree_of(const char *sql, char **err) {
  PgQueryParseResult r = pg_query_parse(sql);
  if (r.error) {
    if (err) *err = xstrdup(r.error->message);
    pg_query_free_parse_result(r);
    return NULL;
  }
  Buf b = BUF_INIT;
  const char *p = r.parse_tree;
  while (*p) {
    if (!strncmp(p, "\"location\":", 11)) {
      p += 11;
      if (*p == '-') p++;
      while (*p >= '0' && *p <= '9') p++;
      if (*p == ',') p++;
      else if (b.len && b.data[b.len - 1] == ',') b.data[--b.len] = '\0';
      continue;
    }
    buf_putc(&b, *p++);
  }
  pg_query_free_parse_result(r);
  return buf_detach(&b);
}

typedef struct Stmts {
  char **sql;
  char **tree;
  size_t len;
} Stmts;

static void stmts_push(Stmts *s, const char *sql) {
  s->sql = xrealloc(s->sql, (s->len + 1) * sizeof *s->sql);
  s->tree = xrealloc(s->tree, (s->len + 1) * sizeof *s->tree);
  char *err = NULL;
  s->sql[s->len] = xstrdup(sql);
  s->tree[s->len] = tree_of(sql, &err);
  if (!s->tree[s->len]) s->tree[s->len] = xstrdup(err ? err : "?");
  free(err);
  s->len++;
}

static void stmts_free(Stmts *s) {
  for (size_t k = 0; k < s->len; k++) {
    free(s->sql[k]);
    free(s->tree[k]);
  }
  free(s->sql);
  free(s->tree);
  memset(s, 0, sizeof *s);
}

/* Alembic indexes a Table's indexes through a Python set: the CREATE INDEX statements that
 * follow one CREATE TABLE come in an order we cannot (and need not) reproduce. Sort each
 * run of consecutive IndexStmt trees so the comparison ignores that order only. */
static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}
static void stmts_sort_index_runs(Stmts *s) {
  size_t k = 0;
  while (k < s->len) {
    size_t j = k;
    while (j < s->len && strstr(s->tree[j], "{\"IndexStmt\"")) j++;
    if (j - k > 1) qsort(&s->tree[k], j - k, sizeof(char *), cmp_str);
    k = j > k ? j : k + 1;
  }
}

/* Statements of one `-- Running upgrade a -> b` section of alembic's output. */
static void alembic_section(const char *out, const char *marker, Stmts *s) {
  const char *p = strstr(out, marker);
  cr_assert_not_null(p, "alembic output lacks \"%s\"", marker);
  p = strchr(p, '\n');
  const char *end = strstr(p, "\n-- Running ");
  char *sec = xstrndup(p, end ? (size_t)(end - p) : strlen(p));
  PgQuerySplitResult r = pg_query_split_with_scanner(sec);
  cr_assert_null(r.error);
  for (int k = 0; k < r.n_stmts; k++) {
    char *one = xstrndup(sec + r.stmts[k]->stmt_location, (size_t)r.stmts[k]->stmt_len);
    char *t = one;
    while (*t == '\n' || *t == ' ') t++;
    // Transaction brackets and the version table are Alembic's bookkeeping, not the ops'.
    if (strcmp(t, "BEGIN") && strcmp(t, "COMMIT") && !strstr(t, "alembic_version") && *t)
      stmts_push(s, t);
    free(one);
  }
  pg_query_free_split_result(r);
  free(sec);
}

static char *run_alembic(const char *args) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "cd '%s' && /usr/bin/alembic %s 2>/dev/null", SQLCONF, args);
  FILE *f = popen(cmd, "r");
  cr_assert_not_null(f);
  Buf b = BUF_INIT;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
  int rc = pclose(f);
  cr_assert_eq(rc, 0, "alembic %s failed", args);
  return buf_detach(&b);
}

static Revision *load_rev(RevParser *p, const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/migrations/versions/%s", SQLCONF, name);
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s", path);
  Buf b = BUF_INIT;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
  fclose(f);
  Revision *r = revision_parse(p, arena, path, b.data, b.len, REV_PARSE_FULL, NULL);
  buf_free(&b);
  return r;
}

static void retort_stmts(const OpList *ol, Stmts *s, size_t *ndynamic) {
  MigOpList ml;
  ops_interpret(arena, ol, &ml, NULL);
  SqlStmtList sl = {0};
  sql_render_ops(arena, &ml, &sl);
  for (size_t k = 0; k < sl.len; k++) {
    if (sl.items[k].dynamic) {
      (*ndynamic)++;
      fprintf(stderr, "dynamic: %s\n", sl.items[k].sql);
      continue;
    }
    stmts_push(s, sl.items[k].sql);
  }
}

static const struct {
  const char *file, *rev, *down;
} FIXTURES[] = {
    {"r01_create_tables.py", "r01", ""},  {"r02_columns.py", "r02", "r01"},
    {"r03_indexes.py", "r03", "r02"},     {"r04_constraints.py", "r04", "r03"},
    {"r05_misc.py", "r05", "r04"},        {"r06_batch.py", "r06", "r05"},
};

static void compare(const char *what, Stmts *want, Stmts *got) {
  stmts_sort_index_runs(want);
  stmts_sort_index_runs(got);
  size_t n = want->len > got->len ? want->len : got->len;
  size_t bad = 0;
  for (size_t k = 0; k < n; k++) {
    const char *w = k < want->len ? want->tree[k] : "(none)";
    const char *g = k < got->len ? got->tree[k] : "(none)";
    if (strcmp(w, g) != 0) {
      bad++;
      fprintf(stderr, "%s statement %zu differs:\n  alembic: %s\n  retort:  %s\n", what, k + 1,
              k < want->len ? want->sql[k] : "(none)", k < got->len ? got->sql[k] : "(none)");
    }
  }
  fprintf(stderr, "sqlconf: %s: %zu alembic statements, %zu retort, %zu differ\n", what,
          want->len, got->len, bad);
  cr_expect_eq(want->len, got->len, "%s: alembic printed %zu statements, retort %zu", what,
               want->len, got->len);
  cr_expect_eq(bad, 0, "%s: %zu statements differ (see stderr)", what, bad);
}

TestSuite(sqlconf, .init = setup, .fini = teardown, .timeout = 120);

Test(sqlconf, upgrade_and_downgrade_match_alembic_offline) {
  size_t nfix = sizeof FIXTURES / sizeof FIXTURES[0];
  char *up = run_alembic("upgrade base:r06 --sql");
  char *down = run_alembic("downgrade r06:base --sql");
  RevParser *p = revparser_new();
  for (size_t k = 0; k < nfix; k++) {
    Revision *r = load_rev(p, FIXTURES[k].file);
    cr_assert_not_null(r->id);
    char marker[128];
    size_t ndyn = 0;

    Stmts want = {0}, got = {0};
    snprintf(marker, sizeof marker, "-- Running upgrade %s -> %s\n", FIXTURES[k].down,
             FIXTURES[k].rev);
    alembic_section(up, marker, &want);
    retort_stmts(&r->upgrade, &got, &ndyn);
    char what[64];
    snprintf(what, sizeof what, "upgrade %s", FIXTURES[k].rev);
    compare(what, &want, &got);
    stmts_free(&want);
    stmts_free(&got);

    snprintf(marker, sizeof marker, "-- Running downgrade %s -> %s\n", FIXTURES[k].rev,
             FIXTURES[k].down);
    alembic_section(down, marker, &want);
    retort_stmts(&r->downgrade, &got, &ndyn);
    snprintf(what, sizeof what, "downgrade %s", FIXTURES[k].rev);
    compare(what, &want, &got);
    stmts_free(&want);
    stmts_free(&got);
    cr_expect_eq(ndyn, 0, "%s: %zu dynamic ops in a static fixture", FIXTURES[k].file, ndyn);
  }
  revparser_delete(p);
  free(up);
  free(down);
}

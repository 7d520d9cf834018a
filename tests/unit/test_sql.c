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
#include "server/sql/analyze.h"
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
      if (*p == ',')
        p++;
      else if (b.len && b.data[b.len - 1] == ',')
        b.data[--b.len] = '\0';
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

static char *run_alembic_in(const char *dir, const char *args) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "cd '%s' && /usr/bin/alembic %s 2>/dev/null", dir, args);
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

static char *run_alembic(const char *args) { return run_alembic_in(SQLCONF, args); }

static Revision *load_rev_at(RevParser *p, const char *path) {
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

static Revision *load_rev(RevParser *p, const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/migrations/versions/%s", SQLCONF, name);
  return load_rev_at(p, path);
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
    {"r01_create_tables.py", "r01", ""}, {"r02_columns.py", "r02", "r01"},
    {"r03_indexes.py", "r03", "r02"},    {"r04_constraints.py", "r04", "r03"},
    {"r05_misc.py", "r05", "r04"},       {"r06_batch.py", "r06", "r05"},
    {"r07_edges.py", "r07", "r06"},      {"r08_implicit.py", "r08", "r07"},
    {"r09_long_names.py", "r09", "r08"}, {"r10_table_indexes.py", "r10", "r09"},
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
  fprintf(stderr, "sqlconf: %s: %zu alembic statements, %zu retort, %zu differ\n", what, want->len,
          got->len, bad);
  cr_expect_eq(want->len, got->len, "%s: alembic printed %zu statements, retort %zu", what,
               want->len, got->len);
  cr_expect_eq(bad, 0, "%s: %zu statements differ (see stderr)", what, bad);
}

TestSuite(sqlconf, .init = setup, .fini = teardown);

Test(sqlconf, upgrade_and_downgrade_match_alembic_offline) {
  size_t nfix = sizeof FIXTURES / sizeof FIXTURES[0];
  char *up = run_alembic("upgrade base:r10 --sql");
  char *down = run_alembic("downgrade r10:base --sql");
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

/* ---- sql_analyze: statement kinds and locks ---------------------------------------- */

TestSuite(analyze, .init = setup, .fini = teardown);

static SqlStmtInfo *one(const char *sql) {
  SqlStmtInfo *si;
  size_t n;
  cr_assert(sql_analyze(arena, sql, &si, &n), "%s does not parse", sql);
  cr_assert_eq(n, 1, "%s: %zu statements", sql, n);
  return si;
}

static PgLockMode lock_on(const SqlStmtInfo *si, const char *table) {
  for (size_t k = 0; k < si->nlocks; k++)
    if (!strcmp(si->locks[k].table, table)) return si->locks[k].mode;
  return PGLOCK_NONE;
}

Test(analyze, create_index_plain_and_concurrently) {
  SqlStmtInfo *si = one("CREATE INDEX ix_a ON public.customers (email)");
  cr_assert_eq(si->kind, SK_CREATE_INDEX);
  cr_assert_str_eq(si->table, "customers");
  cr_assert_str_eq(si->schema, "public");
  cr_assert_str_eq(si->name, "ix_a");
  cr_assert(!si->concurrently);
  cr_assert(si->transactional);
  cr_assert_eq(lock_on(si, "customers"), PGLOCK_SHARE);
  si = one("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_b ON \"User\" (lower(email))");
  cr_assert(si->concurrently && si->unique && si->if_not_exists);
  cr_assert(!si->transactional);
  cr_assert_str_eq(si->table, "User");
  cr_assert_eq(lock_on(si, "User"), PGLOCK_SHARE_UPDATE_EXCLUSIVE);
  cr_assert_str_eq(pglock_name(lock_on(si, "User")), "SHARE UPDATE EXCLUSIVE");
}

Test(analyze, drop_index) {
  SqlStmtInfo *si = one("DROP INDEX CONCURRENTLY IF EXISTS ix_a");
  cr_assert_eq(si->kind, SK_DROP_INDEX);
  cr_assert(si->concurrently && si->if_exists && !si->transactional);
  cr_assert_str_eq(si->name, "ix_a");
  cr_assert_eq(lock_on(si, "ix_a"), PGLOCK_SHARE_UPDATE_EXCLUSIVE);
  si = one("DROP INDEX audit.ix_b");
  cr_assert_eq(lock_on(si, "ix_b"), PGLOCK_ACCESS_EXCLUSIVE);
  cr_assert_str_eq(si->schema, "audit");
}

Test(analyze, alter_table_subcommands_and_strongest_lock) {
  SqlStmtInfo *si = one("ALTER TABLE orders ADD COLUMN total bigint DEFAULT 0 NOT NULL");
  cr_assert_eq(si->kind, SK_ALTER_TABLE);
  cr_assert_eq(si->ncmds, 1);
  cr_assert_eq(si->cmds[0].kind, SA_ADD_COLUMN);
  cr_assert_str_eq(si->cmds[0].name, "total");
  cr_assert(si->cmds[0].column_not_null && si->cmds[0].column_default);
  cr_assert_str_eq(si->cmds[0].column_type, "int8");
  cr_assert_eq(lock_on(si, "orders"), PGLOCK_ACCESS_EXCLUSIVE);

  si = one("ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES s.customers (id) NOT VALID");
  cr_assert_eq(si->cmds[0].kind, SA_ADD_CONSTRAINT);
  cr_assert_eq(si->cmds[0].contype, SC_FOREIGN_KEY);
  cr_assert(si->cmds[0].not_valid);
  cr_assert_str_eq(si->cmds[0].ref_table, "customers");
  cr_assert_eq(lock_on(si, "o"), PGLOCK_SHARE_ROW_EXCLUSIVE);
  cr_assert_eq(lock_on(si, "customers"), PGLOCK_SHARE_ROW_EXCLUSIVE);

  si = one("ALTER TABLE o VALIDATE CONSTRAINT fk");
  cr_assert_eq(si->cmds[0].kind, SA_VALIDATE_CONSTRAINT);
  cr_assert_eq(lock_on(si, "o"), PGLOCK_SHARE_UPDATE_EXCLUSIVE);

  si = one("ALTER TABLE o ADD CONSTRAINT ck CHECK (a > 0) NOT VALID, ALTER COLUMN b SET NOT NULL");
  cr_assert_eq(si->ncmds, 2);
  cr_assert_eq(si->cmds[0].contype, SC_CHECK);
  cr_assert(si->cmds[0].not_valid);
  cr_assert_eq(si->cmds[1].kind, SA_SET_NOT_NULL);
  cr_assert_eq(lock_on(si, "o"), PGLOCK_ACCESS_EXCLUSIVE);

  si = one("ALTER TABLE o ALTER COLUMN b TYPE text USING b::text");
  cr_assert_eq(si->cmds[0].kind, SA_ALTER_TYPE);
  si = one("ALTER TABLE o ALTER COLUMN b DROP DEFAULT");
  cr_assert_eq(si->cmds[0].kind, SA_DROP_DEFAULT);
  si = one("ALTER TABLE o ALTER COLUMN b SET DEFAULT 1");
  cr_assert_eq(si->cmds[0].kind, SA_SET_DEFAULT);
  si = one("ALTER TABLE o SET (fillfactor = 70)");
  cr_assert_eq(lock_on(si, "o"), PGLOCK_SHARE_UPDATE_EXCLUSIVE);
  si = one("ALTER TABLE o DISABLE TRIGGER ALL");
  cr_assert_eq(lock_on(si, "o"), PGLOCK_SHARE_ROW_EXCLUSIVE);
  si = one("ALTER TABLE o ADD CONSTRAINT uq UNIQUE USING INDEX ix");
  cr_assert(si->cmds[0].using_index);
  cr_assert_eq(si->cmds[0].contype, SC_UNIQUE);
}

Test(analyze, dml_with_and_without_where) {
  SqlStmtInfo *si = one("UPDATE customers SET score = 1 WHERE score IS NULL");
  cr_assert_eq(si->kind, SK_UPDATE);
  cr_assert(si->has_where);
  cr_assert_eq(lock_on(si, "customers"), PGLOCK_ROW_EXCLUSIVE);
  si = one("DELETE FROM \"user\"");
  cr_assert_eq(si->kind, SK_DELETE);
  cr_assert(!si->has_where);
  cr_assert_str_eq(si->table, "user");
  si = one("UPDATE a SET x = b.x FROM b WHERE a.id = b.id");
  cr_assert_eq(lock_on(si, "a"), PGLOCK_ROW_EXCLUSIVE);
  cr_assert_eq(lock_on(si, "b"), PGLOCK_ACCESS_SHARE);
  si = one("INSERT INTO t (a) SELECT a FROM u");
  cr_assert_eq(si->kind, SK_INSERT);
  cr_assert_eq(lock_on(si, "u"), PGLOCK_ACCESS_SHARE);
  si = one("TRUNCATE audit_log, other");
  cr_assert_eq(si->kind, SK_TRUNCATE);
  cr_assert_eq(lock_on(si, "other"), PGLOCK_ACCESS_EXCLUSIVE);
  si = one("WITH d AS (DELETE FROM old_rows WHERE id < 10 RETURNING *) SELECT count(*) FROM d");
  cr_assert_eq(si->kind, SK_SELECT);
  cr_assert_eq(lock_on(si, "old_rows"), PGLOCK_ROW_EXCLUSIVE);
  si = one("SELECT * FROM jobs FOR UPDATE SKIP LOCKED");
  cr_assert_eq(lock_on(si, "jobs"), PGLOCK_ROW_SHARE);
  si = one("LOCK TABLE t IN SHARE MODE");
  cr_assert_eq(lock_on(si, "t"), PGLOCK_SHARE);
}

Test(analyze, types_renames_comments_and_misc) {
  SqlStmtInfo *si = one("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'");
  cr_assert_eq(si->kind, SK_ALTER_TYPE);
  cr_assert_str_eq(si->name, "order_status");
  cr_assert(si->if_not_exists);
  cr_assert_eq(si->nlocks, 0);
  cr_assert_eq(si->nvalues, 1);
  cr_assert_str_eq(si->values[0], "refunded");
  si = one("ALTER TYPE order_status RENAME VALUE 'paid' TO 'settled'");
  cr_assert_eq(si->kind, SK_ALTER_TYPE);
  cr_assert_str_eq(si->values[0], "paid");
  cr_assert_str_eq(si->new_name, "settled");
  si = one("ALTER TYPE order_status RENAME TO order_status_old");
  cr_assert_eq(si->kind, SK_RENAME_OTHER);
  cr_assert_str_eq(si->name, "order_status");
  cr_assert_str_eq(si->new_name, "order_status_old");
  cr_assert_eq(si->nlocks, 0);
  si = one("ALTER INDEX ix_a RENAME TO ix_b");
  cr_assert_str_eq(si->name, "ix_a");
  cr_assert_eq(lock_on(si, "ix_a"), PGLOCK_SHARE_UPDATE_EXCLUSIVE);
  si = one("CREATE TYPE s.mood AS ENUM ('a', 'b')");
  cr_assert_eq(si->kind, SK_CREATE_TYPE);
  cr_assert_str_eq(si->name, "mood");
  cr_assert_eq(si->nvalues, 2);
  cr_assert_str_eq(si->values[1], "b");
  si = one("DROP TYPE order_status_old");
  cr_assert_eq(si->kind, SK_DROP_TYPE);
  cr_assert_str_eq(si->name, "order_status_old");
  si = one("ALTER TABLE plain RENAME TO \"Plain Table\"");
  cr_assert_eq(si->kind, SK_RENAME_TABLE);
  cr_assert_eq(lock_on(si, "plain"), PGLOCK_ACCESS_EXCLUSIVE);
  cr_assert_str_eq(si->new_name, "Plain Table");
  si = one("ALTER TABLE t RENAME a TO b");
  cr_assert_eq(si->kind, SK_RENAME_COLUMN);
  cr_assert_str_eq(si->name, "a");
  cr_assert_str_eq(si->new_name, "b");
  cr_assert_eq(lock_on(si, "t"), PGLOCK_ACCESS_EXCLUSIVE);
  si = one("COMMENT ON COLUMN audit.events.note IS 'why'");
  cr_assert_eq(si->kind, SK_COMMENT);
  cr_assert_str_eq(si->table, "events");
  cr_assert_str_eq(si->schema, "audit");
  cr_assert_eq(lock_on(si, "events"), PGLOCK_SHARE_UPDATE_EXCLUSIVE);
  si = one("DROP TABLE IF EXISTS a.b");
  cr_assert_eq(si->kind, SK_DROP_TABLE);
  cr_assert(si->if_exists);
  cr_assert_eq(lock_on(si, "b"), PGLOCK_ACCESS_EXCLUSIVE);
  si = one("CREATE TABLE t (id int REFERENCES p (id))");
  cr_assert_eq(si->kind, SK_CREATE_TABLE);
  cr_assert_eq(lock_on(si, "p"), PGLOCK_SHARE_ROW_EXCLUSIVE);
  si = one("VACUUM t");
  cr_assert(!si->transactional);
  si = one("REINDEX INDEX CONCURRENTLY ix");
  cr_assert(!si->transactional);
  si = one("SET lock_timeout = '2s'");
  cr_assert_eq(si->kind, SK_SET);
}

Test(analyze, several_statements_with_offsets) {
  const char *sql = "\n  UPDATE t SET a = 1;\n\n  DELETE FROM t WHERE a = 2;  ";
  SqlStmtInfo *si;
  size_t n;
  cr_assert(sql_analyze(arena, sql, &si, &n));
  cr_assert_eq(n, 2);
  cr_assert_str_eq(si[0].text, "UPDATE t SET a = 1");
  cr_assert_eq(si[0].offset, 3);
  cr_assert_str_eq(si[1].text, "DELETE FROM t WHERE a = 2");
  cr_assert(!si[0].has_where && si[1].has_where);
}

Test(analyze, parse_error_location) {
  SqlStmtInfo *si;
  size_t n;
  cr_assert(!sql_analyze(arena, "ALTER TABLE t ADD COLUMN", &si, &n));
  cr_assert_eq(n, 1);
  cr_assert_eq(si->kind, SK_PARSE_ERROR);
  cr_assert_not_null(si->error);
  cr_assert_eq(si->error_offset, strlen("ALTER TABLE t ADD COLUMN"));
  cr_assert(!sql_analyze(arena, "SELEC 1", &si, &n));
  cr_assert_eq(si->error_offset, 0);
  cr_assert(sql_analyze(arena, "", &si, &n));
  cr_assert_eq(n, 0);
}

static const char *span_text(const char *sql, SqlSpan sp) {
  return sp.len ? arena_strndup(arena, sql + sp.offset, sp.len) : "";
}

/* Definitions read from the parse tree: columns (canonical types, constraints, defaults),
 * table constraints, and where each is written, past comments and every kind of quoting. */
Test(analyze, column_and_constraint_definitions) {
  const char *sql =
      "CREATE TABLE s.\"Acc\" (\n"
      "  id serial PRIMARY KEY, -- a comment, with ( and ,\n"
      "  code character(3) NOT NULL DEFAULT E'a\\'b' /* x, ) */,\n"
      "  v character varying(9)[] CONSTRAINT ck_v CHECK (v <> $$,)$$),\n"
      "  at timestamp(2) without time zone COLLATE \"C\",\n"
      "  n numeric(12, 2), d double precision, i interval(3), b bool,\n"
      "  owner int REFERENCES u (id) ON UPDATE SET NULL DEFERRABLE INITIALLY DEFERRED,\n"
      "  CONSTRAINT fk2 FOREIGN KEY (a, b) REFERENCES o (x, y) NOT VALID\n"
      ")";
  SqlStmtInfo *si = one(sql);
  cr_assert_str_eq(span_text(sql, si->table_span), "s.\"Acc\"");
  cr_assert_str_eq(si->table_written, "Acc");
  cr_assert_eq(si->ncolumns, 9);
  static const char *const want[][3] = {
      {"id", "integer", "serial"},
      {"code", "char(3)", "character(3)"},
      {"v", "varchar(9)[]", "character varying(9)[]"},
      {"at", "timestamp(2)", "timestamp(2) without time zone"},
      {"n", "numeric(12,2)", "numeric(12, 2)"},
      {"d", "double precision", "double precision"},
      {"i", "interval(3)", "interval(3)"},
      {"b", "boolean", "bool"},
      {"owner", "integer", "int"},
  };
  for (size_t k = 0; k < 9; k++) {
    cr_assert_str_eq(si->columns[k].name, want[k][0]);
    cr_assert_str_eq(si->columns[k].type, want[k][1], "%s", want[k][0]);
    cr_assert_str_eq(si->columns[k].type_written, want[k][2]);
    cr_assert_str_eq(span_text(sql, si->columns[k].name_span), want[k][0]);
  }
  const SqlColumnDef *id = &si->columns[0], *code = &si->columns[1], *v = &si->columns[2];
  cr_assert(id->primary_key && id->not_null);
  cr_assert_eq(id->ncons, 1);
  cr_assert_str_eq(span_text(sql, id->span), "id serial PRIMARY KEY");
  cr_assert(code->not_null);
  cr_assert_str_eq(code->default_sql, "E'a\\'b'");
  cr_assert_str_eq(span_text(sql, code->span), "code character(3) NOT NULL DEFAULT E'a\\'b'");
  cr_assert_eq(v->ncons, 1);
  cr_assert_str_eq(v->cons[0].name, "ck_v");
  cr_assert_str_eq(v->cons[0].expr, "v <> $$,)$$");
  cr_assert_str_eq(span_text(sql, v->cons[0].name_span), "ck_v");
  const SqlConstraintDef *fk = &si->columns[8].cons[0];
  cr_assert_eq(fk->type, SC_FOREIGN_KEY);
  cr_assert_str_eq(fk->cols[0], "owner");
  cr_assert_str_eq(fk->ref_table, "u");
  cr_assert_str_eq(fk->onupdate, "SET NULL");
  cr_assert_null(fk->ondelete);
  cr_assert(fk->deferrable);
  cr_assert_str_eq(fk->initially, "DEFERRED");
  cr_assert_eq(si->nconstraints, 1);
  cr_assert_str_eq(si->constraints[0].name, "fk2");
  cr_assert_eq(si->constraints[0].ncols, 2);
  cr_assert(si->constraints[0].not_valid);
  cr_assert_str_eq(span_text(sql, si->constraints[0].span),
                   "CONSTRAINT fk2 FOREIGN KEY (a, b) REFERENCES o (x, y) NOT VALID");
}

/* ALTER TABLE's subcommands carry their column or constraint; CREATE INDEX its elements;
 * PostgreSQL truncates names past 63 bytes, the definitions keep them as written. */
Test(analyze, alter_and_index_definitions_and_long_names) {
  char *col = arena_printf(arena, "%070d", 7);
  col[0] = 'c';
  char *sql = arena_printf(arena,
                           "ALTER TABLE t ADD COLUMN %s json, ALTER COLUMN y TYPE text USING y::text, "
                           "ADD CONSTRAINT ck CHECK ((a > 0)), ADD UNIQUE USING INDEX ix; "
                           "CREATE INDEX \"IX_%s\" ON ONLY t USING gist (a, (b + 1), lower(c) DESC) "
                           "WHERE a > 1",
                           col, col);
  SqlStmtInfo *si;
  size_t n;
  cr_assert(sql_analyze(arena, sql, &si, &n));
  cr_assert_eq(n, 2);
  cr_assert_eq(si[0].ncmds, 4);
  cr_assert_str_eq(si[0].cmds[0].column->name, col, "not truncated");
  cr_assert_str_eq(si[0].cmds[0].column->type, "json");
  cr_assert_str_eq(si[0].cmds[1].column->name, "y");
  cr_assert_str_eq(si[0].cmds[1].column->type, "text");
  cr_assert_str_eq(span_text(sql, si[0].cmds[1].column->type_span), "text");
  cr_assert_str_eq(si[0].cmds[2].constraint->expr, "(a > 0)");
  cr_assert(si[0].cmds[3].constraint->using_index);
  cr_assert_eq(si[1].kind, SK_CREATE_INDEX);
  cr_assert_str_eq(si[1].name, arena_printf(arena, "IX_%s", col));
  cr_assert_eq(si[1].nindex_cols, 3);
  cr_assert_str_eq(si[1].index_cols[0], "a");
  cr_assert_not(si[1].index_exprs[0]);
  cr_assert_str_eq(si[1].index_cols[1], "(b + 1)");
  cr_assert_str_eq(si[1].index_cols[2], "lower(c) DESC");
  cr_assert(si[1].index_exprs[2]);
  cr_assert_str_eq(si[1].index_where, "a > 1");
  cr_assert_str_eq(si[1].index_using, "gist");
}

/* Locks of the fixture's rendered statements: each statement analysed, DROP INDEX placed
 * on the op's table, autocommit statements outside the transaction. */
Test(analyze, locks_of_rendered_fixture_revisions) {
  RevParser *p = revparser_new();
  Revision *r = load_rev(p, "r03_indexes.py");
  MigOpList ml;
  ops_interpret(arena, &r->upgrade, &ml, NULL);
  SqlStmtList sl = {0};
  sql_render_ops(arena, &ml, &sl);
  cr_assert_eq(sl.len, 8);
  SqlStmtInfo si;
  cr_assert(sql_lock_for(arena, &sl.items[0], &si));
  cr_assert_eq(lock_on(&si, "customers"), PGLOCK_SHARE);
  cr_assert(si.transactional);
  cr_assert(sql_lock_for(arena, &sl.items[6], &si));  // CREATE INDEX CONCURRENTLY
  cr_assert_eq(lock_on(&si, "customers"), PGLOCK_SHARE_UPDATE_EXCLUSIVE);
  cr_assert(!si.transactional);
  cr_assert(sql_lock_for(arena, &sl.items[7], &si));  // DROP INDEX CONCURRENTLY, in the block
  cr_assert_eq(si.kind, SK_DROP_INDEX);
  cr_assert_str_eq(si.table, "customers");
  cr_assert_eq(lock_on(&si, "customers"), PGLOCK_SHARE_UPDATE_EXCLUSIVE);
  cr_assert(!sl.items[7].transactional);
  const char *script = sql_stmts_join(arena, &sl);
  cr_assert_not_null(strstr(script,
                            "CREATE UNIQUE INDEX \"ix_user_Login\" ON \"user\" (login) "
                            "INCLUDE (\"order\");\n\nCOMMIT;\n\nCREATE INDEX CONCURRENTLY "
                            "ix_customers_born ON customers (born);\n\n"),
                     "%s", script);
  cr_assert(strlen(script) > 8 && !strcmp(script + strlen(script) - 8, "BEGIN;\n\n"), "%s", script);

  r = load_rev(p, "r04_constraints.py");
  ops_interpret(arena, &r->upgrade, &ml, NULL);
  memset(&sl, 0, sizeof sl);
  sql_render_ops(arena, &ml, &sl);
  cr_assert(sql_lock_for(arena, &sl.items[3], &si));  // FK audit.events -> "user"
  cr_assert_eq(lock_on(&si, "events"), PGLOCK_SHARE_ROW_EXCLUSIVE);
  cr_assert_eq(lock_on(&si, "user"), PGLOCK_SHARE_ROW_EXCLUSIVE);
  cr_assert(sql_lock_for(arena, &sl.items[0], &si));  // ADD CONSTRAINT UNIQUE
  cr_assert_eq(lock_on(&si, "customers"), PGLOCK_ACCESS_EXCLUSIVE);
  revparser_delete(p);
}

Test(analyze, dynamic_placeholder_has_no_locks) {
  SqlStmt st = {"-- dynamic: op.execute (line 3): f-string SQL", NULL, true, true};
  SqlStmtInfo si;
  cr_assert(!sql_lock_for(arena, &st, &si));
  cr_assert_eq(si.nlocks, 0);
}

/* The `-- Running upgrade ... -> REV` (or `-- Running downgrade REV -> ...`) marker line. */
static const char *find_marker(const char *out, bool upgrade, const char *rev) {
  const char *prefix = upgrade ? "-- Running upgrade " : "-- Running downgrade ";
  for (const char *p = strstr(out, prefix); p; p = strstr(p + 1, prefix)) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    char *line = xstrndup(p, len);
    char want[160];
    bool hit;
    if (upgrade) {
      snprintf(want, sizeof want, "-> %s", rev);
      hit = len >= strlen(want) && !strcmp(line + len - strlen(want), want);
    } else {
      snprintf(want, sizeof want, "-- Running downgrade %s ->", rev);
      hit = !strncmp(line, want, strlen(want));
    }
    free(line);
    if (hit) return p;
  }
  return NULL;
}

/* examples/shop, a realistic project: every fully static revision renders as alembic does;
 * the others (get_bind() enum code) are reported dynamic, not guessed. */
Test(sqlconf, shop_example_static_revisions_match) {
  const char *shop = RETORT_SOURCE_DIR "/examples/shop";
  const char *vers = RETORT_SOURCE_DIR "/examples/shop/migrations/versions";
  char *up = run_alembic_in(shop, "upgrade base:heads --sql");
  char *down = run_alembic_in(shop, "downgrade heads:base --sql");
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ls '%s' | grep '\\.py$'", vers);
  FILE *ls = popen(cmd, "r");
  cr_assert_not_null(ls);
  RevParser *p = revparser_new();
  char name[400];
  size_t nstatic = 0, ndynamic = 0;
  while (fgets(name, sizeof name, ls)) {
    name[strcspn(name, "\n")] = '\0';
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", vers, name);
    Revision *r = load_rev_at(p, path);
    cr_assert_not_null(r->id, "%s", name);
    for (int dir = 0; dir < 2; dir++) {
      const OpList *ol = dir == 0 ? &r->upgrade : &r->downgrade;
      MigOpList ml;
      ops_interpret(arena, ol, &ml, NULL);
      if (!ml.is_static) {
        ndynamic++;
        cr_assert_not_null(ops_first_dynamic(&ml));
        continue;
      }
      nstatic++;
      const char *at = find_marker(dir == 0 ? up : down, dir == 0, r->id);
      cr_assert_not_null(at, "%s: no alembic section for %s", name, r->id);
      const char *eol = strchr(at, '\n');
      char *marker = xstrndup(at, (size_t)(eol - at + 1));
      Stmts want = {0}, got = {0};
      alembic_section(dir == 0 ? up : down, marker, &want);
      size_t ndyn = 0;
      retort_stmts(ol, &got, &ndyn);
      char what[160];
      snprintf(what, sizeof what, "shop %s %s", dir == 0 ? "upgrade" : "downgrade", r->id);
      compare(what, &want, &got);
      stmts_free(&want);
      stmts_free(&got);
      free(marker);
    }
  }
  pclose(ls);
  revparser_delete(p);
  free(up);
  free(down);
  cr_expect_gt(nstatic, 10, "only %zu static upgrade/downgrade bodies", nstatic);
  cr_expect_gt(ndynamic, 0);
}

/* Every revision file in the repository (fixtures, rule cases, examples) interprets and
 * renders, and every statement retort itself writes (not op.execute's text) is SQL that
 * PostgreSQL's parser accepts, with its locks computed. */
Test(sqlconf, every_repository_revision_renders_parseable_sql) {
  FILE *ls = popen("cd '" RETORT_SOURCE_DIR
                   "' && find tests examples -name '*.py' "
                   "-not -path '*/node_modules/*' | sort",
                   "r");
  cr_assert_not_null(ls);
  RevParser *p = revparser_new();
  char name[1024];
  size_t nfiles = 0, nstmts = 0;
  while (fgets(name, sizeof name, ls)) {
    name[strcspn(name, "\n")] = '\0';
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", RETORT_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f) continue;
    Buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
    fclose(f);
    if (!b.data || !strstr(b.data, "def upgrade")) {
      buf_free(&b);
      continue;
    }
    Revision *r = revision_parse(p, arena, path, b.data, b.len, REV_PARSE_FULL, NULL);
    buf_free(&b);
    nfiles++;
    for (int dir = 0; dir < 2; dir++) {
      MigOpList ml;
      ops_interpret(arena, dir ? &r->downgrade : &r->upgrade, &ml, NULL);
      SqlStmtList sl = {0};
      sql_render_ops(arena, &ml, &sl);
      for (size_t k = 0; k < sl.len; k++) {
        const SqlStmt *st = &sl.items[k];
        SqlStmtInfo si;
        bool ok = sql_lock_for(arena, st, &si);
        if (st->dynamic || st->op->kind == OPK_EXECUTE) continue;
        nstmts++;
        cr_expect(ok, "%s: rendered SQL does not parse: %s (%s)", name, st->sql, si.error);
      }
    }
  }
  pclose(ls);
  revparser_delete(p);
  cr_expect_gt(nfiles, 20);
  cr_expect_gt(nstmts, 50);
  fprintf(stderr, "sqlconf: %zu revision files, %zu rendered statements parse\n", nfiles, nstmts);
}

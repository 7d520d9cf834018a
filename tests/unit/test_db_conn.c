/* test_db_conn.c - database URL conversion, masking and the resolution order (no server
 * needed; connection failures use a socket directory that does not exist). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/db/db.h"

static void clear_env(void) {
  unsetenv("RETORT_DATABASE_URL");
  unsetenv("DATABASE_URL");
  unsetenv("RETORT_SCRATCH_DIR");
}

/* ---- conversion ---------------------------------------------------------------------- */

typedef struct UrlCase {
  const char *in, *out;
} UrlCase;

static const UrlCase OK_CASES[] = {
    // SQLAlchemy: driver dropped, escapes kept, libpq query parameters kept.
    {"postgresql+psycopg2://user:p%40ss@host:5433/db?host=/sock&sslmode=require",
     "postgresql://user:p%40ss@host:5433/db?host=/sock&sslmode=require"},
    {"postgresql+psycopg://u:pw@h/db", "postgresql://u:pw@h/db"},
    {"postgresql+pg8000://u@h:5432/db", "postgresql://u@h:5432/db"},
    {"PostgreSQL+Psycopg2://u@h/db", "postgresql://u@h/db"},
    // postgres:// (SQLAlchemy < 1.4, Heroku) becomes postgresql://.
    {"postgres://u:pw@h/db", "postgresql://u:pw@h/db"},
    // libpq URIs and keyword strings pass through (trimmed).
    {"postgresql://u@localhost/db", "postgresql://u@localhost/db"},
    {"  postgresql:///db?host=/var/run/postgresql  ", "postgresql:///db?host=/var/run/postgresql"},
    {"host=/tmp dbname=x password=secret", "host=/tmp dbname=x password=secret"},
    {"dbname = 'my db' user=u", "dbname = 'my db' user=u"},
    // Unknown (SQLAlchemy's or the driver's) parameters dropped, libpq's kept.
    {"postgresql+asyncpg://u:pw@h/db?prepared_statement_cache_size=0&sslmode=disable",
     "postgresql://u:pw@h/db?sslmode=disable"},
    {"postgresql://u@h/db?client_encoding=utf8&application_name=x&options=-csearch_path%3Dapp",
     "postgresql://u@h/db?client_encoding=utf8&application_name=x&options=-csearch_path%3Dapp"},
    {"postgresql+psycopg2://u@h/db?executemany_mode=values_only", "postgresql://u@h/db"},
    {"postgresql://u@h/db?ssl=true&connect_timeout=3", "postgresql://u@h/db?ssl=true&connect_timeout=3"},
    // asyncpg's ssl=<mode>: kept as libpq's sslmode, never dropped.
    {"postgresql+asyncpg://u@h/db?ssl=require", "postgresql://u@h/db?sslmode=require"},
    {"postgresql+asyncpg://u@h/db?ssl=verify-full&x=1", "postgresql://u@h/db?sslmode=verify-full"},
    {"postgresql+asyncpg://u@h/db?ssl=false", "postgresql://u@h/db?sslmode=disable"},
    {"postgresql+psycopg2:///db?host=/var/run/postgresql", "postgresql:///db?host=/var/run/postgresql"},
    // IPv6 and several hosts, as written.
    {"postgresql+psycopg2://u:pw@[::1]:5432/db", "postgresql://u:pw@[::1]:5432/db"},
    {"postgresql://u@[2001:db8::7]/db", "postgresql://u@[2001:db8::7]/db"},
    {"postgresql://u@h1:5432,h2:5433/db?target_session_attrs=read-write",
     "postgresql://u@h1:5432,h2:5433/db?target_session_attrs=read-write"},
    // No user, no password, no database.
    {"postgresql+psycopg2://h/db", "postgresql://h/db"},
    {"postgresql+psycopg2://u@h", "postgresql://u@h"},
    {"postgresql://", "postgresql://"},
    // Characters SQLAlchemy allows raw in a password but libpq would misread: encoded.
    {"postgresql+psycopg2://u:p@ss/w@h/db", "postgresql://u:p%40ss%2Fw@h/db"},
    {"postgresql+psycopg2://u:50%off@h/db", "postgresql://u:50%25off@h/db"},
    {"postgresql+psycopg2://u:a:b#c@h/db", "postgresql://u:a%3Ab%23c@h/db"},
    {"postgresql://us%20er:p%2Fw@h/db", "postgresql://us%20er:p%2Fw@h/db"},
    {"postgresql+psycopg2://u:pa?ss@h/db?sslmode=disable",
     "postgresql://u:pa%3Fss@h/db?sslmode=disable"},
    // An '@' in a query value or after the host is not userinfo.
    {"postgresql://u:pw@h/db?application_name=me@laptop",
     "postgresql://u:pw@h/db?application_name=me@laptop"},
};

Test(db_url, conversion_table) {
  for (size_t i = 0; i < sizeof OK_CASES / sizeof *OK_CASES; i++) {
    RtError err = {0};
    char *out = NULL;
    bool ok = db_url_to_conninfo(OK_CASES[i].in, &out, &err);
    cr_expect(ok, "case %zu (%s) failed: %s", i, OK_CASES[i].in, err.msg);
    if (ok) cr_expect_str_eq(out, OK_CASES[i].out, "case %zu (%s)", i, OK_CASES[i].in);
    free(out);
  }
}

typedef struct BadCase {
  const char *in, *needle; /* needle: a word the error must contain */
} BadCase;

static const BadCase BAD_CASES[] = {
    {"sqlite:///x.db", "not a PostgreSQL URL"},
    {"mysql+pymysql://u:Sekr3tPW@h/db", "scheme 'mysql+pymysql'"},
    {"driver://user:Sekr3tPW@localhost/dbname", "not a PostgreSQL URL"},
    {"postgresqlx://u:Sekr3tPW@h/db", "not a PostgreSQL URL"},
    {"foo", "not a database URL"},
    {"", "not a database URL"},
    {"Sekr3tPW", "not a database URL"},
    // libpq refuses these; its message would quote the URL, so the masked one is shown.
    {"postgresql://u:Sekr3tPW@[::1/db", "cannot read the database URL"},
    {"postgresql://u:Sekr3tPW@h/d%zzb", "cannot read the database URL"},
    {"postgresql://u:Sekr3tPW@h/db?sslmode=bogus%zz", "cannot read the database URL"},
    {"host=/tmp password='Sekr3tPW", "cannot read the database URL"},
    {"postgresql+asyncpg://u:Sekr3tPW@h/db?ssl=maybe", "ssl=maybe is not understood"},
};

Test(db_url, bad_urls_fail_without_leaking_the_password) {
  for (size_t i = 0; i < sizeof BAD_CASES / sizeof *BAD_CASES; i++) {
    RtError err = {0};
    char *out = (char *)"untouched";
    cr_expect(!db_url_to_conninfo(BAD_CASES[i].in, &out, &err), "case %zu accepted", i);
    cr_expect_null(out, "case %zu: output not reset", i);
    cr_expect_eq(err.kind, ERR_PARAMS, "case %zu: kind %d", i, err.kind);
    cr_expect(strstr(err.msg, BAD_CASES[i].needle) != NULL, "case %zu: %s", i, err.msg);
    cr_expect(strstr(err.msg, "Sekr3tPW") == NULL, "case %zu leaks: %s", i, err.msg);
  }
}

/* ---- resolution ---------------------------------------------------------------------- */

static char proj_dir[64];

/* A project whose alembic.ini has `sqlalchemy.url = <url>` (NULL: no such line). */
static Project *make_project(const char *url) {
  snprintf(proj_dir, sizeof proj_dir, "/tmp/retort-dbconn.XXXXXX");
  cr_assert_not_null(mkdtemp(proj_dir));
  char path[256];
  snprintf(path, sizeof path, "%s/migrations", proj_dir);
  cr_assert_eq(mkdir(path, 0755), 0);
  snprintf(path, sizeof path, "%s/alembic.ini", proj_dir);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fprintf(f, "[alembic]\nscript_location = migrations\n");
  if (url) fprintf(f, "sqlalchemy.url = %s\n", url);
  fclose(f);
  Project *p = NULL;
  RtError err = {0};
  cr_assert(project_discover(proj_dir, NULL, &p, &err), "%s", err.msg);
  return p;
}

static void drop_project(Project *p) {
  project_delete(p);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", proj_dir);
  cr_expect_eq(system(cmd), 0);
}

static void expect_target(const Project *p, const char *arg, DbKind kind, const char *source,
                          const char *conninfo) {
  DbTarget t;
  RtError err = {0};
  cr_assert(db_target_resolve(p, arg, &t, &err), "%s", err.msg);
  cr_expect_eq(t.kind, kind);
  cr_expect_str_eq(t.source, source);
  if (conninfo) cr_expect_str_eq(t.conninfo, conninfo);
  cr_expect(strstr(t.masked, "Sekr3tPW") == NULL, "masked leaks: %s", t.masked);
  db_target_free(&t);
}

Test(db_resolve, order, .init = clear_env) {
  Project *p = make_project("postgresql+psycopg2://ini:Sekr3tPW@inihost/inidb");
  expect_target(p, NULL, DB_KIND_URL, "sqlalchemy.url", "postgresql://ini:Sekr3tPW@inihost/inidb");
  setenv("DATABASE_URL", "postgres://env:Sekr3tPW@envhost/envdb", 1);
  expect_target(p, NULL, DB_KIND_URL, "DATABASE_URL", "postgresql://env:Sekr3tPW@envhost/envdb");
  setenv("RETORT_DATABASE_URL", "postgresql://r@rhost/rdb", 1);
  expect_target(p, NULL, DB_KIND_URL, "RETORT_DATABASE_URL", "postgresql://r@rhost/rdb");
  expect_target(p, "postgresql://a@ahost/adb", DB_KIND_URL, "database_url",
                "postgresql://a@ahost/adb");
  // Empty values count as unset.
  expect_target(p, "", DB_KIND_URL, "RETORT_DATABASE_URL", NULL);
  setenv("RETORT_DATABASE_URL", "", 1);
  expect_target(p, NULL, DB_KIND_URL, "DATABASE_URL", NULL);
  drop_project(p);
}

Test(db_resolve, masked_forms, .init = clear_env) {
  Project *p = make_project(NULL);
  DbTarget t;
  RtError err = {0};
  cr_assert(db_target_resolve(p, "postgresql+psycopg2://u:Sekr3tPW@h/db?password=Sekr3tPW", &t,
                              &err));
  cr_expect_str_eq(t.masked, "postgresql+psycopg2://u:***@h/db?password=***");
  db_target_free(&t);
  cr_assert(db_target_resolve(p, "host=/x password=Sekr3tPW dbname=d", &t, &err));
  cr_expect_str_eq(t.masked, "host=/x password=*** dbname=d");
  db_target_free(&t);
  drop_project(p);
}

Test(db_resolve, scratch_when_no_usable_url, .init = clear_env) {
  setenv("RETORT_SCRATCH_DIR", "/tmp/retort-dbconn-scratch", 1);
  const char *urls[] = {NULL, "", "driver://user:pass@localhost/dbname", "sqlite:///app.db"};
  for (size_t i = 0; i < 4; i++) {
    Project *p = make_project(urls[i]);
    DbTarget t;
    RtError err = {0};
    cr_assert(db_target_resolve(p, NULL, &t, &err), "%s", err.msg);
    cr_expect_eq(t.kind, DB_KIND_SCRATCH, "url %zu", i);
    cr_expect_str_eq(t.source, "scratch");
    char *want = scratch_dir_for(p->root);
    cr_expect_str_eq(t.scratch_dir, want);
    cr_expect(strncmp(t.scratch_dir, "/tmp/retort-dbconn-scratch/retort-dbconn.", 41) == 0,
              "%s", t.scratch_dir);
    cr_expect(strncmp(t.masked, "scratch:", 8) == 0, "%s", t.masked);
    free(want);
    db_target_free(&t);
    drop_project(p);
  }
}

Test(db_resolve, bad_sources_are_named, .init = clear_env) {
  Project *p = make_project("postgresql://u:50%@h/db");  // bare '%': does not interpolate
  DbTarget t;
  RtError err = {0};
  cr_assert_not_null(p->sqlalchemy_url_error);
  cr_expect(!db_target_resolve(p, NULL, &t, &err));
  cr_expect_eq(err.kind, ERR_CONFIG);
  cr_expect(strstr(err.msg, "sqlalchemy.url") != NULL, "%s", err.msg);
  // An explicit URL wins over the broken ini value.
  cr_expect(db_target_resolve(p, "postgresql://x@y/z", &t, &err), "%s", err.msg);
  db_target_free(&t);

  setenv("DATABASE_URL", "mysql://u:Sekr3tPW@h/db", 1);
  cr_expect(!db_target_resolve(p, NULL, &t, &err));
  cr_expect_eq(err.kind, ERR_PARAMS);
  cr_expect(strstr(err.msg, "DATABASE_URL") != NULL, "%s", err.msg);
  cr_expect(strstr(err.msg, "Sekr3tPW") == NULL, "leak: %s", err.msg);
  cr_expect(strstr(err.msg, "mysql://u:***@h/db") != NULL, "%s", err.msg);

  cr_expect(!db_target_resolve(p, "sqlite:///x.db", &t, &err));
  cr_expect_eq(err.kind, ERR_PARAMS);
  cr_expect(strncmp(err.msg, "database_url", 12) == 0, "%s", err.msg);
  drop_project(p);

  unsetenv("DATABASE_URL");
  p = make_project("postgresql://u:Sekr3tPW@[::1/db");
  cr_expect(!db_target_resolve(p, NULL, &t, &err));
  cr_expect_eq(err.kind, ERR_CONFIG);
  cr_expect(strstr(err.msg, "sqlalchemy.url") != NULL, "%s", err.msg);
  cr_expect(strstr(err.msg, "alembic.ini") != NULL, "%s", err.msg);
  cr_expect(strstr(err.msg, "Sekr3tPW") == NULL, "leak: %s", err.msg);
  drop_project(p);
}

/* ---- connection failures ------------------------------------------------------------- */

Test(db_connect, failure_names_the_masked_target_only, .init = clear_env) {
  const char *urls[] = {
      "postgresql+psycopg2://u:Sekr3tPW@/db?host=/nonexistent-retort-dir",
      "postgresql:///db?host=/nonexistent-retort-dir&password=Sekr3tPW&user=u",
      "host=/nonexistent-retort-dir password=Sekr3tPW user=u dbname=db",
      "host=/nonexistent-retort-dir password='Sekr3tPW' user=u dbname=db",
      "postgresql+psycopg2://u:Sek?r3tPW@/db?host=/nonexistent-retort-dir",
      // libpq's own message quotes the socket path, which here holds the password.
      "host=/nonexistent-retort-dir/Sekr3tPW password=Sekr3tPW user=u dbname=db",
      "postgresql://u:Sekr3tPW@/db?host=/nonexistent-retort-dir/Sekr3tPW",
      "postgresql://u:Sekr%33tPW@/db?host=/nonexistent-retort-dir/Sekr3tPW",
  };
  for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
    DbTarget t;
    RtError err = {0};
    cr_assert(db_target_resolve(NULL, urls[i], &t, &err), "%s", err.msg);
    Db *db = (Db *)1;
    cr_expect(!db_connect(&t, &db, &err), "url %zu connected", i);
    cr_expect_null(db);
    cr_expect_eq(err.kind, ERR_DB);
    cr_expect(strstr(err.msg, "cannot connect to ") == err.msg, "%s", err.msg);
    cr_expect(strstr(err.msg, "***") != NULL, "%s", err.msg);
    cr_expect(strstr(err.msg, "/nonexistent-retort-dir") != NULL, "%s", err.msg);
    // The masked URL shows what the user wrote outside the password (here, in the last
    // cases, a socket path that contains it); libpq's part never shows the password.
    const char *why = strstr(err.msg, "(from database_url): ");
    cr_assert_not_null(why, "%s", err.msg);
    cr_expect(strstr(why, "Sekr3tPW") == NULL, "url %zu leaks: %s", i, err.msg);
    cr_expect(strstr(why, "r3tPW") == NULL, "url %zu leaks: %s", i, err.msg);
    if (i < 5) cr_expect(strstr(err.msg, "r3tPW") == NULL, "url %zu leaks: %s", i, err.msg);
    db_target_free(&t);
  }
  db_close(NULL);
}

/* ---- scratch directories ------------------------------------------------------------- */

Test(scratch_dir, per_project_and_stable, .init = clear_env) {
  setenv("RETORT_SCRATCH_DIR", "/tmp/some base/", 1);
  char *a = scratch_dir_for("/srv/app one");
  char *b = scratch_dir_for("/srv/app one");
  char *c = scratch_dir_for("/other/app one");
  cr_expect_str_eq(a, b);  // stable
  cr_expect_str_neq(a, c); // same base name, different project
  cr_expect(strncmp(a, "/tmp/some base/app_one-", 23) == 0, "%s", a);
  cr_expect_eq(strlen(a), strlen("/tmp/some base/app_one-") + 16, "%s", a);
  free(a);
  free(b);
  free(c);
  unsetenv("RETORT_SCRATCH_DIR");
  char *d = scratch_dir_for("/srv/x");
  if (geteuid() == 0) cr_expect(strncmp(d, "/var/tmp/retort-scratch/x-", 26) == 0, "%s", d);
  free(d);
  setenv("XDG_CACHE_HOME", "/tmp/xdg", 1);
  char *e = scratch_dir_for("/srv/x");
  if (geteuid() != 0) cr_expect(strncmp(e, "/tmp/xdg/retort/scratch/x-", 26) == 0, "%s", e);
  free(e);
}

/* ---- scrubbing child output ---------------------------------------------------------- */

Test(db_scrub, every_form_of_the_password) {
  typedef struct {
    const char *url, *text;
  } Case;
  const Case cases[] = {
      {"host=/tmp/x dbname=canarydb user=canary password=Canary7f3a@pw/x?y",
       "alembic: Could not parse SQLAlchemy URL from string 'host=/tmp/x dbname=canarydb "
       "user=canary password=Canary7f3a@pw/x?y'"},
      {"host=/tmp/x password='Canary7f3a b'", "x 'Canary7f3a b' y"},
      {"postgresql+psycopg2://u:Canary%407f3a@h/db", "raw Canary%407f3a decoded Canary@7f3a"},
      {"postgresql://u:Canary7f3a@pw@h/db", "Canary7f3a@pw and again Canary7f3a@pw"},
      {"postgresql://u@h/db?password=Canary7f3a&sslmode=disable", "pw Canary7f3a."},
      {"postgresql+asyncpg://u:Can?ary7f3a@h/db?x=1", "Can?ary7f3a"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char text[512];
    snprintf(text, sizeof text, "%s", cases[i].text);
    db_scrub_password(text, cases[i].url);
    cr_expect(strstr(text, "Canary") == NULL && strstr(text, "7f3a") == NULL, "case %zu: %s", i,
              text);
    cr_expect(strstr(text, "***") != NULL, "case %zu: %s", i, text);
  }
  char keep[] = "nothing secret here";
  db_scrub_password(keep, "postgresql://u@h/db");
  cr_expect_str_eq(keep, "nothing secret here");
  db_scrub_password(NULL, "x");
  db_scrub_password(keep, NULL);
}

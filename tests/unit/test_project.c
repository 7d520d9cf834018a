/* test_project.c - project discovery and revision file listing, checked against what
 * the real Alembic 1.8.1 (/usr/bin/python3) loads from the same projects. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/alembic/project.h"
#include "server/base/buf.h"
#include "server/base/mem.h"

#define FIXTURES RETORT_SOURCE_DIR "/tests/fixtures/projects"

/* Prints what Alembic's ScriptDirectory loads: "F <path>" per revision file, or one
 * "X <exception type> <message>" line. Run from the ini's directory, as users do. */
static const char ALEMBIC_PROBE[] =
    "import os, sys\n"
    "from alembic.config import Config\n"
    "from alembic.script import ScriptDirectory\n"
    "ini = os.path.abspath(sys.argv[1])\n"
    "os.chdir(os.path.dirname(ini))\n"
    "cfg = Config(ini, ini_section=sys.argv[2])\n"
    "try:\n"
    "    sd = ScriptDirectory.from_config(cfg)\n"
    "    for s in sd._load_revisions():\n"
    "        print('F', s.path)\n"
    "except Exception as e:\n"
    "    print('X', type(e).__name__, str(e).replace('\\n', ' '))\n";

static char tmp[256];

static void mkdirs(const char *path) {
  char *p = xstrdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = '\0';
    mkdir(p, 0755);
    *s = '/';
  }
  mkdir(p, 0755);
  free(p);
}

/* Writes tmp/rel (creating directories). */
static void put(const char *rel, const char *text) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", tmp, rel);
  char *dir = xstrdup(path);
  *strrchr(dir, '/') = '\0';
  mkdirs(dir);
  free(dir);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f, "%s", path);
  fputs(text, f);
  fclose(f);
}

/* A minimal revision file Alembic can load. */
static void put_rev(const char *rel, const char *id) {
  char text[256];
  snprintf(text, sizeof text, "revision = '%s'\ndown_revision = None\n", id);
  put(rel, text);
}

static void setup(void) {
  strcpy(tmp, "/tmp/retort-test-project-XXXXXX");
  cr_assert_not_null(mkdtemp(tmp));
  put("probe/alembic_probe.py", ALEMBIC_PROBE);
}

static void teardown(void) {
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  cr_assert_eq(system(cmd), 0);
}

TestSuite(project, .init = setup, .fini = teardown);

typedef struct Lines {
  char **items;
  size_t len;
  char *error;  /* "X ..." line */
} Lines;

static Lines alembic_load(const char *ini, const char *section, const char *pythonpath) {
  Buf cmd = BUF_INIT;
  buf_printf(&cmd, "PYTHONDONTWRITEBYTECODE=1 PYTHONPATH='%s' /usr/bin/python3 "
             "'%s/probe/alembic_probe.py' '%s' '%s' 2>/dev/null",
             pythonpath ? pythonpath : "", tmp, ini, section ? section : "alembic");
  FILE *p = popen(buf_cstr(&cmd), "r");
  cr_assert_not_null(p);
  Lines l = {0};
  VEC(char *) v = {0};
  char line[4096];
  while (fgets(line, sizeof line, p)) {
    line[strcspn(line, "\n")] = '\0';
    if (line[0] == 'F') vec_push(&v, xstrdup(line + 2));
    else if (line[0] == 'X') l.error = xstrdup(line + 2);
  }
  cr_assert_eq(pclose(p), 0, "alembic probe failed: %s", buf_cstr(&cmd));
  buf_free(&cmd);
  // Alembic's own load order (os.listdir), not sorted: the order is part of the contract.
  l.items = v.items;
  l.len = v.len;
  return l;
}

static void lines_free(Lines *l) {
  for (size_t i = 0; i < l->len; i++) free(l->items[i]);
  free(l->items);
  free(l->error);
}

static Project *discover(const char *start, const char *section) {
  Project *p = NULL;
  RtError err = {0};
  cr_assert(project_discover(start, section, &p, &err), "%s: %s", start, err.msg);
  cr_assert_not_null(p);
  return p;
}

/* Our listing of the project at `ini` must equal the files Alembic loads. */
static void same_as_alembic(const char *ini, const char *section, const char *pythonpath) {
  Lines want = alembic_load(ini, section, pythonpath);
  cr_assert_null(want.error, "alembic failed on %s: %s", ini, want.error);
  cr_assert_gt(want.len, 0, "alembic loaded nothing from %s", ini);
  Project *p = discover(ini, section);
  char **paths;
  size_t n;
  RtError err = {0};
  cr_assert(project_list_revision_files(p, &paths, &n, &err), "%s", err.msg);
  Buf got = BUF_INIT, exp = BUF_INIT;
  for (size_t i = 0; i < n; i++) buf_printf(&got, "%s\n", paths[i]);
  for (size_t i = 0; i < want.len; i++) buf_printf(&exp, "%s\n", want.items[i]);
  cr_assert_str_eq(buf_cstr(&got), buf_cstr(&exp), "%s", ini);
  buf_free(&got);
  buf_free(&exp);
  project_free_paths(paths, n);
  project_delete(p);
  lines_free(&want);
}

/* Discovery must fail with a message containing Alembic's own (when it has one). */
static void fails_like_alembic(const char *ini, const char *section, ErrKind kind,
                               const char *ours) {
  Lines want = alembic_load(ini, section, NULL);
  cr_assert_not_null(want.error, "alembic accepted %s", ini);
  Project *p = NULL;
  RtError err = {0};
  bool ok = project_discover(ini, section, &p, &err);
  if (ok) {
    char **paths;
    size_t n;
    ok = project_list_revision_files(p, &paths, &n, &err);
    project_free_paths(paths, n);
  }
  cr_assert_not(ok, "we accepted %s (alembic: %s)", ini, want.error);
  cr_assert_eq(err.kind, kind, "%s: %s", error_kind_name(err.kind), err.msg);
  // want.error is "<ExceptionType> <message>"
  const char *msg = strchr(want.error, ' ') + 1;
  cr_assert(strstr(err.msg, ours ? ours : msg), "ours: %s\nalembic: %s", err.msg, msg);
  project_delete(p);
  lines_free(&want);
}

/* ---- discovery ---------------------------------------------------------------------- */

Test(project, discovers_upward_from_a_nested_directory) {
  Project *p = discover(FIXTURES "/proj_basic/app/models/deep", NULL);
  cr_assert_str_eq(p->root, FIXTURES "/proj_basic");
  cr_assert_str_eq(p->ini_path, FIXTURES "/proj_basic/alembic.ini");
  cr_assert_str_eq(p->section, "alembic");
  cr_assert_str_eq(p->script_location, FIXTURES "/proj_basic/migrations");
  cr_assert_eq(p->nversion_locations, 1);
  cr_assert_str_eq(p->version_locations[0], FIXTURES "/proj_basic/migrations/versions");
  cr_assert_not(p->version_locations_configured);
  cr_assert_not(p->recursive_version_locations);
  cr_assert_str_eq(p->file_template, "%(year)d_%(month).2d_%(rev)s_%(slug)s");
  cr_assert_eq(p->truncate_slug_length, 30);
  cr_assert_str_eq(p->timezone, "UTC");
  cr_assert_str_eq(p->sqlalchemy_url, "postgresql+psycopg2://shop:s3cr%40t@localhost:5432/shop");
  cr_assert_not(p->sourceless);
  cr_assert_str_eq(p->output_encoding, "latin-1");
  cr_assert_not_null(p->ini);
  cr_assert_str_eq(project_setting(p, "models"), FIXTURES "/proj_basic/app/models/*.py");
  cr_assert_str_eq(project_setting(p, "protected_tables"), "users, orders");
  cr_assert_str_eq(project_setting(p, "LOCK_TIMEOUT_MS"), "3000");
  cr_assert_null(project_setting(p, "nope"));
  project_delete(p);
}

Test(project, discovers_from_the_ini_file_and_from_relative_paths) {
  Project *p = discover(FIXTURES "/proj_basic/alembic.ini", NULL);
  cr_assert_str_eq(p->root, FIXTURES "/proj_basic");
  project_delete(p);
  // Relative start paths are read against the working directory; relative settings are
  // always read against the ini's directory, whatever the working directory is.
  cr_assert_eq(chdir(FIXTURES "/proj_basic/app"), 0);
  p = discover("models/../models/./deep", NULL);
  cr_assert_str_eq(p->ini_path, FIXTURES "/proj_basic/alembic.ini");
  cr_assert_str_eq(p->script_location, FIXTURES "/proj_basic/migrations");
  project_delete(p);
  p = discover(NULL, NULL);  // the working directory
  cr_assert_str_eq(p->root, FIXTURES "/proj_basic");
  project_delete(p);
}

Test(project, defaults_when_keys_are_absent) {
  put("d/alembic.ini", "[alembic]\nscript_location = mig\n");
  put_rev("d/mig/versions/a_1.py", "a");
  char ini[512];
  snprintf(ini, sizeof ini, "%s/d/alembic.ini", tmp);
  Project *p = discover(ini, NULL);
  cr_assert_str_eq(p->file_template, "%(rev)s_%(slug)s");
  cr_assert_eq(p->truncate_slug_length, 40);
  cr_assert_null(p->timezone);
  cr_assert_null(p->sqlalchemy_url);
  cr_assert_str_eq(p->output_encoding, "utf-8");
  cr_assert_not(p->sourceless);
  cr_assert_null(project_setting(p, "models"));
  cr_assert_null(p->sqlalchemy_url_error);
  project_delete(p);
}

Test(project, a_url_that_does_not_interpolate_does_not_stop_discovery) {
  put("u/alembic.ini", "[alembic]\nscript_location = mig\n"
                       "sqlalchemy.url = postgresql://u:50%secret@h/db\n");
  mkdirs(strcat(strcpy((char[512]){0}, tmp), "/u/mig"));
  char ini[512];
  snprintf(ini, sizeof ini, "%s/u/alembic.ini", tmp);
  Project *p = discover(ini, NULL);
  cr_assert_null(p->sqlalchemy_url);
  cr_assert_not_null(p->sqlalchemy_url_error);
  cr_assert(strstr(p->sqlalchemy_url_error, "sqlalchemy.url"), "%s", p->sqlalchemy_url_error);
  cr_assert(strstr(p->sqlalchemy_url_error, ini), "%s", p->sqlalchemy_url_error);
  cr_assert_null(strstr(p->sqlalchemy_url_error, "secret"), "%s", p->sqlalchemy_url_error);
  project_delete(p);
}

Test(project, no_alembic_ini_anywhere) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/empty/sub", tmp);
  mkdirs(dir);
  Project *p = (Project *)1;
  RtError err = {0};
  cr_assert_not(project_discover(dir, NULL, &p, &err));
  cr_assert_null(p);
  cr_assert_eq(err.kind, ERR_NOT_FOUND);
  char want[1024];
  snprintf(want, sizeof want,
           "no alembic.ini found in %s or any parent directory (nor a pyproject.toml with "
           "[tool.alembic]); pass project=<dir> or create one with `alembic init`",
           dir);
  cr_assert_str_eq(err.msg, want);
  memset(&err, 0, sizeof err);
  cr_assert_not(project_discover("/nonexistent/retort", NULL, &p, &err));
  cr_assert_eq(err.kind, ERR_NOT_FOUND);
  cr_assert(strstr(err.msg, "/nonexistent/retort"), "%s", err.msg);
}

Test(project, a_named_section) {
  Project *p = discover(FIXTURES "/proj_named", "reporting");
  cr_assert_str_eq(p->section, "reporting");
  cr_assert_str_eq(p->script_location, FIXTURES "/proj_named/db");
  cr_assert(p->recursive_version_locations);
  cr_assert(p->sourceless);
  project_delete(p);
  fails_like_alembic(FIXTURES "/proj_named/alembic.ini", "alembic", ERR_CONFIG, NULL);
}

Test(project, configuration_errors_in_alembics_words) {
  char ini[512];
  snprintf(ini, sizeof ini, "%s/e/alembic.ini", tmp);
  put("e/alembic.ini", "[alembic]\nsqlalchemy.url = x\n");
  fails_like_alembic(ini, NULL, ERR_CONFIG, NULL);  // No 'script_location' key
  put("e/alembic.ini", "[alembic]\nscript_location = nowhere\n");
  fails_like_alembic(ini, NULL, ERR_CONFIG, NULL);  // Path doesn't exist: '...'
  put("e/alembic.ini", "[alembic]\nscript_location = mig\n");
  mkdirs(strcat(strcpy((char[512]){0}, tmp), "/e/mig"));
  fails_like_alembic(ini, NULL, ERR_NOT_FOUND, NULL);  // versions/ missing: [Errno 2] ...
  put_rev("e/mig/versions/a_1.py", "a");
  put("e/alembic.ini", "[alembic]\nscript_location = mig\nversion_locations = a b\n"
                       "version_path_separator = bogus\n");
  fails_like_alembic(ini, NULL, ERR_CONFIG,
                     "'bogus' is not a valid value for version_path_separator");
  put("e/alembic.ini", "[alembic]\nscript_location = mig\ntruncate_slug_length = ten\n");
  fails_like_alembic(ini, NULL, ERR_CONFIG, NULL);  // invalid literal for int() ...
  put("e/alembic.ini", "[alembic]\nscript_location = %(nope)s\n");
  fails_like_alembic(ini, NULL, ERR_CONFIG, NULL);  // Bad value substitution ...
  put("e/alembic.ini", "[alembic]\nscript_location = mig\nscript_location = mig\n");
  fails_like_alembic(ini, NULL, ERR_CONFIG, NULL);  // ... already exists
}

Test(project, settings_parsing) {
  char ini[512];
  snprintf(ini, sizeof ini, "%s/s/alembic.ini", tmp);
  mkdirs(strcat(strcpy((char[512]){0}, tmp), "/s/mig"));
  put("s/alembic.ini", "[alembic]\nscript_location = mig\ntruncate_slug_length = 0\n"
                       "sourceless = True\nrecursive_version_locations = yes\n");
  Project *p = discover(ini, NULL);
  cr_assert_eq(p->truncate_slug_length, 40);  // `int(tsl) or 40`
  cr_assert_not(p->sourceless);               // Alembic compares with "true" exactly
  cr_assert_not(p->recursive_version_locations);  // so does recursive_version_locations
  project_delete(p);
  put("s/alembic.ini", "[alembic]\nscript_location = mig\ntruncate_slug_length = 1_0\n"
                       "sourceless = true\nrecursive_version_locations = true\n");
  p = discover(ini, NULL);
  cr_assert_eq(p->truncate_slug_length, 10);
  cr_assert(p->sourceless);
  cr_assert(p->recursive_version_locations);
  project_delete(p);
}

/* ---- script_location forms ---------------------------------------------------------- */

Test(project, package_colon_path) {
  Project *p = discover(FIXTURES "/proj_package", NULL);
  cr_assert_str_eq(p->script_location, FIXTURES "/proj_package/src/myapp/migrations");
  cr_assert_eq(p->nversion_locations, 2);
  cr_assert_str_eq(p->version_locations[0],
                   FIXTURES "/proj_package/src/myapp/migrations/versions");
  cr_assert_str_eq(p->version_locations[1], FIXTURES "/proj_package/src/myapp/extra_versions");
  project_delete(p);
  same_as_alembic(FIXTURES "/proj_package/alembic.ini", NULL, FIXTURES "/proj_package/src");

  // A dotted package directly under the ini's directory; an unknown package fails.
  char ini[512];
  snprintf(ini, sizeof ini, "%s/pk/alembic.ini", tmp);
  put("pk/alembic.ini", "[alembic]\nscript_location = corp.app:db:migrations\n");
  put_rev("pk/corp/app/db/migrations/versions/x_1.py", "x");
  p = discover(ini, NULL);
  char want[512];
  snprintf(want, sizeof want, "%s/pk/corp/app/db/migrations", tmp);
  cr_assert_str_eq(p->script_location, want);
  project_delete(p);
  put("pk/alembic.ini", "[alembic]\nscript_location = nopkg:migrations\n");
  RtError err = {0};
  cr_assert_not(project_discover(ini, NULL, &p, &err));
  cr_assert_eq(err.kind, ERR_CONFIG);
  cr_assert(strstr(err.msg, "'nopkg'") && strstr(err.msg, ini), "%s", err.msg);
}

Test(project, here_and_absolute_paths) {
  char ini[512], body[1024];
  snprintf(ini, sizeof ini, "%s/h/conf/alembic.ini", tmp);
  snprintf(body, sizeof body,
           "[alembic]\nscript_location = %%(here)s/../mig\nversion_locations = %s/h/mig/v\n",
           tmp);
  put("h/conf/alembic.ini", body);
  put_rev("h/mig/v/a_1.py", "a");
  Project *p = discover(ini, NULL);
  char want[512];
  snprintf(want, sizeof want, "%s/h/mig", tmp);
  cr_assert_str_eq(p->script_location, want);
  project_delete(p);
  same_as_alembic(ini, NULL, NULL);
}

/* ---- version_locations -------------------------------------------------------------- */

/* A project with version directories va, vb, "v c" and revision files in each. */
static void make_multi(const char *version_locations, const char *sep) {
  char body[2048];
  snprintf(body, sizeof body, "[alembic]\nscript_location = mig\nversion_locations = %s\n%s%s%s",
           version_locations, sep ? "version_path_separator = " : "", sep ? sep : "",
           sep ? "\n" : "");
  put("m/alembic.ini", body);
  mkdirs(strcat(strcpy((char[512]){0}, tmp), "/m/mig"));
  put_rev("m/va/a_1.py", "a1");
  put_rev("m/vb/b_1.py", "b1");
  put_rev("m/vb/b_2.py", "b2");
  put_rev("m/v c/c_1.py", "c1");
}

static size_t nfiles(const char *ini) {
  Project *p = discover(ini, NULL);
  char **paths;
  size_t n;
  RtError err = {0};
  cr_assert(project_list_revision_files(p, &paths, &n, &err), "%s", err.msg);
  project_free_paths(paths, n);
  project_delete(p);
  return n;
}

Test(project, version_path_separators_match_alembic) {
  static const struct {
    const char *locations, *sep;
    size_t expect;
  } cases[] = {
      {"%(here)s/va %(here)s/vb", NULL, 3},       // legacy: spaces
      {"%(here)s/va,%(here)s/vb,  va", NULL, 3},  // legacy: commas (and a duplicate)
      {"va vb", "space", 3},
      {"va   vb", "space", 3},
      {"va:v c:vb", "os", 4},
      {"va:v c::", ":", 2},
      {"va;v c;vb;", ";", 4},
      {"va; vb", ";", 1},                         // " vb" is not stripped: it is skipped
      {"va missing vb", "space", 3},              // missing locations are skipped
  };
  char ini[512];
  snprintf(ini, sizeof ini, "%s/m/alembic.ini", tmp);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    make_multi(cases[i].locations, cases[i].sep);
    same_as_alembic(ini, NULL, NULL);
    cr_assert_eq(nfiles(ini), cases[i].expect, "case %zu", i);
  }
}

Test(project, newline_separator) {
  // Alembic 1.8.1 rejects "newline" (later versions accept it); retort accepts it.
  char ini[512];
  snprintf(ini, sizeof ini, "%s/m/alembic.ini", tmp);
  make_multi("\n    va\n    v c\n    vb", "newline");
  Project *p = discover(ini, NULL);
  cr_assert_eq(p->nversion_locations, 3);
  char want[512];
  snprintf(want, sizeof want, "%s/m/v c", tmp);
  cr_assert_str_eq(p->version_locations[1], want);
  project_delete(p);
  cr_assert_eq(nfiles(ini), 4);
}

Test(project, legacy_split_keeps_empty_pieces_like_alembic) {
  // re.split(", *| +", "va ,vb") == ["va", "", "vb"]; "" is the project root.
  char ini[512];
  snprintf(ini, sizeof ini, "%s/m/alembic.ini", tmp);
  make_multi("va ,vb", NULL);
  put_rev("m/r_root.py", "root");
  Project *p = discover(ini, NULL);
  cr_assert_eq(p->nversion_locations, 3);
  char want[512];
  snprintf(want, sizeof want, "%s/m", tmp);
  cr_assert_str_eq(p->version_locations[1], want);
  project_delete(p);
  same_as_alembic(ini, NULL, NULL);
}

/* ---- listing ------------------------------------------------------------------------ */

Test(project, lists_exactly_what_alembic_loads) {
  same_as_alembic(FIXTURES "/proj_basic/alembic.ini", NULL, NULL);
  Project *p = discover(FIXTURES "/proj_basic", NULL);
  char **paths;
  size_t n;
  RtError err = {0};
  cr_assert(project_list_revision_files(p, &paths, &n, &err), "%s", err.msg);
  cr_assert_eq(n, 3);
  cr_assert_str_eq(paths[0], FIXTURES "/proj_basic/migrations/versions/.hidden_5555_ok.py");
  cr_assert_str_eq(paths[1], FIXTURES "/proj_basic/migrations/versions/1a2b_first.py");
  cr_assert_str_eq(paths[2], FIXTURES "/proj_basic/migrations/versions/3c4d_second.py");
  project_free_paths(paths, n);
  project_delete(p);
}

Test(project, recursive_version_locations) {
  Project *p = discover(FIXTURES "/proj_named", "reporting");
  char **paths;
  size_t n;
  RtError err = {0};
  cr_assert(project_list_revision_files(p, &paths, &n, &err), "%s", err.msg);
  cr_assert_eq(n, 3);
  cr_assert_str_eq(paths[0], FIXTURES "/proj_named/db/versions/2024/dddd_nested.py");
  cr_assert_str_eq(paths[1], FIXTURES "/proj_named/db/versions/2024/q1/eeee_deeper.py");
  cr_assert_str_eq(paths[2], FIXTURES "/proj_named/db/versions/cccc_report.py");
  project_free_paths(paths, n);
  project_delete(p);

  // __pycache__ files are skipped; symlinked directories are not entered; the same file
  // reached through two locations is listed once; .pyc never counts.
  char ini[512];
  snprintf(ini, sizeof ini, "%s/r/alembic.ini", tmp);
  put("r/alembic.ini", "[alembic]\nscript_location = mig\nrecursive_version_locations = true\n"
                       "version_locations = mig/versions mig/versions/sub\n"
                       "sourceless = true\n");
  put_rev("r/mig/versions/a.py", "a");
  put_rev("r/mig/versions/sub/b.py", "b");
  put_rev("r/mig/versions/__pycache__/c.py", "c");
  put("r/mig/versions/__pycache__/a.cpython-311.pyc", "");
  put("r/mig/versions/d.pyc", "");
  put_rev("r/elsewhere/e.py", "e");
  char link[512], target[512];
  snprintf(link, sizeof link, "%s/r/mig/versions/linked", tmp);
  snprintf(target, sizeof target, "%s/r/elsewhere", tmp);
  cr_assert_eq(symlink(target, link), 0);
  p = discover(ini, NULL);
  cr_assert(project_list_revision_files(p, &paths, &n, &err), "%s", err.msg);
  cr_assert_eq(n, 2);
  char want[512];
  snprintf(want, sizeof want, "%s/r/mig/versions/a.py", tmp);
  cr_assert_str_eq(paths[0], want);
  snprintf(want, sizeof want, "%s/r/mig/versions/sub/b.py", tmp);
  cr_assert_str_eq(paths[1], want);
  project_free_paths(paths, n);
  project_delete(p);
}

Test(project, open_versions_dir) {
  Project *p = NULL;
  RtError err = {0};
  cr_assert(project_open_versions_dir(FIXTURES "/proj_basic/migrations/versions/", &p, &err),
            "%s", err.msg);
  cr_assert_null(p->ini_path);
  cr_assert_null(p->ini);
  cr_assert_str_eq(p->root, FIXTURES "/proj_basic/migrations");
  cr_assert_str_eq(p->script_location, FIXTURES "/proj_basic/migrations");
  cr_assert_eq(p->nversion_locations, 1);
  cr_assert_str_eq(p->version_locations[0], FIXTURES "/proj_basic/migrations/versions");
  cr_assert_str_eq(p->file_template, "%(rev)s_%(slug)s");
  cr_assert_eq(p->truncate_slug_length, 40);
  cr_assert_null(project_setting(p, "models"));
  char **paths;
  size_t n;
  cr_assert(project_list_revision_files(p, &paths, &n, &err), "%s", err.msg);
  cr_assert_eq(n, 3);
  project_free_paths(paths, n);
  project_delete(p);
  p = (Project *)1;
  cr_assert_not(project_open_versions_dir(FIXTURES "/nope", &p, &err));
  cr_assert_null(p);
  cr_assert_eq(err.kind, ERR_NOT_FOUND);
  cr_assert(strstr(err.msg, FIXTURES "/nope"), "%s", err.msg);
  cr_assert_not(project_open_versions_dir(FIXTURES "/proj_basic/alembic.ini", &p, &err));
  cr_assert(strstr(err.msg, "not a directory"), "%s", err.msg);
  project_delete(NULL);
}

Test(project, new_revision_dir) {
  char ini[512], want[512];
  snprintf(ini, sizeof ini, "%s/m/alembic.ini", tmp);
  make_multi("va vb", "space");
  Project *p = discover(ini, NULL);
  char *dir = NULL;
  RtError err = {0};
  cr_assert_not(project_new_revision_dir(p, NULL, NULL, &dir, &err));
  cr_assert_eq(err.kind, ERR_PARAMS);
  cr_assert_str_eq(err.msg, "Multiple version locations present, please specify --version-path");
  snprintf(want, sizeof want, "%s/m/vb", tmp);
  char head[600];
  snprintf(head, sizeof head, "%s/b_2.py", want);
  cr_assert(project_new_revision_dir(p, NULL, head, &dir, &err), "%s", err.msg);
  cr_assert_str_eq(dir, want);
  free(dir);
  cr_assert(project_new_revision_dir(p, "va/", NULL, &dir, &err), "%s", err.msg);
  snprintf(want, sizeof want, "%s/m/va", tmp);
  cr_assert_str_eq(dir, want);
  free(dir);
  // Nothing outside the version locations, however the path is spelled.
  const char *outside[] = {"va/..", "mig", "/etc", "va/../../m/va/x"};
  for (size_t i = 0; i < 4; i++) {
    memset(&err, 0, sizeof err);
    cr_assert_not(project_new_revision_dir(p, outside[i], NULL, &dir, &err), "%s", outside[i]);
    cr_assert_null(dir);
    cr_assert(strstr(err.msg, "is not represented in current version locations"), "%s",
              err.msg);
  }
  project_delete(p);
  p = discover(FIXTURES "/proj_basic", NULL);
  cr_assert(project_new_revision_dir(p, NULL, NULL, &dir, &err), "%s", err.msg);
  cr_assert_str_eq(dir, FIXTURES "/proj_basic/migrations/versions");
  free(dir);
  project_delete(p);
}

/* ---- masking ------------------------------------------------------------------------ */

Test(project, masked_urls) {
  static const char *const cases[][2] = {
      {"postgresql+psycopg2://user:secret@host/db", "postgresql+psycopg2://user:***@host/db"},
      {"postgresql://user@host", "postgresql://user@host"},
      {"postgresql://host:5432/db", "postgresql://host:5432/db"},
      {"postgresql://user:p%40ss%3Aw@host:5432/db", "postgresql://user:***@host:5432/db"},
      {"postgresql://user:p@ss:w/x@host/db", "postgresql://user:***@host/db"},
      {"postgresql://user:@host/db", "postgresql://user:***@host/db"},
      {"postgresql://:secret@host/db", "postgresql://:***@host/db"},
      {"postgresql:///db?host=/run/pg&password=secret&sslmode=off",
       "postgresql:///db?host=/run/pg&password=***&sslmode=off"},
      {"postgresql://u:s1@h/db?PASSWORD=s2", "postgresql://u:***@h/db?PASSWORD=***"},
      {"host=localhost password=secret dbname=x", "host=localhost password=*** dbname=x"},
      {"password = 'se cr\\'et' user=u", "password = *** user=u"},
      {"dbname=x", "dbname=x"},
      {"driver://user:pass@localhost/dbname", "driver://user:***@localhost/dbname"},
      {"", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *m = project_masked_url(cases[i][0]);
    cr_assert_str_eq(m, cases[i][1], "case %zu", i);
    cr_assert_null(strstr(m, "secret"));
    cr_assert_null(strstr(m, "s1"));
    free(m);
  }
  cr_assert_null(project_masked_url(NULL));
}

Test(project, which_urls_are_postgres) {
  const char *yes[] = {"postgresql://u@h/db", "postgresql+psycopg2://u:p@h/db",
                       "postgres://h/db", "PostgreSQL+asyncpg://h/db", "  postgresql:///db",
                       "host=/run/pg dbname=x", "dbname = x"};
  const char *no[] = {NULL, "", "   ", "driver://user:pass@localhost/dbname", "sqlite:///x.db",
                      "mysql+pymysql://u@h/db", "postgresqlx://h/db", "=x", "just words",
                      "a-b=c"};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    cr_assert(project_url_is_postgres(yes[i]), "%s", yes[i]);
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    cr_assert_not(project_url_is_postgres(no[i]), "%s", no[i] ? no[i] : "NULL");
}

/* ---- [tool.retort] in pyproject.toml ------------------------------------------------ */

Test(project, pyproject_tool_retort_settings) {
  char ini[512];
  snprintf(ini, sizeof ini, "%s/py/alembic.ini", tmp);
  mkdirs(strcat(strcpy((char[512]){0}, tmp), "/py/mig"));
  put("py/alembic.ini", "[alembic]\nscript_location = mig\n");
  Project *p = discover(ini, NULL);
  cr_expect_null(p->pyproject_path, "no pyproject.toml: nothing read");
  cr_expect_null(project_setting(p, "models"));
  project_delete(p);

  put("py/pyproject.toml", "[project]\nname = \"shop\"\n[tool.black]\nline-length = 100\n");
  p = discover(ini, NULL);
  cr_expect_null(p->pyproject_path, "a pyproject.toml without [tool.retort] is not ours");
  project_delete(p);

  put("py/pyproject.toml", "[project]\nname = \"shop\"\n\n[tool.retort]\n"
                           "models = [\"app/models.py\", \"app/more.py\"]\n"
                           "lock_timeout_ms = 2_000\n"
                           "severity.ban-drop-column = \"error\"\n");
  p = discover(ini, NULL);
  char want[600];
  snprintf(want, sizeof want, "%s/py/pyproject.toml", tmp);
  cr_assert_str_eq(p->pyproject_path, want);
  cr_expect_str_eq(project_setting(p, "models"), "app/models.py, app/more.py");
  cr_expect_str_eq(project_setting(p, "LOCK_TIMEOUT_MS"), "2000", "keys are case-insensitive");
  cr_expect_str_eq(project_setting(p, "severity.ban-drop-column"), "error");
  cr_expect_str_eq(project_setting_section(p, "models"), "[tool.retort]");
  cr_expect_str_eq(project_setting_file(p, "models"), want);
  project_delete(p);

  // a key in both files: alembic.ini's; the others from pyproject.toml
  put("py/alembic.ini", "[alembic]\nscript_location = mig\n\n[retort]\nmodels = %(here)s/m.py\n");
  p = discover(ini, NULL);
  char here_m[600];
  snprintf(here_m, sizeof here_m, "%s/py/m.py", tmp);
  cr_expect_str_eq(project_setting(p, "models"), here_m);
  cr_expect_str_eq(project_setting_section(p, "models"), "[retort]");
  cr_expect_str_eq(project_setting_file(p, "models"), ini);
  cr_expect_str_eq(project_setting(p, "lock_timeout_ms"), "2000");
  cr_expect_null(project_setting_file(p, "disable"));
  project_delete(p);
}

Test(project, a_pyproject_that_is_not_toml_fails_discovery_with_its_line) {
  char ini[512];
  snprintf(ini, sizeof ini, "%s/pb/alembic.ini", tmp);
  mkdirs(strcat(strcpy((char[512]){0}, tmp), "/pb/mig"));
  put("pb/alembic.ini", "[alembic]\nscript_location = mig\n");
  put("pb/pyproject.toml", "[tool.retort]\nmodels = app/models.py\n");
  Project *p = NULL;
  RtError err = {0};
  cr_assert_not(project_discover(ini, NULL, &p, &err));
  cr_assert_null(p);
  cr_expect_eq(err.kind, ERR_CONFIG);
  char want[1024];
  snprintf(want, sizeof want,
           "%s/pb/pyproject.toml: line 2: app/models.py is not a TOML value: a string needs "
           "quotes (\"app/models.py\")",
           tmp);
  cr_expect_str_eq(err.msg, want);
}

/* ---- [tool.alembic] (Alembic >= 1.16; not in Debian, so checked against the rules of its
 * Config.get_alembic_option / ScriptDirectory.from_config) --------------------------- */

static void expect_fails(const char *start, const char *want_part) {
  Project *p = NULL;
  RtError err = {0};
  cr_assert_not(project_discover(start, NULL, &p, &err), "%s", start);
  cr_assert_null(p);
  cr_expect(strstr(err.msg, want_part), "'%s' not in '%s'", want_part, err.msg);
}

Test(project, pyproject_only_project) {
  char root[512], sub[600], py[600];
  snprintf(root, sizeof root, "%s/ta", tmp);
  snprintf(sub, sizeof sub, "%s/app/models", root);
  snprintf(py, sizeof py, "%s/pyproject.toml", root);
  mkdirs(sub);
  mkdirs(strcat(strcpy((char[600]){0}, root), "/migrations/versions"));
  mkdirs(strcat(strcpy((char[600]){0}, root), "/more/versions"));
  put("ta/pyproject.toml",
      "[project]\nname = \"shop\"\n\n[tool.alembic]\n"
      "script_location = \"%(here)s/migrations\"\n"
      "version_locations = [\"%(here)s/migrations/versions\", \"more/versions\"]\n"
      "file_template = \"%%(year)d_%%(rev)s_%%(slug)s\"\n"
      "truncate_slug_length = 20\n"
      "recursive_version_locations = true\n"
      "sourceless = false\n"
      "timezone = \"UTC\"\n"
      "prepend_sys_path = [\".\"]\n\n"
      "[[tool.alembic.post_write_hooks]]\nname = \"ruff\"\ntype = \"module\"\n"
      "module = \"ruff\"\noptions = \"check --fix REVISION_SCRIPT_FILENAME\"\n\n"
      "[tool.retort]\nmodels = \"app/models/*.py\"\n");
  Project *p = discover(sub, NULL); // found from below, as alembic.ini would be
  cr_expect_null(p->ini_path);
  cr_expect_null(p->ini);
  cr_expect_str_eq(p->root, root);
  cr_expect_str_eq(p->pyproject_path, py);
  char want[700];
  snprintf(want, sizeof want, "%s/migrations", root);
  cr_expect_str_eq(p->script_location, want);
  cr_assert_eq(p->nversion_locations, 2);
  snprintf(want, sizeof want, "%s/migrations/versions", root);
  cr_expect_str_eq(p->version_locations[0], want);
  snprintf(want, sizeof want, "%s/more/versions", root);
  cr_expect_str_eq(p->version_locations[1], want);
  cr_expect(p->version_locations_configured);
  cr_expect_str_eq(p->file_template, "%(year)d_%(rev)s_%(slug)s");
  cr_expect_eq(p->truncate_slug_length, 20);
  cr_expect(p->recursive_version_locations);
  cr_expect_not(p->sourceless);
  cr_expect_str_eq(p->timezone, "UTC");
  cr_expect_null(p->sqlalchemy_url);
  cr_expect_str_eq(project_setting(p, "models"), "app/models/*.py");
  project_delete(p);

  p = discover(py, NULL); // named
  cr_expect_str_eq(p->root, root);
  cr_expect_null(p->ini_path);
  project_delete(p);

  // an alembic.ini beside it: its main section first, [tool.alembic] for the rest, as
  // get_alembic_option; sqlalchemy.url from the ini only
  put("ta/alembic.ini", "[alembic]\nsqlalchemy.url = postgresql:///shop\n"
                        "truncate_slug_length = 30\n");
  p = discover(root, NULL);
  char ini[700];
  snprintf(ini, sizeof ini, "%s/alembic.ini", root);
  cr_expect_str_eq(p->ini_path, ini);
  snprintf(want, sizeof want, "%s/migrations", root);
  cr_expect_str_eq(p->script_location, want);
  cr_expect_eq(p->truncate_slug_length, 30);
  cr_expect_str_eq(p->sqlalchemy_url, "postgresql:///shop");
  cr_expect_eq(p->nversion_locations, 2);
  project_delete(p);
  p = discover(py, NULL); // naming the pyproject.toml takes the alembic.ini beside it
  cr_expect_str_eq(p->ini_path, ini);
  project_delete(p);
  // an ini without [alembic] does not matter when [tool.alembic] is there
  put("ta/alembic.ini", "[loggers]\nkeys = root\n");
  p = discover(root, NULL);
  cr_expect_eq(p->truncate_slug_length, 20);
  project_delete(p);
}

Test(project, tool_alembic_errors_say_where) {
  char root[512];
  snprintf(root, sizeof root, "%s/tb", tmp);
  mkdirs(strcat(strcpy((char[600]){0}, root), "/migrations/versions"));
  put("tb/pyproject.toml", "[tool.alembic]\nscript_location = \"migrations\"\nsourceless = \"true\"\n");
  expect_fails(root, "boolean value expected for TOML parameter 'sourceless' (in [tool.alembic] of ");
  put("tb/pyproject.toml", "[tool.alembic]\nscript_location = \"%(root)s/migrations\"\n");
  expect_fails(root, "script_location in [tool.alembic] of ");
  expect_fails(root, "has a % that is neither %(here)s nor %%");
  put("tb/pyproject.toml", "[tool.alembic]\nscript_location = \"migrations\"\n"
                           "version_locations = \"migrations/versions\"\n");
  expect_fails(root, "version_locations in [tool.alembic] of ");
  put("tb/pyproject.toml", "[tool.alembic]\nscript_location = 5.5\n");
  expect_fails(root, "script_location in [tool.alembic] of ");
  put("tb/pyproject.toml", "[tool.alembic]\nscript_location = \"nowhere\"\n");
  expect_fails(root, "Path doesn't exist: ");
  put("tb/pyproject.toml", "[tool.alembic]\nversion_locations = []\n");
  expect_fails(root, "No 'script_location' key found in configuration. ([tool.alembic] of ");
  put("tb/pyproject.toml", "[tool.black]\nx = 1\n");
  char py[600];
  snprintf(py, sizeof py, "%s/pyproject.toml", root);
  expect_fails(py, "has no [tool.alembic] table, and there is no alembic.ini beside it");
  put("tb/pyproject.toml", "[tool.alembic\n");
  expect_fails(root, "pyproject.toml: line 1: expected ']' to close the table header");
}

Test(project, path_separator_splits_and_strips) {
  char root[512];
  snprintf(root, sizeof root, "%s/tc", tmp);
  mkdirs(strcat(strcpy((char[600]){0}, root), "/mig/a"));
  mkdirs(strcat(strcpy((char[600]){0}, root), "/mig/b"));
  put("tc/alembic.ini", "[alembic]\nscript_location = mig\npath_separator = os\n"
                        "version_locations = mig/a : mig/b\n");
  Project *p = discover(root, NULL);
  cr_assert_eq(p->nversion_locations, 2);
  char want[700];
  snprintf(want, sizeof want, "%s/mig/a", root);
  cr_expect_str_eq(p->version_locations[0], want);
  snprintf(want, sizeof want, "%s/mig/b", root);
  cr_expect_str_eq(p->version_locations[1], want);
  project_delete(p);
  put("tc/alembic.ini", "[alembic]\nscript_location = mig\npath_separator = comma\n"
                        "version_locations = mig/a\n");
  expect_fails(root, "'comma' is not a valid value for path_separator");
}

Test(project, pyproject_rules_alembic_follows) {
  char root[512];
  snprintf(root, sizeof root, "%s/td", tmp);
  mkdirs(strcat(strcpy((char[600]){0}, root), "/mig/versions"));
  mkdirs(strcat(strcpy((char[600]){0}, root), "/mig/other"));
  mkdirs(strcat(strcpy((char[600]){0}, root), "/sub/deeper"));
  put("td/alembic.ini", "[alembic]\nscript_location = mig\nversion_locations =\n");
  // a pyproject.toml on the way up that is not TOML and not ours does not hide alembic.ini
  put("td/sub/pyproject.toml", "[project]\nname = \"x\"\nversion = 1.0.0\n");
  char deeper[600];
  snprintf(deeper, sizeof deeper, "%s/sub/deeper", root);
  Project *p = discover(deeper, NULL);
  char ini[600];
  snprintf(ini, sizeof ini, "%s/alembic.ini", root);
  cr_expect_str_eq(p->ini_path, ini);
  project_delete(p);
  // ... but one that names [tool.alembic] does
  put("td/sub/pyproject.toml", "[tool.alembic]\nscript_location = 1.0.0\n");
  expect_fails(deeper, "sub/pyproject.toml: line 2: 1.0.0 is not a TOML number");

  // an empty version_locations in the ini falls back to [tool.alembic]'s (a truth test);
  // the separators are read from the ini only; option names are case-sensitive in TOML
  put("td/pyproject.toml", "[tool.alembic]\nversion_locations = [\"mig/other\"]\n"
                           "path_separator = [\"x\"]\nScript_Location = \"elsewhere\"\n");
  p = discover(root, NULL);
  cr_assert_eq(p->nversion_locations, 1);
  char want[700];
  snprintf(want, sizeof want, "%s/mig/other", root);
  cr_expect_str_eq(p->version_locations[0], want);
  snprintf(want, sizeof want, "%s/mig", root);
  cr_expect_str_eq(p->script_location, want);
  project_delete(p);
}

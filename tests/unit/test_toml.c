/* test_toml.c - server/alembic/toml.c against Python's own TOML 1.0 reader (tomllib, in
 * Debian's /usr/bin/python3, through tests/unit/toml_oracle.py): the same documents must
 * be refused, and the settings under [tool.retort] must be the same; then the messages
 * and the rules tomllib has no opinion on. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/alembic/toml.h"
#include "server/base/buf.h"
#include "server/base/mem.h"

#define S(x) {x, sizeof(x) - 1}
typedef struct Doc {
  const char *text;
  size_t len;
} Doc;

/* Documents where retort must agree with tomllib: accepted or refused, and the settings. */
static const Doc CASES[] = {
    S(""),
    S("# only a comment\n"),
    S("[tool.retort]\n"),
    S("[tool.retort]\nmodels = \"app/models.py\"\n"),
    S("[tool.retort]\nmodels = [\"app/models.py\", \"app/more/*.py\"]\n"),
    S("[tool.retort]\nlock_timeout_ms = 5000\nstatement_timeout_ms = 0\n"),
    S("[tool.retort]\nlock_timeout_ms = 5_000\n"),
    S("[tool.retort]\nn = 0x1F\nm = 0o17\nb = 0b1010\nneg = -17\npos = +3\n"),
    S("[tool.retort]\nf = 3.14\ng = -1e10\nh = 6.626e-34\ni = 1_000.000_1\nj = +inf\nk = -nan\nl = inf\n"),
    S("[tool.retort]\nflag = true\noff = false\n"),
    S("[tool.retort]\ndisable = [\"prefer-identity\", \"ban-char-field\"]\nenable = \"raw-sql-without-guard\"\n"),
    S("[tool.retort]\ncolumn_groups = [[\"is_deleted\", \"deleted_at\"], [\"created_by\", \"created_at\"]]\n"),
    S("[tool.retort]\ncolumn_groups = [\"a, b\", [\"c\", \"d\"]]\n"),
    S("[tool.retort]\ncolumn_types = {search_vector = \"tsvector\", \"*_id\" = \"uuid\", id = \"uuid\"}\n"),
    S("[tool.retort.severity]\nban-drop-column = \"error\"\nprefer-jsonb = 'info'\n"),
    S("[tool.retort]\nseverity.ban-drop-column = \"error\"\nseverity.\"prefer-jsonb\" = \"info\"\n"),
    S("[tool.retort]\nseverity = {ban-drop-column = \"error\"}\n"),
    S("[tool]\nretort.models = \"m.py\"\nretort.disable = \"prefer-jsonb\"\n"),
    S("tool.retort.models = \"m.py\"\n"),
    S("tool = {retort = {models = \"m.py\", severity = {x = \"info\"}}}\n"),
    S("[tool . retort]\nmodels = \"x\"\n"),
    S("[ tool.\"retort\" ]\nmodels = \"x\"\n"),
    S("[tool.'retort']\nmodels = \"x\"\n"),
    S("[tool.retort]\nconstraint_naming = '^(pk|uq|fk|ck|ix)_[a-z0-9_]+$'\n"),
    S("[tool.retort]\nconstraint_naming = \"^(pk|uq)_\\\\w+$\"\n"),
    S("[tool.retort]\ns = \"tab\\there \\\"quoted\\\" back\\\\slash \\u00e9 \\U0001F600 \\b\\f\\r\\n\"\n"),
    S("[tool.retort]\ns = \"\"\"\nfirst\nsecond\"\"\"\n"),
    S("[tool.retort]\ns = \"\"\"one \\\n    two \\\n\n   three\"\"\"\n"),
    S("[tool.retort]\ns = \"\"\"ends with quotes\"\"\"\"\"\n"),
    S("[tool.retort]\ns = \"\"\"has \"\" inside\"\"\"\n"),
    S("[tool.retort]\ns = '''\nraw \\n text\n'''\n"),
    S("[tool.retort]\ns = '''it''s'''\n"),
    S("[tool.retort]\ns = ''''quoted'''''\n"),
    S("[tool.retort]\ns = 'C:\\Users\\x'\n"),
    S("[tool.retort]\nmodels = [\n  \"a.py\",  # the first\n  \"b.py\",\n  # a comment line\n]\n"),
    S("[tool.retort]\nmodels = [ ]\n"),
    S("[tool.retort]\nempty = \"\"\n"),
    S("[tool.retort]\n\"quoted key\" = 1\n'literal key' = 2\n\"\" = 3\n"),
    S("[tool.retort]\n\"a.b\" = 1\n"),
    S("[tool.retort]\nx = 1 # a comment after the value\n"),
    S("[tool.retort]\r\nmodels = \"crlf.py\"\r\ns = \"\"\"a\r\nb\"\"\"\r\n"),
    S("\xef\xbb\xbf[tool.retort]\nx = 1\n"),
    S("[tool.retort]\nname = \"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\"\n"),
    S("[project]\nname = \"shop\"\nversion = \"1.0\"\ndependencies = [\"sqlalchemy>=1.4\", \"alembic\"]\n"
      "[project.optional-dependencies]\ndev = [\"pytest\"]\n"
      "[build-system]\nrequires = [\"setuptools\"]\n"
      "[tool.black]\nline-length = 100\ntarget-version = ['py311']\n"
      "[[tool.poetry.source]]\nname = \"x\"\nurl = \"https://example.com\"\n"
      "[[tool.poetry.source]]\nname = \"y\"\n"
      "[tool.retort]\nmodels = \"shop/models.py\"\n"
      "[tool.ruff.lint]\nselect = [\"E\", \"F\"]\n"),
    S("[tool.other]\nwhen = 1979-05-27T07:32:00Z\nlocal = 1979-05-27T07:32:00\nd = 1979-05-27\n"
      "t = 07:32:00\nfrac = 1979-05-27T00:32:00.999999-07:00\nspace = 1979-05-27 07:32:00\n"
      "lower = 1979-05-27t07:32:00z\n"),
    S("[tool.other]\nleap = 2024-02-29\n"),
    S("[tool.other]\nnested = [[1, 2], [\"a\", [\"b\"]], {x = 1}]\ntab = {a.b.c = 1, d = [1, 2]}\n"),
    S("[a]\nx = 1\n[tool.retort]\ny = 2\n[b]\nz = 3\n"),
    S("[tool]\nother = 1\n"),
    S("[tool.retort]\nx = \"\\u0000\"\n"),
    // refused by both
    S("[tool.retort]\nmodels = app/models.py\n"),
    S("[tool.retort]\nmodels = \"unterminated\n"),
    S("[tool.retort]\nmodels = \"a\"\nmodels = \"b\"\n"),
    S("[tool.retort]\nx = 1\n[tool.retort]\ny = 2\n"),
    S("[tool.retort]\nseverity = \"x\"\nseverity.a = \"y\"\n"),
    S("[tool.retort]\nseverity.a = \"y\"\nseverity = \"x\"\n"),
    S("[tool.retort]\nt = {a = 1, a = 2}\n"),
    S("[tool.retort]\nt = {a = 1, a.b = 2}\n"),
    S("[tool.retort]\nt = {a = 1,}\n"),
    S("[tool.retort]\nt = {a = 1\n}\n"),
    S("[tool.retort]\na = [1 2]\n"),
    S("[tool.retort]\na = [,]\n"),
    S("[tool.retort]\na = [1,,2]\n"),
    S("[tool.retort]\na = [1, 2\n"),
    S("[tool.retort]\nx = 01\n"),
    S("[tool.retort]\nx = 1__0\n"),
    S("[tool.retort]\nx = _1\n"),
    S("[tool.retort]\nx = 1_\n"),
    S("[tool.retort]\nx = 0x\n"),
    S("[tool.retort]\nx = 0xG\n"),
    S("[tool.retort]\nx = +0x10\n"),
    S("[tool.retort]\nx = 0b102\n"),
    S("[tool.retort]\nx = 1.\n"),
    S("[tool.retort]\nx = .5\n"),
    S("[tool.retort]\nx = 1e\n"),
    S("[tool.retort]\nx = 1.5.3\n"),
    S("[tool.retort]\nx = True\n"),
    S("[tool.retort]\nx = tru\n"),
    S("[tool.retort]\nx = infinity\n"),
    S("[tool.retort]\nx =\n"),
    S("[tool.retort]\nx = 1 y = 2\n"),
    S("[tool.retort]\n= 1\n"),
    S("[tool.retort]\nbad key = 1\n"),
    S("[tool.retort]\nkey\n"),
    S("[tool.retort]\n\"\"\"k\"\"\" = 1\n"),
    S("[tool.retort\nx = 1\n"),
    S("[[tool.retort]\nx = 1\n"),
    S("[]\nx = 1\n"),
    S("[tool.retort] x = 1\n"),
    S("[tool.retort]\ns = \"bad \\q escape\"\n"),
    S("[tool.retort]\ns = \"\\uD800\"\n"),
    S("[tool.retort]\ns = \"\\U00110000\"\n"),
    S("[tool.retort]\ns = \"\\u12\"\n"),
    S("[tool.retort]\ns = \"tab\x01\"\n"),
    S("[tool.retort]\ns = 'line\nbreak'\n"),
    S("[tool.retort]\ns = \"\"\"x\\ y\"\"\"\n"),
    S("[tool.retort]\ns = \"\"\"too many\"\"\"\"\"\"\n"),
    S("[tool.retort]\ns = '''too many''''''\n"),
    S("[tool.retort]\ns = \"\"\"never ends\n"),
    S("[tool.retort]\ns = \"lone\rcr\"\n"),
    S("[tool.retort]\nx = 1\r\n"),
    S("[tool.retort]\nx = 1 \r y = 2\n"),
    S("[tool.retort]\nx = 1 # ctrl \x01 in comment\n"),
    S("[tool.retort]\nx = \"\xff\"\n"),
    S("[tool.retort]\nx = \"\xc0\xaf\"\n"),
    S("[tool.retort]\nx = \"\xed\xa0\x80\"\n"),
    S("[tool.retort]\nx = \"\xf4\x90\x80\x80\"\n"),
    S("[tool.retort]\nx = \"\xe2\x82\"\n"),
    S("# \xff\n"),
    S("[tool.other]\nd = 1979-02-29\n"),
    S("[tool.other]\nd = 1979-04-31\n"),
    S("[tool.other]\nd = 1979-13-01\n"),
    S("[tool.other]\nt = 24:00:00\n"),
    S("[tool.other]\nt = 07:60:00\n"),
    S("[tool.other]\nt = 07:32\n"),
    S("[tool.other]\nt = 1979-05-27T07:32:00+7:00\n"),
    S("[tool.other]\nt = 1979-05-27T07:32:00.\n"),
    S("[tool.other]\nt = 1979-5-27\n"),
    S("[tool.other]\nx = \"a\" \"b\"\n"),
    S("x = [1, 2] ]\n"),
    S("a = {b = 1} c\n"),
    S("a.b = 1\na.b = 2\n[a]\nc = 1 x\n"),
    S("[tool]\nretort = 5\n"),
    S("[tool.retort]\na = {}\na = 1\n"),
    S("[tool.retort]\na = {}\na = {}\n"),
    S("[tool.retort.a]\n[tool.retort]\na = 1\n"),
    S("[tool.retort.a.b]\n[tool.retort]\na = 1\n"),
    S("[tool.retort.a.b]\n[tool.retort.a]\nx = 1\n"),
    S("[tool.retort.a.b]\n[tool.retort]\na.c = 1\n"),
    S("[[tool]]\n[tool]\n"),
    S("[tool]\n[[tool]]\n"),
    S("[tool.retort]\na = in"),
    S("[tool.retort]\na = na"),
    S("[tool.retort]\na = i"),
    S("[tool.retort]\na = inf"),
    S("d = 0000-01-01\n"),
    S("d = 0001-01-01\n"),
    S("a = 1\rb = 2\n"),
    S("[tool.retort]\nt = {a.b = 1, a.c = 2, d = 3}\n"),
    S("[tool.retort]\nt = {a.b = 1, a = 2}\n"),
    S("[tool.retort]\nt = {b = 1, a = 2, c.d = 3, c = 4}\n"),
    S("tool = {retort = {severity = {x = \"info\"}}}\n[tool.retort]\n"),
    S("[tool]\nretort.x = 1\n[tool.retort]\n"),
    S("[tool]\nretort.x = 1\n[tool.retort.severity]\ny = 2\n"),
    S("[tool]\nretort.severity.x = 1\n[tool.retort.severity]\ny = 2\n"),
    S("[tool.retort.severity]\nx = 1\n[tool.retort]\nseverity.y = 2\n"),
    S("[tool.retort]\na.b = 1\na.c = 2\n"),
    S("[tool.retort]\nt = {a = 1}\nt.b = 2\n"),
    S("[tool.retort.severity]\nx = 1\n[tool.retort]\ny = 2\n"),
    S("[[tool]]\nx = 1\n[[tool]]\ny = 2\n"),
    S("[tool]\nretort = {}\n"),
    S("[tool.retort]\nv = 1\n[tool.retort.v]\n"),
    S("[tool.retort]\nv = 1\nv.w = 2\n"),
    S("tool.retort = \"x\"\n"),
};

/* The same agreement for [tool.alembic] read with TOML_SKIP_TABLE_ARRAYS. */
static const Doc ALEMBIC[] = {
    S("[tool.alembic]\nscript_location = \"%(here)s/m\"\nversion_locations = [\"a\", \"b, c\"]\n"
      "sourceless = false\ntruncate_slug_length = 40\n"
      "[[tool.alembic.post_write_hooks]]\nname = \"ruff\"\ntype = \"module\"\n"
      "[[tool.alembic.post_write_hooks]]\nname = \"black\"\n"),
    S("[tool.alembic]\nhooks = [{name = \"x\"}, {name = \"y\"}]\nx = 1\n"),
    S("[[tool.alembic.h]]\n"),
    S("[[tool.alembic.h]]\na = 1\na = 2\n"),
    S("[[tool.alembic.h]]\n[tool.alembic.h.opts]\nq = 1\n[[tool.alembic.h]]\n[tool.alembic.h.opts]\nq = 2\n"),
    S("[[tool.alembic.h]]\n[tool.alembic.h]\n"),
    S("[tool.alembic.h]\n[[tool.alembic.h]]\n"),
    S("[tool.alembic]\nh = 1\n[[tool.alembic.h]]\n"),
    S("[[tool.alembic.h]]\n[tool.alembic]\nh = 1\n"),
    S("[tool.alembic]\nh = [{name = 'a'}]\nh = 2\n"),
    S("[tool.alembic]\nh = [{name = 'a'}]\n[[tool.alembic.h]]\n"),
    S("[[tool.alembic.h]]\n[tool.alembic]\nh.x = 1\n"),
    S("[[tool.alembic]]\nx = 1\n"),
    S("[tool.alembic]\nx = [[{a = 1}]]\n"),
    S("[tool.alembic]\nx = [1, {a = 1}]\n"),
};

static char *dir;

static void setup(void) {
  char tmpl[] = "/tmp/retort-toml-XXXXXX";
  cr_assert_not_null(mkdtemp(tmpl));
  dir = xstrdup(tmpl);
}

static void teardown(void) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
  free(dir);
}

TestSuite(toml, .init = setup, .fini = teardown);

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hex(Buf *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) buf_printf(b, "%02x", *p);
}

/* Our answer in the oracle's line format. */
static char *ours(size_t k, const Doc *doc, const char *table, int flags) {
  TomlSettings s;
  RtError err = {0};
  Buf line = BUF_INIT;
  buf_printf(&line, "%zu ", k);
  if (!toml_read_table(doc->text, doc->len, table, flags, &s, &err)) {
    cr_assert(err.msg[0] && !strncmp(err.msg, "line ", 5), "case %zu: message '%s'", k, err.msg);
    buf_puts(&line, "error");
  } else {
    buf_puts(&line, s.found ? "found" : "absent");
    char **items = xmalloc((s.n ? s.n : 1) * sizeof *items);
    for (size_t i = 0; i < s.n; i++) {
      Buf it = BUF_INIT;
      hex(&it, s.keys[i]);
      buf_putc(&it, '=');
      hex(&it, s.values[i]);
      items[i] = it.data ? buf_detach(&it) : xstrdup("=");
    }
    qsort(items, s.n, sizeof *items, cmp_str);
    for (size_t i = 0; i < s.n; i++) {
      buf_printf(&line, " %s", items[i]);
      free(items[i]);
    }
    free(items);
  }
  toml_settings_free(&s);
  return buf_detach(&line);
}

/* Every document through tomllib and through toml_read_table: the same lines. Returns how
 * many tomllib refused. */
static size_t agree(const Doc *docs, size_t n, const char *table, int flags) {
  for (size_t k = 0; k < n; k++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%zu.toml", dir, k);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite(docs[k].text, 1, docs[k].len, f);
    fclose(f);
  }
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/unit/toml_oracle.py' '%s' %s %s",
           RETORT_SOURCE_DIR, dir, table, flags & TOML_SKIP_TABLE_ARRAYS ? "skip" : "");
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  static char line[1 << 16];
  size_t k = 0, errors = 0;
  for (; fgets(line, sizeof line, p); k++) {
    line[strcspn(line, "\n")] = '\0';
    char *mine = ours(k, &docs[k], table, flags);
    cr_expect_str_eq(mine, line, "case %zu: %.*s", k, (int)docs[k].len, docs[k].text);
    errors += strstr(line, " error") != NULL;
    free(mine);
  }
  cr_assert_eq(pclose(p), 0, "the oracle failed");
  cr_assert_eq(k, n, "the oracle answered %zu of %zu documents", k, n);
  return errors;
}

Test(toml, agrees_with_tomllib) {
  size_t errors = agree(CASES, sizeof CASES / sizeof CASES[0], "tool.retort", 0);
  cr_assert_gt(errors, 60, "the refused documents are most of the list");
}

Test(toml, agrees_with_tomllib_passing_over_arrays_of_tables) {
  size_t errors = agree(ALEMBIC, sizeof ALEMBIC / sizeof ALEMBIC[0], "tool.alembic",
                        TOML_SKIP_TABLE_ARRAYS);
  cr_assert_gt(errors, 5);
}

static void read_ok(const char *text, TomlSettings *s) {
  RtError err = {0};
  cr_assert(toml_read_table(text, strlen(text), "tool.retort", 0, s, &err), "%s", err.msg);
}

static void read_fails(const char *text, const char *msg) {
  TomlSettings s;
  RtError err = {0};
  cr_assert_not(toml_read_table(text, strlen(text), "tool.retort", 0, &s, &err), "%s", text);
  cr_expect_str_eq(err.msg, msg);
  cr_expect_eq(err.kind, ERR_CONFIG);
  toml_settings_free(&s);
}

Test(toml, settings_in_document_order_with_lines) {
  TomlSettings s;
  read_ok("[project]\nname = 'x'\n\n[tool.retort]\nmodels = ['a.py', 'b.py']\n"
          "column_groups = [['is_deleted', 'deleted_at'], ['a', 'b']]\n"
          "severity.ban-drop-column = 'error'\n"
          "column_types = {search_vector = 'tsvector', '*_id' = 'uuid'}\n"
          "lock_timeout_ms = 0x10\nwhen = 1979-05-27 07:32:00Z\nratio = 1_0.5e+1_0\n",
          &s);
  static const char *const WANT[][2] = {
      {"models", "a.py, b.py"},
      {"column_groups", "is_deleted, deleted_at; a, b"},
      {"severity.ban-drop-column", "error"},
      {"column_types.search_vector", "tsvector"},
      {"column_types.*_id", "uuid"},
      {"lock_timeout_ms", "16"},
      {"when", "1979-05-27 07:32:00Z"},
      {"ratio", "10.5e+10"},
  };
  static const int LINES[] = {5, 6, 7, 8, 8, 9, 10, 11};
  cr_assert_eq(s.n, sizeof WANT / sizeof WANT[0]);
  cr_assert(s.found);
  for (size_t i = 0; i < s.n; i++) {
    cr_expect_str_eq(s.keys[i], WANT[i][0]);
    cr_expect_str_eq(s.values[i], WANT[i][1]);
    cr_expect_eq(s.lines[i], LINES[i], "%s on line %d", s.keys[i], s.lines[i]);
  }
  toml_settings_free(&s);
  read_ok("[tool.black]\nx = 1\n", &s);
  cr_expect_not(s.found);
  cr_expect_eq(s.n, 0);
  toml_settings_free(&s);
  read_ok("[tool.retort]\n", &s);
  cr_expect(s.found);
  toml_settings_free(&s);
}

Test(toml, messages_name_the_line_and_what_is_wrong) {
  read_fails("[tool.retort]\nmodels = app/models.py\n",
             "line 2: app/models.py is not a TOML value: a string needs quotes (\"app/models.py\")");
  read_fails("x = 1.5.3\n", "line 1: 1.5.3 is not a TOML number");
  read_fails("x = 01\n", "line 1: 01 is not a TOML number (a leading 0, or a misplaced '_')");
  read_fails("[tool.retort]\nx = 1\n\nx = 2\n", "line 4: x is set twice (first on line 2)");
  read_fails("[tool.retort]\nseverity = 'x'\n[tool.retort.severity]\na = 'y'\n",
             "line 3: tool.retort.severity is an inline table or a value: nothing can be added "
             "to it");
  read_fails("[tool.retort]\n[tool.retort]\n", "line 2: the table [tool.retort] is declared twice");
  read_fails("[tool]\nretort.severity.x = 1\n[tool.retort.severity]\n",
             "line 3: the table [tool.retort.severity] is declared twice");
  read_fails("[tool.retort.severity]\n[tool.retort]\nseverity.x = 1\n",
             "line 3: tool.retort.severity is a table declared earlier: dotted keys cannot add "
             "to it");
  read_fails("tool = {retort = {}}\n[tool.retort]\n",
             "line 2: tool is an inline table or a value: nothing can be added to it");
  read_fails("[[tool.retort.rule]]\nx = 1\n",
             "line 1: [[tool.retort.rule]]: arrays of tables are not settings of [tool.retort]");
  read_fails("[[tool.retort]]\n", "line 1: [[tool.retort]]: [tool.retort] must be a table");
  // tomllib reads this (tool is a list), and Alembic then fails on it: say why here
  read_fails("[[tool]]\n[tool.retort]\nx = 1\n",
             "line 2: [tool.retort] is inside an array of tables ([[tool]]), so it is not read");
  read_fails("[tool.retort]\ng = [[['a']]]\n", "line 2: g: arrays nested three deep are not a setting");
  read_fails("[tool.retort]\ng = [{a = 1}]\n", "line 2: g: a table inside an array is not a setting");
  read_fails("[tool.retort]\ns = \"a\\u0000b\"\n", "line 2: s: a NUL character in a setting");
  read_fails("[tool]\nretort = 5\n", "line 2: [tool.retort] must be a table");
  read_fails("x = \"\"\"\none\ntwo\n", "line 4: a string that does not end");
  read_fails("a = 1\n\n\nb = \"\xff\"\n", "line 4: not UTF-8 (byte 0xff)");
  read_fails("d = 2023-02-29\n", "line 1: 2023-02-29 is not a valid TOML date or time");
  read_fails("x = 0xFFFFFFFFFFFFFFFFF\n",
             "line 1: 0xFFFFFFFFFFFFFFFFF is not a TOML integer (of at most 64 bits)");
  read_fails("x = [1, 2\ny = 3\n", "line 2: expected ',' or ']' in an array, found 'y'");
  read_fails("[tool.retort]\nx = 1 y\n",
             "line 2: expected the end of the line after the value, found 'y'");
  read_fails("s = \"\\x41\"\n", "line 1: an unknown escape \\'x' in a string");
}

Test(toml, deep_nesting_is_refused_not_a_crash) {
  size_t n = 100000;
  char *deep = xmalloc(n + 8);
  memcpy(deep, "x = ", 4);
  memset(deep + 4, '[', n);
  deep[n + 4] = '\0';
  TomlSettings s;
  RtError err = {0};
  cr_assert_not(toml_read_table(deep, strlen(deep), "tool.retort", 0, &s, &err));
  cr_expect_str_eq(err.msg, "line 1: arrays or inline tables nested more than 100 deep");
  toml_settings_free(&s);
  memcpy(deep, "x = ", 4);
  for (size_t i = 0; i < 100; i++) deep[4 + i] = '[';
  for (size_t i = 0; i < 100; i++) deep[104 + i] = ']';
  deep[204] = '\0';
  cr_assert(toml_read_table(deep, strlen(deep), "tool.retort", 0, &s, &err), "%s", err.msg);
  toml_settings_free(&s);
  free(deep);
}

Test(toml, a_flood_of_keys_is_refused_not_quadratic) {
  Buf b = BUF_INIT;
  buf_puts(&b, "[tool.retort]\n");
  for (int i = 0; i < 1001; i++) buf_printf(&b, "k%d = %d\n", i, i);
  TomlSettings s;
  RtError err = {0};
  cr_assert_not(toml_read_table(b.data, b.len, "tool.retort", 0, &s, &err));
  cr_expect_str_eq(err.msg, "line 1002: more than 1000 keys below [tool.retort]");
  toml_settings_free(&s);
  buf_reset(&b);
  for (int i = 0; i < 2001; i++) buf_printf(&b, "[tool.retort.t%d]\n", i);
  cr_assert_not(toml_read_table(b.data, b.len, "tool.retort", 0, &s, &err));
  cr_expect_str_eq(err.msg, "line 1899: more than 1000 keys or tables below [tool.retort]");
  toml_settings_free(&s);
  buf_reset(&b);
  buf_puts(&b, "[tool.retort]\nk");
  for (int i = 0; i < 100000; i++) buf_puts(&b, ".k");
  buf_puts(&b, " = 1\n");
  cr_assert_not(toml_read_table(b.data, b.len, "tool.retort", 0, &s, &err));
  cr_expect_str_eq(err.msg, "line 2: a key of more than 100 parts");
  toml_settings_free(&s);
  buf_free(&b);
}

Test(toml, kinds_lists_and_passed_over_table_arrays) {
  const char *doc = "[tool.alembic]\nscript_location = \"%(here)s/m\"\nn = 20\nb = true\n"
                    "v = [\"a, b\", \"c\"]\nnested = [[\"x\"]]\n"
                    "hooks = [{name = \"x\"}]\n"
                    "[[tool.alembic.post_write_hooks]]\nname = \"ruff\"\n"
                    "[tool.alembic.more]\nz = 1.5\n";
  TomlSettings s;
  RtError err = {0};
  cr_assert(toml_read_table(doc, strlen(doc), "tool.alembic", TOML_SKIP_TABLE_ARRAYS, &s, &err),
            "%s", err.msg);
  static const char *const KEYS[] = {"script_location", "n", "b", "v", "nested", "more.z"};
  static const TomlKind KINDS[] = {TOML_STRING, TOML_INTEGER, TOML_BOOL, TOML_ARRAY, TOML_ARRAY,
                                   TOML_FLOAT};
  cr_assert_eq(s.n, 6, "the arrays of tables are not settings");
  for (size_t i = 0; i < s.n; i++) {
    cr_expect_str_eq(s.keys[i], KEYS[i]);
    cr_expect_eq(s.kinds[i], KINDS[i], "%s", KEYS[i]);
  }
  cr_assert_not_null(s.lists[3]);
  cr_expect_str_eq(s.lists[3][0], "a, b", "elements are kept apart");
  cr_expect_str_eq(s.lists[3][1], "c");
  cr_expect_null(s.lists[3][2]);
  cr_expect_null(s.lists[4], "an array of arrays has no flat list");
  cr_expect_null(s.lists[0]);
  cr_expect_eq(toml_settings_find(&s, "NESTED", true), 4);
  cr_expect_eq(toml_settings_find(&s, "post_write_hooks", false), -1);
  cr_expect_eq(toml_settings_find(&s, "hooks", false), -1);
  toml_settings_free(&s);
  // without the flag, the same table arrays are errors
  cr_assert_not(toml_read_table(doc, strlen(doc), "tool.alembic", 0, &s, &err));
  cr_expect_str_eq(err.msg, "line 7: hooks: a table inside an array is not a setting");
  toml_settings_free(&s);
}

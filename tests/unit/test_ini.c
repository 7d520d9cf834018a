/* test_ini.c - the INI reader against Python's own configparser (run at test time with
 * /usr/bin/python3, configured as Alembic configures it), plus API behaviours. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/alembic/ini.h"
#include "server/base/buf.h"
#include "server/base/mem.h"

/* Python prints one line per query: "V <hex value>", "N" (absent), "E <hex message>"
 * (interpolation error), or a single "P <hex message>" when the file does not parse. */
static const char PY_SCRIPT[] =
    "import configparser, os, sys\n"
    "path = sys.argv[1]\n"
    "cp = configparser.ConfigParser({'here': os.path.abspath(os.path.dirname(path))})\n"
    "h = lambda s: s.encode('utf-8').hex() or '-'\n"
    "try:\n"
    "    with open(path, encoding='utf-8') as f:\n"
    "        cp.read_file(f, path)\n"
    "except configparser.Error as e:\n"
    "    print('P', h(str(e))); sys.exit(0)\n"
    "q = sys.argv[2:]\n"
    "for i in range(0, len(q), 2):\n"
    "    try:\n"
    "        v = cp.get(q[i], q[i + 1], fallback=None)\n"
    "        print('N' if v is None else 'V ' + h(v))\n"
    "    except configparser.InterpolationError as e:\n"
    "        print('E', h(str(e)))\n";

static char tmpdir[256];
static char script_path[300];

static void setup(void) {
  strcpy(tmpdir, "/tmp/retort-test-ini-XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
  snprintf(script_path, sizeof script_path, "%s/probe.py", tmpdir);
  FILE *f = fopen(script_path, "w");
  cr_assert_not_null(f);
  fputs(PY_SCRIPT, f);
  fclose(f);
}

static void teardown(void) {
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  cr_assert_eq(system(cmd), 0);
}

static char *unhex(const char *h) {
  if (strcmp(h, "-") == 0) return xstrdup("");
  size_t n = strlen(h) / 2;
  char *out = xmalloc(n + 1);
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    cr_assert_eq(sscanf(h + 2 * i, "%2x", &v), 1);
    out[i] = (char)v;
  }
  out[n] = '\0';
  return out;
}

static char *write_case(const char *name, const char *text, size_t len) {
  char *path = xmalloc(512);
  snprintf(path, 512, "%s/%s.ini", tmpdir, name);
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fwrite(text, 1, len, f);
  fclose(f);
  return path;
}

/* Runs configparser over `path` for the (section, key) queries; returns its lines. */
static char **python_answers(const char *path, const char *const *queries, size_t nq,
                             size_t *nlines) {
  Buf cmd = BUF_INIT;
  buf_printf(&cmd, "/usr/bin/python3 '%s' '%s'", script_path, path);
  for (size_t i = 0; i < nq; i++) buf_printf(&cmd, " '%s'", queries[i]);
  FILE *p = popen(buf_cstr(&cmd), "r");
  cr_assert_not_null(p, "cannot run %s", buf_cstr(&cmd));
  char **lines = xcalloc(nq / 2 + 2, sizeof *lines);
  size_t n = 0;
  char line[65536];
  while (fgets(line, sizeof line, p) && n < nq / 2 + 1) {
    line[strcspn(line, "\n")] = '\0';
    lines[n++] = xstrdup(line);
  }
  cr_assert_eq(pclose(p), 0, "python failed: %s", buf_cstr(&cmd));
  buf_free(&cmd);
  *nlines = n;
  return lines;
}

/* Checks our reading of `text` against configparser's for each (section, key). */
static void compare(const char *name, const char *text, size_t len, const char *const *queries,
                    size_t nq) {
  char *path = write_case(name, text, len);
  size_t nlines;
  char **py = python_answers(path, queries, nq, &nlines);
  cr_assert_geq(nlines, 1, "%s: python printed nothing", name);
  RtError err = {0};
  Ini *ini = ini_read_file(path, &err);
  if (py[0][0] == 'P') {
    char *want = unhex(py[0] + 2);
    cr_assert_null(ini, "%s: configparser refuses the file (%s) but we read it", name, want);
    cr_assert_eq(err.kind, ERR_CONFIG);
    // Duplicates keep configparser's wording exactly.
    if (strstr(want, "already exists"))
      cr_assert_str_eq(err.msg, want, "%s", name);
    free(want);
  } else {
    cr_assert_not_null(ini, "%s: we refuse what configparser reads: %s", name, err.msg);
    cr_assert_eq(nlines, nq / 2, "%s", name);
    for (size_t i = 0; i < nq; i += 2) {
      const char *sec = queries[i], *key = queries[i + 1], *ans = py[i / 2];
      RtError e2 = {0};
      const char *got = ini_get(ini, sec, key, &e2);
      if (ans[0] == 'N') {
        cr_assert_null(got, "%s [%s] %s: expected absent, got '%s'", name, sec, key, got);
        cr_assert_eq(e2.kind, ERR_NONE);
      } else if (ans[0] == 'V') {
        char *want = unhex(ans + 2);
        cr_assert_not_null(got, "%s [%s] %s: expected '%s', got error '%s'", name, sec, key,
                           want, e2.msg);
        cr_assert_str_eq(got, want, "%s [%s] %s", name, sec, key);
        free(want);
      } else {
        char *want = unhex(ans + 2);
        cr_assert_null(got, "%s [%s] %s: expected error '%s', got '%s'", name, sec, key,
                       want, got);
        cr_assert_eq(e2.kind, ERR_CONFIG);
        size_t wl = strlen(want), gl = strlen(e2.msg);
        cr_assert(gl >= wl && strcmp(e2.msg + gl - wl, want) == 0,
                  "%s [%s] %s:\n got  %s\n want ...%s", name, sec, key, e2.msg, want);
        cr_assert(strstr(e2.msg, key) && strstr(e2.msg, path), "%s: %s", name, e2.msg);
        free(want);
      }
    }
  }
  ini_delete(ini);
  for (size_t i = 0; i < nlines; i++) free(py[i]);
  free(py);
  free(path);
}

#define COMPARE(name, text, ...)                                                        \
  do {                                                                                  \
    static const char *const q[] = {__VA_ARGS__};                                       \
    compare(name, text, sizeof(text) - 1, q, sizeof q / sizeof *q);                     \
  } while (0)

TestSuite(ini_vs_configparser, .init = setup, .fini = teardown);

Test(ini_vs_configparser, delimiters_case_and_spaces) {
  COMPARE("delims",
          "[alembic]\n"
          "script_location = migrations\n"
          "Timezone: UTC\n"
          "  sqlalchemy.url   =   driver://u@h/db  \n"
          "a:b = c\n"
          "x=y:z\n"
          "empty =\n"
          "colon_empty:\n",
          "alembic", "script_location", "alembic", "timezone", "alembic", "TIMEZONE",
          "alembic", "sqlalchemy.url", "alembic", "a", "alembic", "x", "alembic", "empty",
          "alembic", "colon_empty", "alembic", "missing", "nosection", "x");
}

Test(ini_vs_configparser, comments_are_full_line_only) {
  COMPARE("comments",
          "# leading comment\n"
          "; another\n"
          "[s]\n"
          "a = b # not a comment\n"
          "  # indented comment line\n"
          "c = d ; nor this\n"
          "#e = f\n",
          "s", "a", "s", "c", "s", "e");
}

Test(ini_vs_configparser, continuation_lines) {
  COMPARE("continuation",
          "[s]\n"
          "multi = first\n"
          "    second\n"
          "\n"
          "    third after blank\n"
          "    # a comment inside\n"
          "      deeper\n"
          "\n"
          "\n"
          "next = x\n"
          "list =\n"
          "  a\n"
          "  b\n"
          "tail = t\n"
          "   \n",
          "s", "multi", "s", "next", "s", "list", "s", "tail");
}

Test(ini_vs_configparser, indented_keys_and_headers) {
  COMPARE("indent",
          "  [s]\n"
          "  a = 1\n"
          "    b = 2\n"
          "  c = 3\n"
          "[t] trailing words\n"
          "k = v\n"
          "[u]x]\n"
          "k = w\n",
          "s", "a", "s", "b", "s", "c", "t", "k", "u]x", "k");
}

Test(ini_vs_configparser, percent_and_here) {
  COMPARE("percent",
          "[alembic]\n"
          "script_location = %(here)s/migrations\n"
          "file_template = %%(rev)s_%%(slug)s\n"
          "pct = 100%%\n"
          "ref = %(pct)s done\n"
          "UPPER = %(SCRIPT_LOCATION)s\n",
          "alembic", "script_location", "alembic", "file_template", "alembic", "pct",
          "alembic", "ref", "alembic", "upper", "alembic", "here", "DEFAULT", "here");
}

Test(ini_vs_configparser, defaults_are_interpolated_in_the_asking_section) {
  COMPARE("defaults",
          "[DEFAULT]\n"
          "base = /srv/%(name)s\n"
          "name = default\n"
          "[a]\n"
          "name = alpha\n"
          "path = %(base)s/x\n"
          "[b]\n"
          "path = %(base)s/y\n"
          "[DEFAULT]\n"
          "here = /overridden\n"
          "[c]\n"
          "h = %(here)s\n",
          "a", "path", "a", "base", "b", "path", "b", "base", "DEFAULT", "base", "c", "h",
          "a", "here");
}

Test(ini_vs_configparser, interpolation_errors) {
  COMPARE("interp_errors",
          "[s]\n"
          "missing = %(nope)s\n"
          "bare = 50% off\n"
          "unclosed = %(abc\n"
          "nos = %(abc)d\n"
          "empty_name = %()s\n"
          "loop_a = %(loop_b)s\n"
          "loop_b = %(loop_a)s\n"
          "self = x%(self)s\n"
          "uses_bad = ok %(bare)s\n"
          "good = fine\n"
          "trailing = 5%\n",
          "s", "missing", "s", "bare", "s", "unclosed", "s", "nos", "s", "empty_name", "s",
          "loop_a", "s", "self", "s", "uses_bad", "s", "good", "s", "trailing");
}

Test(ini_vs_configparser, depth_limit_is_ten) {
  COMPARE("depth",
          "[s]\n"
          "v0 = end%%\n"
          "v1 = %(v0)s\n"
          "v2 = %(v1)s\n"
          "v3 = %(v2)s\n"
          "v4 = %(v3)s\n"
          "v5 = %(v4)s\n"
          "v6 = %(v5)s\n"
          "v7 = %(v6)s\n"
          "v8 = %(v7)s\n"
          "v9 = %(v8)s\n"
          "v10 = %(v9)s\n"
          "v11 = %(v10)s\n",
          "s", "v8", "s", "v9", "s", "v10", "s", "v11");
}

Test(ini_vs_configparser, line_endings) {
  COMPARE("crlf", "[s]\r\na = 1\r\nb = two\r\n  lines\r\n", "s", "a", "s", "b");
  COMPARE("cr", "[s]\ra = 1\rb = 2\r", "s", "a", "s", "b");
  COMPARE("noeol", "[s]\na = last", "s", "a");
}

Test(ini_vs_configparser, duplicates_are_refused) {
  COMPARE("dup_section", "[a]\nx = 1\n[b]\n[a]\ny = 2\n", "a", "x");
  COMPARE("dup_key", "[a]\nx = 1\nX = 2\n", "a", "x");
  COMPARE("dup_default_key", "[DEFAULT]\nx = 1\n[a]\n[DEFAULT]\nx = 2\n", "a", "x");
  COMPARE("default_reopened", "[DEFAULT]\nx = 1\n[a]\n[DEFAULT]\ny = 2\n", "a", "x", "a", "y");
}

Test(ini_vs_configparser, syntax_errors) {
  COMPARE("no_header", "a = 1\n[s]\n", "s", "a");
  COMPARE("no_delim", "[s]\njust words\n", "s", "just words");
  COMPARE("no_key", "[s]\n= value\n", "s", "");
  COMPARE("empty_brackets", "[]\n", "s", "a");
  COMPARE("utf8", "[s]\nname = caf\xc3\xa9 \xe2\x9c\x93\n", "s", "name");
}

/* ---- randomised differential check --------------------------------------------------- */

/* Writes case_<i>.ini files assembled from tricky fragments (fixed seed, so failures
 * reproduce) and, beside each, case_<i>.want: configparser's reading of every key of
 * every section ("P" when it refuses the file). */
static const char PY_GENERATE[] =
    "import configparser, os, random, sys\n"
    "d, n = sys.argv[1], int(sys.argv[2])\n"
    "frags = ['[s]', '[t]', '[DEFAULT]', '[a]b]', ' [s]', 'a = 1', 'A: 2', 'b=%(a)s',\n"
    "  'c = %%', 'd = %(b)s%%x', 'e = %(nope)s', 'f = 50%', '  cont', '    deeper', '',\n"
    "  '   ', '# c', '; c', '  # c', 'k:', 'k =', 'here = /h', 'g = %(here)s',\n"
    "  'h = %(g)s/%(a)s', 'i = %(i)s', 'key with space = v', 'k2 = a # b', '\\t tab = 1',\n"
    "  'u = \\u00e9', 'm = %(A)s', 'n: a=b', 'o = %(', 'p = %()s', 'q = %(a)d', 'x', '[]']\n"
    "h = lambda s: s.encode('utf-8').hex() or '-'\n"
    "random.seed(20261123)\n"
    "for i in range(n):\n"
    "    lines = [random.choice(frags) for _ in range(random.randint(1, 12))]\n"
    "    if random.random() < 0.9: lines.insert(0, random.choice(['[s]', '[DEFAULT]', '[t]']))\n"
    "    nl = random.choice(['\\n', '\\n', '\\r\\n', '\\r'])\n"
    "    path = os.path.join(d, 'case_%d.ini' % i)\n"
    "    with open(path, 'w', newline='', encoding='utf-8') as f:\n"
    "        f.write(nl.join(lines) + random.choice(['', nl]))\n"
    "    cp = configparser.ConfigParser({'here': d})\n"
    "    out = []\n"
    "    try:\n"
    "        with open(path, encoding='utf-8') as f: cp.read_file(f, path)\n"
    "    except configparser.Error:\n"
    "        out = ['P']\n"
    "    else:\n"
    "        for sec in ['DEFAULT'] + sorted(cp.sections()):\n"
    "            keys = sorted(cp.defaults() if sec == 'DEFAULT' else cp.options(sec))\n"
    "            for k in keys:\n"
    "                try: out.append('%s\\t%s\\tV %s' % (sec, k, h(cp.get(sec, k))))\n"
    "                except configparser.InterpolationError: out.append('%s\\t%s\\tE' % (sec, k))\n"
    "    with open(os.path.join(d, 'case_%d.want' % i), 'w') as f:\n"
    "        f.write(''.join(l + '\\n' for l in out))\n";

static int cmp_cstr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void dump_hex(Buf *b, const char *s) {
  if (!*s) buf_putc(b, '-');
  for (; *s; s++) buf_printf(b, "%02x", (unsigned char)*s);
}

/* Our reading in the generator's format: sorted sections, sorted visible keys. */
static void dump_section(Buf *out, const Ini *ini, const char *sec) {
  const char *const *own, *const *defs;
  size_t n = ini_section_keys(ini, sec, &own);
  size_t nd = strcmp(sec, "DEFAULT") ? ini_section_keys(ini, "DEFAULT", &defs) : 0;
  const char **all = xcalloc(n + nd + 1, sizeof *all);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) all[k++] = own[i];
  for (size_t i = 0; i < nd; i++) {
    bool shadowed = false;
    for (size_t j = 0; j < n; j++) shadowed |= strcmp(own[j], defs[i]) == 0;
    if (!shadowed) all[k++] = defs[i];
  }
  qsort(all, k, sizeof *all, cmp_cstr);
  for (size_t i = 0; i < k; i++) {
    RtError e = {0};
    const char *v = ini_get(ini, sec, all[i], &e);
    buf_printf(out, "%s\t%s\t", sec, all[i]);
    if (v) {
      buf_puts(out, "V ");
      dump_hex(out, v);
    } else {
      cr_assert_eq(e.kind, ERR_CONFIG);
      buf_putc(out, 'E');
    }
    buf_putc(out, '\n');
  }
  free(all);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s", path);
  Buf b = BUF_INIT;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
  fclose(f);
  buf_puts(&b, "");
  return buf_detach(&b);
}

Test(ini_vs_configparser, random_differential) {
  enum { NCASES = 400 };
  char gen[400], cmd[1024];
  snprintf(gen, sizeof gen, "%s/generate.py", tmpdir);
  FILE *f = fopen(gen, "w");
  cr_assert_not_null(f);
  fputs(PY_GENERATE, f);
  fclose(f);
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' %d", gen, tmpdir, NCASES);
  cr_assert_eq(system(cmd), 0, "%s", cmd);
  size_t parsed = 0;
  for (int i = 0; i < NCASES; i++) {
    char path[512], want_path[512];
    snprintf(path, sizeof path, "%s/case_%d.ini", tmpdir, i);
    snprintf(want_path, sizeof want_path, "%s/case_%d.want", tmpdir, i);
    char *want = slurp(want_path);
    RtError err = {0};
    Ini *ini = ini_read_file(path, &err);
    Buf got = BUF_INIT;
    if (!ini) {
      buf_puts(&got, "P\n");
    } else {
      parsed++;
      dump_section(&got, ini, "DEFAULT");
      const char *const *names;
      size_t n = ini_sections(ini, &names);
      const char **sorted = xcalloc(n + 1, sizeof *sorted);
      for (size_t k = 0; k < n; k++) sorted[k] = names[k];
      qsort(sorted, n, sizeof *sorted, cmp_cstr);
      for (size_t k = 0; k < n; k++) dump_section(&got, ini, sorted[k]);
      free(sorted);
    }
    if (strcmp(buf_cstr(&got), want) != 0) {
      char *text = slurp(path);
      cr_assert_fail("case %d differs from configparser\n--- file ---\n%s\n--- want ---\n%s"
                     "--- got ---\n%s",
                     i, text, want, buf_cstr(&got));
    }
    buf_free(&got);
    free(want);
    ini_delete(ini);
  }
  // The generator must exercise both outcomes, or this test proves little.
  cr_assert_gt(parsed, NCASES / 10);
  cr_assert_lt(parsed, NCASES);
}

/* ---- API behaviours ---------------------------------------------------------------- */

static Ini *parse(const char *text, const char *here) {
  RtError err = {0};
  Ini *ini = ini_parse(text, strlen(text), here, &err);
  cr_assert_not_null(ini, "%s", err.msg);
  return ini;
}

Test(ini_api, sections_and_keys_in_order) {
  Ini *ini = parse("[DEFAULT]\nd = 1\n[b]\nZ = 1\ny = 2\n[a]\n[retort]\nmodels = app/*.py\n",
                   "/h");
  const char *const *names;
  cr_assert_eq(ini_sections(ini, &names), 3);
  cr_assert_str_eq(names[0], "b");
  cr_assert_str_eq(names[1], "a");
  cr_assert_str_eq(names[2], "retort");
  const char *const *keys;
  cr_assert_eq(ini_section_keys(ini, "b", &keys), 2);
  cr_assert_str_eq(keys[0], "z");
  cr_assert_str_eq(keys[1], "y");
  cr_assert_eq(ini_section_keys(ini, "a", &keys), 0);
  cr_assert_null(keys);
  cr_assert_eq(ini_section_keys(ini, "nope", &keys), 0);
  cr_assert_eq(ini_section_keys(ini, "DEFAULT", &keys), 2);
  cr_assert_str_eq(keys[0], "here");
  cr_assert_str_eq(keys[1], "d");
  cr_assert(ini_has_section(ini, "a"));
  cr_assert_not(ini_has_section(ini, "DEFAULT"));
  cr_assert_not(ini_has_section(ini, "B"));
  cr_assert(ini_has_key(ini, "a", "D"));
  cr_assert(ini_has_key(ini, "a", "here"));
  cr_assert_not(ini_has_key(ini, "a", "z"));
  cr_assert_not(ini_has_key(ini, "nope", "d"));
  cr_assert(ini_has_key(ini, NULL, "d"));
  ini_delete(ini);
}

Test(ini_api, raw_and_no_here) {
  Ini *ini = parse("[s]\na = %(b)s%%\nb = x\nc = %(here)s\n", NULL);
  cr_assert_str_eq(ini_get_raw(ini, "s", "A"), "%(b)s%%");
  RtError err = {0};
  cr_assert_str_eq(ini_get(ini, "s", "a", &err), "x%");
  cr_assert_null(ini_get(ini, "s", "c", &err));
  cr_assert_eq(err.kind, ERR_CONFIG);
  cr_assert(strstr(err.msg, "'c'") && strstr(err.msg, "[s]") && strstr(err.msg, "'here'"),
            "%s", err.msg);
  cr_assert_null(ini_get_raw(ini, "s", "here"));
  ini_delete(ini);
}

Test(ini_api, errors_hide_values_of_url_keys) {
  Ini *ini = parse("[alembic]\nsqlalchemy.url = postgresql://u:p%40ss@h/db\n"
                   "db_password = %(nope)s-s3cret\n",
                   "/h");
  RtError err = {0};
  cr_assert_null(ini_get(ini, "alembic", "sqlalchemy.url", &err));
  cr_assert(strstr(err.msg, "sqlalchemy.url"), "%s", err.msg);
  cr_assert_null(strstr(err.msg, "p%40ss"), "password leaked: %s", err.msg);
  cr_assert_null(strstr(err.msg, "40ss"), "password leaked: %s", err.msg);
  memset(&err, 0, sizeof err);
  cr_assert_null(ini_get(ini, "alembic", "db_password", &err));
  cr_assert_null(strstr(err.msg, "s3cret"), "password leaked: %s", err.msg);
  ini_delete(ini);
}

Test(ini_api, expansion_is_bounded) {
  // Each level doubles the value: 2^10 * 2 KiB would be 2 MiB.
  Buf text = BUF_INIT;
  buf_puts(&text, "[s]\nv0 = ");
  for (int i = 0; i < 2048; i++) buf_putc(&text, 'x');
  buf_putc(&text, '\n');
  for (int i = 1; i <= 10; i++) buf_printf(&text, "v%d = %%(v%d)s%%(v%d)s\n", i, i - 1, i - 1);
  Ini *ini = parse(buf_cstr(&text), NULL);
  RtError err = {0};
  cr_assert_eq(strlen(ini_get(ini, "s", "v8", &err)), 2048u << 8);
  cr_assert_null(ini_get(ini, "s", "v10", &err));
  cr_assert(strstr(err.msg, "'v10'") && strstr(err.msg, "more than"), "%s", err.msg);
  ini_delete(ini);
  buf_free(&text);
}

Test(ini_api, booleans) {
  const char *yes[] = {"1", "yes", "TRUE", "On"}, *no[] = {"0", "No", "false", "OFF"};
  for (size_t i = 0; i < 4; i++) {
    bool v = false;
    RtError err = {0};
    cr_assert(ini_parse_bool(yes[i], &v, &err));
    cr_assert(v);
    cr_assert(ini_parse_bool(no[i], &v, &err));
    cr_assert_not(v);
  }
  bool v;
  RtError err = {0};
  cr_assert_not(ini_parse_bool("y", &v, &err));
  cr_assert_str_eq(err.msg, "Not a boolean: y");
  cr_assert_not(ini_parse_bool("", &v, &err));
}

Test(ini_api, nul_byte_and_bom) {
  RtError err = {0};
  cr_assert_null(ini_parse("[s]\na = \0b\n", 10, NULL, &err));
  cr_assert_eq(err.kind, ERR_CONFIG);
  cr_assert(strstr(err.msg, "line  2"), "%s", err.msg);
  Ini *ini = parse("\xef\xbb\xbf[s]\na = 1\n", NULL);
  cr_assert_str_eq(ini_get(ini, "s", "a", NULL), "1");
  ini_delete(ini);
}

Test(ini_api, missing_file) {
  RtError err = {0};
  cr_assert_null(ini_read_file("/nonexistent/alembic.ini", &err));
  cr_assert_eq(err.kind, ERR_NOT_FOUND);
  cr_assert(strstr(err.msg, "/nonexistent/alembic.ini"), "%s", err.msg);
}

Test(ini_api, delete_null) { ini_delete(NULL); }

/* test_newrev.c - a new revision's pieces against Python itself (run at test time with
 * /usr/bin/python3): repr() of strings, Alembic's slug, file_template's %-formatting and
 * Mako's rendering of script.py.mako templates; then revision id conventions and the
 * exclusive, contained write. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/alembic/mako.h"
#include "server/alembic/newrev.h"
#include "server/alembic/pyrepr.h"
#include "server/base/buf.h"
#include "server/base/mem.h"

/* The oracle: arguments hex-encoded (no quoting problems), the answer hex on stdout. */
static const char PY_ORACLE[] =
    "import sys, re, ast\n"
    "u = lambda h: bytes.fromhex(h).decode('utf-8') if h != '-' else ''\n"
    "out = lambda s: print(s.encode('utf-8').hex() or '-')\n"
    "mode = sys.argv[1]\n"
    "if mode == 'repr':\n"
    "    out(repr(u(sys.argv[2])))\n"
    "elif mode == 'slug':\n"
    "    slug = '_'.join(re.compile(r'\\w+').findall(u(sys.argv[2]))).lower()\n"
    "    n = int(sys.argv[3])\n"
    "    if len(slug) > n:\n"
    "        slug = slug[:n].rsplit('_', 1)[0] + '_'\n"
    "    out(slug)\n"
    "elif mode == 'fmt':\n"
    "    d = dict(rev='ae1027a6acf', slug='add_users', epoch=1700000000, year=2024, month=3,\n"
    "             day=5, hour=7, minute=9, second=2)\n"
    "    out(u(sys.argv[2]) % d)\n"
    "elif mode == 'mako':\n"
    "    from mako.template import Template\n"
    "    from alembic.util import format_as_comma\n"
    "    kw = ast.literal_eval(u(sys.argv[3]))\n"
    "    out(Template(u(sys.argv[2])).render_unicode(comma=format_as_comma, **kw))\n";

static char tmpdir[256];
static char oracle_path[300];

static void setup(void) {
  strcpy(tmpdir, "/tmp/retort-test-newrev-XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
  snprintf(oracle_path, sizeof oracle_path, "%s/oracle.py", tmpdir);
  FILE *f = fopen(oracle_path, "w");
  cr_assert_not_null(f);
  fputs(PY_ORACLE, f);
  fclose(f);
}

static void teardown(void) {
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  cr_assert_eq(system(cmd), 0);
}

static void hex(Buf *b, const char *s) {
  if (!*s) buf_putc(b, '-');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) buf_printf(b, "%02x", *p);
}

/* Runs the oracle with mode and up to two string arguments (hex-encoded) and an optional
 * plain one; returns its decoded answer (caller frees). */
static char *oracle(const char *mode, const char *a, const char *b, const char *plain) {
  Buf cmd = BUF_INIT;
  buf_printf(&cmd, "/usr/bin/python3 '%s' %s ", oracle_path, mode);
  hex(&cmd, a);
  if (b) {
    buf_putc(&cmd, ' ');
    hex(&cmd, b);
  }
  if (plain) buf_printf(&cmd, " %s", plain);
  FILE *p = popen(buf_cstr(&cmd), "r");
  cr_assert_not_null(p);
  char line[1 << 16];
  cr_assert_not_null(fgets(line, sizeof line, p), "oracle gave nothing for %s", buf_cstr(&cmd));
  cr_assert_eq(pclose(p), 0, "oracle failed: %s", buf_cstr(&cmd));
  buf_free(&cmd);
  line[strcspn(line, "\n")] = '\0';
  if (!strcmp(line, "-")) return xstrdup("");
  size_t n = strlen(line) / 2;
  char *s = xmalloc(n + 1);
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    sscanf(line + 2 * i, "%2x", &v);
    s[i] = (char)v;
  }
  s[n] = '\0';
  return s;
}

TestSuite(newrev, .init = setup, .fini = teardown);

Test(newrev, repr_matches_python) {
  static const char *const CASES[] = {
      "plain", "it's", "say \"hi\"", "both ' and \"", "back\\slash", "tab\there\nnew\rline",
      "\x01\x1f\x7f", "café ünïcödé", "non\xc2\xa0" "break", "soft\xc2\xad" "hyphen",
      "zero\xe2\x80\x8bwidth", "line\xe2\x80\xa8sep", "emoji \xf0\x9f\x98\x80", "", "日本語",
  };
  for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
    Buf b = BUF_INIT;
    py_repr_str(&b, CASES[k]);
    char *want = oracle("repr", CASES[k], NULL, NULL);
    cr_expect_str_eq(buf_cstr(&b), want, "repr of case %zu", k);
    free(want);
    buf_free(&b);
  }
}

Test(newrev, slug_matches_alembic) {
  static const struct {
    const char *msg;
    int n;
  } CASES[] = {
      {"Add users table", 40},
      {"add a column to the orders table and backfill it from the legacy data", 40},
      {"  leading, trailing!  ", 40},
      {"x", 40},
      {"", 40},
      {"no-dashes--or..dots//here", 40},
      {"Ünïcödé Straße résumé", 40},
      {"ΑΒΓ Grüße ПРИВЕТ", 40},
      {"emoji \xf0\x9f\x98\x80 and — dash", 40},
      {"averyveryveryveryveryverylongsinglewordthatgoesonandon", 20},
      {"short words a b c d e f g h i j k l m n", 10},
      {"../../etc/passwd", 40},
  };
  for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
    char *got = revfile_slug(CASES[k].msg, CASES[k].n);
    char n[16];
    snprintf(n, sizeof n, "%d", CASES[k].n);
    char *want = oracle("slug", CASES[k].msg, NULL, n);
    cr_expect_str_eq(got, want, "slug of '%s'", CASES[k].msg);
    free(got);
    free(want);
  }
}

Test(newrev, file_template_matches_python_percent) {
  static const char *const CASES[] = {
      "%(rev)s_%(slug)s",
      "%(year)d_%(month).2d_%(day).2d_%(rev)s_%(slug)s",
      "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s",
      "%(epoch)s_%(rev)s",
      "%(second)02d_%(minute)3d_%(rev)-14s|",
      "%(rev).4s_%%_%(slug)s",
      "%(year)i%(month)02i",
  };
  RevFileVars v = {"ae1027a6acf", "add_users", 1700000000, {0}};
  v.tm.tm_year = 2024 - 1900;
  v.tm.tm_mon = 2;
  v.tm.tm_mday = 5;
  v.tm.tm_hour = 7;
  v.tm.tm_min = 9;
  v.tm.tm_sec = 2;
  for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
    char *got = NULL;
    RtError err = {0};
    cr_assert(revfile_name(CASES[k], &v, false, &got, &err), "%s: %s", CASES[k], err.msg);
    char *want = oracle("fmt", CASES[k], NULL, NULL);
    Buf w = BUF_INIT;
    buf_printf(&w, "%s.py", want);
    cr_expect_str_eq(got, buf_cstr(&w), "template %s", CASES[k]);
    buf_free(&w);
    free(want);
    free(got);
  }
}

Test(newrev, file_template_never_leaves_the_directory) {
  RevFileVars v = {"abc", "x", 0, {0}};
  static const char *const BAD[] = {"/etc/%(rev)s", "../%(rev)s", "a/../../%(rev)s",
                                    "%(rev)s/./x", "", "%(bogus)s", "%(rev)d", "%(rev)",
                                    "sub//%(rev)s", ".hidden%(rev)s"};
  for (size_t k = 0; k < sizeof BAD / sizeof BAD[0]; k++) {
    char *got = NULL;
    RtError err = {0};
    cr_expect_not(revfile_name(BAD[k], &v, true, &got, &err), "accepted %s → %s", BAD[k],
                  got ? got : "");
    cr_expect_eq(err.kind, ERR_CONFIG);
    free(got);
  }
  // A subdirectory only with recursive version locations (where Alembic finds it).
  char *got = NULL;
  RtError err = {0};
  cr_expect_not(revfile_name("%(year)d/%(rev)s", &v, false, &got, &err));
  cr_expect(strstr(err.msg, "recursive_version_locations"), "%s", err.msg);
  cr_expect(revfile_name("%(year)d/%(rev)s", &v, true, &got, &err), "%s", err.msg);
  free(got);
}

/* Renders with our Mako and with Mako itself; `pyvars` is the same variables as a Python
 * dict literal. */
static void mako_same(const char *tmpl, const MakoVar *vars, size_t n, const char *pyvars) {
  Buf out = BUF_INIT;
  RtError err = {0};
  MakoEnv env = {vars, n, NULL, NULL};
  cr_assert(mako_render(tmpl, strlen(tmpl), &env, &out, &err), "%s\n--\n%s", err.msg, tmpl);
  char *want = oracle("mako", tmpl, pyvars, NULL);
  cr_expect_str_eq(buf_cstr(&out), want, "template:\n%s\n-- got:\n%s\n-- want:\n%s", tmpl,
                   buf_cstr(&out), want);
  free(want);
  buf_free(&out);
}

/* Alembic's own generic template (1.8.1), and the typed one of later versions. */
static const char GENERIC[] =
    "\"\"\"${message}\n\nRevision ID: ${up_revision}\nRevises: ${down_revision | comma,n}\n"
    "Create Date: ${create_date}\n\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n"
    "${imports if imports else \"\"}\n\n# revision identifiers, used by Alembic.\n"
    "revision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\n"
    "branch_labels = ${repr(branch_labels)}\ndepends_on = ${repr(depends_on)}\n\n\n"
    "def upgrade() -> None:\n    ${upgrades if upgrades else \"pass\"}\n\n\n"
    "def downgrade() -> None:\n    ${downgrades if downgrades else \"pass\"}\n";
static const char TYPED[] =
    "\"\"\"${message}\n\nRevision ID: ${up_revision}\nRevises: ${down_revision | comma,n}\n"
    "Create Date: ${create_date}\n\n\"\"\"\nfrom typing import Sequence, Union\n\n"
    "from alembic import op\nimport sqlalchemy as sa\n${imports if imports else \"\"}\n\n"
    "# revision identifiers, used by Alembic.\nrevision: str = ${repr(up_revision)}\n"
    "down_revision: Union[str, None] = ${repr(down_revision)}\n"
    "branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}\n"
    "depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}\n\n\n"
    "def upgrade() -> None:\n    ${upgrades if upgrades else \"pass\"}\n\n\n"
    "def downgrade() -> None:\n    ${downgrades if downgrades else \"pass\"}\n";
/* Control lines, comments, continuations, <%text>, and/or/not. */
static const char CONTROL[] =
    "## a comment line\n"
    "% if branch_labels:\n"
    "labels: ${branch_labels | comma,n}\n"
    "% elif depends_on is not None and not imports:\n"
    "deps ${depends_on}\n"
    "% else:\n"
    "  neither\n"
    "% endif\n"
    "joined \\\n"
    "line ${message or 'x'} ${'a' if message == 'm' else 'b'}\n"
    "<%text>${not_substituted}</%text>\n"
    "%% literal percent\n"
    "    % if up_revision != 'zz':\n"
    "indented control ok ${str(len(up_revision))}\n"
    "    % endif\n";

Test(newrev, mako_matches_mako) {
  const char *tup[] = {"a1b2c3d4e5f6", "0f9e8d7c6b5a"};
  const char *deps[] = {"x1", "x2"};
  const char *lab[] = {"feature"};
  MakoVar base[] = {
      {"up_revision", {.kind = MV_STR, .s = "3f1c2a9d8b01"}},
      {"down_revision", {.kind = MV_NONE}},
      {"branch_labels", {.kind = MV_NONE}},
      {"depends_on", {.kind = MV_NONE}},
      {"create_date", {.kind = MV_STR, .s = "2026-12-06 05:46:39.368236"}},
      {"message", {.kind = MV_STR, .s = "it's \"quoted\" ünï"}},
      {"upgrades", {.kind = MV_STR, .s = "op.add_column('t', sa.Column('c', sa.Integer()))"}},
      {"downgrades", {.kind = MV_NONE}},
      {"imports", {.kind = MV_STR, .s = "from sqlalchemy.dialects import postgresql"}},
  };
  const char *py_base =
      "{'up_revision': '3f1c2a9d8b01', 'down_revision': None, 'branch_labels': None, "
      "'depends_on': None, 'create_date': '2026-12-06 05:46:39.368236', "
      "'message': 'it\\'s \"quoted\" ünï', "
      "'upgrades': \"op.add_column('t', sa.Column('c', sa.Integer()))\", 'downgrades': None, "
      "'imports': 'from sqlalchemy.dialects import postgresql'}";
  size_t n = sizeof base / sizeof base[0];
  mako_same(GENERIC, base, n, py_base);
  mako_same(TYPED, base, n, py_base);
  mako_same(CONTROL, base, n, py_base);

  // A merge: down_revision a tuple; depends_on a list; a branch label.
  base[1].value = (MakoValue){.kind = MV_TUPLE, .items = tup, .n = 2};
  base[2].value = (MakoValue){.kind = MV_TUPLE, .items = lab, .n = 1};
  base[3].value = (MakoValue){.kind = MV_LIST, .items = deps, .n = 2};
  base[8].value = (MakoValue){.kind = MV_STR, .s = ""};
  const char *py_merge =
      "{'up_revision': '3f1c2a9d8b01', 'down_revision': ('a1b2c3d4e5f6', '0f9e8d7c6b5a'), "
      "'branch_labels': ('feature',), 'depends_on': ['x1', 'x2'], "
      "'create_date': '2026-12-06 05:46:39.368236', 'message': 'it\\'s \"quoted\" ünï', "
      "'upgrades': \"op.add_column('t', sa.Column('c', sa.Integer()))\", 'downgrades': None, "
      "'imports': ''}";
  mako_same(GENERIC, base, n, py_merge);
  mako_same(CONTROL, base, n, py_merge);
  base[2].value = (MakoValue){.kind = MV_NONE};
  const char *py_deps =
      "{'up_revision': '3f1c2a9d8b01', 'down_revision': ('a1b2c3d4e5f6', '0f9e8d7c6b5a'), "
      "'branch_labels': None, 'depends_on': ['x1', 'x2'], "
      "'create_date': '2026-12-06 05:46:39.368236', 'message': 'm', "
      "'upgrades': \"op.add_column('t', sa.Column('c', sa.Integer()))\", 'downgrades': None, "
      "'imports': ''}";
  base[5].value = (MakoValue){.kind = MV_STR, .s = "m"};
  mako_same(CONTROL, base, n, py_deps);
}

Test(newrev, mako_refuses_what_it_cannot_do) {
  static const char *const BAD[] = {
      "${unknown_name}\n",          "<% x = 1 %>\n",          "<%! import os %>\n",
      "% for x in y:\n% endfor\n",  "${message.upper()}\n",   "${os.system('x')}\n",
      "% if message:\nno endif\n",  "% endif\n",              "${message | h}\n",
      "${message\n",                "${'unterminated}\n",     "${__import__('os')}\n",
  };
  MakoVar vars[] = {{"message", {.kind = MV_STR, .s = "m"}}};
  for (size_t k = 0; k < sizeof BAD / sizeof BAD[0]; k++) {
    Buf out = BUF_INIT;
    RtError err = {0};
    MakoEnv env = {vars, 1, NULL, NULL};
    cr_expect_not(mako_render(BAD[k], strlen(BAD[k]), &env, &out, &err), "accepted: %s", BAD[k]);
    cr_expect_eq(err.kind, ERR_CONFIG);
    cr_expect(strstr(err.msg, "script.py.mako"), "%s", err.msg);
    buf_free(&out);
  }
  // Deep nesting is refused, not a stack overflow.
  Buf deep = BUF_INIT;
  buf_puts(&deep, "${");
  for (int k = 0; k < 10000; k++) buf_puts(&deep, "not ");
  buf_puts(&deep, "message}");
  Buf out = BUF_INIT;
  RtError err = {0};
  MakoEnv env = {vars, 1, NULL, NULL};
  cr_expect_not(mako_render(deep.data, deep.len, &env, &out, &err));
  buf_free(&deep);
  buf_free(&out);
}

/* ---- revision ids ---- */

static Revision *rev(const char *id, const char *down) {
  Revision *r = xcalloc(1, sizeof *r);
  r->id = id;
  if (down) {
    r->down = xcalloc(1, sizeof *r->down);
    r->down[0] = down;
    r->ndown = 1;
  }
  return r;
}

static void free_revs(Revision **r, size_t n) {
  for (size_t k = 0; k < n; k++) {
    free(r[k]->down);
    free(r[k]);
  }
}

Test(newrev, id_styles_follow_the_project) {
  RtError err = {0};
  RevIdStyle st;
  // Alembic's hex ids.
  Revision *hex[] = {rev("3f1c2a9d8b01", NULL), rev("7a4e5b6c2d13", "3f1c2a9d8b01")};
  cr_assert(revid_style(hex, 2, NULL, &st, &err));
  cr_expect_eq(st.kind, REVID_HEX);
  char *id = revid_make(&st, hex, 2, 0);
  cr_expect_eq(strlen(id), 12);
  for (const char *p = id; *p; p++) cr_expect(strchr("0123456789abcdef", *p));
  free(id);
  free_revs(hex, 2);

  // A counter: 0001, 0002 → 0003.
  Revision *seq[] = {rev("0001", NULL), rev("0002", "0001"), rev("0010", "0002")};
  cr_assert(revid_style(seq, 3, NULL, &st, &err));
  cr_expect_eq(st.kind, REVID_SEQUENCE);
  id = revid_make(&st, seq, 3, 0);
  cr_expect_str_eq(id, "0011");
  free(id);
  free_revs(seq, 3);

  // Date + counter (per day), the issue's YYYYMMDD_NNNNNN.
  Revision *ds[] = {rev("20240101_000001", NULL), rev("20240101_000002", "20240101_000001"),
                    rev("20240102_000001", "20240101_000002")};
  cr_assert(revid_style(ds, 3, NULL, &st, &err));
  cr_expect_eq(st.kind, REVID_DATE_SEQUENCE);
  cr_expect(st.per_day);
  time_t day = 1704240000;  // 2024-01-03 00:00 UTC
  setenv("TZ", "UTC", 1);
  id = revid_make(&st, ds, 3, day);
  cr_expect_str_eq(id, "20240103_000001");
  free(id);
  free_revs(ds, 3);

  // Date + time of day.
  Revision *dt[] = {rev("20240101_093000", NULL), rev("20240105_141516", "20240101_093000")};
  cr_assert(revid_style(dt, 2, NULL, &st, &err));
  cr_expect_eq(st.kind, REVID_DATETIME);
  id = revid_make(&st, dt, 2, 1704290645);  // 2024-01-03 14:04:05 UTC
  cr_expect_str_eq(id, "20240103_140405");
  free(id);
  free_revs(dt, 2);

  // A project that switched from hex to a counter follows its head.
  Revision *mixed[] = {rev("3f1c2a9d8b01", NULL), rev("0041", "3f1c2a9d8b01"), rev("0042", "0041")};
  cr_assert(revid_style(mixed, 3, NULL, &st, &err));
  cr_expect_eq(st.kind, REVID_SEQUENCE);
  id = revid_make(&st, mixed, 3, 0);
  cr_expect_str_eq(id, "0043");
  free(id);
  // Forced by [retort] revision_id; an unknown value is a configuration error.
  cr_assert(revid_style(mixed, 3, "hex", &st, &err));
  cr_expect_eq(st.kind, REVID_HEX);
  cr_expect_not(revid_style(mixed, 3, "uuid7", &st, &err));
  cr_expect_eq(err.kind, ERR_CONFIG);
  free_revs(mixed, 3);

  cr_expect(revid_valid("abc_123", NULL));
  cr_expect_not(revid_valid("../x", NULL));
  cr_expect_not(revid_valid("a-b", NULL));
  cr_expect_not(revid_valid("", NULL));
  cr_expect_not(revid_valid("a/b", NULL));
}

/* ---- writing ---- */

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  Buf b = BUF_INIT;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
  fclose(f);
  char *s = buf_detach(&b);
  return s ? s : xstrdup("");
}

Test(newrev, write_is_exclusive_and_contained) {
  char root[400], versions[500], outside[400], link[500], path[600];
  snprintf(root, sizeof root, "%s/proj", tmpdir);
  snprintf(versions, sizeof versions, "%s/versions", root);
  snprintf(outside, sizeof outside, "%s/outside", tmpdir);
  cr_assert_eq(mkdir(root, 0755), 0);
  cr_assert_eq(mkdir(versions, 0755), 0);
  cr_assert_eq(mkdir(outside, 0755), 0);

  RtError err = {0};
  char *written = NULL;
  cr_assert(revfile_write(root, versions, "abc_x.py", "A\n", 2, &written, &err), "%s", err.msg);
  char *got = slurp(written);
  cr_expect_str_eq(got, "A\n");
  free(got);
  free(written);
  // Never overwrites.
  cr_expect_not(revfile_write(root, versions, "abc_x.py", "B\n", 2, NULL, &err));
  cr_expect(strstr(err.msg, "already exists"), "%s", err.msg);
  snprintf(path, sizeof path, "%s/abc_x.py", versions);
  got = slurp(path);
  cr_expect_str_eq(got, "A\n");
  free(got);
  // A symlink in place of the file is not followed.
  char target[600];
  snprintf(target, sizeof target, "%s/victim", outside);
  snprintf(path, sizeof path, "%s/evil.py", versions);
  cr_assert_eq(symlink(target, path), 0);
  cr_expect_not(revfile_write(root, versions, "evil.py", "X", 1, NULL, &err));
  cr_expect_eq(access(target, F_OK), -1);
  // A versions directory that is a symlink leading outside the project is refused.
  snprintf(link, sizeof link, "%s/linked", root);
  cr_assert_eq(symlink(outside, link), 0);
  cr_expect_not(revfile_write(root, link, "abc.py", "X", 1, NULL, &err));
  cr_expect(strstr(err.msg, "outside the project"), "%s", err.msg);
  snprintf(path, sizeof path, "%s/abc.py", outside);
  cr_expect_eq(access(path, F_OK), -1);
  // Subdirectories are created inside, and a symlinked subdirectory is not entered.
  cr_assert(revfile_write(root, versions, "2024/01/abc_y.py", "Y", 1, &written, &err), "%s", err.msg);
  free(written);
  char sub[600];
  snprintf(sub, sizeof sub, "%s/esc", versions);
  cr_assert_eq(symlink(outside, sub), 0);
  cr_expect_not(revfile_write(root, versions, "esc/abc_z.py", "Z", 1, NULL, &err));
  snprintf(path, sizeof path, "%s/abc_z.py", outside);
  cr_expect_eq(access(path, F_OK), -1);
  // A failed write into new subdirectories leaves none of them behind.
  Buf longname = BUF_INIT;
  buf_puts(&longname, "d1/d2/");
  for (int k = 0; k < 300; k++) buf_putc(&longname, 'x');
  buf_puts(&longname, ".py");
  cr_expect_not(revfile_write(root, versions, buf_cstr(&longname), "Z", 1, NULL, &err));
  buf_free(&longname);
  snprintf(path, sizeof path, "%s/d1", versions);
  cr_expect_eq(access(path, F_OK), -1, "d1 was left behind");
}

/* test_revision.c - revision_parse against real Alembic: identity forms, docstrings,
 * syntax errors, ops with exact ranges, dynamic statements, unicode, CRLF, BOM. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/alembic/revision.h"
#include "server/base/buf.h"
#include "server/base/mem.h"

#define FIXTURES RETORT_SOURCE_DIR "/tests/fixtures/revisions/"

static RevParser *parser;
static Arena *arena;
static FindingList findings;

static void setup(void) {
  parser = revparser_new();
  cr_assert_not_null(parser);
  arena = arena_new();
  findings_init(&findings);
}

static void teardown(void) {
  findings_free(&findings);
  arena_delete(arena);
  revparser_delete(parser);
}

static Revision *parse(const char *path, const char *src, size_t len, RevParseMode mode) {
  findings_free(&findings);
  findings_init(&findings);
  return revision_parse(parser, arena, path, src, len, mode, &findings);
}

static Revision *parse_str(const char *src, RevParseMode mode) {
  return parse("/p/versions/x_test.py", src, strlen(src), mode);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s", path);
  Buf b = BUF_INIT;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
  fclose(f);
  *len = b.len;
  return b.data ? buf_detach(&b) : xstrdup("");
}

/* "a,b" joined ids, for compact comparisons. */
static char *join(const char **ids, size_t n) {
  Buf b = BUF_INIT;
  buf_puts(&b, "");
  for (size_t k = 0; k < n; k++) {
    if (k) buf_putc(&b, ',');
    buf_puts(&b, ids[k]);
  }
  char *s = arena_strdup(arena, buf_cstr(&b));
  buf_free(&b);
  return s;
}

#define RANGE_EQ(r, l, c, el, ec)                                                          \
  cr_expect((int)(r).line == (l) && (int)(r).col == (c) && (int)(r).end_line == (el) &&     \
                (int)(r).end_col == (ec),                                                   \
            "range %u:%u-%u:%u, expected %d:%d-%d:%d", (r).line, (r).col, (r).end_line,       \
            (r).end_col, (l), (c), (el), (ec))

/* ---- identity forms: every case is also checked against Alembic below ------------------- */

typedef struct IdCase {
  const char *name, *src;
  const char *id, *down, *branch, *depends; /* comma-joined; "" for none */
  const char *message;
} IdCase;

static const IdCase ID_CASES[] = {
    {"plain", "\"\"\"plain\"\"\"\nrevision = \"abc\"\ndown_revision = None\n", "abc", "", "", "",
     "plain"},
    {"annotated", "revision: str = \"abc\"\ndown_revision: str = 'p1'\n", "abc", "p1", "", "", ""},
    {"union",
     "from typing import Sequence, Union\n\"\"\"not a docstring\"\"\"\nrevision: str = \"r2\"\n"
     "down_revision: Union[str, None] = \"x\"\n"
     "branch_labels: Union[str, Sequence[str], None] = None\n"
     "depends_on: Union[str, Sequence[str], None] = None\n",
     "r2", "x", "", "", ""},
    {"optional",
     "from typing import Optional\nrevision: Optional[str] = \"r3\"\n"
     "down_revision: Optional[str] = None\n",
     "r3", "", "", "", ""},
    {"pipe_none", "revision: str = 'r4'\ndown_revision: str | None = \"d4\"\n", "r4", "d4", "", "", ""},
    {"tuple_union",
     "from typing import Sequence, Union\nrevision = 'm1'\n"
     "down_revision: Union[str, Sequence[str], None] = (\"a\", \"b\")\n",
     "m1", "a,b", "", "", ""},
    {"tuple_ellipsis",
     "revision = 'm2'\ndown_revision: tuple[str, ...] = (\n    \"a\",  # first\n    \"b\",\n)\n", "m2",
     "a,b", "", "", ""},
    {"list_down", "revision = 'm3'\ndown_revision = ['a', 'b', 'c']\n", "m3", "a,b,c", "", "", ""},
    {"bare_tuple", "revision = 'm4'\ndown_revision = 'a', 'b'\n", "m4", "a,b", "", "", ""},
    {"branch_str", "revision = 'b1'\ndown_revision = None\nbranch_labels = 'feature'\n", "b1", "",
     "feature", "", ""},
    {"branch_tuple",
     "revision = 'b2'\ndown_revision = None\nbranch_labels = ('one', 'two')\ndepends_on = 'dep1'\n",
     "b2", "", "one,two", "dep1", ""},
    {"depends_list", "revision = 'b3'\ndown_revision = 'b2'\ndepends_on = ['d1', \"d2\"]\n", "b3",
     "b2", "", "d1,d2", ""},
    {"prefixes",
     "revision = r'ab' \"cd\" u'ef'\ndown_revision = R\"x\\y\"\ndepends_on = (u'\\x41\\u00e9',)\n",
     "abcdef", "x\\y", "", "A\xc3\xa9", ""},
    {"escapes", "revision = 'a\\tb\\'c\\\\d\\101'\ndown_revision = None\n", "a\tb'c\\dA", "", "", "",
     ""},
    {"single_quote_doc", "'''Add things.\n\nMore.'''\nrevision = 'q1'\ndown_revision = None\n", "q1",
     "", "", "", "Add things."},
    {"paragraphs",
     "\"\"\"\n  First line\nsecond line\n\n\nThird para\n\n\"\"\"\nrevision = 'q2'\n"
     "down_revision = None\n",
     "q2", "", "", "", "First line\nsecond line"},
    {"doc_escapes",
     "\"\"\"Tab\\there\\nnewline \\u2603 \\\n joined\"\"\"\nrevision = 'q3'\ndown_revision = None\n",
     "q3", "", "", "", "Tab\there\nnewline \xe2\x98\x83  joined"},
    {"doc_concat", "\"Part one \" 'part two'\nrevision = 'q4'\ndown_revision = None\n", "q4", "", "",
     "", "Part one part two"},
    {"raw_doc", "r\"\"\"C:\\path\\n stays\"\"\"\nrevision = 'q5'\ndown_revision = None\n", "q5", "", "",
     "", "C:\\path\\n stays"},
    {"bytes_doc", "b\"\"\"bytes are no docstring\"\"\"\nrevision = 'q6'\ndown_revision = None\n", "q6",
     "", "", "", ""},
    {"comment_first", "# coding: utf-8\n\"\"\"After a comment\"\"\"\nrevision = 'q7'\n"
     "down_revision = None\n", "q7", "", "", "", "After a comment"},
    {"reassigned", "revision = 'old'\ndown_revision = None\nrevision = 'new'\n", "new", "", "", "",
     ""},
    {"chained", "revision = down_revision_x = 'ch'\ndown_revision = None\n", "ch", "", "", "", ""},
    {"after_def",
     "\"\"\"Vars below.\"\"\"\ndef upgrade():\n    pass\n\nrevision = 'late'\ndown_revision = 'e1'\n",
     "late", "e1", "", "", "Vars below."},
    {"unicode",
     "\"\"\"Ajoute la table caf\xc3\xa9 \xe2\x98\x95\n\nD\xc3\xa9tails\"\"\"\nrevision = 'u1'\n"
     "down_revision = '\xc3\xa9t\xc3\xa9'\n",
     "u1", "\xc3\xa9t\xc3\xa9", "", "", "Ajoute la table caf\xc3\xa9 \xe2\x98\x95"},
    {"compound_top",
     "revision = 'c1'\ndown_revision = None\nif False:\n    branch_labels = ('x',)\n", "c1", "", "",
     "", ""},
    {"paren_doc", "(\n  \"Parenthesised \"\n  \"docstring\"\n)\nrevision = 'pd'\ndown_revision = None\n",
     "pd", "", "", "", "Parenthesised docstring"},
    {"unicode_strip",
     "\"\"\"\xc2\xa0\xe3\x80\x80 Title \xe2\x80\xa8\n\nBody\xc2\xa0\"\"\"\nrevision = 'us'\ndown_revision = None\n",
     "us", "", "", "", "Title \xe2\x80\xa8"},
    {"semicolons", "revision = 's1'; down_revision = None\n", "s1", "", "", "", ""},
};

static void check_case(const IdCase *c, const Revision *r, const char *variant) {
  cr_expect_str_eq(r->id ? r->id : "(null)", c->id, "%s/%s: id", c->name, variant);
  cr_expect_str_eq(join(r->down, r->ndown), c->down, "%s/%s: down", c->name, variant);
  cr_expect_str_eq(join(r->branch_labels, r->nbranch_labels), c->branch, "%s/%s: branch", c->name,
                   variant);
  cr_expect_str_eq(join(r->depends_on, r->ndepends_on), c->depends, "%s/%s: depends", c->name,
                   variant);
  cr_expect_str_eq(r->message, c->message, "%s/%s: message", c->name, variant);
}

static bool range_eq(SrcRange a, SrcRange b) {
  return a.start_byte == b.start_byte && a.end_byte == b.end_byte && a.line == b.line &&
         a.col == b.col && a.end_line == b.end_line && a.end_col == b.end_col;
}

TestSuite(revision, .init = setup, .fini = teardown);

Test(revision, identity_forms_both_modes) {
  for (size_t k = 0; k < sizeof ID_CASES / sizeof ID_CASES[0]; k++) {
    const IdCase *c = &ID_CASES[k];
    Revision *h = parse_str(c->src, REV_PARSE_HEADER);
    cr_expect_eq(findings.len, 0, "%s: unexpected finding %s", c->name,
                 findings.len ? findings.items[0].message : "");
    check_case(c, h, "header");
    Revision *f = parse_str(c->src, REV_PARSE_FULL);
    check_case(c, f, "full");
    // The quick header scanner and the tree agree on every range too.
    cr_expect(range_eq(h->id_range, f->id_range), "%s: id_range", c->name);
    cr_expect(range_eq(h->down_range, f->down_range), "%s: down_range", c->name);
    cr_expect(range_eq(h->doc_range, f->doc_range), "%s: doc_range", c->name);
    cr_expect(range_eq(h->depends_on_range, f->depends_on_range), "%s: depends_range", c->name);
    cr_expect(range_eq(h->branch_labels_range, f->branch_labels_range), "%s: branch_range", c->name);
    cr_expect_str_eq(h->longdoc, f->longdoc, "%s: longdoc", c->name);
    for (size_t d = 0; d < h->ndown && d < f->ndown; d++)
      cr_expect(range_eq(h->down_ranges[d], f->down_ranges[d]), "%s: down_ranges[%zu]", c->name, d);
  }
}

/* ---- the same sources, read by Alembic itself ------------------------------------------ */

static const char ALEMBIC_READER[] =
    "import os, re, sys\n"
    "from alembic.util.pyfiles import load_python_file\n"
    "from alembic.script.base import Script\n"
    "def ids(v):\n"
    "    if v is None: return ''\n"
    "    if isinstance(v, str): v = [v]\n"
    "    return ','.join(x.encode().hex() for x in v)\n"
    "for path in sys.argv[1:]:\n"
    "    d, f = os.path.split(path)\n"
    "    m = load_python_file(d, f)\n"
    "    s = Script(m, m.revision, path)\n"
    "    print('\\t'.join([f, m.revision.encode().hex(), ids(m.down_revision),\n"
    "        ids(getattr(m, 'branch_labels', None)), ids(getattr(m, 'depends_on', None)),\n"
    "        s.longdoc.encode().hex(), s.doc.encode().hex()]) + '\\t')\n";

static char *unhex_list(const char *hex, size_t n) {
  Buf b = BUF_INIT;
  buf_puts(&b, "");
  for (size_t k = 0; k + 1 < n; k += 2) {
    if (hex[k] == ',') {
      buf_putc(&b, ',');
      k--;
      continue;
    }
    unsigned v;
    char two[3] = {hex[k], hex[k + 1], 0};
    sscanf(two, "%x", &v);
    buf_putc(&b, (char)v);
  }
  char *s = arena_strdup(arena, buf_cstr(&b));
  buf_free(&b);
  return s;
}

static void write_file(const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "cannot write %s", path);
  fwrite(data, 1, len, f);
  fclose(f);
}

/* Each case, plus a CRLF and a BOM variant, through /usr/bin/python3 + Alembic 1.8. */
Test(revision, identity_matches_alembic) {
  if (access("/usr/bin/python3", X_OK) != 0) cr_skip_test("no /usr/bin/python3 with alembic");
  char dir[] = "/tmp/retort-rev-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  Buf cmd = BUF_INIT;
  buf_printf(&cmd, "cd %s && /usr/bin/python3 -B -c \"$RETORT_READER\"", dir);
  size_t ncases = sizeof ID_CASES / sizeof ID_CASES[0];
  for (size_t k = 0; k < ncases; k++) {
    const IdCase *c = &ID_CASES[k];
    for (int variant = 0; variant < 3; variant++) {
      Buf src = BUF_INIT;
      if (variant == 2) buf_puts(&src, "\xEF\xBB\xBF");
      for (const char *p = c->src; *p; p++) {
        if (*p == '\n' && variant == 1) buf_putc(&src, '\r');
        buf_putc(&src, *p);
      }
      char *path = arena_printf(arena, "%s/%s_%d.py", dir, c->name, variant);
      write_file(path, src.data, src.len);
      buf_free(&src);
      buf_printf(&cmd, " %s", path);
    }
  }
  setenv("RETORT_READER", ALEMBIC_READER, 1);
  FILE *out = popen(cmd.data, "r");
  cr_assert_not_null(out);
  char line[8192];
  size_t seen = 0;
  while (fgets(line, sizeof line, out)) {
    char *fields[8] = {0};
    size_t nf = 0;
    for (char *p = line, *tab; nf < 8 && (tab = strchr(p, '\t')); p = tab + 1) {
      *tab = '\0';
      fields[nf++] = p;
    }
    cr_assert_eq(nf, 7, "alembic reader output: %s", line);
    char *path = arena_printf(arena, "%s/%s", dir, fields[0]);
    size_t len;
    char *src = slurp(path, &len);
    for (int mode = 0; mode < 2; mode++) {
      Revision *r = parse(path, src, len, mode ? REV_PARSE_FULL : REV_PARSE_HEADER);
      const char *what[] = {"id", "down", "branch", "depends", "longdoc", "message"};
      const char *ours[] = {r->id ? r->id : "(null)", join(r->down, r->ndown),
                            join(r->branch_labels, r->nbranch_labels),
                            join(r->depends_on, r->ndepends_on), r->longdoc, r->message};
      for (int k = 0; k < 6; k++) {
        const char *theirs = unhex_list(fields[k + 1], strlen(fields[k + 1]));
        cr_expect_str_eq(ours[k], theirs, "%s (%s mode): %s differs from Alembic", fields[0],
                         mode ? "full" : "header", what[k]);
      }
    }
    free(src);
    seen++;
  }
  int rc = pclose(out);
  cr_expect_eq(rc, 0, "the Alembic reader failed");
  cr_expect_eq(seen, 3 * ncases, "Alembic read %zu files of %zu", seen, 3 * ncases);
  buf_free(&cmd);
  char *rm = arena_printf(arena, "rm -rf %s", dir);
  cr_expect_eq(system(rm), 0);
}

/* ---- ranges of the identity -------------------------------------------------------- */

Test(revision, identity_ranges) {
  size_t len;
  char *src = slurp(FIXTURES "full_ops.py", &len);
  for (int mode = 0; mode < 2; mode++) {
    Revision *r = parse(FIXTURES "full_ops.py", src, len, mode ? REV_PARSE_FULL : REV_PARSE_HEADER);
    cr_expect_str_eq(r->id, "1a2b3c4d5e6f");
    RANGE_EQ(r->id_range, 15, 17, 15, 31);
    cr_assert_eq(r->ndown, 1);
    RANGE_EQ(r->down_ranges[0], 16, 35, 16, 49);
    RANGE_EQ(r->branch_labels_range, 17, 50, 17, 54);
    RANGE_EQ(r->doc_range, 1, 1, 7, 4);
    cr_expect_str_eq(r->message, "add users table");
    cr_expect(r->syntax_ok);
  }
  free(src);
}

Test(revision, unicode_columns_count_characters) {
  // "é" is 2 bytes, "☕" 3: columns must still count one each.
  const char *src = "\"\"\"caf\xc3\xa9 \xe2\x98\x95\"\"\"\nrevision = 'a'  # \xc3\xa9\n"
                    "down_revision = \"\xc3\xa9\xe2\x98\x95\"\n"
                    "def upgrade():\n    op.execute(\"\xc3\xa9\"); op.drop_table('t')\n";
  for (int mode = 0; mode < 2; mode++) {
    Revision *r = parse_str(src, mode ? REV_PARSE_FULL : REV_PARSE_HEADER);
    RANGE_EQ(r->doc_range, 1, 1, 1, 13);
    RANGE_EQ(r->down_ranges[0], 3, 17, 3, 21);
    cr_expect_eq(r->down_ranges[0].end_byte - r->down_ranges[0].start_byte, 7);
  }
  Revision *r = parse_str(src, REV_PARSE_FULL);
  cr_assert_eq(r->upgrade.len, 2);
  RANGE_EQ(r->upgrade.items[0].range, 5, 5, 5, 20);
  RANGE_EQ(r->upgrade.items[1].range, 5, 22, 5, 40);
  cr_expect_str_eq(r->upgrade.items[1].name, "drop_table");
}

Test(revision, bom_is_skipped_and_not_counted) {
  const char *src = "\xEF\xBB\xBFrevision = 'bom1'\ndown_revision = None\n";
  for (int mode = 0; mode < 2; mode++) {
    Revision *r = parse_str(src, mode ? REV_PARSE_FULL : REV_PARSE_HEADER);
    cr_expect(r->syntax_ok);
    cr_expect_str_eq(r->id, "bom1");
    RANGE_EQ(r->id_range, 1, 12, 1, 18);
    cr_expect_eq(r->id_range.start_byte, 14);
    cr_expect_eq(findings.len, 0);
  }
}

Test(revision, crlf_line_endings) {
  const char *src = "\"\"\"Title\r\n\r\nBody\r\n\"\"\"\r\nrevision = 'c1'\r\ndown_revision = (\r\n"
                    "    'a',\r\n    'b',\r\n)\r\n\r\ndef upgrade():\r\n    op.drop_table('t')\r\n";
  for (int mode = 0; mode < 2; mode++) {
    Revision *r = parse_str(src, mode ? REV_PARSE_FULL : REV_PARSE_HEADER);
    cr_expect(r->syntax_ok);
    cr_expect_str_eq(r->longdoc, "Title\n\nBody");
    cr_expect_str_eq(r->message, "Title");
    cr_expect_str_eq(join(r->down, r->ndown), "a,b");
    RANGE_EQ(r->down_ranges[1], 8, 5, 8, 8);
    RANGE_EQ(r->id_range, 5, 12, 5, 16);
  }
  Revision *r = parse_str(src, REV_PARSE_FULL);
  cr_assert_eq(r->upgrade.len, 1);
  RANGE_EQ(r->upgrade.items[0].range, 12, 5, 12, 23);
}

/* ---- findings ---------------------------------------------------------------------- */

Test(revision, empty_file) {
  for (int mode = 0; mode < 2; mode++) {
    Revision *r = parse("/p/versions/empty_rev.py", "", 0, mode ? REV_PARSE_FULL : REV_PARSE_HEADER);
    cr_expect_null(r->id);
    cr_expect(r->syntax_ok);
    cr_expect_str_eq(r->longdoc, "");
    cr_assert_eq(findings.len, 1);
    cr_expect_str_eq(findings.items[0].rule, "revision-id");
    cr_expect_str_eq(findings.items[0].message,
                     "Could not determine revision id from filename empty_rev.py. Be sure the "
                     "'revision' variable is declared inside the script (please see 'Upgrading "
                     "from Alembic 0.1 to 0.2' in the documentation).");
    cr_expect_eq(findings.items[0].range.line, 1);
  }
}

Test(revision, legacy_hex_filename_names_the_revision) {
  const char *src = "down_revision = None\n";
  Revision *r = parse("/p/versions/ae1027a6acf.py", src, strlen(src), REV_PARSE_HEADER);
  cr_expect_str_eq(r->id, "ae1027a6acf");
  cr_expect_eq(findings.len, 0);
}

Test(revision, revision_not_a_literal) {
  const char *src = "import uuid\nrevision = make_id()\ndown_revision = None\n";
  for (int mode = 0; mode < 2; mode++) {
    Revision *r = parse_str(src, mode ? REV_PARSE_FULL : REV_PARSE_HEADER);
    cr_expect_null(r->id);
    cr_assert_eq(findings.len, 1);
    cr_expect_str_eq(findings.items[0].rule, "revision-id");
    cr_expect_str_eq(findings.items[0].message, "`revision` must be a string literal, not `make_id()`");
    RANGE_EQ(findings.items[0].range, 2, 12, 2, 21);
  }
  src = "revision = 'ok'\ndown_revision = compute()\n";
  Revision *r = parse_str(src, REV_PARSE_HEADER);
  cr_expect_str_eq(r->id, "ok");
  cr_assert_eq(findings.len, 1);
  cr_expect_str_eq(findings.items[0].rule, "revision-id");
  RANGE_EQ(findings.items[0].range, 2, 17, 2, 26);
}

typedef struct SyntaxCase {
  const char *name, *src;
  int line, col;
  const char *id; /* what was still readable */
  const char *message;
} SyntaxCase;

static const SyntaxCase SYNTAX_CASES[] = {
    {"unclosed_call",
     "revision = 'se1'\ndown_revision = None\n\ndef upgrade():\n"
     "    op.add_column('t', sa.Column('x', sa.Integer())\n\ndef downgrade():\n    pass\n",
     5, 18, "se1", "'(' was never closed"},
    {"bad_header", "revision = 'se2'\ndown_revision = = None\n", 2, 17, "se2", "invalid syntax near '='"},
    {"stray_token", "revision = 'se3'\ndown_revision = None\n\ndef upgrade():\n    op.drop_table('t') )\n",
     5, 24, "se3", "unmatched ')'"},
    {"unterminated_string", "revision = 'se4'\ndown_revision = 'abc\n", 2, 17, "se4", NULL},
};

Test(revision, syntax_errors_with_locations) {
  for (size_t k = 0; k < sizeof SYNTAX_CASES / sizeof SYNTAX_CASES[0]; k++) {
    const SyntaxCase *c = &SYNTAX_CASES[k];
    Revision *r = parse_str(c->src, REV_PARSE_FULL);
    cr_expect_not(r->syntax_ok, "%s", c->name);
    cr_expect_str_eq(r->id ? r->id : "(null)", c->id, "%s: readable id", c->name);
    const Finding *f = NULL;
    for (size_t j = 0; j < findings.len; j++)
      if (!strcmp(findings.items[j].rule, "syntax-error")) f = &findings.items[j];
    cr_assert_not_null(f, "%s: no syntax-error finding", c->name);
    cr_expect_eq(f->severity, SEV_ERROR);
    if (c->message) cr_expect_str_eq(f->message, c->message, "%s: message", c->name);
    cr_expect(f->range.line == (uint32_t)c->line && f->range.col == (uint32_t)c->col,
              "%s: at %u:%u, expected %d:%d (%s)", c->name, f->range.line, f->range.col, c->line,
              c->col, f->message);
  }
}

/* ---- ops --------------------------------------------------------------------------- */

typedef struct OpExpect {
  const char *name;  /* NULL for a non-op statement */
  const char *receiver;
  bool dynamic;
  const char *reason;
  int line, col, end_line, end_col;
  size_t nbody;
} OpExpect;

static void check_ops(const char *what, const Op *ops, size_t n, const OpExpect *want, size_t nwant) {
  cr_assert_eq(n, nwant, "%s: %zu ops, expected %zu", what, n, nwant);
  for (size_t k = 0; k < n; k++) {
    const Op *o = &ops[k];
    const OpExpect *w = &want[k];
    cr_expect_str_eq(o->name ? o->name : "(null)", w->name ? w->name : "(null)", "%s[%zu] name", what, k);
    if (w->receiver) cr_expect_str_eq(o->receiver ? o->receiver : "(null)", w->receiver, "%s[%zu] receiver", what, k);
    cr_expect_eq(o->dynamic, w->dynamic, "%s[%zu] dynamic", what, k);
    if (w->reason) cr_expect_str_eq(o->dynamic_reason ? o->dynamic_reason : "(null)", w->reason, "%s[%zu] reason", what, k);
    RANGE_EQ(o->range, w->line, w->col, w->end_line, w->end_col);
    cr_expect_eq(o->nbody, w->nbody, "%s[%zu] body", what, k);
    cr_expect_not_null(o->source);
    cr_expect_eq(strlen(o->source), o->range.end_byte - o->range.start_byte, "%s[%zu] source", what, k);
  }
}

Test(revision, ops_of_full_ops_fixture) {
  size_t len;
  char *src = slurp(FIXTURES "full_ops.py", &len);
  Revision *r = parse(FIXTURES "full_ops.py", src, len, REV_PARSE_FULL);
  cr_expect_eq(findings.len, 0);
  cr_expect(r->upgrade.present && r->downgrade.present);
  RANGE_EQ(r->upgrade.def_range, 21, 1, 21, 23);
  static const OpExpect up[] = {
      {"create_table", "op", false, NULL, 23, 5, 28, 6, 0},
      {"create_index", "op", false, NULL, 29, 5, 29, 77, 0},
      {"batch_alter_table", "op", false, NULL, 30, 5, 32, 39, 2},
      {"autocommit_block", "op", false, NULL, 33, 5, 34, 56, 1},
  };
  check_ops("upgrade", r->upgrade.items, r->upgrade.len, up, 4);
  cr_expect(r->upgrade.is_static);
  static const OpExpect batch[] = {
      {"add_column", "batch_op", false, NULL, 31, 9, 31, 80, 0},
      {"drop_column", "batch_op", false, NULL, 32, 9, 32, 39, 0},
  };
  check_ops("batch", r->upgrade.items[2].body, r->upgrade.items[2].nbody, batch, 2);
  static const OpExpect ac[] = {{"execute", "op", false, NULL, 34, 9, 34, 56, 0}};
  check_ops("autocommit", r->upgrade.items[3].body, r->upgrade.items[3].nbody, ac, 1);

  // Arguments: calls kept as trees, keywords kept.
  const Op *ct = &r->upgrade.items[0];
  cr_expect_str_eq(pyvalue_str(op_arg(ct, 0, "table_name")), "users");
  const PyValue *col = op_arg(ct, 1, NULL);
  cr_assert_not_null(col);
  cr_expect_eq(col->kind, PV_CALL);
  cr_expect_str_eq(col->text, "sa.Column");
  cr_expect_str_eq(pyvalue_str(pyvalue_call_arg(col, 0, "name")), "id");
  const PyValue *type = pyvalue_call_arg(col, 1, "type_");
  cr_expect_eq(type->kind, PV_CALL);
  cr_expect_str_eq(type->text, "sa.Integer");
  const PyValue *nullable = pyvalue_call_arg(col, 99, "nullable");
  cr_assert_not_null(nullable);
  cr_expect_eq(nullable->kind, PV_BOOL);
  cr_expect_not(nullable->b);
  const PyValue *len255 = pyvalue_call_arg(pyvalue_call_arg(op_arg(ct, 2, NULL), 1, NULL), 0, "length");
  cr_assert_not_null(len255);
  cr_expect_eq(len255->kind, PV_INT);
  cr_expect_eq(len255->i, 255);
  const Op *ci = &r->upgrade.items[1];
  const PyValue *cols = op_arg(ci, 2, "columns");
  cr_expect_eq(cols->kind, PV_LIST);
  cr_expect_eq(cols->nitems, 1);
  cr_expect_eq(op_arg(ci, 99, "unique")->b, true);
  const PyValue *schema = op_arg(&r->upgrade.items[2], 1, "schema");
  cr_expect_eq(schema->kind, PV_NONE);

  static const OpExpect down[] = {
      {NULL, NULL, true, "for loop", 40, 5, 41, 25, 0},
      {NULL, NULL, true, "if statement", 42, 5, 43, 13, 0},
      {NULL, NULL, true, "get_bind() code", 44, 5, 44, 25, 0},
      {NULL, NULL, true, "get_bind() code", 45, 5, 45, 38, 0},
      {NULL, NULL, true, "helper call", 46, 5, 46, 13, 0},
      {"execute", "op", true, "f-string", 47, 5, 47, 37, 0},
      {"drop_index", "op", false, NULL, 48, 5, 48, 62, 0},
      {"drop_table", "op", true, "*args/**kwargs argument", 49, 5, 49, 35, 0},
  };
  check_ops("downgrade", r->downgrade.items, r->downgrade.len, down, 8);
  cr_expect_not(r->downgrade.is_static);
  const Op *splat = &r->downgrade.items[7];
  cr_assert_eq(splat->nargs, 2);
  cr_expect_str_eq(splat->args[1].name, "*");
  free(src);
}

Test(revision, op_aliases_and_parameters) {
  const char *src =
      "import alembic.op as aop\n"
      "from alembic import op as alembic_op\n"
      "from alembic.operations import Operations\n"
      "revision = 'al'\ndown_revision = None\n"
      "def upgrade(engine_name: str = '') -> None:\n"
      "    aop.drop_table('a')\n"
      "    alembic_op.drop_table('b')\n"
      "    op.drop_table('c')\n"
      "def downgrade(operations: Operations):\n"
      "    operations.create_table('a')\n"
      "    with operations.batch_alter_table('a') as b:\n"
      "        b.drop_column('x')\n";
  Revision *r = parse_str(src, REV_PARSE_FULL);
  static const OpExpect up[] = {
      {"drop_table", "aop", false, NULL, 7, 5, 7, 24, 0},
      {"drop_table", "alembic_op", false, NULL, 8, 5, 8, 31, 0},
      {NULL, NULL, true, "helper call", 9, 5, 9, 23, 0},  // `op` is not imported here
  };
  check_ops("upgrade", r->upgrade.items, r->upgrade.len, up, 3);
  static const OpExpect down[] = {
      {"create_table", "operations", false, NULL, 11, 5, 11, 33, 0},
      {"batch_alter_table", "operations", false, NULL, 12, 5, 13, 27, 1},
  };
  check_ops("downgrade", r->downgrade.items, r->downgrade.len, down, 2);
  cr_expect_str_eq(r->downgrade.items[1].body[0].receiver, "b");
  cr_expect(r->downgrade.is_static);
}

Test(revision, plain_import_and_missing_functions) {
  const char *src = "import alembic\nrevision = 'pi'\ndown_revision = None\n"
                    "def upgrade():\n    alembic.op.drop_table('x')\n    pass\n    \"\"\"Not an op.\"\"\"\n";
  Revision *r = parse_str(src, REV_PARSE_FULL);
  cr_assert_eq(r->upgrade.len, 1);
  cr_expect_str_eq(r->upgrade.items[0].name, "drop_table");
  cr_expect_str_eq(r->upgrade.items[0].receiver, "alembic.op");
  cr_expect_not(r->downgrade.present);
  cr_expect(r->downgrade.is_static);
  cr_expect_eq(r->downgrade.len, 0);
  // Header mode never reads ops.
  r = parse_str(src, REV_PARSE_HEADER);
  cr_expect_not(r->upgrade.present);
}

Test(revision, dynamic_statements_are_kept_with_reasons) {
  const char *src =
      "from alembic import op\nimport sqlalchemy as sa\nrevision = 'dy'\ndown_revision = None\n"
      "def upgrade():\n"
      "    \"\"\"Docstring is not an op.\"\"\"\n"
      "    while False:\n        pass\n"
      "    try:\n        op.drop_table('x')\n    except Exception:\n        pass\n"
      "    t = 'users'\n"
      "    op.add_column(t, sa.Column('c', sa.Integer()))\n"
      "    op.execute('a' + 'b')\n"
      "    with open('x') as f:\n        pass\n"
      "    op.get_bind().execute(sa.text('select 1'))\n"
      "    import os\n"
      "    def inner():\n        pass\n"
      "    op.bulk_insert(tbl, [{'id': 1, 'n': -2.5}])\n";
  Revision *r = parse_str(src, REV_PARSE_FULL);
  static const OpExpect up[] = {
      {NULL, NULL, true, "while loop", 7, 5, 8, 13, 0},
      {NULL, NULL, true, "try statement", 9, 5, 12, 13, 0},
      {NULL, NULL, true, "assignment", 13, 5, 13, 16, 0},
      {"add_column", "op", false, NULL, 14, 5, 14, 51, 0},
      {"execute", "op", true, "computed argument `'a' + 'b'`", 15, 5, 15, 26, 0},
      {NULL, NULL, true, "with statement", 16, 5, 17, 13, 0},
      {NULL, NULL, true, "get_bind() code", 18, 5, 18, 47, 0},
      {NULL, NULL, true, "import statement", 19, 5, 19, 14, 0},
      {NULL, NULL, true, "nested function", 20, 5, 21, 13, 0},
      {"bulk_insert", "op", false, NULL, 22, 5, 22, 48, 0},
  };
  check_ops("upgrade", r->upgrade.items, r->upgrade.len, up, 10);
  cr_expect_not(r->upgrade.is_static);
  // Names are kept as names; the consumer decides what they mean.
  const PyValue *t = op_arg(&r->upgrade.items[3], 0, NULL);
  cr_expect_eq(t->kind, PV_NAME);
  cr_expect_str_eq(t->text, "t");
  const PyValue *rows = op_arg(&r->upgrade.items[9], 1, NULL);
  cr_assert_eq(rows->kind, PV_LIST);
  const PyValue *row = rows->items[0];
  cr_assert_eq(row->kind, PV_DICT);
  cr_assert_eq(row->nitems, 4);
  cr_expect_str_eq(pyvalue_str(row->items[2]), "n");
  cr_expect_eq(row->items[3]->kind, PV_FLOAT);
  cr_expect_float_eq(row->items[3]->f, -2.5, 1e-9);
}

Test(revision, batch_with_dynamic_body_is_dynamic) {
  const char *src = "revision = 'bd'\ndown_revision = None\n"
                    "def upgrade():\n"
                    "    with op.batch_alter_table('t') as batch_op:\n"
                    "        for c in cols:\n            batch_op.drop_column(c)\n";
  Revision *r = parse_str(src, REV_PARSE_FULL);
  cr_assert_eq(r->upgrade.len, 1);
  const Op *b = &r->upgrade.items[0];
  cr_expect_str_eq(b->name, "batch_alter_table");
  cr_expect(b->dynamic);
  cr_expect_str_eq(b->dynamic_reason, "dynamic code inside batch_alter_table");
  cr_assert_eq(b->nbody, 1);
  cr_expect_str_eq(b->body[0].dynamic_reason, "for loop");
  cr_expect_not(r->upgrade.is_static);
}

Test(revision, string_values_in_ops) {
  const char *src = "revision = 'sv'\ndown_revision = None\n"
                    "def upgrade():\n"
                    "    op.execute(\"\"\"\n        CREATE INDEX\n    \"\"\" 'x')\n"
                    "    op.execute(b'\\x00\\xff')\n"
                    "    op.execute(sa.text(f'select {n}'))\n";
  Revision *r = parse_str(src, REV_PARSE_FULL);
  cr_assert_eq(r->upgrade.len, 3);
  const PyValue *sql = op_arg(&r->upgrade.items[0], 0, "sqltext");
  cr_expect_str_eq(pyvalue_str(sql), "\n        CREATE INDEX\n    x");
  const PyValue *bytes = op_arg(&r->upgrade.items[1], 0, NULL);
  cr_expect_eq(bytes->kind, PV_STR);
  cr_expect(bytes->bytes);
  cr_expect_eq(bytes->len, 2);
  cr_expect_eq((unsigned char)bytes->text[1], 0xff);
  cr_expect_null(pyvalue_str(bytes));
  cr_expect_str_eq(r->upgrade.items[2].dynamic_reason, "f-string");
}

Test(revision, deep_nesting_is_bounded) {
  Buf b = BUF_INIT;
  buf_puts(&b, "revision = 'deep'\ndown_revision = None\ndef upgrade():\n    op.execute(");
  for (int k = 0; k < 200; k++) buf_puts(&b, "f(");
  for (int k = 0; k < 200; k++) buf_puts(&b, ")");
  buf_puts(&b, ")\n");
  Revision *r = parse_str(b.data, REV_PARSE_FULL);
  cr_assert_eq(r->upgrade.len, 1);
  cr_expect(r->upgrade.items[0].dynamic);
  buf_free(&b);
}

/* Every prefix of a real file (cut mid-token, mid-string, mid-line), both modes: nothing
 * reads past `len` (the sanitizer build checks) and the parse always returns. */
Test(revision, every_truncation_parses) {
  size_t flen;
  char *fixture = slurp(FIXTURES "full_ops.py", &flen);
  const char *odd = "\xEF\xBB\xBF\"\"\"Caf\xc3\xa9 \\\r\n\xe2\x98\x95\r\n\r\nmore\"\"\"\r\n"
                    "revision: str = r'ab' \\\r\n  \"c\\\"d\"\r\ndown_revision = ('x',  # c\r\n 'y')\r\n"
                    "def upgrade():\r\n    with op.batch_alter_table('t') as b:\r\n"
                    "        b.drop_column(f'{x}')\r\n";
  const char *srcs[2] = {fixture, odd};
  size_t lens[2] = {flen, strlen(odd)};
  for (int which = 0; which < 2; which++) {
    for (size_t cut = 0; cut <= lens[which]; cut++) {
      // A private copy of exactly `cut` bytes, so an overread is a sanitizer error.
      char *copy = xmalloc(cut ? cut : 1);
      memcpy(copy, srcs[which], cut);
      for (int mode = 0; mode < 2; mode++) {
        Revision *r = parse("/p/x.py", copy, cut, mode ? REV_PARSE_FULL : REV_PARSE_HEADER);
        cr_assert_not_null(r);
      }
      free(copy);
      arena_reset(arena);
    }
  }
  Revision *r = parse_str(odd, REV_PARSE_HEADER);
  cr_expect_str_eq(r->id, "abc\"d");
  cr_expect_str_eq(join(r->down, r->ndown), "x,y");
  cr_expect_str_eq(r->message, "Caf\xc3\xa9 \xe2\x98\x95");
  Revision *f = parse_str(odd, REV_PARSE_FULL);
  cr_expect(range_eq(r->id_range, f->id_range));
  cr_expect(range_eq(r->down_range, f->down_range));
  cr_expect_str_eq(f->upgrade.items[0].body[0].dynamic_reason, "f-string");
  free(fixture);
}

Test(revision, hostile_nesting_is_bounded) {
  // 100 nested batch blocks: read as ops down to a bound, then kept as one dynamic statement.
  Buf b = BUF_INIT;
  buf_puts(&b, "revision = 'nest'\ndown_revision = None\ndef upgrade():\n");
  for (int k = 0; k < 100; k++) {
    for (int i = 0; i <= k; i++) buf_putc(&b, ' ');
    buf_printf(&b, "with op.batch_alter_table('t%d') as b%d:\n", k, k);
  }
  for (int i = 0; i <= 100; i++) buf_putc(&b, ' ');
  buf_puts(&b, "pass\n");
  Revision *r = parse_str(b.data, REV_PARSE_FULL);
  cr_assert_eq(r->upgrade.len, 1);
  const Op *o = &r->upgrade.items[0];
  int depth = 0;
  while (o->nbody == 1 && o->name) {
    o = &o->body[0];
    depth++;
  }
  cr_expect_eq(depth, 32);
  cr_expect_str_eq(o->dynamic_reason, "with statement");
  cr_expect_not(r->upgrade.is_static);
  buf_free(&b);
  // 100,000 open parentheses and other right-nested chains that crash libtree-sitter
  // 0.20.7's error recovery: a finding, no crash, the identity still read.
  const char *units[] = {"(", "- ", "not ", "a if b else ", "lambda: ", "["};
  for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
    buf_reset(&b);
    buf_puts(&b, "\"\"\"Deep.\"\"\"\nrevision = 'deep'\ndown_revision = None\nx = ");
    for (int k = 0; k < 70000; k++) buf_puts(&b, units[u]);
    buf_puts(&b, "\ndef upgrade():\n    op.drop_table('t')\n");
    for (int mode = 0; mode < 2; mode++) {
      r = parse_str(b.data, mode ? REV_PARSE_FULL : REV_PARSE_HEADER);
      cr_expect_str_eq(r->id, "deep", "%s", units[u]);
      cr_expect_str_eq(r->message, "Deep.", "%s mode %d", units[u], mode);
      if (mode) {
        cr_expect_not(r->syntax_ok);
        cr_expect_not(r->upgrade.is_static, "%s: ops that were not read cannot be static", units[u]);
        cr_assert_geq(findings.len, 1);
        cr_expect_str_eq(findings.items[0].rule, "syntax-error");
      }
    }
  }
  // Python's own limit on brackets, with its wording.
  buf_reset(&b);
  buf_puts(&b, "revision = 'p'\ndown_revision = None\nx = ");
  for (int k = 0; k < 250; k++) buf_putc(&b, '(');
  buf_puts(&b, "\n");
  r = parse_str(b.data, REV_PARSE_FULL);
  cr_assert_geq(findings.len, 1);
  cr_expect_str_eq(findings.items[0].message, "too many nested parentheses");
  RANGE_EQ(findings.items[0].range, 3, 205, 3, 206);
  buf_free(&b);
}

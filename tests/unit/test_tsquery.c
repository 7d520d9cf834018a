/* test_tsquery.c - our tree-sitter queries: grammars/queries/revision.scm compiled with its
 * predicates checked in C (tsquery.c), and the identity it reads from revision files. */
#include <criterion/criterion.h>
#include <string.h>

#include "server/alembic/revision.h"
#include "server/alembic/tsquery.h"

static Arena *arena;
static RevParser *parser;
static void setup(void) {
  arena = arena_new();
  parser = revparser_new();
}
static void teardown(void) {
  revparser_delete(parser);
  arena_delete(arena);
}
TestSuite(tsquery, .init = setup, .fini = teardown);

Test(tsquery, revision_query_compiles_with_its_captures) {
  const TsQuery *q = tsquery_get("revision.scm");
  cr_assert_not_null(q);
  cr_assert_eq(tsquery_get("revision.scm"), q, "compiled once");
  static const char *const caps[] = {"target",     "value", "assignment", "chain",
                                     "statement", "doc",   "doc_statement"};
  for (size_t k = 0; k < sizeof caps / sizeof *caps; k++) (void)tsquery_capture(q, caps[k]);
}

/* Full mode parses the whole file with tree-sitter: the identity comes from the query. */
static Revision *full(const char *src) {
  return revision_parse(parser, arena, "r.py", src, strlen(src), REV_PARSE_FULL, NULL);
}

Test(tsquery, module_level_assignments_only_last_wins) {
  Revision *r = full("# a comment first\n"
                     "\"\"\"Doc line\n\nmore\"\"\"  # trailing\n"
                     "revision: str = 'old'\n"
                     "if False:\n    revision = 'nested'\n"
                     "def upgrade():\n    down_revision = 'inner'\n"
                     "revision_x = 'no'\n"
                     "revision = 'ae10'\n"
                     "down_revision: Union[str, Sequence[str], None] = ('a1', 'b2')\n"
                     "x = branch_labels = depends_on = 'lbl'\n");
  cr_assert_str_eq(r->id, "ae10", "the last module-level assignment");
  cr_assert_eq(r->ndown, 2);
  cr_assert_str_eq(r->down[1], "b2");
  cr_assert_eq(r->nbranch_labels, 1);
  cr_assert_str_eq(r->branch_labels[0], "lbl", "a chain gives every target its value");
  cr_assert_str_eq(r->depends_on[0], "lbl");
  cr_assert_str_eq(r->message, "Doc line", "comments do not count before the docstring");
  cr_assert_eq(r->id_range.line, 11);
}

Test(tsquery, docstring_forms) {
  Revision *r = full("(\"parenthesized\" \"and joined\")\nrevision = 'a'\ndown_revision = None\n");
  cr_assert_str_eq(r->message, "parenthesizedand joined");
  r = full("revision = 'a'\n\"not first\"\ndown_revision = None\n");
  cr_assert_str_eq(r->message, "", "only the first statement is the docstring");
  r = full("b\"bytes\"\nrevision = 'a'\ndown_revision = None\n");
  cr_assert_str_eq(r->message, "", "bytes are not a docstring");
  r = full("\"a\", \"b\"\nrevision = 'a'\ndown_revision = None\n");
  cr_assert_str_eq(r->message, "", "a tuple is not a docstring");
}

/* The same identity through the quick scanner (header mode) and through the query. */
Test(tsquery, same_identity_as_the_quick_scanner) {
  const char *src = "\"\"\"Add things\n\nRevision ID: c3\n\"\"\"\nfrom alembic import op\n"
                    "revision = \"c3\"\ndown_revision = (\"a1\",\n    \"b2\")\n"
                    "branch_labels = None\ndepends_on = ['x1']\n\n\ndef upgrade():\n    pass\n";
  Revision *h = revision_parse(parser, arena, "c3.py", src, strlen(src), REV_PARSE_HEADER, NULL);
  Revision *f = full(src);
  cr_assert_str_eq(h->id, f->id);
  cr_assert_eq(h->ndown, f->ndown);
  for (size_t k = 0; k < h->ndown; k++) {
    cr_assert_str_eq(h->down[k], f->down[k]);
    cr_assert_eq(memcmp(&h->down_ranges[k], &f->down_ranges[k], sizeof(SrcRange)), 0);
  }
  cr_assert_str_eq(h->depends_on[0], f->depends_on[0]);
  cr_assert_str_eq(h->longdoc, f->longdoc);
  cr_assert_eq(memcmp(&h->doc_range, &f->doc_range, sizeof(SrcRange)), 0);
  cr_assert_eq(memcmp(&h->id_range, &f->id_range, sizeof(SrcRange)), 0);
}

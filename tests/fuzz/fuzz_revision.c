/* fuzz_revision.c - a revision file from arbitrary bytes through everything that reads
 * one: the tree-sitter parse (full and header-only), op interpretation, SQL rendering,
 * lock analysis of each statement (libpg_query), and the static schema fold. */
#include "fuzz_input.h"
#include "server/alembic/ops.h"
#include "server/alembic/revision.h"
#include "server/base/finding.h"
#include "server/schema/fold.h"
#include "server/schema/schema.h"
#include "server/sql/analyze.h"
#include "server/sql/sql.h"

static RevParser *parser;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  parser = revparser_new();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!parser) parser = revparser_new();
  Arena *a = arena_new();
  FindingList fl;
  findings_init(&fl);
  const char *src = (const char *)data;
  (void)revision_parse(parser, a, "/fuzz/versions/x.py", src, size, REV_PARSE_HEADER, &fl);
  Revision *r = revision_parse(parser, a, "/fuzz/versions/x.py", src, size, REV_PARSE_FULL, &fl);
  if (!r) abort(); // never fails: a broken file is a finding
  const OpList *dirs[] = {&r->upgrade, &r->downgrade};
  for (size_t d = 0; d < 2; d++) {
    MigOpList ops = {0};
    ops_interpret(a, dirs[d], &ops, &fl);
    SqlStmtList stmts = {0};
    sql_render_ops(a, &ops, &stmts);
    (void)sql_stmts_join(a, &stmts);
    for (size_t i = 0; i < stmts.len; i++) {
      SqlStmtInfo info;
      (void)sql_lock_for(a, &stmts.items[i], &info);
    }
  }
  Schema *s = schema_new();
  fold_revision(s, r);
  schema_delete(s);
  findings_free(&fl);
  arena_delete(a);
  return 0;
}

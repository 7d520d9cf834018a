/* test_warm.c - a warm tool session (change journal, kept listing, graph kept through
 * body edits, memoized results, cached schemas) answers exactly as a fresh one, through
 * every kind of edit of a project's revision files. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/tools/tools.h"

static char dir[64];
static Arena *arena;
static ToolSession *warm;

static char *vpath(const char *name) {
  char *p = xmalloc(strlen(dir) + strlen(name) + 32);
  sprintf(p, "%s/migrations/versions/%s", dir, name);
  return p;
}

static void put(const char *name, const char *text) {
  char *p = vpath(name);
  FILE *f = fopen(p, "wb");
  cr_assert_not_null(f, "%s", p);
  fputs(text, f);
  fclose(f);
  free(p);
}

/* A revision in script.py.mako's shape: docstring header, identifiers, two functions.
 * `down` is a Python literal ('x', ('x', 'y') or None); "Revises:" gets its ids. */
static char *rev(const char *id, const char *down, const char *labels, const char *msg,
                 const char *body) {
  char revises[128];
  size_t n = 0;
  for (const char *p = down; *p && n + 1 < sizeof revises && strcmp(down, "None") != 0; p++)
    if (*p != '\'' && *p != '(' && *p != ')') revises[n++] = *p;
  revises[n] = '\0';
  char *s = NULL;
  cr_assert(asprintf(&s,
                     "\"\"\"%s\n\nRevision ID: %s\nRevises: %s\nCreate Date: 2024-01-01\n\n\"\"\"\n"
                     "from alembic import op\nimport sqlalchemy as sa\n\n"
                     "revision = '%s'\ndown_revision = %s\nbranch_labels = %s\ndepends_on = None\n\n\n"
                     "def upgrade():\n%s\n\n"
                     "def downgrade():\n    pass\n",
                     msg, id, revises, id, down, labels, body) > 0);
  return s;
}

static void put_rev(const char *name, const char *id, const char *down, const char *labels,
                    const char *msg, const char *body) {
  char *s = rev(id, down, labels, msg, body);
  put(name, s);
  free(s);
}

static void setup(void) {
  strcpy(dir, "/tmp/retort-warm-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  char cmd[256];
  snprintf(cmd, sizeof cmd, "mkdir -p %s/migrations/versions", dir);
  cr_assert_eq(system(cmd), 0);
  char ini[128];
  snprintf(ini, sizeof ini, "%s/alembic.ini", dir);
  FILE *f = fopen(ini, "wb");
  cr_assert_not_null(f);
  fputs("[alembic]\nscript_location = %(here)s/migrations\n", f);
  fclose(f);
  put_rev("a1_users.py", "a1", "None", "None", "create users",
          "    op.create_table('users', sa.Column('id', sa.BigInteger(), primary_key=True),\n"
          "                    sa.Column('name', sa.String(50), nullable=True))");
  put_rev("b2_email.py", "b2", "'a1'", "None", "add email",
          "    op.add_column('users', sa.Column('email', sa.Text(), nullable=True))");
  put_rev("c3_index.py", "c3", "'b2'", "('feature',)", "index email",
          "    op.create_index('ix_users_email', 'users', ['email'])");
  put_rev("d4_other.py", "d4", "'b2'", "None", "widen name",
          "    op.alter_column('users', 'name', type_=sa.String(100))");
  put_rev("e5_merge.py", "e5", "('c3', 'd4')", "None", "merge", "    pass");
  arena = arena_new();
  warm = tool_session_new(dir);
}

static void teardown(void) {
  tool_session_delete(warm);
  arena_delete(arena);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_expect_eq(system(cmd), 0);
}

TestSuite(warm, .init = setup, .fini = teardown);

/* text + structuredContent of one call, or the error; caller frees. */
static char *answer(ToolSession *s, const char *tool, const char *args) {
  RtError err = {0};
  const Json *j = json_parse(arena, args, strlen(args), NULL, &err, NULL);
  cr_assert_not_null(j, "%s", err.msg);
  McpToolResult res;
  memset(&res, 0, sizeof res);
  Buf b = BUF_INIT;
  if (tools_call(s, tool, j, arena, &res, &err))
    buf_printf(&b, "%s\n---\n%s\n", buf_cstr(&res.text), buf_cstr(&res.structured));
  else
    buf_printf(&b, "error %d: %s\n", err.kind, err.msg);
  buf_free(&res.text);
  buf_free(&res.structured);
  return buf_detach(&b);
}

static const char *const CALLS[][2] = {
    {"history", "{}"},
    {"history", "{\"verbose\": true}"},
    {"status", "{\"offline\": true}"},
    {"review_migration", "{\"revision\": \"base:heads\"}"},
    {"review_migration", "{\"path\": \"@d4_other.py\"}"},
    {"review_migration", "{\"path\": \"@e5_merge.py\"}"},
};

/* Every call of CALLS (twice on the warm session: the second is served from memos),
 * compared with the answer of a fresh session that makes that one call: a cold load,
 * nothing reused. */
static void agree(const char *step) {
  for (size_t k = 0; k < sizeof CALLS / sizeof CALLS[0]; k++) {
    ToolSession *fresh = tool_session_new(dir);
    char args[512];
    const char *at = strchr(CALLS[k][1], '@');
    if (at)
      snprintf(args, sizeof args, "%.*s%s/migrations/versions/%s", (int)(at - CALLS[k][1]),
               CALLS[k][1], dir, at + 1);
    else
      snprintf(args, sizeof args, "%s", CALLS[k][1]);
    char *want = answer(fresh, CALLS[k][0], args);
    for (int round = 0; round < 2; round++) {
      char *got = answer(warm, CALLS[k][0], args);
      cr_expect_str_eq(got, want, "%s: %s %s (round %d) differs from a fresh session's",
                       step, CALLS[k][0], args, round);
      free(got);
    }
    free(want);
    tool_session_delete(fresh);
  }
}

Test(warm, answers_as_a_fresh_session_through_every_edit) {
  agree("start");
  agree("unchanged");
  // The usual edit: an upgrade() body (the graph is kept, the review changes).
  put_rev("d4_other.py", "d4", "'b2'", "None", "widen name",
          "    op.alter_column('users', 'name', type_=sa.Text())");
  agree("body edited");
  // A comment appended: nothing changes but the bytes.
  put_rev("d4_other.py", "d4", "'b2'", "None", "widen name",
          "    op.alter_column('users', 'name', type_=sa.Text())\n    # later");
  agree("comment");
  // An ancestor's body: the descendants' schema before changes.
  put_rev("b2_email.py", "b2", "'a1'", "None", "add email",
          "    op.add_column('users', sa.Column('email', sa.String(10), nullable=False))");
  agree("ancestor body");
  // The message (docstring): history's text changes, the graph's docstring checks too.
  put_rev("c3_index.py", "c3", "'b2'", "('feature',)", "index the email column",
          "    op.create_index('ix_users_email', 'users', ['email'])");
  agree("message");
  // A syntax error in a body, then fixed.
  put_rev("c3_index.py", "c3", "'b2'", "('feature',)", "index the email column",
          "    op.create_index('ix_users_email', 'users', ['email'\n");
  agree("syntax error");
  put_rev("c3_index.py", "c3", "'b2'", "('feature',)", "index the email column",
          "    op.create_index('ix_users_email', 'users', ['email'])");
  agree("syntax fixed");
  // Re-parented: d4 now follows c3 (the merge's parents stay; a different graph).
  put_rev("d4_other.py", "d4", "'c3'", "None", "widen name",
          "    op.alter_column('users', 'name', type_=sa.Text())");
  agree("down_revision");
  // A docstring header that disagrees with the variables (a docstring-mismatch finding).
  char *s = rev("d4", "'c3'", "None", "widen name", "    pass");
  char *revises = strstr(s, "Revises: c3");
  cr_assert_not_null(revises);
  memcpy(revises, "Revises: b2", 11);
  put("d4_other.py", s);
  free(s);
  agree("docstring mismatch");
  // A new head, then a new file that merges it; a label added.
  put_rev("f6_new.py", "f6", "'e5'", "None", "new head", "    op.drop_index('ix_users_email')");
  agree("new file");
  put_rev("f6_new.py", "f6", "'e5'", "('tip',)", "new head", "    op.drop_index('ix_users_email')");
  agree("label");
  // An atomic save (temporary file renamed over the original).
  char *tmp = vpath(".f6_new.py.tmp"), *dst = vpath("f6_new.py");
  FILE *f = fopen(tmp, "wb");
  char *t = rev("f6", "'e5'", "('tip',)", "new head", "    op.drop_table('users')");
  fputs(t, f);
  fclose(f);
  free(t);
  cr_assert_eq(rename(tmp, dst), 0);
  agree("atomic save");
  // The revision id changed (and the file name no longer says it).
  put_rev("f6_new.py", "f7", "'e5'", "None", "new head", "    pass");
  agree("id");
  // Deleted: the merge's parent goes missing after another deletion.
  cr_assert_eq(unlink(dst), 0);
  agree("deleted");
  char *c3 = vpath("c3_index.py");
  cr_assert_eq(unlink(c3), 0);
  agree("parent deleted");
  // A duplicate id.
  put_rev("g8_dup.py", "d4", "'b2'", "None", "duplicate", "    pass");
  agree("duplicate");
  free(c3);
  free(tmp);
  free(dst);
}

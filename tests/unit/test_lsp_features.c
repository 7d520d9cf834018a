/* test_lsp_features.c - the LSP feature layer: position conversion (UTF-16 surrogates,
 * utf-8), incremental edits and reparses, diagnostics over a temporary copy of
 * examples/shop with unsaved text in place, hover, definition and quick fixes. */
#include <criterion/criterion.h>
#include <tree_sitter/api.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/jsonrpc.h"
#include "protocol/lsp.h"
#include "server/alembic/revision.h"
#include "server/base/mem.h"
#include "server/tools/lsp_features.h"

/* ---- positions ---- */

/* "a", U+1F600 (4 bytes, 2 UTF-16 units), "b", newline, "x", U+00E9 (2 bytes), CRLF, "z" */
static const char TEXT[] =
    "a\xF0\x9F\x98\x80"
    "b\nx\xC3\xA9\r\nz";

Test(lsp_position, utf16_counts_non_bmp_characters_as_two_units) {
  size_t len = strlen(TEXT);
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 0, 0, LSP_ENCODING_UTF16), 0);
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 0, 1, LSP_ENCODING_UTF16), 1);
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 0, 3, LSP_ENCODING_UTF16), 5); // 'b'
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 0, 4, LSP_ENCODING_UTF16), 6); // '\n'
  // inside the surrogate pair: the start of the character
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 0, 2, LSP_ENCODING_UTF16), 1);
  // past the end of a line: its end, before "\r\n"
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 1, 2, LSP_ENCODING_UTF16), 10);
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 1, 99, LSP_ENCODING_UTF16), 10);
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 2, 0, LSP_ENCODING_UTF16), 12);
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 2, 1, LSP_ENCODING_UTF16), 13);
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 7, 0, LSP_ENCODING_UTF16), len);

  uint32_t line, ch;
  lsp_offset_to_position(TEXT, len, 5, LSP_ENCODING_UTF16, &line, &ch);
  cr_expect(line == 0 && ch == 3, "got %u:%u", line, ch);
  lsp_offset_to_position(TEXT, len, 3, LSP_ENCODING_UTF16, &line, &ch); // inside the emoji
  cr_expect(line == 0 && ch == 1, "got %u:%u", line, ch);
  lsp_offset_to_position(TEXT, len, 10, LSP_ENCODING_UTF16, &line, &ch);
  cr_expect(line == 1 && ch == 2, "got %u:%u", line, ch);
  lsp_offset_to_position(TEXT, len, len, LSP_ENCODING_UTF16, &line, &ch);
  cr_expect(line == 2 && ch == 1, "got %u:%u", line, ch);
}

Test(lsp_position, utf8_counts_bytes_and_round_trips) {
  size_t len = strlen(TEXT);
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 0, 5, LSP_ENCODING_UTF8), 5);
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 1, 3, LSP_ENCODING_UTF8), 10);
  cr_expect_eq(lsp_position_to_offset(TEXT, len, 1, 50, LSP_ENCODING_UTF8), 10);
  uint32_t line, ch;
  lsp_offset_to_position(TEXT, len, 5, LSP_ENCODING_UTF8, &line, &ch);
  cr_expect(line == 0 && ch == 5, "got %u:%u", line, ch);
  // every character start round-trips in both encodings
  const size_t starts[] = {0, 1, 5, 6, 7, 8, 10, 12, 13};
  for (size_t i = 0; i < sizeof starts / sizeof *starts; i++) {
    for (int e = 0; e < 2; e++) {
      LspPositionEncoding enc = e ? LSP_ENCODING_UTF8 : LSP_ENCODING_UTF16;
      lsp_offset_to_position(TEXT, len, starts[i], enc, &line, &ch);
      size_t back = lsp_position_to_offset(TEXT, len, line, ch, enc);
      cr_expect(back == starts[i], "offset %zu enc %d: %u:%u -> %zu", starts[i], e, line, ch, back);
    }
  }
}

Test(lsp_uri, file_uris_round_trip_with_percent_encoding) {
  const char *path = "/tmp/a dir/caf\xC3\xA9#1.py";
  char *uri = lsp_path_to_uri(path);
  cr_expect_str_eq(uri, "file:///tmp/a%20dir/caf%C3%A9%231.py");
  char *back = lsp_uri_to_path(uri);
  cr_expect_str_eq(back, path);
  free(uri);
  free(back);
  char *local = lsp_uri_to_path("file://localhost/x/y.py");
  cr_expect_str_eq(local, "/x/y.py");
  free(local);
  cr_expect_null(lsp_uri_to_path("untitled:Untitled-1"));
  cr_expect_null(lsp_uri_to_path("file:///bad%2"));
}

/* ---- revision_parse_incremental: an edited old tree gives what a fresh parse gives ---- */

Test(lsp_reparse, incremental_parse_equals_a_fresh_parse) {
  const char *a =
      "\"\"\"m\n\nRevises: x1\n\"\"\"\nrevision = 'r1'\ndown_revision = 'x1'\n\n"
      "def upgrade():\n    op.drop_table('t')\n";
  const char *b =
      "\"\"\"m\n\nRevises: x1\n\"\"\"\nrevision = 'r1'\ndown_revision = ('x1', 'y22')\n\n"
      "def upgrade():\n    op.drop_table('t')\n";
  RevParser *p = revparser_new();
  Arena *arena = arena_new();
  TSTree *tree = NULL;
  Revision *r =
      revision_parse_incremental(p, arena, "/v/r1.py", a, strlen(a), REV_PARSE_FULL, &tree, NULL);
  cr_assert_not_null(tree);
  cr_expect_eq(r->ndown, 1);
  // Replace 'x1' (the second occurrence) by ('x1', 'y22').
  const char *at = strstr(strstr(a, "down_revision"), "'x1'");
  uint32_t start = (uint32_t)(at - a);
  TSInputEdit e = {start, start + 4, start + 13, {5, 16}, {5, 20}, {5, 29}};
  ts_tree_edit(tree, &e);
  Revision *inc =
      revision_parse_incremental(p, arena, "/v/r1.py", b, strlen(b), REV_PARSE_FULL, &tree, NULL);
  Revision *fresh = revision_parse(p, arena, "/v/r1.py", b, strlen(b), REV_PARSE_FULL, NULL);
  cr_assert_eq(inc->ndown, 2);
  cr_assert_eq(fresh->ndown, 2);
  for (size_t k = 0; k < 2; k++) {
    cr_expect_str_eq(inc->down[k], fresh->down[k]);
    cr_expect_eq(inc->down_ranges[k].start_byte, fresh->down_ranges[k].start_byte);
    cr_expect_eq(inc->down_ranges[k].end_byte, fresh->down_ranges[k].end_byte);
    cr_expect_eq(inc->down_ranges[k].col, fresh->down_ranges[k].col);
  }
  cr_expect_str_eq(inc->down[1], "y22");
  cr_expect_eq(inc->upgrade.len, fresh->upgrade.len);
  cr_expect_eq(inc->upgrade.items[0].range.line, 9);
  cr_expect(inc->syntax_ok && fresh->syntax_ok);
  // The docstring's Revises: value, from after the colon to the end of the line.
  cr_expect_eq(inc->doc_revises_range.line, 3);
  cr_expect_eq(strncmp(b + inc->doc_revises_range.start_byte, " x1\n", 4), 0);
  cr_expect_eq(inc->doc_revises_range.end_byte - inc->doc_revises_range.start_byte, 3);
  cr_expect_eq(inc->doc_revision_id_range.line, 0, "no Revision ID: line");
  ts_tree_delete(tree);
  arena_delete(arena);
  revparser_delete(p);
}

/* ---- a temporary copy of examples/shop ---- */

static char tmpdir[256];
static LspFeatures *features;

static void shop_setup(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/retort-lsp-unit.XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "cp -r '%s/examples/shop' '%s/shop'", RETORT_SOURCE_DIR, tmpdir);
  cr_assert_eq(system(cmd), 0);
  features = lsp_features_new(NULL);
}

static void shop_teardown(void) {
  lsp_features_delete(features);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  (void)system(cmd);
}

TestSuite(lsp_shop, .init = shop_setup, .fini = shop_teardown);

static const char *VERSIONS = "shop/migrations/versions";
static const char *HEAD = "2024_03_25_a6e1f5b9c372_add_refunded_order_status.py";
static const char *PRODUCTS = "2024_01_22_7a4e5b6c2d13_create_products_table.py";

static char *slurp(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  cr_assert_not_null(fp, "%s", path);
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *s = xmalloc((size_t)n + 1);
  cr_assert_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
  s[n] = '\0';
  fclose(fp);
  *len = (size_t)n;
  return s;
}

/* Opens versions/<name> with its text on disk; returns its URI (caller frees). */
static char *open_file(const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/%s", tmpdir, VERSIONS, name);
  size_t len;
  char *text = slurp(path, &len);
  char *uri = lsp_path_to_uri(path);
  lsp_features_open(features, uri, 1, text, len);
  free(text);
  return uri;
}

/* The 0-based line and UTF-16 character where `needle` starts in the open document. */
static void where(const char *uri, const char *needle, uint32_t *line, uint32_t *ch) {
  size_t len;
  const char *t = lsp_features_text(features, uri, &len);
  const char *at = strstr(t, needle);
  cr_assert_not_null(at, "%s not in the document", needle);
  lsp_offset_to_position(t, len, (size_t)(at - t), LSP_ENCODING_UTF16, line, ch);
}

/* Replaces the first occurrence of `old` with `new` through one ranged change. */
static void edit(const char *uri, const char *old, const char *new, int64_t version) {
  LspTextChange c = {.has_range = true, .text = new, .len = strlen(new)};
  where(uri, old, &c.start_line, &c.start_character);
  c.end_line = c.start_line;
  c.end_character = c.start_character + (uint32_t)strlen(old); // ASCII in these tests
  RtError err = {0};
  cr_assert(lsp_features_change(features, uri, version, &c, 1, LSP_ENCODING_UTF16, &err), "%s",
            err.msg);
}

static const Finding *find(const FindingList *fl, const char *rule) {
  for (size_t i = 0; i < fl->len; i++)
    if (strcmp(fl->items[i].rule, rule) == 0) return &fl->items[i];
  return NULL;
}

static char *findings_text(const FindingList *fl) {
  Buf b = BUF_INIT;
  for (size_t i = 0; i < fl->len; i++)
    buf_printf(&b, "%s: %s\n", fl->items[i].rule, fl->items[i].message);
  return b.data ? buf_detach(&b) : xstrdup("");
}

Test(lsp_shop, incremental_edits_apply_ranges_and_reuse_the_tree) {
  char *uri = open_file(PRODUCTS);
  FindingList fl;
  findings_init(&fl);
  cr_assert(lsp_features_findings(features, uri, &fl));
  // A sound file: only the review rules' advice on its integer serial key, on line 22.
  char *txt = findings_text(&fl);
  cr_expect_str_eq(txt,
                   "prefer-identity: primary key 'id' of table 'products' becomes a serial "
                   "column: add sa.Identity() (GENERATED BY DEFAULT AS IDENTITY)\n"
                   "prefer-bigint-over-int: key column 'id' is integer: use bigint before the "
                   "table grows past 2^31 rows\n");
  free(txt);
  cr_expect_eq(find(&fl, "prefer-identity")->range.line, 22);
  findings_free(&fl);
  cr_expect_eq(lsp_features_incremental_parses(features), 0);

  // Two changes in one notification, the second against the result of the first;
  // one spans lines and inserts a newline.
  LspTextChange c[2] = {0};
  uint32_t line, ch;
  where(uri, "branch_labels = None", &line, &ch);
  c[0] = (LspTextChange){true, line, ch, line, ch + 20, "branch_labels = ('x',)\n# new", 28};
  where(uri, "depends_on = None", &line, &ch);
  c[1] = (LspTextChange){true, line + 1, ch, line + 1, ch + 10, "depends_on", 10};
  RtError err = {0};
  cr_assert(lsp_features_change(features, uri, 2, c, 2, LSP_ENCODING_UTF16, &err), "%s", err.msg);
  size_t len;
  const char *t = lsp_features_text(features, uri, &len);
  cr_expect(strstr(t, "branch_labels = ('x',)\n# new\ndepends_on = None\n"), "%s", t);
  cr_expect_eq(strlen(t), len);

  findings_init(&fl);
  cr_assert(lsp_features_findings(features, uri, &fl));
  cr_expect_eq(fl.len, 2, "the same two review findings, nothing new");
  cr_expect_not_null(find(&fl, "prefer-identity"));
  // They moved down one line with the inserted "# new".
  cr_expect_eq(find(&fl, "prefer-identity")->range.line, 23);
  findings_free(&fl);
  cr_expect_eq(lsp_features_incremental_parses(features), 1, "the edited old tree was reused");

  // A syntax error typed in the middle, found by the incremental reparse.
  edit(uri, "def downgrade()", "def downgrade(", 3);
  findings_init(&fl);
  cr_assert(lsp_features_findings(features, uri, &fl));
  const Finding *syn = find(&fl, "syntax-error");
  cr_expect_not_null(syn);
  findings_free(&fl);
  cr_expect_eq(lsp_features_incremental_parses(features), 2);

  // Unknown documents: an error, nothing changed.
  cr_expect_not(
      lsp_features_change(features, "file:///nope.py", 1, c, 1, LSP_ENCODING_UTF16, &err));
  cr_expect_eq(err.kind, ERR_NOT_FOUND);
  free(uri);
}

Test(lsp_shop, a_second_head_appears_after_an_edit_and_clears_after_undo) {
  char *uri = open_file(HEAD);
  FindingList fl;
  findings_init(&fl);
  cr_assert(lsp_features_findings(features, uri, &fl));
  cr_expect_eq(fl.len, 0);
  findings_free(&fl);

  // Rebasing the head onto the base leaves its old parent without children: two heads.
  edit(uri, "down_revision = 'f0c4d8e2a615'", "down_revision = '3f1c2a9d8b01'", 2);
  findings_init(&fl);
  cr_assert(lsp_features_findings(features, uri, &fl));
  const Finding *heads = find(&fl, "multiple-heads");
  cr_assert_not_null(heads);
  cr_expect_eq(heads->severity, SEV_WARNING);
  cr_expect(strstr(heads->message, "a6e1f5b9c372") && strstr(heads->message, "f0c4d8e2a615"), "%s",
            heads->message);
  // on the document's own `revision` value
  size_t len;
  const char *t = lsp_features_text(features, uri, &len);
  cr_expect_eq(strncmp(t + heads->range.start_byte, "'a6e1f5b9c372'", 14), 0);
  const Finding *doc = find(&fl, "docstring-mismatch");
  cr_assert_not_null(doc, "Revises: in the docstring still names the old parent");
  cr_expect_str_eq(doc->fix, " 3f1c2a9d8b01");
  cr_expect_eq(strncmp(t + doc->range.start_byte, " f0c4d8e2a615",
                       doc->range.end_byte - doc->range.start_byte),
               0);
  findings_free(&fl);

  // The file on disk is untouched: only the open text counts.
  edit(uri, "down_revision = '3f1c2a9d8b01'", "down_revision = 'f0c4d8e2a615'", 3);
  findings_init(&fl);
  cr_assert(lsp_features_findings(features, uri, &fl));
  char *txt = findings_text(&fl);
  cr_expect_eq(fl.len, 0, "%s", txt);
  free(txt);
  findings_free(&fl);
  free(uri);
}

Test(lsp_shop, missing_parent_has_the_range_of_the_element) {
  char *uri = open_file(PRODUCTS);
  edit(uri, "'3f1c2a9d8b01'\nbranch", "'0000deadbeef'\nbranch", 2);
  FindingList fl;
  findings_init(&fl);
  cr_assert(lsp_features_findings(features, uri, &fl));
  const Finding *miss = find(&fl, "missing-revision");
  cr_assert_not_null(miss);
  cr_expect_eq(miss->severity, SEV_ERROR);
  size_t len;
  const char *t = lsp_features_text(features, uri, &len);
  cr_expect_eq(miss->range.end_byte - miss->range.start_byte, 14);
  cr_expect_eq(strncmp(t + miss->range.start_byte, "'0000deadbeef'", 14), 0);
  // Only findings about this file are reported for it.
  for (size_t i = 0; i < fl.len; i++)
    cr_expect(fl.items[i].path && strstr(fl.items[i].path, PRODUCTS));
  findings_free(&fl);
  free(uri);
}

Test(lsp_shop, a_new_unsaved_file_in_the_versions_directory_is_a_revision_file) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/ffff00001111_new.py", tmpdir, VERSIONS);
  char *uri = lsp_path_to_uri(path);
  const char *text =
      "\"\"\"new\n\nRevision ID: ffff00001111\nRevises: 3f1c2a9d8b01\n\"\"\"\n"
      "revision = 'ffff00001111'\ndown_revision = '3f1c2a9d8b01'\n";
  lsp_features_open(features, uri, 1, text, strlen(text));
  FindingList fl;
  findings_init(&fl);
  cr_assert(lsp_features_findings(features, uri, &fl));
  cr_expect_not_null(find(&fl, "multiple-heads"));
  findings_free(&fl);
  free(uri);
}

Test(lsp_shop, files_that_are_not_revision_files_have_no_findings) {
  char path[1024];
  snprintf(path, sizeof path, "%s/shop/migrations/env.py", tmpdir);
  char *uri = lsp_path_to_uri(path);
  lsp_features_open(features, uri, 1, "import x\n", 9);
  FindingList fl;
  findings_init(&fl);
  cr_expect_not(lsp_features_findings(features, uri, &fl));
  lsp_features_open(features, "untitled:Untitled-1", 1, "x = (", 5);
  cr_expect_not(lsp_features_findings(features, "untitled:Untitled-1", &fl));
  cr_expect_not(lsp_features_findings(features, "file:///never/opened.py", &fl));
  cr_expect_eq(fl.len, 0);
  findings_free(&fl);
  free(uri);
}

/* ---- the handlers, through the LSP lifecycle, JSON in and out ---- */

typedef struct Client {
  LspSession *session;
  RpcPeer *peer;
  int rd, wr;
  Arena *arena;
  Buf result;
} Client;

static void client_init(Client *c) {
  int fds[2];
  cr_assert_eq(pipe(fds), 0);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  c->rd = fds[0];
  c->wr = fds[1];
  c->peer = rpc_peer_new(fds[1], FRAMING_LSP);
  c->session = lsp_session_new(lsp_features_info(features));
  c->arena = arena_new();
  c->result = (Buf)BUF_INIT;
}

/* Sends one message; returns the result JSON (requests) or "" (notifications). */
static const char *client_send(Client *c, const char *json, int *code) {
  RtError err = {0};
  const Json *root = json_parse(c->arena, json, strlen(json), NULL, &err, NULL);
  cr_assert_not_null(root, "%s: %s", json, err.msg);
  RpcMessage msg;
  int dcode = 0;
  cr_assert(rpc_message_decode(c->arena, root, &msg, &dcode, &err), "%s", err.msg);
  buf_reset(&c->result);
  Buf data = BUF_INIT;
  RpcCall call = {&msg, c->arena, &c->result, c->peer, &data, false};
  *code = lsp_handle(c->session, &call, &err);
  buf_free(&data);
  return buf_cstr(&c->result);
}

/* Everything the server sent as notifications so far. */
static char *client_notifications(Client *c) {
  Buf b = BUF_INIT;
  char chunk[4096];
  ssize_t n;
  while ((n = read(c->rd, chunk, sizeof chunk)) > 0) buf_append(&b, chunk, (size_t)n);
  return b.data ? buf_detach(&b) : xstrdup("");
}

static void client_free(Client *c) {
  lsp_session_delete(c->session);
  rpc_peer_delete(c->peer);
  close(c->rd);
  close(c->wr);
  arena_delete(c->arena);
  buf_free(&c->result);
}

Test(lsp_shop, handlers_hover_definition_code_action_and_diagnostics) {
  Client c;
  client_init(&c);
  int code;
  const char *r = client_send(
      &c,
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"capabilities\":{}}}",
      &code);
  cr_assert_eq(code, 0);
  cr_expect(strstr(r, "\"change\":2"), "incremental sync: %s", r);
  cr_expect(strstr(r, "\"hoverProvider\":true"), "%s", r);
  cr_expect(strstr(r, "\"definitionProvider\":true"), "%s", r);
  cr_expect(strstr(r, "quickfix"), "%s", r);

  char path[1024];
  snprintf(path, sizeof path, "%s/%s/%s", tmpdir, VERSIONS, HEAD);
  size_t len;
  char *text = slurp(path, &len);
  char *uri = lsp_path_to_uri(path);
  Buf m = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &m);
  jw_object_begin(&w);
  jw_kv_string(&w, "jsonrpc", "2.0");
  jw_kv_string(&w, "method", "textDocument/didOpen");
  jw_key(&w, "params");
  jw_object_begin(&w);
  jw_key(&w, "textDocument");
  jw_object_begin(&w);
  jw_kv_string(&w, "uri", uri);
  jw_kv_string(&w, "languageId", "python");
  jw_kv_int(&w, "version", 1);
  jw_kv_string(&w, "text", text);
  jw_object_end(&w);
  jw_object_end(&w);
  jw_object_end(&w);
  client_send(&c, buf_cstr(&m), &code);
  cr_expect_eq(code, 0);
  char *note = client_notifications(&c);
  cr_expect(strstr(note, "textDocument/publishDiagnostics") && strstr(note, "\"diagnostics\":[]"),
            "%s", note);
  free(note);

  // didChange: the docstring's Revises: line gets a wrong id → a fixable finding.
  uint32_t line, ch;
  where(uri, "Revises: f0c4", &line, &ch);
  char *msg = arena_printf(c.arena,
                           "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didChange\",\"params\":{"
                           "\"textDocument\":{\"uri\":\"%s\",\"version\":2},\"contentChanges\":[{"
                           "\"range\":{\"start\":{\"line\":%u,\"character\":%u},\"end\":{\"line\":"
                           "%u,\"character\":%u}},\"text\":\"0\"}]}}",
                           uri, line, ch + 9, line, ch + 10);
  client_send(&c, msg, &code);
  cr_expect_eq(code, 0);
  note = client_notifications(&c);
  cr_expect(strstr(note, "\"code\":\"docstring-mismatch\"") && strstr(note, "\"version\":2") &&
                strstr(note, "\"severity\":3") && strstr(note, "\"source\":\"retort\""),
            "%s", note);
  char *want_range = arena_printf(c.arena,
                                  "\"range\":{\"start\":{\"line\":%u,\"character\":%u},"
                                  "\"end\":{\"line\":%u,\"character\":%u}}",
                                  line, ch + 8, line, ch + 21);
  cr_expect(strstr(note, want_range), "want %s in %s", want_range, note);
  free(note);

  msg = arena_printf(
      c.arena,
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"textDocument/codeAction\",\"params\":{"
      "\"textDocument\":{\"uri\":\"%s\"},\"range\":{\"start\":{\"line\":%u,"
      "\"character\":0},\"end\":{\"line\":%u,\"character\":0}},\"context\":{"
      "\"diagnostics\":[]}}}",
      uri, line, line);
  r = client_send(&c, msg, &code);
  cr_expect_eq(code, 0);
  cr_expect(strstr(r, "\"kind\":\"quickfix\"") && strstr(r, "\"newText\":\" f0c4d8e2a615\"") &&
                strstr(r, want_range),
            "%s", r);
  // No fix on another line.
  msg = arena_printf(
      c.arena,
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"textDocument/codeAction\",\"params\":{"
      "\"textDocument\":{\"uri\":\"%s\"},\"range\":{\"start\":{\"line\":0,"
      "\"character\":0},\"end\":{\"line\":0,\"character\":0}},\"context\":{"
      "\"diagnostics\":[]}}}",
      uri);
  r = client_send(&c, msg, &code);
  cr_expect_str_eq(r, "[]");

  // definition on the down_revision value → the parent's file, at its `revision =` line.
  where(uri, "'f0c4d8e2a615'\nbranch", &line, &ch);
  msg = arena_printf(
      c.arena,
      "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"textDocument/definition\",\"params\":"
      "{\"textDocument\":{\"uri\":\"%s\"},\"position\":{\"line\":%u,\"character\":%u}}}",
      uri, line, ch + 3);
  r = client_send(&c, msg, &code);
  cr_expect_eq(code, 0);
  cr_expect(strstr(r, "2024_03_11_f0c4d8e2a615_merge_reporting_into_main.py"), "%s", r);
  cr_expect(strstr(r, "\"start\":{\"line\":12,\"character\":0}"), "%s", r);

  // hover on the same value and on the revision's own id
  msg = arena_printf(
      c.arena,
      "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"textDocument/hover\",\"params\":"
      "{\"textDocument\":{\"uri\":\"%s\"},\"position\":{\"line\":%u,\"character\":%u}}}",
      uri, line, ch + 3);
  r = client_send(&c, msg, &code);
  cr_expect(strstr(r, "\"kind\":\"markdown\"") && strstr(r, "merge point") &&
                strstr(r, "`d5a07b9c3e28`, `e9b3c6d1f470`") && strstr(r, "7 of 8 from base"),
            "%s", r);
  where(uri, "'a6e1f5b9c372'", &line, &ch);
  msg = arena_printf(
      c.arena,
      "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"textDocument/hover\",\"params\":"
      "{\"textDocument\":{\"uri\":\"%s\"},\"position\":{\"line\":%u,\"character\":%u}}}",
      uri, line, ch + 1);
  r = client_send(&c, msg, &code);
  cr_expect(strstr(r, "Is: head") && strstr(r, "8 of 8 from base") && strstr(r, "Children: none"),
            "%s", r);
  // not on an id: null
  msg =
      arena_printf(c.arena,
                   "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"textDocument/hover\",\"params\":"
                   "{\"textDocument\":{\"uri\":\"%s\"},\"position\":{\"line\":0,\"character\":0}}}",
                   uri);
  r = client_send(&c, msg, &code);
  cr_expect_eq(code, 0);
  cr_expect_str_eq(r, "");
  // a document that was never opened: null, no error
  r = client_send(
      &c,
      "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"textDocument/definition\",\"params\":"
      "{\"textDocument\":{\"uri\":\"file:///x.py\"},\"position\":{\"line\":0,\"character\":0}}}",
      &code);
  cr_expect_eq(code, 0);
  cr_expect_str_eq(r, "");

  // didClose clears the diagnostics it had published.
  msg = arena_printf(c.arena,
                     "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didClose\",\"params\":"
                     "{\"textDocument\":{\"uri\":\"%s\"}}}",
                     uri);
  client_send(&c, msg, &code);
  note = client_notifications(&c);
  cr_expect(strstr(note, "\"diagnostics\":[]"), "%s", note);
  cr_expect_null(lsp_features_text(features, uri, NULL));
  free(note);

  buf_free(&m);
  free(text);
  free(uri);
  client_free(&c);
}

/* didOpen for versions/<name>, through the handlers. Returns the URI (caller frees). */
static char *client_open(Client *c, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/%s", tmpdir, VERSIONS, name);
  size_t len;
  char *text = slurp(path, &len);
  char *uri = lsp_path_to_uri(path);
  Buf m = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &m);
  jw_object_begin(&w);
  jw_kv_string(&w, "jsonrpc", "2.0");
  jw_kv_string(&w, "method", "textDocument/didOpen");
  jw_key(&w, "params");
  jw_object_begin(&w);
  jw_key(&w, "textDocument");
  jw_object_begin(&w);
  jw_kv_string(&w, "uri", uri);
  jw_kv_string(&w, "languageId", "python");
  jw_kv_int(&w, "version", 1);
  jw_kv_string(&w, "text", text);
  jw_object_end(&w);
  jw_object_end(&w);
  jw_object_end(&w);
  int code;
  client_send(c, buf_cstr(&m), &code);
  cr_assert_eq(code, 0);
  buf_free(&m);
  free(text);
  return uri;
}

Test(lsp_shop, other_open_documents_and_saved_files_update_their_diagnostics) {
  Client c;
  client_init(&c);
  int code;
  client_send(
      &c,
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"capabilities\":{}}}",
      &code);
  char *orders = client_open(&c, "2024_02_05_b2d9e0f41a57_create_orders_and_order_items.py");
  char *products = client_open(&c, PRODUCTS);
  free(client_notifications(&c));

  // Renaming the products revision leaves the (open) orders revision without its parent:
  // the orders document is re-published although it was not edited.
  uint32_t line, ch;
  where(products, "'7a4e5b6c2d13'", &line, &ch);
  char *msg = arena_printf(c.arena,
                           "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didChange\",\"params\":{"
                           "\"textDocument\":{\"uri\":\"%s\",\"version\":2},\"contentChanges\":[{"
                           "\"range\":{\"start\":{\"line\":%u,\"character\":%u},\"end\":{\"line\":"
                           "%u,\"character\":%u}},\"text\":\"X\"}]}}",
                           products, line, ch + 12, line, ch + 13);
  client_send(&c, msg, &code);
  char *note = client_notifications(&c);
  char *want = arena_printf(c.arena, "\"uri\":\"%s\",\"version\":1,\"diagnostics\":[{", orders);
  cr_expect(strstr(note, want) &&
                strstr(note, "Revision 7a4e5b6c2d13 referenced from b2d9e0f41a57 is not present"),
            "%s", note);
  free(note);

  // A new revision written to disk next to the head makes a second head; saving the
  // open head document looks at the disk again.
  char *head = client_open(&c, HEAD);
  free(client_notifications(&c));
  char path[1024];
  snprintf(path, sizeof path, "%s/%s/ffff00002222_side.py", tmpdir, VERSIONS);
  FILE *fp = fopen(path, "w");
  cr_assert_not_null(fp);
  fputs("revision = 'ffff00002222'\ndown_revision = 'f0c4d8e2a615'\n", fp);
  fclose(fp);
  msg = arena_printf(c.arena,
                     "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didSave\",\"params\":"
                     "{\"textDocument\":{\"uri\":\"%s\"}}}",
                     head);
  client_send(&c, msg, &code);
  cr_expect_eq(code, 0);
  note = client_notifications(&c);
  want = arena_printf(c.arena, "\"uri\":\"%s\",\"version\":1,\"diagnostics\":[{", head);
  cr_expect(strstr(note, want) && strstr(note, "\"code\":\"multiple-heads\""), "%s", note);
  free(note);
  free(orders);
  free(products);
  free(head);
  client_free(&c);
}

Test(lsp_shop, definition_and_hover_on_a_depends_on_element) {
  Client c;
  client_init(&c);
  int code;
  client_send(
      &c,
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"capabilities\":"
      "{\"general\":{\"positionEncodings\":[\"utf-8\"]}}}}",
      &code);
  char *head = client_open(&c, HEAD);
  edit(head, "depends_on = None", "depends_on = ['7a4e5b6c2d13', 'nope']", 2);
  uint32_t line, ch;
  where(head, "'7a4e5b6c2d13'", &line, &ch);
  char *msg = arena_printf(
      c.arena,
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"textDocument/definition\",\"params\":"
      "{\"textDocument\":{\"uri\":\"%s\"},\"position\":{\"line\":%u,\"character\":%u}}}",
      head, line, ch + 1);
  const char *r = client_send(&c, msg, &code);
  cr_expect_eq(code, 0);
  cr_expect(strstr(r, PRODUCTS) && strstr(r, "\"start\":{\"line\":12,\"character\":0}"), "%s", r);
  msg = arena_printf(
      c.arena,
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"textDocument/hover\",\"params\":"
      "{\"textDocument\":{\"uri\":\"%s\"},\"position\":{\"line\":%u,\"character\":%u}}}",
      head, line, ch + 14); // the closing quote still counts
  r = client_send(&c, msg, &code);
  cr_expect(strstr(r, "create products table") && strstr(r, "2 of 8 from base"), "%s", r);
  // A missing one: hover says so, definition has nothing to go to.
  where(head, "'nope'", &line, &ch);
  msg = arena_printf(
      c.arena,
      "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"textDocument/hover\",\"params\":"
      "{\"textDocument\":{\"uri\":\"%s\"},\"position\":{\"line\":%u,\"character\":%u}}}",
      head, line, ch + 2);
  r = client_send(&c, msg, &code);
  cr_expect(strstr(r, "not present in this project"), "%s", r);
  msg = arena_printf(
      c.arena,
      "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"textDocument/definition\",\"params\":"
      "{\"textDocument\":{\"uri\":\"%s\"},\"position\":{\"line\":%u,\"character\":%u}}}",
      head, line, ch + 2);
  r = client_send(&c, msg, &code);
  cr_expect_eq(code, 0);
  cr_expect_str_eq(r, "");
  FindingList fl;
  findings_init(&fl);
  cr_assert(lsp_features_findings(features, head, &fl));
  cr_expect_not_null(find(&fl, "missing-dependency"));
  findings_free(&fl);
  free(head);
  client_free(&c);
}

static void range_key(Buf *b, const char *what, SrcRange r) {
  buf_printf(b, "%s %u-%u %u:%u-%u:%u\n", what, r.start_byte, r.end_byte, r.line, r.col, r.end_line,
             r.end_col);
}

static void ops_key(Buf *b, const Op *ops, size_t n, int depth) {
  for (size_t i = 0; i < n; i++) {
    buf_printf(b, "%*sop %s %s %d\n", depth * 2, "", ops[i].name ? ops[i].name : "-",
               ops[i].receiver ? ops[i].receiver : "-", ops[i].dynamic);
    range_key(b, "  at", ops[i].range);
    ops_key(b, ops[i].body, ops[i].nbody, depth + 1);
  }
}

/* Everything a Revision says, with every range, for comparing two parses. */
static char *revision_key(const Revision *r) {
  Buf b = BUF_INIT;
  buf_printf(&b, "id %s syntax_ok %d doc [%s]\n", r->id ? r->id : "(none)", r->syntax_ok,
             r->longdoc);
  range_key(&b, "id", r->id_range);
  range_key(&b, "doc", r->doc_range);
  range_key(&b, "revises", r->doc_revises_range);
  for (size_t k = 0; k < r->ndown; k++) {
    buf_printf(&b, "down %s\n", r->down[k]);
    if (r->down_ranges) range_key(&b, "  at", r->down_ranges[k]);
  }
  for (size_t k = 0; k < r->ndepends_on; k++) buf_printf(&b, "depends %s\n", r->depends_on[k]);
  buf_printf(&b, "upgrade %d %zu\n", r->upgrade.present, r->upgrade.len);
  ops_key(&b, r->upgrade.items, r->upgrade.len, 1);
  buf_printf(&b, "downgrade %d %zu\n", r->downgrade.present, r->downgrade.len);
  ops_key(&b, r->downgrade.items, r->downgrade.len, 1);
  return buf_detach(&b);
}

/* "rule@start-end message" lines, for comparing two finding lists. */
static char *findings_key(const FindingList *fl) {
  Buf b = BUF_INIT;
  for (size_t i = 0; i < fl->len; i++)
    buf_printf(&b, "%s@%u-%u %s\n", fl->items[i].rule, fl->items[i].range.start_byte,
               fl->items[i].range.end_byte, fl->items[i].message);
  return b.data ? buf_detach(&b) : xstrdup("");
}

Test(lsp_shop, random_incremental_edits_give_what_a_fresh_open_gives) {
  static const char *const PIECES[] = {"x",
                                       "\n",
                                       "'",
                                       "(",
                                       ")",
                                       "\xC3\xA9",
                                       "\xF0\x9F\x98\x80",
                                       "    ",
                                       "down_revision = 'ab'\n",
                                       "def f(",
                                       ":",
                                       "\"\"\"",
                                       "#",
                                       "",
                                       "revision = None\n"};
  char *uri = open_file(PRODUCTS);
  unsigned seed = 12345;
  for (int round = 0; round < 150; round++) {
    size_t len;
    const char *t = lsp_features_text(features, uri, &len);
    uint32_t lines = 1;
    for (size_t i = 0; i < len; i++) lines += t[i] == '\n';
    seed = seed * 1103515245u + 12345u;
    uint32_t l0 = (seed >> 8) % (lines + 1), c0 = (seed >> 20) % 40;
    seed = seed * 1103515245u + 12345u;
    uint32_t l1 = l0 + (seed >> 8) % 3, c1 = (seed >> 20) % 40;
    if (l1 == l0 && c1 < c0) c1 = c0;
    seed = seed * 1103515245u + 12345u;
    const char *piece = PIECES[(seed >> 12) % (sizeof PIECES / sizeof *PIECES)];
    LspTextChange c = {true, l0, c0, l1, c1, piece, strlen(piece)};
    RtError err = {0};
    cr_assert(lsp_features_change(features, uri, round + 2, &c, 1, LSP_ENCODING_UTF16, &err));
    if (round % 5 != 4) continue;
    // The incrementally reparsed document against a fresh one holding the same text.
    FindingList inc, fresh;
    findings_init(&inc);
    findings_init(&fresh);
    bool a = lsp_features_findings(features, uri, &inc);
    t = lsp_features_text(features, uri, &len);
    LspFeatures *other = lsp_features_new(NULL);
    lsp_features_open(other, uri, 1, t, len);
    bool b = lsp_features_findings(other, uri, &fresh);
    cr_assert_eq(a, b);
    char *ka = findings_key(&inc), *kb = findings_key(&fresh);
    cr_assert_str_eq(ka, kb, "round %d, text:\n%s", round, t);
    free(ka);
    free(kb);
    // ... and the whole Revision, every range included.
    ka = revision_key(lsp_features_revision(features, uri));
    kb = revision_key(lsp_features_revision(other, uri));
    cr_assert_str_eq(ka, kb, "round %d, text:\n%s", round, t);
    free(ka);
    free(kb);
    lsp_features_delete(other);
    findings_free(&inc);
    findings_free(&fresh);
  }
  cr_expect_geq(lsp_features_incremental_parses(features), 29);
  free(uri);
}

/* Typing in a revision's body keeps the project's graph (graph_replace), a header edit
 * rebuilds it, and either way the diagnostics are those of a fresh start on the same
 * text. */
Test(lsp_shop, typing_in_a_body_keeps_the_graph_and_the_same_diagnostics) {
  char *uri = open_file(PRODUCTS);
  FindingList fl;
  findings_init(&fl);
  cr_assert(lsp_features_findings(features, uri, &fl));
  findings_free(&fl);
  size_t builds0, replaced0;
  lsp_features_graph_stats(features, &builds0, &replaced0);
  // A body edit: the key becomes a bigint identity, then a comment is typed after it.
  edit(uri, "sa.Integer()", "sa.BigInteger()", 2);
  findings_init(&fl);
  cr_assert(lsp_features_findings(features, uri, &fl));
  findings_free(&fl);
  edit(uri, "def downgrade", "# typed\ndef downgrade", 3);
  findings_init(&fl);
  cr_assert(lsp_features_findings(features, uri, &fl));
  size_t builds, replaced;
  lsp_features_graph_stats(features, &builds, &replaced);
  cr_expect_eq(builds, builds0, "body edits build no graph");
  cr_expect_eq(replaced, replaced0 + 2);
  char *warm = findings_text(&fl);
  findings_free(&fl);

  // The same text in a fresh instance.
  size_t len;
  const char *t = lsp_features_text(features, uri, &len);
  LspFeatures *fresh = lsp_features_new(NULL);
  lsp_features_open(fresh, uri, 1, t, len);
  findings_init(&fl);
  cr_assert(lsp_features_findings(fresh, uri, &fl));
  char *cold = findings_text(&fl);
  findings_free(&fl);
  cr_expect_str_eq(warm, cold);
  cr_expect_null(strstr(warm, "prefer-bigint-over-int"), "the edit took effect:\n%s", warm);
  free(warm);
  free(cold);
  lsp_features_delete(fresh);

  // A header edit (a new parent): a new graph, and its problem.
  edit(uri, "down_revision = '3f1c2a9d8b01'", "down_revision = '0000deadbeef'", 4);
  findings_init(&fl);
  cr_assert(lsp_features_findings(features, uri, &fl));
  cr_expect_not_null(find(&fl, "missing-revision"));
  findings_free(&fl);
  lsp_features_graph_stats(features, &builds, &replaced);
  cr_expect_eq(builds, builds0 + 1);
  free(uri);
}

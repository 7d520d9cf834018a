/* status.c - the `status` tool: heads and graph problems from the files; the database
 * side (current, pending, drift) is reported as not consulted until server/db exists. */
#include "server/tools/tools.h"

static const char STATUS_NO_DB[] =
    "no database was consulted: this build reads the revision files only, so current, "
    "pending and up_to_date are unknown (null)";

bool tool_status(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err) {
  ToolProject tp;
  if (!tool_project_load(s, call->arguments, REV_PARSE_HEADER, &tp, err)) {
    tool_project_free(&tp);
    return false;
  }
  size_t nh = 0, nb = 0;
  Revision *const *heads = graph_heads(tp.graph, &nh);
  Revision *const *bases = graph_bases(tp.graph, &nb);
  size_t count = graph_count(tp.graph);

  JsonWriter w;
  jw_init(&w, &res->structured);
  jw_object_begin(&w);
  jw_key(&w, "heads");
  tool_write_ids(&w, heads, nh);
  jw_key(&w, "bases");
  tool_write_ids(&w, bases, nb);
  jw_kv_int(&w, "revision_count", (int64_t)count);
  jw_key(&w, "current");
  jw_null(&w);
  jw_key(&w, "pending");
  jw_null(&w);
  jw_key(&w, "up_to_date");
  jw_null(&w);
  jw_key(&w, "database");
  jw_object_begin(&w);
  jw_kv_bool(&w, "consulted", false);
  jw_kv_string(&w, "note", STATUS_NO_DB);
  jw_object_end(&w);
  jw_key(&w, "problems");
  tool_write_findings(&w, tp.problems);
  jw_object_end(&w);

  Buf *t = &res->text;
  buf_printf(t, "Project: %s\n", tp.project->ini_path ? tp.project->ini_path : tp.project->root);
  buf_printf(t, "Revisions: %zu\n", count);
  buf_printf(t, "Head%s: ", nh == 1 ? "" : "s");
  if (nh == 0) buf_puts(t, "(none)");
  for (size_t i = 0; i < nh; i++) buf_printf(t, "%s%s", i ? ", " : "", heads[i]->id);
  buf_puts(t, "\n");
  buf_printf(t, "Database: %s\n", STATUS_NO_DB);
  if (tp.problems->len == 0) {
    buf_puts(t, "Problems: none\n");
  } else {
    buf_printf(t, "Problems: %zu\n", tp.problems->len);
    tool_text_findings(t, tp.problems);
  }
  tool_project_free(&tp);
  return true;
}

/* history.c - the `history` tool: Alembic's history, read statically; with
 * indicate_current, the database's version rows mark the current revisions. */
#include <stdlib.h>
#include <string.h>

#include "server/alembic/history.h"
#include "server/tools/tools.h"

static bool history__is_current(const Revision *r, char *const *rows, size_t nrows) {
  for (size_t k = 0; k < nrows; k++)
    if (!strcmp(rows[k], r->id)) return true;
  return false;
}

static void history__write_revision(JsonWriter *w, const Graph *g, const Revision *r,
                                    bool indicate, char *const *rows, size_t nrows) {
  GraphRevInfo info = {0};
  graph_info(g, r, &info);
  jw_object_begin(w);
  jw_kv_string(w, "revision", r->id);
  jw_key(w, "down_revisions");
  tool_write_strings(w, r->down, r->ndown);
  jw_key(w, "branch_labels");
  tool_write_strings(w, info.branch_labels, info.nbranch_labels);
  jw_key(w, "depends_on");
  tool_write_strings(w, r->depends_on, r->ndepends_on);
  jw_kv_string(w, "message", r->message ? r->message : "");
  jw_kv_string(w, "path", r->path);
  jw_kv_bool(w, "is_head", info.is_head);
  jw_kv_bool(w, "is_base", info.is_base);
  jw_kv_bool(w, "is_branch_point", info.is_branch_point);
  jw_kv_bool(w, "is_merge_point", info.is_merge_point);
  jw_key(w, "is_current");
  if (indicate) jw_bool(w, history__is_current(r, rows, nrows));
  else jw_null(w);
  jw_object_end(w);
}

bool tool_history(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err) {
  const Json *args = call->arguments;
  const char *range = json_get_string(args, "range");
  bool verbose = json_get_true(args, "verbose");
  bool indicate = json_get_true(args, "indicate_current");
  char **rows = NULL;
  size_t nrows = 0;

  ToolProject tp;
  Revision **revs = NULL;
  size_t n = 0;
  bool ok = false;
  if (!tool_project_load(s, args, REV_PARSE_HEADER, &tp, err)) goto done;
  // Unchanged files, same arguments: the same bytes as last time (not with
  // indicate_current: the database may have moved).
  if (!indicate && tool_memo_get(s, "history", args, tp.generation, res)) {
    ok = true;
    goto done;
  }
  if (indicate) {
    // As `alembic history --indicate-current`: the version rows of the database.
    Db *db = NULL;
    const char *vt = NULL, *vs = NULL;
    if (tp.project->ini) {
      RtError e2 = {0};
      vt = ini_get(tp.project->ini, tp.project->section, "version_table", &e2);
      vs = ini_get(tp.project->ini, tp.project->section, "version_table_schema", &e2);
      if (vt && !*vt) vt = NULL;
      if (vs && !*vs) vs = NULL;
    }
    bool exists = false;
    if (!tool_db_connect(s, args, tp.project, &db, err) ||
        !db_version_rows(db, vs, vt, &rows, &nrows, &exists, err)) {
      error_prefix(err, "indicate_current needs the database's version table; the history "
                        "itself needs none (call without indicate_current)");
      goto done;
    }
  }
  if (!graph_history(tp.graph, range, &revs, &n, err)) goto done;

  history_format(&res->text, tp.graph, revs, n, verbose, (const char *const *)rows, nrows);

  JsonWriter w;
  jw_init(&w, &res->structured);
  jw_object_begin(&w);
  jw_key(&w, "revisions");
  jw_array_begin(&w);
  for (size_t i = 0; i < n; i++)
    history__write_revision(&w, tp.graph, revs[i], indicate, rows, nrows);
  jw_array_end(&w);
  size_t nh = 0, nb = 0;
  Revision *const *heads = graph_heads(tp.graph, &nh);
  Revision *const *bases = graph_bases(tp.graph, &nb);
  jw_key(&w, "heads");
  tool_write_ids(&w, heads, nh);
  jw_key(&w, "bases");
  tool_write_ids(&w, bases, nb);
  jw_key(&w, "current");
  if (indicate) tool_write_strings(&w, (const char *const *)rows, nrows);
  else jw_null(&w);
  jw_key(&w, "problems");
  tool_write_findings(&w, tp.problems);
  jw_object_end(&w);
  if (!indicate) tool_memo_put(s, "history", args, tp.generation, res);
  ok = true;

done:
  free(rows);
  free(revs);
  tool_project_free(&tp);
  return ok;
}

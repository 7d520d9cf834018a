/* session.c - the tool session, the tool table and argument checking shared by
 * every front end (MCP tools/call, `retort call`, the friendly CLI commands). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/base/embed.h"
#include "server/base/mem.h"
#include "server/tools/migrate.h"
#include "server/tools/schema.h"
#include "server/tools/skill.h"
#include "server/tools/tools.h"

#ifndef RETORT_VERSION
#define RETORT_VERSION "0.1.0"
#endif

extern const EmbeddedFile retort_tool_schemas[];
extern const EmbeddedFile retort_skills[];

typedef bool (*ToolFn)(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err);

typedef struct ToolEntry {
  const char *name;
  ToolFn fn;
} ToolEntry;

/* Every tool that works. A tool is listed here and has server/tools/<name>.json. */
static const ToolEntry TOOL_TABLE[] = {
    {"history", tool_history},
    {"status", tool_status},
    {"review_migration", tool_review_migration},
    {"create_migration", tool_create_migration},
    {"upgrade", tool_upgrade},
    {"downgrade", tool_downgrade},
};
#define NTOOLS (sizeof TOOL_TABLE / sizeof TOOL_TABLE[0])

static const char SERVER_INSTRUCTIONS[] =
    "retort reads an Alembic project's revision files statically (nothing is imported) "
    "and answers about its migration history. Use `history` to see revisions, heads and "
    "branch/merge points, and `status` for heads and problems in the revision graph "
    "(multiple heads, missing parents, cycles, files that do not parse). `upgrade` and "
    "`downgrade` first return a plan (steps, SQL, findings, plan_id) and change nothing; "
    "show it to the user, then call again with confirm=<plan_id> to run exactly that plan "
    "(retort's scratch cluster needs no confirm). sql_only gives the SQL script only.";

/* The last graph built, kept while its revision files are unchanged. */
typedef struct GraphSlot {
  char *project;          /* ini path or root of the project it belongs to */
  Revision **revs;        /* the cache's Revisions it was built from, in load order */
  size_t n;
  Graph *graph;
  FindingList problems;
  uint64_t generation;
} GraphSlot;

/* One remembered result per tool. */
typedef struct Memo {
  char *key;              /* the arguments, re-serialized */
  uint64_t generation;
  Buf text, structured;
  bool is_error;
} Memo;

struct ToolSession {
  char *default_project;
  ScriptCache *cache;
  Arena *arena;                 /* parsed schemas, for the life of the session */
  const Json *input_schema[NTOOLS];
  McpTool mcp_tools[NTOOLS];
  McpServerInfo info;
  GraphSlot slot;
  uint64_t generations;
  Memo memo[NTOOLS];
  Db *db;                       /* the last database used, kept open between calls */
};

static bool session__call(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err);

static bool tools__mcp_call(void *ctx, const McpToolCall *call, McpToolResult *res,
                            RtError *err) {
  ToolSession *s = ctx;
  return session__call(s, call, res, err);
}

ToolSession *tool_session_new(const char *project) {
  ToolSession *s = xcalloc(1, sizeof *s);
  s->default_project = project ? xstrdup(project) : NULL;
  s->cache = scripts_cache_new();
  s->arena = arena_new();
  for (size_t i = 0; i < NTOOLS; i++) {
    char file[64];
    snprintf(file, sizeof file, "%s.json", TOOL_TABLE[i].name);
    const EmbeddedFile *def = embed_find(retort_tool_schemas, file);
    // The schemas are our own build inputs: a missing or broken one is a bug.
    RtError err = {0};
    const Json *parsed = def ? json_parse(s->arena, def->data, def->len, NULL, &err, NULL) : NULL;
    if (!parsed) {
      fprintf(stderr, "retort: bug: tool schema %s is missing or broken: %s\n", file, err.msg);
      abort();
    }
    s->input_schema[i] = json_get(parsed, "inputSchema");
    s->mcp_tools[i] = (McpTool){TOOL_TABLE[i].name, def->data, tools__mcp_call};
  }
  // The skills, checked when retort is built (server/skills_check.c): an error here is a bug.
  Buf bad = BUF_INIT;
  McpPrompt *prompts;
  size_t nprompts = skills_prompts(retort_skills, s->arena, &prompts, &bad);
  if (bad.len) fprintf(stderr, "retort: bug: skills left out of the MCP prompts:\n%s", bad.data);
  buf_free(&bad);
  s->info = (McpServerInfo){"retort", RETORT_VERSION, SERVER_INSTRUCTIONS, s->mcp_tools,
                            NTOOLS, s, prompts, nprompts};
  return s;
}

static void session__slot_clear(GraphSlot *g) {
  graph_delete(g->graph);
  findings_free(&g->problems);
  free(g->revs);
  free(g->project);
  memset(g, 0, sizeof *g);
}

void tool_session_delete(ToolSession *s) {
  if (!s) return;
  session__slot_clear(&s->slot);
  for (size_t i = 0; i < NTOOLS; i++) {
    free(s->memo[i].key);
    buf_free(&s->memo[i].text);
    buf_free(&s->memo[i].structured);
  }
  db_close(s->db);
  scripts_cache_delete(s->cache);
  arena_delete(s->arena);
  free(s->default_project);
  free(s);
}

const McpServerInfo *tool_session_mcp_info(ToolSession *s) { return &s->info; }

bool tools_call(ToolSession *s, const char *name, const Json *args, Arena *arena,
                McpToolResult *res, RtError *err) {
  McpToolCall call = {.name = name, .arguments = args, .arena = arena};
  return session__call(s, &call, res, err);
}

/* One call; `call` carries the MCP side (peer, progress token, request id) when there
 * is one, so that tools can report progress and notice cancellation. */
static bool session__call(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err) {
  const char *name = call->name;
  for (size_t i = 0; i < NTOOLS; i++) {
    if (strcmp(TOOL_TABLE[i].name, name) != 0) continue;
    Json empty = {.type = JSON_OBJECT};
    McpToolCall c = *call;
    if (!c.arguments) c.arguments = &empty;
    if (!schema_validate(s->input_schema[i], c.arguments, err)) return false;
    return TOOL_TABLE[i].fn(s, &c, res, err);
  }
  char known[256] = "";
  for (size_t i = 0; i < NTOOLS; i++) {
    size_t used = strlen(known);
    snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", TOOL_TABLE[i].name);
  }
  return error_set(err, ERR_PARAMS, "Unknown tool: %s (tools: %s)", name, known);
}

bool tool_project_load(ToolSession *s, const Json *args, RevParseMode mode, ToolProject *tp,
                       RtError *err) {
  memset(tp, 0, sizeof *tp);
  const char *start = json_get_string(args, "project");
  if (!start) start = s->default_project;
  char cwd[4096];
  if (!start) {
    if (!getcwd(cwd, sizeof cwd))
      return error_set(err, ERR_IO, "cannot read the working directory; pass project=<dir>");
    start = cwd;
  }
  if (!project_discover(start, NULL, &tp->project, err)) {
    // No alembic.ini above a named directory: it may be a versions directory itself (a
    // project that keeps its revisions without Alembic's config). Only when it holds
    // revision files; otherwise the discovery error is the useful one.
    RtError why = *err, e2 = {0};
    if (err->kind != ERR_NOT_FOUND || start == cwd ||
        !project_open_versions_dir(start, &tp->project, &e2))
      return false;
    if (!project_list_revision_files(tp->project, &tp->paths, &tp->npaths, &e2) ||
        tp->npaths == 0) {
      *err = why;
      return false;
    }
  } else if (!project_list_revision_files(tp->project, &tp->paths, &tp->npaths, err)) {
    return false;
  }
  if (!scripts_load(s->cache, (const char *const *)tp->paths, tp->npaths, mode, &tp->scripts,
                    err))
    return false;
  // The cache hands back the same Revision for an unchanged file. Nothing re-parsed and
  // the same Revisions in the same order means the same graph (pointer equality alone
  // is not enough: a re-parsed file may land at a freed address).
  GraphSlot *g = &s->slot;
  const char *id = tp->project->ini_path ? tp->project->ini_path : tp->project->root;
  bool same = g->graph && tp->scripts.parsed == 0 && g->n == tp->scripts.n &&
              strcmp(g->project, id) == 0 &&
              (g->n == 0 || memcmp(g->revs, tp->scripts.revs, g->n * sizeof *g->revs) == 0);
  if (!same) {
    session__slot_clear(g);
    g->project = xstrdup(id);
    g->n = tp->scripts.n;
    g->revs = xmalloc((g->n ? g->n : 1) * sizeof *g->revs);
    if (g->n) memcpy(g->revs, tp->scripts.revs, g->n * sizeof *g->revs);
    findings_init(&g->problems);
    findings_extend(&g->problems, &tp->scripts.findings);
    g->graph = graph_build(g->revs, g->n, &g->problems);
    findings_sort(&g->problems);
    g->generation = ++s->generations;
  }
  tp->graph = g->graph;
  tp->problems = &g->problems;
  tp->generation = g->generation;
  return true;
}

void tool_project_free(ToolProject *tp) {
  scripts_set_free(&tp->scripts);
  project_free_paths(tp->paths, tp->npaths);
  project_delete(tp->project);
  memset(tp, 0, sizeof *tp);
}

static Memo *session__memo(ToolSession *s, const char *tool) {
  for (size_t i = 0; i < NTOOLS; i++)
    if (strcmp(TOOL_TABLE[i].name, tool) == 0) return &s->memo[i];
  return NULL;
}

static char *session__args_key(const Json *args) {
  Buf b = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &b);
  jw_value(&w, args);
  return buf_detach(&b);
}

bool tool_memo_get(ToolSession *s, const char *tool, const Json *args, uint64_t generation,
                   McpToolResult *res) {
  Memo *m = session__memo(s, tool);
  if (!m || !m->key || m->generation != generation) return false;
  char *key = session__args_key(args);
  bool hit = strcmp(key, m->key) == 0;
  free(key);
  if (!hit) return false;
  buf_append(&res->text, m->text.data, m->text.len);
  buf_append(&res->structured, m->structured.data, m->structured.len);
  res->is_error = m->is_error;
  return true;
}

void tool_memo_put(ToolSession *s, const char *tool, const Json *args, uint64_t generation,
                   const McpToolResult *res) {
  Memo *m = session__memo(s, tool);
  if (!m) return;
  free(m->key);
  m->key = session__args_key(args);
  m->generation = generation;
  buf_reset(&m->text);
  buf_reset(&m->structured);
  buf_append(&m->text, res->text.data, res->text.len);
  buf_append(&m->structured, res->structured.data, res->structured.len);
  m->is_error = res->is_error;
}

void tool_write_findings(JsonWriter *w, const FindingList *fl) {
  jw_array_begin(w);
  for (size_t i = 0; i < fl->len; i++) {
    const Finding *f = &fl->items[i];
    jw_object_begin(w);
    jw_kv_string(w, "rule", f->rule);
    jw_kv_string(w, "severity", severity_name(f->severity));
    jw_kv_string(w, "message", f->message);
    jw_kv_string(w, "path", f->path);
    if (f->range.line) {
      jw_kv_int(w, "line", f->range.line);
      jw_kv_int(w, "column", f->range.col);
      jw_kv_int(w, "end_line", f->range.end_line);
      jw_kv_int(w, "end_column", f->range.end_col);
    }
    if (f->help) jw_kv_string(w, "help", f->help);
    if (f->fix) jw_kv_string(w, "fix", f->fix);
    jw_object_end(w);
  }
  jw_array_end(w);
}

void tool_write_ids(JsonWriter *w, Revision *const *revs, size_t n) {
  jw_array_begin(w);
  for (size_t i = 0; i < n; i++) jw_string(w, revs[i]->id);
  jw_array_end(w);
}

void tool_write_strings(JsonWriter *w, const char *const *s, size_t n) {
  jw_array_begin(w);
  for (size_t i = 0; i < n; i++) jw_string(w, s[i]);
  jw_array_end(w);
}

void tool_text_findings(Buf *out, const FindingList *fl) {
  for (size_t i = 0; i < fl->len; i++) {
    const Finding *f = &fl->items[i];
    if (f->path && f->range.line)
      buf_printf(out, "%s:%u:%u: ", f->path, f->range.line, f->range.col);
    else if (f->path)
      buf_printf(out, "%s: ", f->path);
    buf_printf(out, "%s[%s] %s\n", severity_name(f->severity), f->rule, f->message);
  }
}

bool tool_db_target(ToolSession *s, const Json *args, const Project *p, DbTarget *t, RtError *err) {
  (void)s;
  const char *url = json_get_string(args, "database_url");
  return db_target_resolve(p, url, t, err);
}

/* Whether an open connection was made for the same database as `t` (the full
 * connection string, password included, or the same scratch cluster). */
static bool session__same_db(const Db *db, const DbTarget *t) {
  const DbTarget *had = db_target(db);
  if (had->kind != t->kind) return false;
  if (t->kind == DB_KIND_SCRATCH)
    return had->scratch_dir && t->scratch_dir && strcmp(had->scratch_dir, t->scratch_dir) == 0;
  return had->conninfo && t->conninfo && strcmp(had->conninfo, t->conninfo) == 0;
}

bool tool_db_connect(ToolSession *s, const Json *args, const Project *p, Db **db, RtError *err) {
  *db = NULL;
  DbTarget t = {0};
  if (!tool_db_target(s, args, p, &t, err)) return false;
  if (s->db && session__same_db(s->db, &t)) {
    db_target_free(&t);
    if (!db_alive(s->db, err)) return false; // it tried to reconnect once
    *db = s->db;
    return true;
  }
  db_close(s->db);
  s->db = NULL;
  bool ok = db_connect(&t, &s->db, err);
  db_target_free(&t);
  if (ok) *db = s->db;
  return ok;
}

/* tools.h - the tool layer: a long-lived session (project defaults, parsed-revision
 * cache) and the table of tools that MCP, the CLI and the LSP features all call. */
#ifndef RETORT_TOOLS_TOOLS_H
#define RETORT_TOOLS_TOOLS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/json.h"
#include "protocol/mcp.h"
#include "server/alembic/graph.h"
#include "server/alembic/project.h"
#include "server/alembic/scripts.h"
#include "server/base/error.h"
#include "server/base/finding.h"
#include "server/db/db.h"

typedef struct ToolSession ToolSession;

/**
 * A session for one server process or one CLI run. `project` (may be NULL: the working
 * directory, searched upward) is the default for calls that name none. Strings are
 * copied. Free with tool_session_delete (NULL is a no-op).
 */
ToolSession *tool_session_new(const char *project);
void tool_session_delete(ToolSession *s);

/** The MCP server description (name, version, instructions, the tool table) for `s`. */
const McpServerInfo *tool_session_mcp_info(ToolSession *s);

/**
 * Calls tool `name` with `args` (a JSON object), after checking them against the tool's
 * inputSchema. This is what tools/call and `retort call` do. `res` buffers are the
 * caller's to free. Returns false with err: ERR_PARAMS for unknown tools and bad
 * arguments, other kinds for failures of the tool itself.
 */
bool tools_call(ToolSession *s, const char *name, const Json *args, Arena *arena,
                McpToolResult *res, RtError *err);

/* ---- shared by the tool implementations (server/tools/NAME.c) ---- */

/* A loaded project: its revisions and their graph, for one call. */
typedef struct ToolProject {
  Project *project;
  const char *const *paths; /* the revision files, owned by the session's cache (scripts_list):
                               valid until the next load, as the graph */
  size_t npaths;
  ScriptSet scripts;
  const Graph *graph;          /* owned by the session; valid until the next load */
  const FindingList *problems; /* parse findings + graph problems, sorted; likewise */
  uint64_t generation;         /* changes whenever the graph was rebuilt */
} ToolProject;

/** Opens the project named by args.project (or the session default) and loads its
 * revision graph in `mode`. The graph is rebuilt only when a revision file changed
 * (the session keeps the last one). Free with tool_project_free (also after a failure). */
bool tool_project_load(ToolSession *s, const Json *args, RevParseMode mode, ToolProject *tp,
                       RtError *err);
void tool_project_free(ToolProject *tp);

/**
 * The database for a call: args.database_url, else RETORT_DATABASE_URL, DATABASE_URL,
 * the project's sqlalchemy.url, else its scratch cluster (DESIGN.md), connected. The
 * connection belongs to the session and is reused by later calls to the same database
 * (checked alive first: when PostgreSQL restarted in between, it reconnects); do not
 * close it. Fails with the layer's error (ERR_PARAMS / ERR_CONFIG for a bad URL, ERR_DB
 * when unreachable, ERR_NOT_FOUND when the scratch cluster cannot be created for lack of
 * PostgreSQL), every URL in it masked.
 */
bool tool_db_connect(ToolSession *s, const Json *args, const Project *p, Db **db, RtError *err);

/** Which database a call would use, without connecting (status reports it even when it
 * is unreachable). Free with db_target_free. */
bool tool_db_target(ToolSession *s, const Json *args, const Project *p, DbTarget *t, RtError *err);

/**
 * A memo of the last result of `tool` for the same arguments and graph generation, so
 * repeated calls on unchanged files return the same bytes without recomputing them.
 * tool_memo_get copies a hit into res and returns true; tool_memo_put stores res.
 */
bool tool_memo_get(ToolSession *s, const char *tool, const Json *args, uint64_t generation,
                   McpToolResult *res);
void tool_memo_put(ToolSession *s, const char *tool, const Json *args, uint64_t generation,
                   const McpToolResult *res);

/** A source range as the contract's line, column, end_line, end_column keys (nothing
 * when the range is unknown: line 0). */
void tool_write_range(JsonWriter *w, SrcRange r);

/** Writes findings as the contract's array of {rule, severity, message, path, line,
 * column, end_line, end_column, help?, fix?}. */
void tool_write_findings(JsonWriter *w, const FindingList *fl);
/** Writes an array of revision ids. */
void tool_write_ids(JsonWriter *w, Revision *const *revs, size_t n);
void tool_write_strings(JsonWriter *w, const char *const *s, size_t n);
/** Appends "path:line:col: severity[rule] message" lines for people. */
void tool_text_findings(Buf *out, const FindingList *fl);

/* The tools. Each decodes its arguments, calls the core, encodes the result. */
bool tool_history(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err);
bool tool_status(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err);
bool tool_review_migration(ToolSession *s, const McpToolCall *call, McpToolResult *res,
                           RtError *err);
bool tool_create_migration(ToolSession *s, const McpToolCall *call, McpToolResult *res,
                           RtError *err);

#endif

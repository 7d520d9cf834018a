/* mcp.h - the MCP server side: lifecycle (initialize / server/discover / per-request
 * _meta), ping, tools/list and tools/call over a tool registry, prompts/list and
 * prompts/get over a prompt table, both supplied by the caller. */
#ifndef RETORT_PROTOCOL_MCP_H
#define RETORT_PROTOCOL_MCP_H
#include <stdbool.h>
#include <stddef.h>

#include "protocol/json.h"
#include "protocol/jsonrpc.h"
#include "server/base/arena.h"
#include "server/base/buf.h"
#include "server/base/error.h"

/* Protocol versions we speak, oldest first. The handshake era ends at 2025-11-25;
 * MCP_PROTOCOL_STATELESS is served without `initialize` (version in params._meta). */
#define MCP_PROTOCOL_LATEST_HANDSHAKE "2025-11-25"
#define MCP_PROTOCOL_STATELESS "2026-07-28"
/* The params._meta key that carries the protocol version per request (SEP-2575). */
#define MCP_META_PROTOCOL_VERSION "io.modelcontextprotocol/protocolVersion"
/* UnsupportedProtocolVersionError (SEP-2575): error.data = {supported: [...], requested} */
#define MCP_UNSUPPORTED_PROTOCOL_VERSION (-32004)

/* What a tool hands back. Both buffers start empty and are freed by the MCP layer. */
typedef struct McpToolResult {
  Buf text;       /* human-readable text for the one text content block */
  Buf structured; /* a JSON object's text for structuredContent, or empty for none */
  bool is_error;  /* a tool-level failure reported as a result (isError: true) */
} McpToolResult;

/* One tools/call as the tool sees it. Everything is borrowed for the call's duration. */
typedef struct McpToolCall {
  const char *name;
  const Json *arguments;      /* always an object (an empty one when the client sent none) */
  Arena *arena;               /* the per-request arena: allocate freely */
  RpcPeer *peer;              /* for notifications during the call (see mcp_tool_progress) */
  const Json *progress_token; /* params._meta.progressToken, or NULL */
  const char *request_id;     /* the request's id as RpcMessage.id spells it */
  bool *cancelled;            /* set once mcp_call_cancelled has seen a cancellation */
} McpToolCall;

/**
 * A tool implementation. Returns true with `res` filled (set res->is_error for an
 * isError result the tool composed itself; its structured text, if any, is passed on
 * and must then match the outputSchema too), or false with `err` set: the client then
 * gets a result with isError: true whose one text block is err->msg, and no
 * structuredContent (the TypeScript SDK client, 1.32, validates structuredContent
 * against the tool's outputSchema even when isError is true, so an error object
 * would be reported as a schema violation instead of the real message).
 * When `res->text` is empty, the structured JSON is sent as the text block as well.
 */
typedef bool (*McpToolFn)(void *ctx, const McpToolCall *call, McpToolResult *res, RtError *err);

typedef struct McpTool {
  const char *name;
  /* The full JSON object tools/list shows for this tool (name, title, description,
   * inputSchema, outputSchema, annotations), copied verbatim: it must be valid JSON. */
  const char *definition;
  McpToolFn call;
} McpTool;

/* One argument of a prompt, as prompts/list shows it. Prompt arguments are strings. */
typedef struct McpPromptArgument {
  const char *name;
  const char *description; /* may be NULL */
  bool required;
} McpPromptArgument;

typedef struct McpPrompt McpPrompt;

/* One prompts/get as the prompt sees it. Everything is borrowed for the call. The MCP
 * layer has checked the arguments already: an object whose members are all strings,
 * each the name of one of the prompt's arguments, every required one present and not
 * blank. */
typedef struct McpPromptCall {
  const McpPrompt *prompt;
  const Json *arguments; /* always an object (an empty one when the client sent none) */
  Arena *arena;          /* the per-request arena */
} McpPromptCall;

/**
 * Renders a prompt: appends the text of the one user message prompts/get returns to
 * `text` (which starts empty and is the MCP layer's) and returns true; or returns false
 * with `err` set, which the client gets as a JSON-RPC error (-32602 for ERR_PARAMS,
 * else -32603).
 */
typedef bool (*McpPromptFn)(void *ctx, const McpPromptCall *call, Buf *text, RtError *err);

struct McpPrompt {
  const char *name;
  const char *title;       /* may be NULL */
  const char *description; /* may be NULL */
  const McpPromptArgument *arguments; /* borrowed, `narguments` of them */
  size_t narguments;
  McpPromptFn get;
  const void *data;        /* the prompt's own, for `get` (e.g. its template) */
};

typedef struct McpServerInfo {
  const char *name;         /* serverInfo.name */
  const char *version;      /* serverInfo.version */
  const char *instructions; /* may be NULL */
  const McpTool *tools;     /* borrowed; must outlive the session */
  size_t ntools;
  void *ctx;                /* passed to every McpToolFn and McpPromptFn */
  /* Borrowed, like tools. With none, the prompts capability is not announced and
   * prompts/list and prompts/get are unknown methods. */
  const McpPrompt *prompts;
  size_t nprompts;
} McpServerInfo;

typedef struct McpSession McpSession;

/** A session over `info` (borrowed). mcp_session_delete(NULL) is a no-op. */
McpSession *mcp_session_new(const McpServerInfo *info);
void mcp_session_delete(McpSession *s);

/**
 * Handles one valid request or notification (an RpcHandlerFn; `session` is the
 * McpSession). Methods: initialize, notifications/initialized, ping, server/discover,
 * tools/list, tools/call, and prompts/list, prompts/get when the server has prompts;
 * notifications/cancelled and unknown notifications are ignored; unknown requests get
 * -32601. tools/... and prompts/... before `initialize` get -32002 unless
 * params._meta[MCP_META_PROTOCOL_VERSION] is MCP_PROTOCOL_STATELESS (then they are
 * served, and results carry "resultType": "complete"); an unknown version there gets
 * MCP_UNSUPPORTED_PROTOCOL_VERSION with the supported list in error.data. An unknown
 * tool is -32602 "Unknown tool: NAME"; an unknown prompt -32602 "Unknown prompt: NAME";
 * a prompt argument that is missing (or blank) while required, unknown, or not a
 * string is -32602 naming it.
 */
int mcp_handle(void *session, RpcCall *call, RtError *err);

/** True when the negotiated version (2025-03-26) lets the client send JSON-RPC batches;
 * the other versions have none (2024-11-05 predates them, 2025-06-18 removed them). */
bool mcp_session_batches(const McpSession *s);

/** The version negotiated by initialize, or NULL before it. Owned by the session. */
const char *mcp_session_protocol_version(const McpSession *s);

/**
 * Sends notifications/progress for the call when the client asked for progress
 * (call->progress_token set); otherwise does nothing. `total` < 0 and `message`
 * NULL are omitted. Returns false only when the write failed.
 */
bool mcp_tool_progress(const McpToolCall *call, double progress, double total, const char *message);

/**
 * Cancellation (notifications/cancelled) of a running tools/call. The server reads one
 * request at a time, so a tool that waits long (on PostgreSQL) polls
 * mcp_call_cancel_fd(call) (the connection's input; -1 when there is none, e.g. the
 * CLI) alongside what it waits on, and calls mcp_call_cancelled(call) when it becomes
 * readable (or now and then): true once the client has cancelled this request. The
 * tool then stops, leaving things consistent, and returns what it did; as the MCP spec
 * asks, no response is sent for a cancelled request (the outcome is logged on stderr).
 * Messages that arrived meanwhile are kept and handled after the call, in order.
 */
int mcp_call_cancel_fd(const McpToolCall *call);
bool mcp_call_cancelled(const McpToolCall *call);

#endif

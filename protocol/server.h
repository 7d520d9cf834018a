/* server.h - the connection loop: read a frame → parse JSON → decode JSON-RPC →
 * dispatch to the MCP or LSP session → write the reply, one arena per message. */
#ifndef RETORT_PROTOCOL_SERVER_H
#define RETORT_PROTOCOL_SERVER_H
#include <stddef.h>

#include "protocol/framing.h"
#include "protocol/json.h"
#include "protocol/lsp.h"
#include "protocol/mcp.h"

typedef struct ServeOptions {
  FramingMode mode;       /* NDJSON → MCP, LSP → LSP, AUTO → decided by the first bytes */
  size_t max_frame;       /* 0 = FRAME_MAX_DEFAULT (16 MiB) */
  JsonLimits limits;      /* zeros = defaults (depth 64, 1,000,000 tokens) */
  const McpServerInfo *mcp; /* required when the connection turns out to be MCP */
  const LspServerInfo *lsp; /* NULL = lifecycle only, no features */
  const char *log_name;   /* prefix for stderr logs; NULL = "retort" */
} ServeOptions;

/**
 * Serves one connection until EOF on `in_fd` (or LSP `exit`). Logs go to stderr
 * only; `out_fd` carries protocol frames only. Bad frames, bad JSON and bad requests
 * are answered with JSON-RPC errors and the loop goes on: an unparsable frame or a
 * bad LSP header gets -32700 with id null, an over-cap frame -32600 with id null (it
 * is skipped without being buffered). Requests are handled one at a time, in order.
 * In an MCP 2025-03-26 session a JSON array is a batch, answered with one array.
 * SIGPIPE is ignored (when it had its default action) so a vanished client ends the
 * loop instead of the process.
 * Returns the exit code: 0 on EOF (or LSP exit after shutdown), 1 on LSP exit
 * without shutdown, 1 when reading or writing failed.
 */
int rpc_serve(int in_fd, int out_fd, const ServeOptions *opt);

#endif

/* lsp.h - the LSP server lifecycle (initialize with position-encoding negotiation,
 * initialized, shutdown, exit) and a handler table for the features built on it. */
#ifndef RETORT_PROTOCOL_LSP_H
#define RETORT_PROTOCOL_LSP_H
#include <stdbool.h>
#include <stddef.h>

#include "protocol/jsonrpc.h"

typedef enum LspPositionEncoding { LSP_ENCODING_UTF16 = 0, LSP_ENCODING_UTF8 } LspPositionEncoding;

typedef struct LspSession LspSession;

/**
 * A feature handler (textDocument/didOpen, hover, ...), called only between a
 * successful initialize and shutdown. Same contract as RpcHandlerFn; `ctx` is
 * LspServerInfo.ctx and `s` gives the negotiated position encoding.
 */
typedef int (*LspHandlerFn)(void *ctx, LspSession *s, RpcCall *call, RtError *err);

typedef struct LspMethod {
  const char *method; /* e.g. "textDocument/didOpen" */
  LspHandlerFn fn;
} LspMethod;

typedef struct LspServerInfo {
  const char *name;    /* serverInfo.name */
  const char *version; /* serverInfo.version */
  const LspMethod *methods; /* borrowed feature table; may be NULL */
  size_t nmethods;
  /* Extra members for ServerCapabilities as JSON object members without braces,
   * e.g. "\"hoverProvider\":true"; NULL for none. positionEncoding and
   * textDocumentSync (1 = full) are always written by the lifecycle. */
  const char *capabilities_extra;
  void *ctx;
} LspServerInfo;

/** A session over `info` (borrowed). lsp_session_delete(NULL) is a no-op. */
LspSession *lsp_session_new(const LspServerInfo *info);
void lsp_session_delete(LspSession *s);

/**
 * Handles one valid request or notification (an RpcHandlerFn; `session` is the
 * LspSession). Before initialize: requests get -32002, notifications other than
 * exit are dropped. After shutdown: requests get -32600. Unknown requests -32601,
 * unknown notifications ignored ("$/..." ones too).
 */
int lsp_handle(void *session, RpcCall *call, RtError *err);

/** True once `exit` arrived; *code is 0 if shutdown came first, else 1. */
bool lsp_session_exited(const LspSession *s, int *code);

LspPositionEncoding lsp_session_encoding(const LspSession *s);

#endif

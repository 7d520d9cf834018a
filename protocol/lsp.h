/* lsp.h - the LSP server lifecycle (initialize with position-encoding negotiation,
 * initialized, shutdown, exit) and a handler table for the features built on it. */
#ifndef RETORT_PROTOCOL_LSP_H
#define RETORT_PROTOCOL_LSP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
   * textDocumentSync are always written by the lifecycle. */
  const char *capabilities_extra;
  void *ctx;
  bool incremental_sync; /* textDocumentSync.change: 2 (incremental) when true, else 1 (full) */
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

/* ---- positions: LSP's 0-based (line, character) against byte offsets ----
 * Lines end at '\n' (a '\r' before it belongs to the line ending). Characters count
 * UTF-16 code units (a character outside the BMP counts 2) or, for utf-8, bytes. A byte
 * that is not valid UTF-8 counts as one character (editors show it as U+FFFD). */

/**
 * The byte offset in text[0, len) of an LSP position. A line past the end gives `len`;
 * a character past the end of its line gives the end of the line (before "\r\n"); a
 * character inside a surrogate pair gives the start of that character.
 */
size_t lsp_position_to_offset(const char *text, size_t len, uint32_t line, uint32_t character,
                              LspPositionEncoding enc);

/** The LSP position of byte `offset` (clamped to len; an offset inside a UTF-8 sequence
 * counts up to that character's start). */
void lsp_offset_to_position(const char *text, size_t len, size_t offset, LspPositionEncoding enc,
                            uint32_t *line, uint32_t *character);

#endif

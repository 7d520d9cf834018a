/* jsonrpc.h - JSON-RPC 2.0 messages: classifying and validating what arrives, writing
 * results, errors and notifications, and the handler-call type shared by MCP and LSP. */
#ifndef RETORT_PROTOCOL_JSONRPC_H
#define RETORT_PROTOCOL_JSONRPC_H
#include <stdbool.h>
#include <stddef.h>

#include "protocol/framing.h"
#include "protocol/json.h"
#include "server/base/arena.h"
#include "server/base/buf.h"
#include "server/base/error.h"

/* Error codes (JSON-RPC 2.0, plus the LSP/MCP reserved ones we use). */
enum {
  RPC_PARSE_ERROR = -32700,
  RPC_INVALID_REQUEST = -32600,
  RPC_METHOD_NOT_FOUND = -32601,
  RPC_INVALID_PARAMS = -32602,
  RPC_INTERNAL_ERROR = -32603,
  RPC_SERVER_NOT_INITIALIZED = -32002, /* LSP; also used by MCP before `initialize` */
  RPC_REQUEST_CANCELLED = -32800,
};

/* Method names longer than this are refused (-32600). */
#define RPC_METHOD_MAX 100

typedef enum RpcKind { RPC_REQUEST, RPC_NOTIFICATION, RPC_RESPONSE } RpcKind;

/* One decoded, valid message. Every pointer borrows from the parsed tree / arena. */
typedef struct RpcMessage {
  RpcKind kind;
  const char *method;   /* requests and notifications; NUL-terminated */
  const Json *params;   /* NULL when absent; else an object or an array */
  const char *id;       /* requests and responses: the id re-serialized exactly as
                           JSON ("7", "\"abc\"", "null"); NULL for notifications */
  const Json *result;   /* responses: exactly one of result / error is set */
  const Json *error;
  const Json *root;     /* the whole message */
} RpcMessage;

/**
 * Classifies and validates one parsed message (`root`, from json_parse).
 * Returns true with *msg filled, or false with err->msg saying what was wrong; then
 * *code is the error code to answer with (RPC_INVALID_REQUEST) and msg->id is the id
 * to echo (the request's id when it was usable, else "null"). Ids are strings or
 * integer literals (no fraction, no exponent, at most 20 characters); null, booleans,
 * objects, arrays and fractional numbers are refused. A JSON array (a batch, removed
 * from MCP in 2025-06-18 and never used by LSP) is refused as one invalid request;
 * rpc_serve unpacks batches itself where they are allowed (MCP 2025-03-26).
 * Allocations come from `arena`.
 */
bool rpc_message_decode(Arena *arena, const Json *root, RpcMessage *msg, int *code, RtError *err);

/** Appends {"jsonrpc":"2.0","id":<id>,"result":<result_json>} to `out` (no newline). */
void rpc_write_result(Buf *out, const char *id, const char *result_json, size_t n);
/**
 * Appends {"jsonrpc":"2.0","id":<id>,"error":{"code","message"[,"data"]}} to `out`.
 * `id` NULL means null; `data_json` (NULL for none) is trusted serialized JSON.
 */
void rpc_write_error(Buf *out, const char *id, int code, const char *message, const char *data_json);
/** Appends {"jsonrpc":"2.0","method":<method>[,"params":<params_json>]} to `out`. */
void rpc_write_notification(Buf *out, const char *method, const char *params_json);

/* ---- the output side of a connection, shared by everything that answers ---- */

typedef struct RpcPeer RpcPeer;

/** A peer writing frames to `fd` (not owned) in `mode` (NDJSON or LSP, not AUTO). */
RpcPeer *rpc_peer_new(int fd, FramingMode mode);
/** rpc_peer_delete(NULL) is a no-op; the fd is not closed. */
void rpc_peer_delete(RpcPeer *p);
/**
 * Sends one JSON text as one frame; safe to call from several threads (a mutex keeps
 * frames whole). Returns false with ERR_IO when the peer went away.
 */
bool rpc_peer_send(RpcPeer *p, const char *json, size_t n, RtError *err);
/** Sends a notification now (e.g. progress, publishDiagnostics). */
bool rpc_peer_notify(RpcPeer *p, const char *method, const char *params_json, RtError *err);

/**
 * The input side, for handlers that run long: `fd` is the connection's input (poll it
 * to wake when bytes arrive) and cancelled(ctx, id) looks at input not yet handled for a
 * cancellation of request `id` (its id as RpcMessage.id spells it). Set by the server
 * loop; a peer without input (tests, the CLI) reports fd -1 and never cancelled.
 */
void rpc_peer_set_input(RpcPeer *p, int fd, bool (*cancelled)(void *ctx, const char *id), void *ctx);
int rpc_peer_input_fd(const RpcPeer *p);
bool rpc_peer_cancelled(RpcPeer *p, const char *id);

/* ---- one call into a handler (request or notification) ---- */

typedef struct RpcCall {
  const RpcMessage *msg;
  Arena *arena;  /* per-request arena, reset after the reply: allocate freely */
  Buf *result;   /* requests: the handler writes the result as one JSON value here
                    (empty means null); ignored for notifications */
  RpcPeer *peer; /* for notifications sent while handling (progress, diagnostics) */
  Buf *error_data; /* optional JSON value for error.data when the handler fails */
  bool no_reply;   /* set by the handler: send nothing for this request (it was
                      cancelled; MCP says the receiver should not answer then) */
} RpcCall;

/**
 * A method handler. Returns 0 when `call->result` holds the result, or a JSON-RPC
 * error code (RPC_INVALID_PARAMS, ...) with err->msg as the error message. For a
 * notification the return value is only logged.
 */
typedef int (*RpcHandlerFn)(void *session, RpcCall *call, RtError *err);

/** The JSON-RPC error code for an RtError kind (ERR_PARAMS → -32602, else -32603, ...). */
int rpc_code_for_error(ErrKind kind);

#endif

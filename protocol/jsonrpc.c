/* jsonrpc.c - JSON-RPC 2.0: validating and classifying messages, writing replies, and
 * the peer that sends whole frames (one writer at a time). */
#include "protocol/jsonrpc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/mem.h"

static bool rpc__invalid(int *code, RtError *err, const char *what) {
  *code = RPC_INVALID_REQUEST;
  return error_set(err, ERR_PARAMS, "Invalid request: %s", what);
}

/* An integer literal: -?digits, nothing else (no fraction, no exponent). */
static bool rpc__integer_literal(const Json *v) {
  const char *p = v->str;
  if (*p == '-') p++;
  if (!*p) return false;
  for (; *p; p++)
    if (*p < '0' || *p > '9') return false;
  return true;
}

bool rpc_message_decode(Arena *arena, const Json *root, RpcMessage *msg, int *code, RtError *err) {
  memset(msg, 0, sizeof *msg);
  msg->root = root;
  msg->id = "null";
  *code = 0;
  if (root->type == JSON_ARRAY && root->n == 0) return rpc__invalid(code, err, "an empty batch (JSON array) holds no message");
  if (root->type == JSON_ARRAY)
    return rpc__invalid(code, err,
                        "batch requests (JSON arrays) are not supported; MCP removed JSON-RPC "
                        "batching in 2025-06-18: send one message per line");
  if (root->type != JSON_OBJECT) return rpc__invalid(code, err, "a message must be a JSON object");

  // The id first, so that every later complaint can be addressed to it.
  const Json *id = json_get(root, "id");
  if (id) {
    if (id->type == JSON_STRING) {
      Buf b = BUF_INIT;
      json_escape(&b, id->str, id->len);
      msg->id = arena_strndup(arena, b.data, b.len);
      buf_free(&b);
    } else if (id->type == JSON_NUMBER && rpc__integer_literal(id) && id->len <= 20) {
      msg->id = arena_strndup(arena, id->str, id->len); // echoed digit for digit
    } else if (id->type != JSON_NULL) {
      return rpc__invalid(code, err,
                          id->type == JSON_NUMBER ? "\"id\" must be a string or an integer, not a fractional or out-of-range number"
                                                  : "\"id\" must be a string or an integer");
    }
  }

  const Json *version = json_get(root, "jsonrpc");
  if (!version) return rpc__invalid(code, err, "missing \"jsonrpc\": \"2.0\"");
  if (version->type != JSON_STRING || strcmp(version->str, "2.0") != 0 || version->len != 3)
    return rpc__invalid(code, err, "\"jsonrpc\" must be exactly \"2.0\"");

  const Json *method = json_get(root, "method");
  if (method) {
    if (method->type != JSON_STRING) return rpc__invalid(code, err, "\"method\" must be a string");
    if (method->len > RPC_METHOD_MAX) return rpc__invalid(code, err, "method name longer than 100 bytes");
    if (strlen(method->str) != method->len) return rpc__invalid(code, err, "method name contains a NUL character");
    const Json *params = json_get(root, "params");
    if (params && params->type != JSON_OBJECT && params->type != JSON_ARRAY)
      return rpc__invalid(code, err, "\"params\" must be an object or an array");
    if (id && id->type == JSON_NULL)
      return rpc__invalid(code, err, "\"id\" must not be null (omit it for a notification)");
    msg->kind = id ? RPC_REQUEST : RPC_NOTIFICATION;
    msg->method = method->str;
    msg->params = params;
    if (!id) msg->id = NULL;
    return true;
  }

  const Json *result = json_get(root, "result"), *error = json_get(root, "error");
  if (result || error) {
    if (result && error) return rpc__invalid(code, err, "a response has both \"result\" and \"error\"");
    if (!id) return rpc__invalid(code, err, "a response needs an \"id\"");
    if (error && error->type != JSON_OBJECT) return rpc__invalid(code, err, "\"error\" must be an object");
    msg->kind = RPC_RESPONSE;
    msg->result = result;
    msg->error = error;
    return true;
  }
  return rpc__invalid(code, err, "missing \"method\"");
}

void rpc_write_result(Buf *out, const char *id, const char *result_json, size_t n) {
  buf_puts(out, "{\"jsonrpc\":\"2.0\",\"id\":");
  buf_puts(out, id ? id : "null");
  buf_puts(out, ",\"result\":");
  if (result_json && n)
    buf_append(out, result_json, n);
  else
    buf_puts(out, "null");
  buf_putc(out, '}');
}

void rpc_write_error(Buf *out, const char *id, int code, const char *message, const char *data_json) {
  buf_puts(out, "{\"jsonrpc\":\"2.0\",\"id\":");
  buf_puts(out, id ? id : "null");
  buf_printf(out, ",\"error\":{\"code\":%d,\"message\":", code);
  json_escape(out, message, strlen(message));
  if (data_json) {
    buf_puts(out, ",\"data\":");
    buf_puts(out, data_json);
  }
  buf_puts(out, "}}");
}

void rpc_write_notification(Buf *out, const char *method, const char *params_json) {
  buf_puts(out, "{\"jsonrpc\":\"2.0\",\"method\":");
  json_escape(out, method, strlen(method));
  if (params_json) {
    buf_puts(out, ",\"params\":");
    buf_puts(out, params_json);
  }
  buf_putc(out, '}');
}

struct RpcPeer {
  int fd;
  FramingMode mode;
  pthread_mutex_t lock;
  bool broken; // a write failed: the client is gone, later sends fail at once
  int in_fd;
  bool (*cancelled)(void *ctx, const char *id);
  void *in_ctx;
};

RpcPeer *rpc_peer_new(int fd, FramingMode mode) {
  RpcPeer *p = xcalloc(1, sizeof *p);
  p->fd = fd;
  p->mode = mode == FRAMING_LSP ? FRAMING_LSP : FRAMING_NDJSON;
  pthread_mutex_init(&p->lock, NULL);
  p->in_fd = -1;
  return p;
}

void rpc_peer_set_input(RpcPeer *p, int fd, bool (*cancelled)(void *ctx, const char *id), void *ctx) {
  p->in_fd = fd;
  p->cancelled = cancelled;
  p->in_ctx = ctx;
}

int rpc_peer_input_fd(const RpcPeer *p) { return p && p->cancelled ? p->in_fd : -1; }

bool rpc_peer_cancelled(RpcPeer *p, const char *id) {
  return p && p->cancelled && id && p->cancelled(p->in_ctx, id);
}

void rpc_peer_delete(RpcPeer *p) {
  if (!p) return;
  pthread_mutex_destroy(&p->lock);
  free(p);
}

bool rpc_peer_send(RpcPeer *p, const char *json, size_t n, RtError *err) {
  pthread_mutex_lock(&p->lock);
  bool ok = !p->broken;
  if (!ok)
    error_set(err, ERR_IO, "the client has gone away (an earlier write failed)");
  else {
    // A raw newline can only be insignificant whitespace in valid JSON, but in NDJSON
    // it would split the frame: send such text with blanks in its place.
    char *flat = NULL;
    if (p->mode == FRAMING_NDJSON && (memchr(json, '\n', n) || memchr(json, '\r', n))) {
      flat = xmalloc(n ? n : 1);
      for (size_t i = 0; i < n; i++) flat[i] = json[i] == '\n' || json[i] == '\r' ? ' ' : json[i];
    }
    if (!frame_write(p->fd, p->mode, flat ? flat : json, n, err)) ok = false, p->broken = true;
    free(flat);
  }
  pthread_mutex_unlock(&p->lock);
  return ok;
}

bool rpc_peer_notify(RpcPeer *p, const char *method, const char *params_json, RtError *err) {
  Buf b = BUF_INIT;
  rpc_write_notification(&b, method, params_json);
  bool ok = rpc_peer_send(p, b.data, b.len, err);
  buf_free(&b);
  return ok;
}

int rpc_code_for_error(ErrKind kind) {
  switch (kind) {
  case ERR_PARAMS:
  case ERR_NOT_FOUND:
  case ERR_TARGET: return RPC_INVALID_PARAMS;
  default: return RPC_INTERNAL_ERROR;
  }
}

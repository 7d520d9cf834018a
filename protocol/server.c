/* server.c - one connection's loop: frame → JSON → JSON-RPC → MCP/LSP session → reply.
 * Every failure short of a dead pipe is answered and the loop goes on. */
#include "protocol/server.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "server/base/mem.h"

// Buffers that grew past this for one big reply are given back afterwards.
static const size_t SERVE_KEEP_BUF = 1 << 20;

typedef struct Serve {
  const ServeOptions *opt;
  RpcPeer *peer;
  McpSession *mcp;
  LspSession *lsp;
  RpcHandlerFn handle;
  void *session;
  FrameReader *reader;
  int in_fd;
  Buf out, result, data;
} Serve;

/* Look-ahead kept while a request runs: enough for many messages, bounded. */
static const size_t SERVE_LOOKAHEAD = 1 << 20;

typedef struct CancelScan {
  const char *id;
  const ServeOptions *opt;
} CancelScan;

/* Whether one input line is notifications/cancelled for request cs->id. */
static bool serve__is_cancel(void *ctx, const char *line, size_t len) {
  const CancelScan *cs = ctx;
  if (!strstr(line, "notifications/cancelled")) return false;
  Arena *a = arena_new();
  RtError err = {0};
  bool hit = false;
  Json *root = json_parse(a, line, len, &cs->opt->limits, &err, NULL);
  RpcMessage msg;
  int code = 0;
  if (root && rpc_message_decode(a, root, &msg, &code, &err) && msg.kind == RPC_NOTIFICATION &&
      strcmp(msg.method, "notifications/cancelled") == 0) {
    const Json *rid = json_get(msg.params, "requestId");
    Buf b = BUF_INIT;
    if (rid && rid->type == JSON_STRING) json_escape(&b, rid->str, rid->len);
    else if (rid && rid->type == JSON_NUMBER) buf_append(&b, rid->str, rid->len);
    hit = b.len && strcmp(b.data, cs->id) == 0;
    buf_free(&b);
  }
  arena_delete(a);
  return hit;
}

/* The peer's cancellation probe: reads what has arrived and looks for a cancel of `id`. */
static bool serve__cancelled(void *ctx, const char *id) {
  Serve *sv = ctx;
  frame_reader_lookahead(sv->reader, SERVE_LOOKAHEAD);
  CancelScan cs = {id, sv->opt};
  return frame_reader_scan_lines(sv->reader, serve__is_cancel, &cs);
}

static void serve__log(const Serve *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void serve__log(const Serve *sv, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", sv->opt->log_name ? sv->opt->log_name : "retort");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* Creates the peer and the session once the framing is known. */
static void serve__start(Serve *sv, FramingMode mode, int out_fd) {
  static const McpServerInfo no_tools = {.name = "retort", .version = "0"};
  if (sv->peer) return;
  sv->peer = rpc_peer_new(out_fd, mode);
  if (mode == FRAMING_LSP) {
    sv->lsp = lsp_session_new(sv->opt->lsp);
    sv->handle = lsp_handle;
    sv->session = sv->lsp;
  } else {
    sv->mcp = mcp_session_new(sv->opt->mcp ? sv->opt->mcp : &no_tools);
    rpc_peer_set_input(sv->peer, sv->in_fd, serve__cancelled, sv);
    sv->handle = mcp_handle;
    sv->session = sv->mcp;
  }
}

static bool serve__send(Serve *sv) {
  RtError err = {0};
  if (rpc_peer_send(sv->peer, sv->out.data, sv->out.len, &err)) return true;
  serve__log(sv, "%s", err.msg);
  return false;
}

static bool serve__error(Serve *sv, const char *id, int code, const char *message, const char *data) {
  buf_reset(&sv->out);
  rpc_write_error(&sv->out, id, code, message, data);
  return serve__send(sv);
}

/* Handles one decoded-or-not message and appends its reply, if any, to sv->out.
 * Returns true when a reply was appended. */
static bool serve__message(Serve *sv, Arena *arena, const Json *root) {
  RtError err = {0};
  RpcMessage msg;
  int code = 0;
  if (!rpc_message_decode(arena, root, &msg, &code, &err)) {
    rpc_write_error(&sv->out, msg.id, code, err.msg, NULL);
    return true;
  }
  if (msg.kind == RPC_RESPONSE) return false; // we send no requests yet: nothing waits for it

  buf_reset(&sv->result);
  buf_reset(&sv->data);
  RpcCall call = {&msg, arena, &sv->result, sv->peer, &sv->data, false};
  code = sv->handle(sv->session, &call, &err);
  if (call.no_reply) return false;
  if (msg.kind == RPC_NOTIFICATION) {
    if (code) serve__log(sv, "notification %s failed: %s", msg.method, err.msg);
    return false;
  }
  if (code == 0) {
    rpc_write_result(&sv->out, msg.id, sv->result.data, sv->result.len);
  } else {
    const char *text = err.msg[0] ? err.msg : "Internal error";
    rpc_write_error(&sv->out, msg.id, code, text, sv->data.len ? sv->data.data : NULL);
  }
  return true;
}

/* Handles one frame. Returns false when the reply could not be written. */
static bool serve__frame(Serve *sv, Arena *arena, const char *frame, size_t len) {
  RtError err = {0};
  bool too_big = false;
  Json *root = json_parse(arena, frame, len, &sv->opt->limits, &err, &too_big);
  if (!root) {
    char *msg = arena_printf(arena, "Parse error: %s", err.msg);
    return serve__error(sv, NULL, RPC_PARSE_ERROR, msg, NULL);
  }
  buf_reset(&sv->out);
  if (root->type == JSON_ARRAY && root->n > 0 && sv->mcp && mcp_session_batches(sv->mcp)) {
    // MCP 2025-03-26 servers MUST accept batches: one array of replies, or nothing
    // when the batch held only notifications and responses (JSON-RPC 2.0, section 6).
    size_t replies = 0;
    buf_putc(&sv->out, '[');
    for (size_t i = 0; i < root->n; i++) {
      size_t mark = sv->out.len;
      if (replies) buf_putc(&sv->out, ',');
      if (serve__message(sv, arena, root->items[i]))
        replies++;
      else
        sv->out.len = mark, sv->out.data[mark] = '\0';
    }
    buf_putc(&sv->out, ']');
    return replies ? serve__send(sv) : true;
  }
  if (!serve__message(sv, arena, root)) return true;
  return serve__send(sv);
}

static void serve__trim(Buf *b) {
  if (b->cap > SERVE_KEEP_BUF) buf_free(b);
  else buf_reset(b);
}

int rpc_serve(int in_fd, int out_fd, const ServeOptions *opt) {
  // A client that goes away must end this loop, not the process.
  struct sigaction old;
  if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);

  FrameReader *r = frame_reader_new(in_fd, opt->mode, opt->max_frame);
  Serve sv = {.opt = opt, .reader = r, .in_fd = in_fd, .out = BUF_INIT, .result = BUF_INIT, .data = BUF_INIT};
  Arena *arena = arena_new();
  int exit_code = 0;
  for (;;) {
    const char *frame = NULL;
    size_t len = 0;
    RtError err = {0};
    FrameStatus st = frame_reader_next(r, &frame, &len, &err);
    if (st == FRAME_EOF) break;
    if (st == FRAME_IO_ERROR) {
      serve__log(&sv, "%s", err.msg);
      exit_code = 1;
      break;
    }
    serve__start(&sv, frame_reader_mode(r), out_fd);
    bool ok = true;
    if (st == FRAME_TOO_BIG) {
      serve__log(&sv, "%s", err.msg);
      ok = serve__error(&sv, NULL, RPC_INVALID_REQUEST, arena_printf(arena, "Invalid request: %s", err.msg), NULL);
    } else if (st == FRAME_BAD_HEADER) {
      serve__log(&sv, "%s", err.msg);
      ok = serve__error(&sv, NULL, RPC_PARSE_ERROR, arena_printf(arena, "Parse error: %s", err.msg), NULL);
    } else {
      ok = serve__frame(&sv, arena, frame, len);
    }
    arena_reset(arena);
    serve__trim(&sv.out);
    serve__trim(&sv.result);
    serve__trim(&sv.data);
    if (!ok) {
      exit_code = 1;
      break;
    }
    int lsp_code = 0;
    if (sv.lsp && lsp_session_exited(sv.lsp, &lsp_code)) {
      exit_code = lsp_code;
      break;
    }
  }
  buf_free(&sv.out);
  buf_free(&sv.result);
  buf_free(&sv.data);
  arena_delete(arena);
  frame_reader_delete(r);
  mcp_session_delete(sv.mcp);
  lsp_session_delete(sv.lsp);
  rpc_peer_delete(sv.peer);
  return exit_code;
}

/* test_jsonrpc.c - JSON-RPC message classification and replies, and the LSP lifecycle
 * served end to end through rpc_serve with Content-Length framing. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/jsonrpc.h"
#include "protocol/lsp.h"
#include "protocol/server.h"
#include "server/base/buf.h"
#include "server/base/mem.h"
#include "serve_harness.h"

static Arena *arena;
static void setup(void) { arena = arena_new(); }
static void teardown(void) { arena_delete(arena); }
TestSuite(jsonrpc, .init = setup, .fini = teardown);

static bool decode(const char *text, RpcMessage *msg, int *code, RtError *err) {
  RtError perr = {0};
  Json *root = json_parse(arena, text, strlen(text), NULL, &perr, NULL);
  cr_assert(root, "test input must be valid JSON: %s (%s)", text, perr.msg);
  memset(err, 0, sizeof *err);
  return rpc_message_decode(arena, root, msg, code, err);
}

static void invalid(const char *text, const char *want_id, const char *why) {
  RpcMessage msg;
  int code = 0;
  RtError err;
  cr_assert_not(decode(text, &msg, &code, &err), "accepted: %s", text);
  cr_assert_eq(code, RPC_INVALID_REQUEST);
  cr_assert_str_eq(msg.id, want_id);
  cr_assert(strstr(err.msg, why), "'%s' not in '%s'", why, err.msg);
}

Test(jsonrpc, classify) {
  RpcMessage m;
  int code;
  RtError err;
  cr_assert(decode("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"a/b\",\"params\":{\"x\":1}}", &m, &code, &err), "%s", err.msg);
  cr_assert_eq(m.kind, RPC_REQUEST);
  cr_assert_str_eq(m.method, "a/b");
  cr_assert_str_eq(m.id, "7");
  cr_assert_eq(m.params->type, JSON_OBJECT);

  cr_assert(decode("{\"jsonrpc\":\"2.0\",\"method\":\"n\",\"params\":[1]}", &m, &code, &err));
  cr_assert_eq(m.kind, RPC_NOTIFICATION);
  cr_assert_null(m.id);
  cr_assert_eq(m.params->type, JSON_ARRAY);

  cr_assert(decode("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":null}", &m, &code, &err));
  cr_assert_eq(m.kind, RPC_RESPONSE);
  cr_assert_str_eq(m.id, "\"x\"");
  cr_assert(decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,\"message\":\"m\"}}", &m, &code, &err));
  cr_assert_eq(m.kind, RPC_RESPONSE);
  cr_assert_not_null(m.error);
}

Test(jsonrpc, ids_are_echoed_exactly) {
  RpcMessage m;
  int code;
  RtError err;
  const char *cases[][2] = {
      {"0", "0"},
      {"-5", "-5"},
      {"12345678901234567890", "12345678901234567890"},
      {"\"abc\"", "\"abc\""},
      {"\"\"", "\"\""},
      {"\"q\\\"\\u00e9\\n\"", "\"q\\\"\xC3\xA9\\n\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[256];
    snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"m\"}", cases[i][0]);
    cr_assert(decode(text, &m, &code, &err), "%s: %s", text, err.msg);
    cr_assert_str_eq(m.id, cases[i][1]);
  }
}

Test(jsonrpc, invalid_requests) {
  invalid("{\"id\":1,\"method\":\"m\"}", "1", "missing \"jsonrpc\"");
  invalid("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"m\"}", "1", "must be exactly \"2.0\"");
  invalid("{\"jsonrpc\":2.0,\"id\":\"a\",\"method\":\"m\"}", "\"a\"", "must be exactly \"2.0\"");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", "1", "\"method\" must be a string");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":null}", "1", "\"method\" must be a string");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":1}", "1", "missing \"method\"");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":3}", "1", "\"params\" must be an object or an array");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":\"s\"}", "1", "\"params\"");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"m\"}", "null", "fractional");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":1.0,\"method\":\"m\"}", "null", "fractional");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":1e3,\"method\":\"m\"}", "null", "\"id\" must be a string or an integer");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"m\"}", "null", "\"id\" must be a string or an integer");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"m\"}", "null", "\"id\" must be a string or an integer");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"m\"}", "null", "\"id\" must be a string or an integer");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"m\"}", "null", "must not be null");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901,\"method\":\"m\"}", "null", "out-of-range");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\\u0000b\"}", "1", "NUL");
  invalid("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}]", "null", "batch");
  invalid("[]", "null", "empty batch");
  invalid("\"m\"", "null", "must be a JSON object");
  invalid("null", "null", "must be a JSON object");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{}}", "1", "both");
  invalid("{\"jsonrpc\":\"2.0\",\"result\":1}", "null", "needs an \"id\"");
  invalid("{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":\"bad\"}", "2", "\"error\" must be an object");
}

Test(jsonrpc, method_length_cap) {
  char m100[101], m101[102], text[300];
  memset(m100, 'm', 100);
  m100[100] = 0;
  memset(m101, 'm', 101);
  m101[101] = 0;
  RpcMessage msg;
  int code;
  RtError err;
  snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"}", m100);
  cr_assert(decode(text, &msg, &code, &err), "%s", err.msg);
  snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"}", m101);
  invalid(text, "1", "longer than 100 bytes");
}

Test(jsonrpc, writers) {
  Buf b = BUF_INIT;
  rpc_write_result(&b, "\"a\"", "{\"x\":1}", 7);
  cr_assert_str_eq(buf_cstr(&b), "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":{\"x\":1}}");
  buf_reset(&b);
  rpc_write_result(&b, "3", NULL, 0);
  cr_assert_str_eq(buf_cstr(&b), "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":null}");
  buf_reset(&b);
  rpc_write_error(&b, NULL, RPC_PARSE_ERROR, "bad \"x\"\n", NULL);
  cr_assert_str_eq(buf_cstr(&b), "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"bad \\\"x\\\"\\n\"}}");
  buf_reset(&b);
  rpc_write_error(&b, "9", RPC_INVALID_PARAMS, "m", "{\"k\":[]}");
  cr_assert_str_eq(buf_cstr(&b), "{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32602,\"message\":\"m\",\"data\":{\"k\":[]}}}");
  buf_reset(&b);
  rpc_write_notification(&b, "$/progress", "{}");
  cr_assert_str_eq(buf_cstr(&b), "{\"jsonrpc\":\"2.0\",\"method\":\"$/progress\",\"params\":{}}");
  buf_free(&b);
  cr_assert_eq(rpc_code_for_error(ERR_PARAMS), RPC_INVALID_PARAMS);
  cr_assert_eq(rpc_code_for_error(ERR_IO), RPC_INTERNAL_ERROR);
}

/* ---- the LSP lifecycle through rpc_serve ---- */

static int hover_calls;
static int feature_hover(void *ctx, LspSession *s, RpcCall *call, RtError *err) {
  hover_calls++;
  buf_printf(call->result, "{\"contents\":\"%s\"}", lsp_session_encoding(s) == LSP_ENCODING_UTF8 ? "utf-8" : "utf-16");
  return 0;
}
static int feature_did_open(void *ctx, LspSession *s, RpcCall *call, RtError *err) {
  RtError e;
  rpc_peer_notify(call->peer, "textDocument/publishDiagnostics", "{\"uri\":\"file:///x\",\"diagnostics\":[]}", &e);
  return 0;
}
static const LspMethod features[] = {{"textDocument/hover", feature_hover}, {"textDocument/didOpen", feature_did_open}};
static const LspServerInfo lsp_info = {"retort-lsp", "1.2", features, 2, "\"hoverProvider\":true", NULL, false};

static char *serve(const char *input, size_t len, FramingMode mode, int *exit_code) {
  ServeOptions opt = {.mode = mode, .lsp = &lsp_info};
  return harness_serve(&opt, input, len, exit_code);
}

/* Appends one Content-Length frame holding `body`. */
static void frame(Buf *b, const char *body) { buf_printf(b, "Content-Length: %zu\r\n\r\n%s", strlen(body), body); }

static void lsp_expect(const char *const *in, size_t nin, const char *const *out, size_t nout, int want_code) {
  Buf input = BUF_INIT, want = BUF_INIT;
  for (size_t i = 0; i < nin; i++) frame(&input, in[i]);
  for (size_t i = 0; i < nout; i++) frame(&want, out[i]);
  int code = -1;
  char *got = serve(input.data, input.len, FRAMING_LSP, &code);
  cr_assert_str_eq(got, buf_cstr(&want));
  cr_assert_eq(code, want_code);
  free(got);
  buf_free(&input);
  buf_free(&want);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define LSP_INIT(id, caps) "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"method\":\"initialize\",\"params\":{\"processId\":null,\"rootUri\":null,\"capabilities\":" caps "}}"
#define LSP_INIT_REPLY(id, enc) "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"result\":{\"capabilities\":{\"positionEncoding\":\"" enc "\",\"textDocumentSync\":{\"openClose\":true,\"change\":1,\"save\":{\"includeText\":false}},\"hoverProvider\":true},\"serverInfo\":{\"name\":\"retort-lsp\",\"version\":\"1.2\"}}}"

Test(lsp, full_lifecycle_exit_0) {
  const char *in[] = {
      LSP_INIT(1, "{\"general\":{\"positionEncodings\":[\"utf-32\",\"utf-8\",\"utf-16\"]}}"),
      "{\"jsonrpc\":\"2.0\",\"method\":\"initialized\",\"params\":{}}",
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"textDocument/hover\",\"params\":{}}",
      "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{}}",
      "{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":2}}",
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"textDocument/definition\",\"params\":{}}",
      "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"shutdown\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"textDocument/hover\",\"params\":{}}",
      "{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"never/read\"}",
  };
  const char *out[] = {
      LSP_INIT_REPLY(1, "utf-8"),
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"contents\":\"utf-8\"}}",
      "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\",\"params\":{\"uri\":\"file:///x\",\"diagnostics\":[]}}",
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32601,\"message\":\"Method not found: textDocument/definition\"}}",
      "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":null}",
      "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-32600,\"message\":\"the server is shut down: only exit is accepted (got textDocument/hover)\"}}",
  };
  hover_calls = 0;
  lsp_expect(in, N(in), out, N(out), 0);
  cr_assert_eq(hover_calls, 1);
}

Test(lsp, utf16_default_and_exit_without_shutdown) {
  const char *in[] = {
      LSP_INIT(1, "{}"),
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"textDocument/hover\",\"params\":{}}",
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{\"capabilities\":{}}}",
      "{\"jsonrpc\":\"2.0\",\"method\":\"exit\"}",
  };
  const char *out[] = {
      LSP_INIT_REPLY(1, "utf-16"),
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"contents\":\"utf-16\"}}",
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32600,\"message\":\"initialize was already received\"}}",
  };
  lsp_expect(in, N(in), out, N(out), 1);
}

Test(lsp, before_initialize) {
  const char *in[] = {
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"textDocument/hover\",\"params\":{}}",
      "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{}}",
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"shutdown\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\"}",
  };
  const char *out[] = {
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32002,\"message\":\"Server not initialized: send initialize first (got textDocument/hover)\"}}",
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32002,\"message\":\"Server not initialized: send initialize first (got shutdown)\"}}",
      "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32602,\"message\":\"initialize needs InitializeParams (an object)\"}}",
  };
  hover_calls = 0;
  lsp_expect(in, N(in), out, N(out), 0); // EOF without exit: 0
  cr_assert_eq(hover_calls, 0);
}

Test(lsp, bad_frames_are_answered) {
  Buf input = BUF_INIT;
  buf_puts(&input, "Content-Length: 5\r\n\r\n{\"a\":1}xy"); // lies: too short
  frame(&input, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}");
  buf_puts(&input, "Content-Length: -1\r\n\r\n");
  frame(&input, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"shutdown\"}");
  buf_puts(&input, "Content-Length: 40\r\n\r\n{}"); // lies: too long, then EOF
  int code = -1;
  char *got = serve(input.data, input.len, FRAMING_AUTO, &code);
  Buf want = BUF_INIT;
  frame(&want, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error: invalid JSON at byte 5: unexpected end of input (truncated JSON)\"}}");
  frame(&want, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error: out of step with the LSP framing (skipped to the next Content-Length): malformed LSP header line: 1}xyContent-Length: 58\"}}");
  frame(&want, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"capabilities\":{\"positionEncoding\":\"utf-16\",\"textDocumentSync\":{\"openClose\":true,\"change\":1,\"save\":{\"includeText\":false}},\"hoverProvider\":true},\"serverInfo\":{\"name\":\"retort-lsp\",\"version\":\"1.2\"}}}");
  frame(&want, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error: invalid Content-Length: -1 (expected a non-negative integer)\"}}");
  frame(&want, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":null}");
  frame(&want, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error: input ended inside a message (Content-Length 40, 2 bytes received)\"}}");
  cr_assert_str_eq(got, buf_cstr(&want));
  cr_assert_eq(code, 0);
  free(got);
  buf_free(&input);
  buf_free(&want);
}

/* The NDJSON peer never lets a raw newline (insignificant JSON whitespace) split a frame. */
Test(jsonrpc, peer_keeps_ndjson_frames_whole) {
  int p[2];
  cr_assert_eq(pipe(p), 0);
  RpcPeer *nd = rpc_peer_new(p[1], FRAMING_NDJSON), *lsp = rpc_peer_new(p[1], FRAMING_LSP);
  RtError err;
  const char *pretty = "{\n  \"a\": [1,\r\n 2]\n}";
  cr_assert(rpc_peer_send(nd, pretty, strlen(pretty), &err));
  cr_assert(rpc_peer_send(lsp, pretty, strlen(pretty), &err));
  cr_assert(rpc_peer_notify(nd, "n", "{}", &err));
  rpc_peer_delete(nd);
  rpc_peer_delete(lsp);
  rpc_peer_delete(NULL);
  close(p[1]);
  char got[512] = {0};
  size_t n = 0;
  for (ssize_t r; (r = read(p[0], got + n, sizeof got - 1 - n)) > 0;) n += (size_t)r;
  close(p[0]);
  cr_assert_str_eq(got, "{   \"a\": [1,   2] }\n"
                        "Content-Length: 19\r\n\r\n{\n  \"a\": [1,\r\n 2]\n}"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"n\",\"params\":{}}\n");
}

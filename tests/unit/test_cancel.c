/* test_cancel.c - notifications/cancelled reaching a running tools/call: the tool sees
 * it (mcp_call_cancelled), no response is sent for the cancelled request, and every
 * message that arrived meanwhile is still handled afterwards, in order. */
#include <criterion/criterion.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "protocol/framing.h"
#include "protocol/mcp.h"
#include "protocol/server.h"
#include "server/base/buf.h"
#include "server/base/mem.h"
#include "serve_harness.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Waits, as a database wait loop does, on the input fd for a cancellation; gives up
 * after arguments.ms milliseconds and then says it was not cancelled. */
static bool tool_wait(void *ctx, const McpToolCall *call, McpToolResult *res, RtError *err) {
  (void)ctx;
  (void)err;
  int64_t ms = 3000;
  json_is_integer(json_get(call->arguments, "ms"), &ms);
  double limit = (double)ms;
  double start = now_ms();
  int fd = mcp_call_cancel_fd(call);
  while (now_ms() - start < limit) {
    if (mcp_call_cancelled(call)) {
      buf_puts(&res->text, "stopped");
      return true;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    (void)poll(&p, fd >= 0 ? 1 : 0, 20);
  }
  buf_puts(&res->text, "not cancelled");
  return true;
}

static const McpTool tools[] = {
    {"wait", "{\"name\":\"wait\",\"inputSchema\":{\"type\":\"object\"}}", tool_wait},
};
static const McpServerInfo info = {.name = "t", .version = "1", .tools = tools, .ntools = 1};

static char *serve_pieces(const char *const *pieces, int pause_ms) {
  ServeOptions opt = {.mode = FRAMING_NDJSON, .mcp = &info};
  int code = -1;
  char *got = harness_serve_pieces(&opt, pieces, NULL, pause_ms, &code);
  cr_assert_eq(code, 0);
  return got;
}

#define INIT "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}\n"
#define CALL(id, ms) "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"tools/call\",\"params\":{\"name\":\"wait\",\"arguments\":{\"ms\":" ms "}}}\n"
#define CANCEL(id) "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":" id ",\"reason\":\"user\"}}\n"
#define PING(id) "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"ping\"}\n"

static const char *skip_init(const char *got) {
  const char *nl = strchr(got, '\n');
  cr_assert(nl && strstr(got, "\"id\":0"), "no initialize reply: %s", got);
  return nl + 1;
}

/* The cancellation is already buffered when the call starts. */
Test(cancel, buffered_cancel_stops_the_call_and_suppresses_its_reply) {
  const char *pieces[] = {INIT CALL("5", "5000") CANCEL("5") PING("6"), NULL};
  double t0 = now_ms();
  char *got = serve_pieces(pieces, 0);
  cr_assert_lt(now_ms() - t0, 4000, "the call ran to its limit: the cancel was not seen");
  cr_assert_str_eq(skip_init(got), "{\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{}}\n");
  free(got);
}

/* The cancellation arrives while the call runs: read ahead from the pipe. The ping
 * sent after it is answered afterwards. A string id is matched as a string. */
Test(cancel, late_cancel_is_read_ahead) {
  const char *pieces[] = {INIT CALL("\"a\"", "5000"), CANCEL("\"a\"") PING("7"), NULL};
  double t0 = now_ms();
  char *got = serve_pieces(pieces, 300);
  cr_assert_lt(now_ms() - t0, 4000);
  cr_assert_str_eq(skip_init(got), "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}\n");
  free(got);
}

/* A cancellation of another request (or of "5" when the call is "\"5\"") does not stop
 * this one; the call runs to its end and is answered, then the ping. */
Test(cancel, other_ids_do_not_cancel) {
  const char *pieces[] = {INIT CALL("\"5\"", "400"), CANCEL("5") CANCEL("9") PING("8"), NULL};
  char *got = serve_pieces(pieces, 50);
  const char *rest = skip_init(got);
  cr_assert(strstr(rest, "{\"jsonrpc\":\"2.0\",\"id\":\"5\",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"not cancelled\"}]}}\n") == rest,
            "got: %s", rest);
  cr_assert(strstr(rest, "{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{}}\n"), "got: %s", rest);
  free(got);
}

/* Many messages arriving during a call are all handled, in order, after it. */
Test(cancel, messages_read_ahead_are_all_handled_in_order) {
  Buf later = BUF_INIT;
  for (int i = 100; i < 400; i++) buf_printf(&later, PING("%d"), i);
  const char *pieces[] = {INIT CALL("1", "300"), later.data, NULL};
  char *got = serve_pieces(pieces, 50);
  const char *rest = skip_init(got);
  cr_assert(strstr(rest, "\"id\":1,") != NULL, "the call was not answered: %.200s", rest);
  const char *at = strchr(rest, '\n') + 1;
  for (int i = 100; i < 400; i++) {
    char want[64];
    snprintf(want, sizeof want, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{}}\n", i);
    cr_assert(strncmp(at, want, strlen(want)) == 0, "reply %d out of order: %.80s", i, at);
    at += strlen(want);
  }
  cr_assert_str_eq(at, "");
  free(got);
  buf_free(&later);
}

/* frame_reader_lookahead keeps frames already returned valid and hands the bytes back
 * in order; EOF seen during look-ahead comes after them. */
Test(cancel, lookahead_then_next) {
  int p[2];
  cr_assert_eq(pipe(p), 0);
  const char *first = "{\"a\":1}\n";
  cr_assert_eq(write(p[1], first, strlen(first)), (ssize_t)strlen(first));
  FrameReader *r = frame_reader_new(p[0], FRAMING_NDJSON, 0);
  const char *d;
  size_t n;
  RtError err = {0};
  cr_assert_eq(frame_reader_next(r, &d, &n, &err), FRAME_OK);
  cr_assert_str_eq(d, "{\"a\":1}");
  const char *more = "{\"b\":2}\n{\"c\":";
  cr_assert_eq(write(p[1], more, strlen(more)), (ssize_t)strlen(more));
  close(p[1]);
  cr_assert(frame_reader_lookahead(r, 1 << 20));
  cr_assert_str_eq(d, "{\"a\":1}", "the returned frame moved");
  cr_assert_eq(frame_reader_next(r, &d, &n, &err), FRAME_OK);
  cr_assert_str_eq(d, "{\"b\":2}");
  cr_assert_eq(frame_reader_next(r, &d, &n, &err), FRAME_OK); // the final line without '\n'
  cr_assert_str_eq(d, "{\"c\":");
  cr_assert_eq(frame_reader_next(r, &d, &n, &err), FRAME_EOF);
  frame_reader_delete(r);
  close(p[0]);
}

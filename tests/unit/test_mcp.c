/* test_mcp.c - the MCP server end to end in-process: rpc_serve over a pipe pair with a
 * small tool registry and prompt table, checking the exact reply lines. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/mcp.h"
#include "protocol/server.h"
#include "server/base/buf.h"
#include "server/base/mem.h"
#include "serve_harness.h"

/* ---- tools used by the tests ---- */

static bool tool_echo(void *ctx, const McpToolCall *call, McpToolResult *res, RtError *err) {
  const char *word = json_get_string(call->arguments, "word");
  if (!word) return error_set(err, ERR_PARAMS, "echo: \"word\" (a string) is required");
  buf_printf(&res->text, "you said %s", word);
  JsonWriter w;
  jw_init(&w, &res->structured);
  jw_object_begin(&w);
  jw_kv_string(&w, "word", word);
  jw_kv_int(&w, "calls", ++*(int *)ctx);
  jw_object_end(&w);
  return true;
}

static bool tool_structured_only(void *ctx, const McpToolCall *call, McpToolResult *res, RtError *err) {
  buf_puts(&res->structured, "{\"n\":1}");
  return true;
}

static bool tool_soft_error(void *ctx, const McpToolCall *call, McpToolResult *res, RtError *err) {
  buf_puts(&res->text, "nothing to do");
  res->is_error = true;
  return true;
}

static bool tool_progress(void *ctx, const McpToolCall *call, McpToolResult *res, RtError *err) {
  mcp_tool_progress(call, 1, 2, "half way");
  mcp_tool_progress(call, 2, -1, NULL);
  buf_puts(&res->text, "done");
  return true;
}

static int echo_calls;
static const McpTool tools[] = {
    {"echo", "{\"name\":\"echo\",\"inputSchema\":{\"type\":\"object\"}}", tool_echo},
    {"structured", "{\"name\":\"structured\",\"inputSchema\":{\"type\":\"object\"}}", tool_structured_only},
    {"soft", "{\"name\":\"soft\",\"inputSchema\":{\"type\":\"object\"}}", tool_soft_error},
    {"slow", "{\"name\":\"slow\",\"inputSchema\":{\"type\":\"object\"}}", tool_progress},
};
static const McpServerInfo info = {"retort-test", "9.9", "Use the tools.", tools, 4, &echo_calls, NULL, 0};

/* ---- running the server over pipes ---- */

/* Serves `input` and returns everything written to the output (caller frees). */
static char *serve_with(const McpServerInfo *with, const char *input, FramingMode mode, int *exit_code) {
  ServeOptions opt = {.mode = mode, .mcp = with};
  return harness_serve(&opt, input, strlen(input), exit_code);
}

static char *serve(const char *input, FramingMode mode, int *exit_code) {
  return serve_with(&info, input, mode, exit_code);
}

#define INIT "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}\n" \
             "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
#define INIT_REPLY "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"tools\":{\"listChanged\":false}},\"serverInfo\":{\"name\":\"retort-test\",\"version\":\"9.9\"},\"instructions\":\"Use the tools.\"}}\n"

static void expect(const char *input, const char *want) {
  int code = -1;
  char *got = serve(input, FRAMING_NDJSON, &code);
  cr_assert_str_eq(got, want);
  cr_assert_eq(code, 0);
  free(got);
}

Test(mcp, initialize_negotiates_versions) {
  expect(INIT, INIT_REPLY);
  const char *versions[][2] = {{"2024-11-05", "2024-11-05"}, {"2025-03-26", "2025-03-26"},
                               {"2025-11-25", "2025-11-25"}, {"1999-01-01", "2025-11-25"},
                               {"2026-07-28", "2025-11-25"}};
  for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
    char in[256], want[512];
    snprintf(in, sizeof in, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"%s\",\"capabilities\":{}}}\n",
             versions[i][0]);
    snprintf(want, sizeof want,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"%s\",\"capabilities\":{\"tools\":{\"listChanged\":false}},\"serverInfo\":{\"name\":\"retort-test\",\"version\":\"9.9\"},\"instructions\":\"Use the tools.\"}}\n",
             versions[i][1]);
    expect(in, want);
  }
}

Test(mcp, initialize_bad_params) {
  expect("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}\n",
         "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":\"initialize needs params with protocolVersion, capabilities, clientInfo\"}}\n");
  expect("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":20250618}}\n",
         "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":\"initialize: params.protocolVersion must be a string\"}}\n");
}

Test(mcp, ping_and_requests_before_initialize) {
  expect("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"word\":\"x\"}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/list\"}\n",
         "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"result\":{}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32002,\"message\":\"Server not initialized: send initialize first (or, from protocol 2026-07-28 on, put the version in params._meta[\\\"io.modelcontextprotocol/protocolVersion\\\"])\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32002,\"message\":\"Server not initialized: send initialize first (or, from protocol 2026-07-28 on, put the version in params._meta[\\\"io.modelcontextprotocol/protocolVersion\\\"])\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32601,\"message\":\"Method not found: resources/list\"}}\n");
  cr_assert_eq(echo_calls, 0, "a tool ran before initialize");
}

Test(mcp, tools_list) {
  expect(INIT "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\",\"params\":{\"cursor\":\"ignored\"}}\n",
         INIT_REPLY
         "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"tools\":[{\"name\":\"echo\",\"inputSchema\":{\"type\":\"object\"}},{\"name\":\"structured\",\"inputSchema\":{\"type\":\"object\"}},{\"name\":\"soft\",\"inputSchema\":{\"type\":\"object\"}},{\"name\":\"slow\",\"inputSchema\":{\"type\":\"object\"}}]}}\n");
}

Test(mcp, tools_call) {
  expect(INIT
         "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"word\":\"h\\u00e9\\\"\"}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\",\"arguments\":{}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":[1]}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{\"arguments\":{}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"tools/call\"}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"tools/call\",\"params\":{\"name\":\"structured\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"tools/call\",\"params\":{\"name\":\"soft\",\"arguments\":null}}\n",
         INIT_REPLY
         "{\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"you said h\xC3\xA9\\\"\"}],\"structuredContent\":{\"word\":\"h\xC3\xA9\\\"\",\"calls\":1}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"echo: \\\"word\\\" (a string) is required\"}],\"isError\":true}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"echo: \\\"word\\\" (a string) is required\"}],\"isError\":true}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32602,\"message\":\"Unknown tool: nope\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":10,\"error\":{\"code\":-32602,\"message\":\"tools/call: params.arguments must be an object\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":11,\"error\":{\"code\":-32602,\"message\":\"tools/call: params.name must be a string\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":12,\"error\":{\"code\":-32602,\"message\":\"tools/call needs params {name, arguments}\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":13,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"{\\\"n\\\":1}\"}],\"structuredContent\":{\"n\":1}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":14,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"nothing to do\"}],\"isError\":true}}\n");
}

Test(mcp, progress_notifications_come_before_the_result) {
  expect(INIT
         "{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\",\"_meta\":{\"progressToken\":\"tok\"}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\"}}\n",
         INIT_REPLY
         "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"tok\",\"progress\":1,\"total\":2,\"message\":\"half way\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"tok\",\"progress\":2}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":20,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"done\"}]}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":21,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"done\"}]}}\n");
}

Test(mcp, notifications_get_no_reply) {
  expect(INIT
         "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":3}}\n"
         "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"}\n"
         "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"word\":\"n\"}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n",
         INIT_REPLY);
}

Test(mcp, unknown_methods_are_never_silent) {
  expect(INIT "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/list\"}\n"
              "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"info\"}}\n"
              "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"\"}\n",
         INIT_REPLY "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"Method not found: prompts/list\"}}\n"
                    "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32601,\"message\":\"Method not found: logging/setLevel\"}}\n"
                    "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32601,\"message\":\"Method not found: \"}}\n");
}

Test(mcp, stateless_era) {
  expect("{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"method\":\"server/discover\",\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"structured\",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2099-01-01\"}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2025-06-18\"}}}\n",
         "{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"result\":{\"resultType\":\"complete\",\"supportedVersions\":[\"2026-07-28\",\"2025-11-25\",\"2025-06-18\",\"2025-03-26\",\"2024-11-05\"],\"capabilities\":{\"tools\":{\"listChanged\":false}},\"serverInfo\":{\"name\":\"retort-test\",\"version\":\"9.9\"},\"instructions\":\"Use the tools.\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"resultType\":\"complete\",\"content\":[{\"type\":\"text\",\"text\":\"{\\\"n\\\":1}\"}],\"structuredContent\":{\"n\":1}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32004,\"message\":\"Unsupported protocol version: 2099-01-01 (this server speaks 2026-07-28 without initialize)\",\"data\":{\"supported\":[\"2026-07-28\",\"2025-11-25\",\"2025-06-18\",\"2025-03-26\",\"2024-11-05\"],\"requested\":\"2099-01-01\"}}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32002,\"message\":\"Server not initialized: protocol 2025-06-18 needs initialize first\",\"data\":{\"supported\":[\"2026-07-28\",\"2025-11-25\",\"2025-06-18\",\"2025-03-26\",\"2024-11-05\"],\"requested\":\"2025-06-18\"}}}\n");
}

Test(mcp, bad_input_keeps_the_server_going) {
  expect("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"\n"
         "not json at all\n"
         "[{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}]\n"
         "[]\n"
         "42\n"
         "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"params\":{\"a\":\"\xFF\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}\n",
         "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error: invalid JSON at byte 39: unexpected end of input (truncated JSON)\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error: invalid JSON at byte 4: unexpected character\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid request: batch requests (JSON arrays) are not supported; MCP removed JSON-RPC batching in 2025-06-18: send one message per line\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid request: an empty batch (JSON array) holds no message\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid request: a message must be a JSON object\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error: invalid JSON at byte 55: invalid UTF-8 in string\"}}\n"
         "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{}}\n");
}

Test(mcp, oversized_message_is_answered_and_skipped) {
  size_t big = 17 * 1024 * 1024;
  Buf in = BUF_INIT;
  buf_puts(&in, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"");
  char *pad = xmalloc(big);
  memset(pad, 'a', big);
  buf_append(&in, pad, big);
  free(pad);
  buf_puts(&in, "\"}}\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n");
  int code = -1;
  char *got = serve(in.data, FRAMING_NDJSON, &code);
  cr_assert_str_eq(got,
                   "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid request: message larger than the 16777216-byte limit; skipped\"}}\n"
                   "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n");
  cr_assert_eq(code, 0);
  free(got);
  buf_free(&in);
}

Test(mcp, auto_framing_picks_ndjson) {
  int code = -1;
  char *got = serve("\n  {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", FRAMING_AUTO, &code);
  cr_assert_str_eq(got, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n");
  cr_assert_eq(code, 0);
  free(got);
  got = serve("", FRAMING_AUTO, &code);
  cr_assert_str_eq(got, "");
  cr_assert_eq(code, 0);
  free(got);
}

static bool tool_pretty(void *ctx, const McpToolCall *call, McpToolResult *res, RtError *err) {
  buf_puts(&res->text, "two\nlines");
  buf_puts(&res->structured, "{\n  \"n\": [\r\n 1 ]\n}");
  return true;
}

/* Definitions and structured output may be pretty-printed: every reply stays one line. */
Test(mcp, pretty_json_stays_on_one_line) {
  static const McpTool pretty[] = {
      {"pretty", "{\n  \"name\": \"pretty\",\n  \"inputSchema\": {\"type\": \"object\"}\n}\n", tool_pretty}};
  static const McpServerInfo pretty_info = {.name = "p", .version = "1", .tools = pretty, .ntools = 1};
  int code = -1;
  char *got = serve_with(&pretty_info,
                         "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\"}}\n"
                         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n"
                         "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"pretty\"}}\n",
                         FRAMING_NDJSON, &code);
  cr_assert_str_eq(got,
                   "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"tools\":{\"listChanged\":false}},\"serverInfo\":{\"name\":\"p\",\"version\":\"1\"}}}\n"
                   "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"pretty\",\"inputSchema\":{\"type\":\"object\"}}]}}\n"
                   "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"two\\nlines\"}],\"structuredContent\":{\"n\":[1]}}}\n");
  cr_assert_eq(code, 0);
  free(got);
}

Test(mcp, broken_tool_definition_is_an_internal_error) {
  static const McpTool broken[] = {{"bad", "{\"name\": \"bad\",}", tool_pretty}};
  static const McpServerInfo broken_info = {.name = "b", .version = "1", .tools = broken, .ntools = 1};
  int code = -1;
  char *got = serve_with(&broken_info,
                         "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\"}}\n"
                         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n"
                         "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n",
                         FRAMING_NDJSON, &code);
  cr_assert(strstr(got, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603,\"message\":\"the definition of tool bad is not a JSON object: invalid JSON at byte 14: trailing comma\"}}\n"
                        "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}\n"), "%s", got);
  free(got);
}

Test(mcp, batches_only_in_2025_03_26) {
  expect("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-03-26\"}}\n"
         "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
         "{\"jsonrpc\":\"2.0\",\"id\":\"two\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"word\":\"b\"}}},"
         "5,{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"nope\"},[]]\n"
         "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"},{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}}]\n"
         "[]\n",
         "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":\"2025-03-26\",\"capabilities\":{\"tools\":{\"listChanged\":false}},\"serverInfo\":{\"name\":\"retort-test\",\"version\":\"9.9\"},\"instructions\":\"Use the tools.\"}}\n"
         "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}},"
         "{\"jsonrpc\":\"2.0\",\"id\":\"two\",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"you said b\"}],\"structuredContent\":{\"word\":\"b\",\"calls\":1}}},"
         "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid request: a message must be a JSON object\"}},"
         "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32601,\"message\":\"Method not found: nope\"}},"
         "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid request: an empty batch (JSON array) holds no message\"}}]\n"
         "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid request: an empty batch (JSON array) holds no message\"}}\n");
  // the same batch in a 2025-06-18 session is refused as a whole
  expect(INIT "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]\n",
         INIT_REPLY "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid request: batch requests (JSON arrays) are not supported; MCP removed JSON-RPC batching in 2025-06-18: send one message per line\"}}\n");
}

static bool tool_bad_structured(void *ctx, const McpToolCall *call, McpToolResult *res, RtError *err) {
  buf_puts(&res->text, "fine");
  buf_puts(&res->structured, (const char *)ctx);
  return true;
}

Test(mcp, tool_with_broken_structured_content_is_an_internal_error) {
  const char *bad[] = {"{\"a\":", "[1]"};
  const char *why[] = {"unexpected end of input", "another JSON value"};
  for (int i = 0; i < 2; i++) {
    McpTool t[] = {{"t", "{\"name\":\"t\"}", tool_bad_structured}};
    McpServerInfo in = {.name = "x", .version = "1", .tools = t, .ntools = 1, .ctx = (void *)bad[i]};
    int code = -1;
    char *got = serve_with(&in,
                           "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\"}}\n"
                           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"t\"}}\n",
                           FRAMING_NDJSON, &code);
    const char *line = strchr(got, '\n') + 1;
    cr_assert(strstr(line, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603,\"message\":\"tool t returned structured content that is not a JSON object: ") == line, "%s", line);
    cr_assert(strstr(line, why[i]), "%s", line);
    free(got);
  }
}

/* Random junk interleaved with real requests: every reply is one valid JSON-RPC
 * response line, and every real request is answered. */
Test(mcp, junk_between_requests) {
  static const char *pieces[] = {
      "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "d83d", "\xFF", "\xC3", "\xA9", "\t", " ",
      "null", "tru", "1e400", "-", "0", "\"jsonrpc\"", "\"2.0\"", "\"id\"", "\"method\"", "\"params\"",
      "\"ping\"", "\"tools/call\"", "\"initialize\"", "\r", "Content-Length: 5\r\n\r\n",
  };
  uint64_t seed = 7;
  Buf in = BUF_INIT;
  buf_puts(&in, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\"}}\n");
  int real = 0;
  for (int line = 0; line < 3000; line++) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    if ((seed >> 40) % 3 == 0) {
      buf_printf(&in, "{\"jsonrpc\":\"2.0\",\"id\":\"r%d\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"word\":\"w%d\"}}}\n", real, real);
      real++;
      continue;
    }
    int n = 1 + (int)((seed >> 33) % 12);
    for (int k = 0; k < n; k++) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      buf_puts(&in, pieces[(seed >> 33) % (sizeof pieces / sizeof pieces[0])]);
    }
    buf_putc(&in, '\n');
  }
  int code = -1;
  char *got = serve(in.data, FRAMING_NDJSON, &code);
  cr_assert_eq(code, 0);
  Arena *a = arena_new();
  int answered = 0, errors = 0;
  for (char *line = got, *nl; *line; line = nl + 1) {
    nl = strchr(line, '\n');
    cr_assert(nl, "the last reply has no newline");
    RtError err = {0};
    Json *v = json_parse(a, line, (size_t)(nl - line), NULL, &err, NULL);
    cr_assert(v, "reply is not JSON (%s): %.*s", err.msg, (int)(nl - line), line);
    cr_assert_str_eq(json_get_string(v, "jsonrpc"), "2.0");
    cr_assert(json_get(v, "id"));
    cr_assert((json_get(v, "result") != NULL) != (json_get(v, "error") != NULL));
    errors += json_get(v, "error") != NULL;
    const char *id = json_get_string(v, "id");
    if (id && id[0] == 'r') {
      char want[64];
      snprintf(want, sizeof want, "you said w%d", answered);
      cr_assert_str_eq(id + 1, strchr(want, 'w') + 1);
      const Json *text = json_get(json_get(v, "result"), "content")->items[0];
      cr_assert_str_eq(json_get_string(text, "text"), want);
      answered++;
    }
    arena_reset(a);
  }
  cr_assert_eq(answered, real);
  cr_assert_gt(errors, 1000, "only %d junk lines were answered with errors", errors);
  arena_delete(a);
  free(got);
  buf_free(&in);
}

/* ---- prompts ---- */

static bool prompt_greet(void *ctx, const McpPromptCall *call, Buf *text, RtError *err) {
  const char *tone = json_get_string(call->arguments, "tone");
  buf_printf(text, "%s, %s!", tone ? tone : "Hello", json_get_string(call->arguments, "who"));
  return true;
}

static bool prompt_plain(void *ctx, const McpPromptCall *call, Buf *text, RtError *err) {
  buf_puts(text, "Just this.");
  return true;
}

static bool prompt_broken(void *ctx, const McpPromptCall *call, Buf *text, RtError *err) {
  buf_puts(text, "half a prompt");
  return error_set(err, ERR_IO, "the template could not be read");
}

static bool prompt_refuses(void *ctx, const McpPromptCall *call, Buf *text, RtError *err) {
  return error_set(err, ERR_PARAMS, "not today");
}

static const McpPromptArgument greet_args[] = {{"who", "whom to greet", true}, {"tone", NULL, false}};
static const McpPrompt prompts[] = {
    {"greet", "Greet someone", "Says hello.", greet_args, 2, prompt_greet, NULL},
    {"bare", NULL, NULL, NULL, 0, prompt_plain, NULL},
    {"broken", NULL, NULL, NULL, 0, prompt_broken, NULL},
    {"refuses", NULL, NULL, NULL, 0, prompt_refuses, NULL},
};
static const McpServerInfo prompt_info = {"retort-test", "9.9", NULL, tools, 1, &echo_calls, prompts, 4};

static void expect_prompts(const char *input, const char *want) {
  int code = -1;
  char *got = serve_with(&prompt_info, input, FRAMING_NDJSON, &code);
  cr_assert_str_eq(got, want);
  cr_assert_eq(code, 0);
  free(got);
}

#define PINIT(v) "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" v "\",\"capabilities\":{}}}\n"
#define PINIT_REPLY(v) "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":\"" v "\",\"capabilities\":{\"tools\":{\"listChanged\":false},\"prompts\":{\"listChanged\":false}},\"serverInfo\":{\"name\":\"retort-test\",\"version\":\"9.9\"}}}\n"

Test(mcp_prompts, capability_announced_in_every_version) {
  expect_prompts(PINIT("2024-11-05"), PINIT_REPLY("2024-11-05"));
  expect_prompts(PINIT("2025-03-26"), PINIT_REPLY("2025-03-26"));
  expect_prompts(PINIT("2025-06-18"), PINIT_REPLY("2025-06-18"));
  expect_prompts(PINIT("2025-11-25"), PINIT_REPLY("2025-11-25"));
  expect_prompts(PINIT("2026-07-28"), PINIT_REPLY("2025-11-25"));
  expect_prompts("{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"method\":\"server/discover\"}\n",
                 "{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"result\":{\"resultType\":\"complete\",\"supportedVersions\":[\"2026-07-28\",\"2025-11-25\",\"2025-06-18\",\"2025-03-26\",\"2024-11-05\"],\"capabilities\":{\"tools\":{\"listChanged\":false},\"prompts\":{\"listChanged\":false}},\"serverInfo\":{\"name\":\"retort-test\",\"version\":\"9.9\"}}}\n");
}

Test(mcp_prompts, list) {
  expect_prompts(PINIT("2025-06-18") "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/list\",\"params\":{\"cursor\":\"x\"}}\n",
                 PINIT_REPLY("2025-06-18")
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"prompts\":["
                 "{\"name\":\"greet\",\"title\":\"Greet someone\",\"description\":\"Says hello.\",\"arguments\":["
                 "{\"name\":\"who\",\"description\":\"whom to greet\",\"required\":true},{\"name\":\"tone\",\"required\":false}]},"
                 "{\"name\":\"bare\"},{\"name\":\"broken\"},{\"name\":\"refuses\"}]}}\n");
}

Test(mcp_prompts, get) {
  expect_prompts(PINIT("2025-06-18")
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\",\"arguments\":{\"who\":\"w\\u00f6rld\"}}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\",\"arguments\":{\"who\":\"you\",\"tone\":\"Hi\"}}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/get\",\"params\":{\"name\":\"bare\",\"arguments\":null}}\n",
                 PINIT_REPLY("2025-06-18")
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"description\":\"Says hello.\",\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"Hello, w\xC3\xB6rld!\"}}]}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"description\":\"Says hello.\",\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"Hi, you!\"}}]}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"Just this.\"}}]}}\n");
}

Test(mcp_prompts, bad_requests_are_invalid_params) {
  expect_prompts(PINIT("2025-11-25")
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":\"nope\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\",\"arguments\":{\"who\":\" \\t\"}}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\",\"arguments\":{\"who\":\"a\",\"mood\":\"b\"}}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\",\"arguments\":{\"who\":7}}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\",\"arguments\":[\"a\"]}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"prompts/get\",\"params\":{\"name\":1}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"prompts/get\"}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"prompts/get\",\"params\":{\"name\":\"bare\",\"arguments\":{\"x\":\"y\"}}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\\u0000x\",\"arguments\":{\"who\":\"a\"}}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\",\"arguments\":{\"who\\u0000\":\"a\"}}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"prompts/get\",\"params\":{\"name\":\"refuses\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"prompts/get\",\"params\":{\"name\":\"broken\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"ping\"}\n",
                 PINIT_REPLY("2025-11-25")
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":\"Unknown prompt: nope\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32602,\"message\":\"Missing required argument for prompt greet: who\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32602,\"message\":\"Missing required argument for prompt greet: who\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32602,\"message\":\"Unknown argument for prompt greet: mood (its arguments: who, tone)\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-32602,\"message\":\"prompts/get: argument who of prompt greet must be a string\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":-32602,\"message\":\"prompts/get: params.arguments must be an object of strings\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32602,\"message\":\"prompts/get: params.name must be a string\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":8,\"error\":{\"code\":-32602,\"message\":\"prompts/get needs params {name, arguments}\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32602,\"message\":\"Unknown argument for prompt bare: x (it takes no arguments)\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":10,\"error\":{\"code\":-32602,\"message\":\"Unknown prompt: greet\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":11,\"error\":{\"code\":-32602,\"message\":\"Unknown argument for prompt greet: who (its arguments: who, tone)\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":12,\"error\":{\"code\":-32602,\"message\":\"not today\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":13,\"error\":{\"code\":-32603,\"message\":\"the template could not be read\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":14,\"result\":{}}\n");
}

Test(mcp_prompts, before_initialize_and_stateless) {
  expect_prompts("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/list\"}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\",\"arguments\":{\"who\":\"a\"}}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/list\",\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/get\",\"params\":{\"name\":\"bare\",\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}\n",
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32002,\"message\":\"Server not initialized: send initialize first (or, from protocol 2026-07-28 on, put the version in params._meta[\\\"io.modelcontextprotocol/protocolVersion\\\"])\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32002,\"message\":\"Server not initialized: send initialize first (or, from protocol 2026-07-28 on, put the version in params._meta[\\\"io.modelcontextprotocol/protocolVersion\\\"])\"}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"resultType\":\"complete\",\"prompts\":[{\"name\":\"greet\",\"title\":\"Greet someone\",\"description\":\"Says hello.\",\"arguments\":[{\"name\":\"who\",\"description\":\"whom to greet\",\"required\":true},{\"name\":\"tone\",\"required\":false}]},{\"name\":\"bare\"},{\"name\":\"broken\"},{\"name\":\"refuses\"}]}}\n"
                 "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"resultType\":\"complete\",\"messages\":[{\"role\":\"user\",\"content\":{\"type\":\"text\",\"text\":\"Just this.\"}}]}}\n");
}

/* A server without prompts neither announces nor serves them (tools_list above shows
 * the capabilities; unknown_methods_are_never_silent, prompts/list). */
Test(mcp_prompts, none_means_unknown_methods) {
  expect(INIT "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":\"greet\"}}\n",
         INIT_REPLY "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"Method not found: prompts/get\"}}\n");
}

/* mcp.c - the MCP server lifecycle, tool and prompt dispatch: initialize (version
 * negotiation), server/discover and per-request _meta versions, ping, tools/list,
 * tools/call, prompts/list, prompts/get. */
#include "protocol/mcp.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/mem.h"

// Handshake-era versions, newest first; an unknown request gets the first.
static const char *const MCP_HANDSHAKE_VERSIONS[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
static const size_t MCP_NHANDSHAKE = sizeof MCP_HANDSHAKE_VERSIONS / sizeof MCP_HANDSHAKE_VERSIONS[0];

struct McpSession {
  const McpServerInfo *info;
  Buf tools_json;     // the tools/list array, re-serialized compactly on first use
  bool initialized;   // initialize was answered
  bool client_ready;  // notifications/initialized arrived
  char version[16];   // negotiated protocol version
};

McpSession *mcp_session_new(const McpServerInfo *info) {
  McpSession *s = xcalloc(1, sizeof *s);
  s->info = info;
  return s;
}

void mcp_session_delete(McpSession *s) {
  if (!s) return;
  buf_free(&s->tools_json);
  free(s);
}

const char *mcp_session_protocol_version(const McpSession *s) {
  return s->initialized ? s->version : NULL;
}

bool mcp_session_batches(const McpSession *s) {
  return s->initialized && strcmp(s->version, "2025-03-26") == 0;
}

static void mcp__server_info(JsonWriter *w, const McpServerInfo *info) {
  jw_key(w, "capabilities");
  jw_object_begin(w);
  jw_key(w, "tools");
  jw_object_begin(w);
  jw_kv_bool(w, "listChanged", false);
  jw_object_end(w);
  if (info->nprompts) {
    // The same for every protocol version: prompts exist in all of them.
    jw_key(w, "prompts");
    jw_object_begin(w);
    jw_kv_bool(w, "listChanged", false);
    jw_object_end(w);
  }
  jw_object_end(w);
  jw_key(w, "serverInfo");
  jw_object_begin(w);
  jw_kv_string(w, "name", info->name ? info->name : "retort");
  jw_kv_string(w, "version", info->version ? info->version : "0");
  jw_object_end(w);
  if (info->instructions) jw_kv_string(w, "instructions", info->instructions);
}

static void mcp__supported_versions(JsonWriter *w) {
  jw_array_begin(w);
  jw_string(w, MCP_PROTOCOL_STATELESS);
  for (size_t i = 0; i < MCP_NHANDSHAKE; i++) jw_string(w, MCP_HANDSHAKE_VERSIONS[i]);
  jw_array_end(w);
}

static int mcp__initialize(McpSession *s, RpcCall *call, RtError *err) {
  const Json *params = call->msg->params;
  if (!params || params->type != JSON_OBJECT)
    return error_set(err, ERR_PARAMS, "initialize needs params with protocolVersion, capabilities, clientInfo"),
           RPC_INVALID_PARAMS;
  const Json *want = json_get(params, "protocolVersion");
  if (!want || want->type != JSON_STRING)
    return error_set(err, ERR_PARAMS, "initialize: params.protocolVersion must be a string"), RPC_INVALID_PARAMS;
  // The client's version when we speak it, else our latest; the client decides whether
  // it can live with ours (MCP lifecycle, version negotiation).
  const char *version = MCP_HANDSHAKE_VERSIONS[0];
  for (size_t i = 0; i < MCP_NHANDSHAKE; i++)
    if (strcmp(want->str, MCP_HANDSHAKE_VERSIONS[i]) == 0) version = MCP_HANDSHAKE_VERSIONS[i];
  snprintf(s->version, sizeof s->version, "%s", version);
  s->initialized = true;

  JsonWriter w;
  jw_init(&w, call->result);
  jw_object_begin(&w);
  jw_kv_string(&w, "protocolVersion", version);
  mcp__server_info(&w, s->info);
  jw_object_end(&w);
  return 0;
}

static int mcp__discover(McpSession *s, RpcCall *call) {
  JsonWriter w;
  jw_init(&w, call->result);
  jw_object_begin(&w);
  jw_kv_string(&w, "resultType", "complete");
  jw_key(&w, "supportedVersions");
  mcp__supported_versions(&w);
  mcp__server_info(&w, s->info);
  jw_object_end(&w);
  return 0;
}

/* The definitions are re-serialized, not pasted: they may be pretty-printed (a raw
 * newline would split an NDJSON frame) and a broken one must not corrupt the stream. */
static int mcp__tools_json(McpSession *s, Arena *arena, RtError *err) {
  if (s->tools_json.len) return 0;
  Buf b = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &b);
  jw_array_begin(&w);
  for (size_t i = 0; i < s->info->ntools; i++) {
    const McpTool *t = &s->info->tools[i];
    RtError perr = {0};
    const Json *def = t->definition ? json_parse(arena, t->definition, strlen(t->definition), NULL, &perr, NULL)
                                    : (error_set(&perr, ERR_INTERNAL, "no definition"), NULL);
    if (!def || def->type != JSON_OBJECT) {
      buf_free(&b);
      return error_set(err, ERR_INTERNAL, "the definition of tool %s is not a JSON object: %s", t->name,
                       def ? "another JSON value" : perr.msg),
             RPC_INTERNAL_ERROR;
    }
    jw_value(&w, def);
  }
  jw_array_end(&w);
  s->tools_json = b;
  return 0;
}

static int mcp__tools_list(McpSession *s, RpcCall *call, bool stateless, RtError *err) {
  // params.cursor is accepted and ignored: the list always fits on one page.
  int code = mcp__tools_json(s, call->arena, err);
  if (code) return code;
  Buf *out = call->result;
  buf_puts(out, "{");
  if (stateless) buf_puts(out, "\"resultType\":\"complete\",");
  buf_puts(out, "\"tools\":");
  buf_append(out, s->tools_json.data, s->tools_json.len);
  buf_puts(out, "}");
  return 0;
}

static const McpTool *mcp__find_tool(const McpSession *s, const char *name) {
  for (size_t i = 0; i < s->info->ntools; i++)
    if (strcmp(s->info->tools[i].name, name) == 0) return &s->info->tools[i];
  return NULL;
}

static int mcp__tools_call(McpSession *s, RpcCall *call, bool stateless, RtError *err) {
  const Json *params = call->msg->params;
  if (!params || params->type != JSON_OBJECT)
    return error_set(err, ERR_PARAMS, "tools/call needs params {name, arguments}"), RPC_INVALID_PARAMS;
  const Json *name = json_get(params, "name");
  if (!name || name->type != JSON_STRING)
    return error_set(err, ERR_PARAMS, "tools/call: params.name must be a string"), RPC_INVALID_PARAMS;
  const McpTool *tool = mcp__find_tool(s, name->str);
  if (!tool || strlen(name->str) != name->len)
    return error_set(err, ERR_PARAMS, "Unknown tool: %s", name->str), RPC_INVALID_PARAMS;
  const Json *args = json_get(params, "arguments");
  if (args && args->type == JSON_NULL) args = NULL;
  if (args && args->type != JSON_OBJECT)
    return error_set(err, ERR_PARAMS, "tools/call: params.arguments must be an object"), RPC_INVALID_PARAMS;
  if (!args) {
    Json *empty = ARENA_NEW(call->arena, Json);
    empty->type = JSON_OBJECT;
    args = empty;
  }
  const Json *meta = json_get(params, "_meta");
  const Json *token = json_get(meta, "progressToken");
  if (token && token->type != JSON_STRING && token->type != JSON_NUMBER) token = NULL;

  bool cancelled = false;
  McpToolCall tc = {tool->name, args, call->arena, call->peer, token, call->msg->id, &cancelled};
  McpToolResult res = {BUF_INIT, BUF_INIT, false};
  RtError terr = {0};
  bool ok = tool->call(s->info->ctx, &tc, &res, &terr);
  if (cancelled) {
    // MCP: the receiver of a cancellation should not answer the request. What the tool
    // did before it stopped goes to the log; `status` shows the state it left.
    const Buf *said = !ok ? NULL : res.text.len ? &res.text : &res.structured;
    fprintf(stderr, "retort: %s (request %s) cancelled by the client: %s\n", tool->name, call->msg->id,
            !ok ? terr.msg : said && said->len ? said->data : "(no result)");
    buf_free(&res.text);
    buf_free(&res.structured);
    call->no_reply = true;
    return 0;
  }
  // structuredContent must be one JSON object; a tool that breaks that has a bug, and
  // pasting its text would corrupt the stream. Our tools write it with a JsonWriter,
  // which gives one compact object: that is pasted as it is (re-parsing a large history
  // would cost more than the tool). Anything else is checked and re-serialized.
  const Json *structured = NULL;
  bool paste = false;
  if (ok && res.structured.len) {
    const char *d = res.structured.data;
    size_t n = res.structured.len;
    paste = d[0] == '{' && d[n - 1] == '}' && !memchr(d, '\n', n) && !memchr(d, '\r', n);
  }
  if (ok && res.structured.len && !paste) {
    RtError perr = {0};
    JsonLimits lim = {0, 100}; // below the writer's 128 levels
    structured = json_parse(call->arena, res.structured.data, res.structured.len, &lim, &perr, NULL);
    if (!structured || structured->type != JSON_OBJECT) {
      error_set(err, ERR_INTERNAL, "tool %s returned structured content that is not a JSON object: %s", tool->name,
                structured ? "another JSON value" : perr.msg);
      buf_free(&res.text);
      buf_free(&res.structured);
      return RPC_INTERNAL_ERROR;
    }
  }

  JsonWriter w;
  jw_init(&w, call->result);
  jw_object_begin(&w);
  if (stateless) jw_kv_string(&w, "resultType", "complete");
  jw_key(&w, "content");
  jw_array_begin(&w);
  jw_object_begin(&w);
  jw_kv_string(&w, "type", "text");
  jw_key(&w, "text");
  if (!ok) {
    // A failed tool is a result, not a protocol error, so the model can read it.
    // No structuredContent: clients validate it against the outputSchema.
    jw_string(&w, terr.msg[0] ? terr.msg : "the tool failed without saying why");
  } else if (res.text.len) {
    jw_stringn(&w, res.text.data, res.text.len);
  } else {
    // MCP: a tool returning structured content SHOULD also return it serialized as text
    jw_stringn(&w, buf_cstr(&res.structured), res.structured.len);
  }
  jw_object_end(&w);
  jw_array_end(&w);
  if (paste) {
    jw_key(&w, "structuredContent");
    jw_raw(&w, res.structured.data, res.structured.len);
  } else if (structured) {
    jw_key(&w, "structuredContent");
    jw_value(&w, structured);
  }
  if (!ok || res.is_error) jw_kv_bool(&w, "isError", true);
  jw_object_end(&w);
  buf_free(&res.text);
  buf_free(&res.structured);
  return 0;
}

static int mcp__prompts_list(McpSession *s, RpcCall *call, bool stateless) {
  // params.cursor is accepted and ignored, as for tools/list.
  JsonWriter w;
  jw_init(&w, call->result);
  jw_object_begin(&w);
  if (stateless) jw_kv_string(&w, "resultType", "complete");
  jw_key(&w, "prompts");
  jw_array_begin(&w);
  for (size_t i = 0; i < s->info->nprompts; i++) {
    const McpPrompt *p = &s->info->prompts[i];
    jw_object_begin(&w);
    jw_kv_string(&w, "name", p->name);
    if (p->title) jw_kv_string(&w, "title", p->title);
    if (p->description) jw_kv_string(&w, "description", p->description);
    if (p->narguments) {
      jw_key(&w, "arguments");
      jw_array_begin(&w);
      for (size_t k = 0; k < p->narguments; k++) {
        const McpPromptArgument *a = &p->arguments[k];
        jw_object_begin(&w);
        jw_kv_string(&w, "name", a->name);
        if (a->description) jw_kv_string(&w, "description", a->description);
        jw_kv_bool(&w, "required", a->required);
        jw_object_end(&w);
      }
      jw_array_end(&w);
    }
    jw_object_end(&w);
  }
  jw_array_end(&w);
  jw_object_end(&w);
  return 0;
}

static const McpPrompt *mcp__find_prompt(const McpSession *s, const char *name) {
  for (size_t i = 0; i < s->info->nprompts; i++)
    if (strcmp(s->info->prompts[i].name, name) == 0) return &s->info->prompts[i];
  return NULL;
}

static const McpPromptArgument *mcp__find_argument(const McpPrompt *p, const char *name, size_t len) {
  if (strlen(name) != len) return NULL; // a NUL inside: no argument has that name
  for (size_t k = 0; k < p->narguments; k++)
    if (strcmp(p->arguments[k].name, name) == 0) return &p->arguments[k];
  return NULL;
}

static bool mcp__blank(const char *str, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (!isspace((unsigned char)str[i])) return false;
  return true;
}

/* Checks prompts/get arguments against the prompt's declaration; returns 0 or -32602. */
static int mcp__prompt_arguments(const McpPrompt *p, const Json *args, RtError *err) {
  for (size_t i = 0; i < args->n; i++) {
    const McpPromptArgument *a = mcp__find_argument(p, args->keys[i], args->key_lens[i]);
    if (!a) {
      char known[512] = "";
      for (size_t k = 0; k < p->narguments; k++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", p->arguments[k].name);
      }
      return error_set(err, ERR_PARAMS, "Unknown argument for prompt %s: %s (%s%s)", p->name, args->keys[i],
                       p->narguments ? "its arguments: " : "it takes no arguments", known),
             RPC_INVALID_PARAMS;
    }
    if (args->items[i]->type != JSON_STRING)
      return error_set(err, ERR_PARAMS, "prompts/get: argument %s of prompt %s must be a string", a->name,
                       p->name),
             RPC_INVALID_PARAMS;
  }
  for (size_t k = 0; k < p->narguments; k++) {
    const McpPromptArgument *a = &p->arguments[k];
    const Json *v = json_get(args, a->name);
    if (a->required && (!v || mcp__blank(v->str, v->len)))
      return error_set(err, ERR_PARAMS, "Missing required argument for prompt %s: %s", p->name, a->name),
             RPC_INVALID_PARAMS;
  }
  return 0;
}

static int mcp__prompts_get(McpSession *s, RpcCall *call, bool stateless, RtError *err) {
  const Json *params = call->msg->params;
  if (!params || params->type != JSON_OBJECT)
    return error_set(err, ERR_PARAMS, "prompts/get needs params {name, arguments}"), RPC_INVALID_PARAMS;
  const Json *name = json_get(params, "name");
  if (!name || name->type != JSON_STRING)
    return error_set(err, ERR_PARAMS, "prompts/get: params.name must be a string"), RPC_INVALID_PARAMS;
  const McpPrompt *prompt = mcp__find_prompt(s, name->str);
  if (!prompt || strlen(name->str) != name->len)
    return error_set(err, ERR_PARAMS, "Unknown prompt: %s", name->str), RPC_INVALID_PARAMS;
  const Json *args = json_get(params, "arguments");
  if (args && args->type == JSON_NULL) args = NULL;
  if (args && args->type != JSON_OBJECT)
    return error_set(err, ERR_PARAMS, "prompts/get: params.arguments must be an object of strings"),
           RPC_INVALID_PARAMS;
  if (!args) {
    Json *empty = ARENA_NEW(call->arena, Json);
    empty->type = JSON_OBJECT;
    args = empty;
  }
  int code = mcp__prompt_arguments(prompt, args, err);
  if (code) return code;

  McpPromptCall pc = {prompt, args, call->arena};
  Buf text = BUF_INIT;
  RtError perr = {0};
  if (!prompt->get(s->info->ctx, &pc, &text, &perr)) {
    buf_free(&text);
    *err = perr;
    if (!err->msg[0]) error_set(err, ERR_INTERNAL, "prompt %s failed without saying why", prompt->name);
    return perr.kind == ERR_PARAMS ? RPC_INVALID_PARAMS : RPC_INTERNAL_ERROR;
  }
  JsonWriter w;
  jw_init(&w, call->result);
  jw_object_begin(&w);
  if (stateless) jw_kv_string(&w, "resultType", "complete");
  if (prompt->description) jw_kv_string(&w, "description", prompt->description);
  jw_key(&w, "messages");
  jw_array_begin(&w);
  jw_object_begin(&w);
  jw_kv_string(&w, "role", "user");
  jw_key(&w, "content");
  jw_object_begin(&w);
  jw_kv_string(&w, "type", "text");
  jw_key(&w, "text");
  jw_stringn(&w, buf_cstr(&text), text.len);
  jw_object_end(&w);
  jw_object_end(&w);
  jw_array_end(&w);
  jw_object_end(&w);
  buf_free(&text);
  return 0;
}

/* The stateless era: a request served without initialize carries its version in
 * params._meta. Returns 0 when it may be served, else an error code with err set. */
static int mcp__check_stateless(RpcCall *call, bool *stateless, RtError *err) {
  const Json *meta = json_get(call->msg->params, "_meta");
  const Json *v = json_get(meta, MCP_META_PROTOCOL_VERSION);
  *stateless = false;
  if (!v)
    return error_set(err, ERR_PARAMS,
                     "Server not initialized: send initialize first (or, from protocol %s on, put the "
                     "version in params._meta[\"%s\"])",
                     MCP_PROTOCOL_STATELESS, MCP_META_PROTOCOL_VERSION),
           RPC_SERVER_NOT_INITIALIZED;
  if (v->type == JSON_STRING && strcmp(v->str, MCP_PROTOCOL_STATELESS) == 0) {
    *stateless = true;
    return 0;
  }
  Buf data = BUF_INIT;
  JsonWriter w;
  jw_init(&w, call->error_data ? call->error_data : &data);
  jw_object_begin(&w);
  jw_key(&w, "supported");
  mcp__supported_versions(&w);
  jw_key(&w, "requested");
  jw_value(&w, v);
  jw_object_end(&w);
  buf_free(&data);
  for (size_t i = 0; i < MCP_NHANDSHAKE; i++)
    if (v->type == JSON_STRING && strcmp(v->str, MCP_HANDSHAKE_VERSIONS[i]) == 0)
      return error_set(err, ERR_PARAMS, "Server not initialized: protocol %s needs initialize first", v->str),
             RPC_SERVER_NOT_INITIALIZED;
  return error_set(err, ERR_PARAMS, "Unsupported protocol version: %s (this server speaks %s without initialize)",
                   v->type == JSON_STRING ? v->str : "(not a string)", MCP_PROTOCOL_STATELESS),
         MCP_UNSUPPORTED_PROTOCOL_VERSION;
}

int mcp_handle(void *session, RpcCall *call, RtError *err) {
  McpSession *s = session;
  const RpcMessage *msg = call->msg;
  const char *m = msg->method;
  if (msg->kind == RPC_NOTIFICATION) {
    if (strcmp(m, "notifications/initialized") == 0) s->client_ready = true;
    // notifications/cancelled: requests run one at a time and to completion, so by the
    // time we read it the request is answered; everything else is ignored per JSON-RPC.
    return 0;
  }
  if (strcmp(m, "initialize") == 0) return mcp__initialize(s, call, err);
  if (strcmp(m, "ping") == 0) {
    buf_puts(call->result, "{}");
    return 0;
  }
  if (strcmp(m, "server/discover") == 0) return mcp__discover(s, call);

  bool prompts = s->info->nprompts && (strcmp(m, "prompts/list") == 0 || strcmp(m, "prompts/get") == 0);
  bool known = prompts || strcmp(m, "tools/list") == 0 || strcmp(m, "tools/call") == 0;
  if (!known) return error_set(err, ERR_PARAMS, "Method not found: %s", m), RPC_METHOD_NOT_FOUND;
  bool stateless = false;
  if (!s->initialized) {
    int code = mcp__check_stateless(call, &stateless, err);
    if (code) return code;
  }
  if (strcmp(m, "tools/list") == 0) return mcp__tools_list(s, call, stateless, err);
  if (strcmp(m, "prompts/list") == 0) return mcp__prompts_list(s, call, stateless);
  if (strcmp(m, "prompts/get") == 0) return mcp__prompts_get(s, call, stateless, err);
  return mcp__tools_call(s, call, stateless, err);
}

bool mcp_tool_progress(const McpToolCall *call, double progress, double total, const char *message) {
  if (!call->progress_token || !call->peer) return true;
  Buf b = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &b);
  jw_object_begin(&w);
  jw_key(&w, "progressToken");
  jw_value(&w, call->progress_token);
  jw_key(&w, "progress");
  jw_double(&w, progress);
  if (total >= 0) {
    jw_key(&w, "total");
    jw_double(&w, total);
  }
  if (message) jw_kv_string(&w, "message", message);
  jw_object_end(&w);
  RtError err;
  bool ok = rpc_peer_notify(call->peer, "notifications/progress", b.data, &err);
  buf_free(&b);
  return ok;
}

int mcp_call_cancel_fd(const McpToolCall *call) { return rpc_peer_input_fd(call->peer); }

bool mcp_call_cancelled(const McpToolCall *call) {
  if (call->cancelled && *call->cancelled) return true;
  bool c = rpc_peer_cancelled(call->peer, call->request_id);
  if (c && call->cancelled) *call->cancelled = true;
  return c;
}

/* fuzz_mcp.c - JSON-RPC dispatch through the MCP handler and the real tools: arbitrary
 * newline-delimited input after initialize. */
#include "fuzz_rpc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fuzz_rpc_init();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char init[] =
      "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
      "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}}\n";
  fuzz_rpc_serve(FRAMING_NDJSON, init, data, size);
  return 0;
}

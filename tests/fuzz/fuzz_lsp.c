/* fuzz_lsp.c - JSON-RPC dispatch through the LSP handler and the editor features
 * (documents opened, edited, hovered, ...): arbitrary Content-Length-framed input after
 * initialize. */
#include "fuzz_rpc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fuzz_rpc_init();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char init[] =
      "Content-Length: 58\r\n\r\n"
      "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}";
  fuzz_rpc_serve(FRAMING_LSP, init, data, size);
  return 0;
}

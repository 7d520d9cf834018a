/* fuzz_lsp.c - JSON-RPC dispatch through the LSP handler and the editor features
 * (documents opened, edited incrementally, hovered, definitions, code actions,
 * diagnostics): arbitrary Content-Length-framed input after initialize. The fixture
 * project sits at the fixed path FUZZ_LSP_DIR/project, so that inputs can open the files of
 * its versions directory (file:///tmp/retort-fuzz-lsp/project/migrations/versions/...)
 * and new ones beside them; the LSP session only reads it. The seeds in
 * corpus/lsp/lsp_* are written by lsp_seeds.py. */
#include "fuzz_rpc.h"

#define FUZZ_LSP_DIR "/tmp/retort-fuzz-lsp"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fuzz_rpc_init_fixed(FUZZ_LSP_DIR);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char init[] =
      "Content-Length: 58\r\n\r\n"
      "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}";
  fuzz_rpc_serve(FRAMING_LSP, init, data, size);
  return 0;
}

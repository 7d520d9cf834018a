/* cli.h - the command line: friendly commands (`retort history -r -3:`), the generic
 * `retort call TOOL JSON`, and the protocol servers (`serve`, `mcp`, `lsp`). */
#ifndef RETORT_CLI_H
#define RETORT_CLI_H

/** Runs the command line; returns the process exit code (0 ok, 1 tool error or
 * error-severity findings, 2 bad arguments). Only protocol frames or the command's
 * output go to stdout; diagnostics go to stderr. */
int cli_main(int argc, char **argv);

#endif

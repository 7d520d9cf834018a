#!/usr/bin/python3
"""valgrind.py RETORT_BIN - an MCP session and an LSP session under valgrind memcheck:
no invalid access, no use of uninitialised memory, no definite or indirect leak.
Skipped (with a line saying so) for a sanitizer build, which valgrind cannot run."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SHOP = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples", "shop")
VERSIONS = os.path.join(SHOP, "migrations", "versions")


def msg(id_, method, params=None):
    m = {"jsonrpc": "2.0", "method": method}
    if id_ is not None:
        m["id"] = id_
    if params is not None:
        m["params"] = params
    return json.dumps(m).encode()


def mcp_input():
    lines = [
        msg(0, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "vg", "version": "1"}}),
        msg(None, "notifications/initialized"),
        msg(1, "tools/list"),
        msg(2, "tools/call", {"name": "history", "arguments": {"verbose": True}}),
        msg(3, "tools/call", {"name": "status", "arguments": {"offline": True}}),
        msg(4, "tools/call", {"name": "review_migration", "arguments": {"revision": "base:head"}}),
        msg(5, "tools/call", {"name": "review_migration", "arguments": {"revision": "base:head"}}),  # memo
        msg(6, "tools/call", {"name": "history", "arguments": {"range": "x:y:z"}}),
        msg(7, "tools/call", {"name": "nope", "arguments": {}}),
        b"not json",
        b'{"jsonrpc":"2.0","id":8,"method":"ping","params":{"s":"\\ud800"}}',
        msg(9, "nope"),
    ]
    return b"".join(l + b"\n" for l in lines), 10


def lsp_input():
    path = sorted(p for p in os.listdir(VERSIONS) if p.endswith(".py"))[-1]
    full = os.path.join(VERSIONS, path)
    uri = "file://" + full
    with open(full) as f:
        text = f.read()
    msgs = [
        msg(1, "initialize", {"processId": None, "rootUri": "file://" + SHOP,
                              "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}}),
        msg(None, "initialized", {}),
        msg(None, "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}),
        msg(2, "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 12, "character": 16}}),
        msg(3, "textDocument/definition", {"textDocument": {"uri": uri}, "position": {"line": 13, "character": 20}}),
        msg(None, "textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "# edited\n"}]}),
        msg(None, "textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": "revision = (\n"}]}),
        msg(4, "textDocument/codeAction", {"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}, "context": {"diagnostics": []}}),
        msg(None, "textDocument/didClose", {"textDocument": {"uri": uri}}),
        msg(5, "shutdown"),
        msg(None, "exit"),
    ]
    return b"".join(b"Content-Length: %d\r\n\r\n" % len(m) + m for m in msgs), 5


def main():
    binary = os.path.abspath(sys.argv[1])
    with open(binary, "rb") as f:
        if b"__asan_init" in f.read():
            print("valgrind: skipped for a sanitizer build (AddressSanitizer replaces valgrind there)")
            return 0
    if not shutil.which("valgrind"):
        print("FAIL valgrind is not installed (tests/deps.sh installs it)")
        return 1
    failures = []
    tmp = tempfile.mkdtemp(prefix="retort-vg.")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp,
           "RETORT_SCRATCH_DIR": os.path.join(tmp, "scratch")}
    for mode, (data, replies) in (("mcp", mcp_input()), ("lsp", lsp_input())):
        log = os.path.join(tmp, mode + ".vg")
        r = subprocess.run(["valgrind", "-q", "--leak-check=full", "--show-leak-kinds=definite,indirect",
                            "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
                            "--log-file=" + log, binary, mode, "--project", SHOP],
                           input=data, capture_output=True, env=env, timeout=600)
        with open(log) as f:
            report = f.read()
        got = r.stdout.count(b'"id":')
        if r.returncode != 0 or report.strip():
            failures.append("%s: exit %d under valgrind:\n%s" % (mode, r.returncode, report[-4000:]))
        if got < replies:
            failures.append("%s: %d replies, expected at least %d:\n%s" % (mode, got, replies, r.stdout[-2000:]))
        print("valgrind %s session: exit %d, %d replies, %s" % (mode, r.returncode, got,
                                                                 "clean" if not report.strip() else "REPORT"))
    shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

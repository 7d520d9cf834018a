#!/usr/bin/python3
"""longsession.py RETORT_BIN [N] - one MCP connection, N requests (default 100,000):
ping, tools/list, history, status (offline), review_migration and a few bad requests,
round robin (consecutive calls of one tool differ, so the per-tool memo does not
answer them), every reply checked. Peak RSS (VmHWM) is read at 10% and at 100% of the
run; memory must stay flat: the peak at the end within 5% (plus 512 KB for allocator
noise) of the peak after the first tenth. Both readings are taken while the server
is still connected (stdin is closed only after the last one), and a reading that is
missing or 0 fails the test: a server that exits early must not pass as "flat". Under a
sanitizer build ASan's quarantine is kept small, so that it is full early and its
filling does not read as growth. The server's stderr is kept and must hold no sanitizer
report.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
SHOP = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples", "shop")

REQUESTS = [
    ("ping", {}),
    ("tools/list", {}),
    ("tools/call", {"name": "history", "arguments": {"verbose": True}}),
    ("tools/call", {"name": "status", "arguments": {"offline": True}}),
    ("tools/call", {"name": "review_migration", "arguments": {"revision": "head"}}),
    ("tools/call", {"name": "history", "arguments": {"verbose": False}}),
    ("tools/call", {"name": "review_migration", "arguments": {"revision": "base:head"}}),
    ("tools/call", {"name": "history", "arguments": {"range": "nope:nada"}}),  # a tool error
    ("no/such/method", {}),
]


SANITIZER_MARKERS = (b"AddressSanitizer", b"runtime error:", b"LeakSanitizer")


def vm(pid, key):
    """The process's /proc status value `key` in kB, or 0 when it cannot be read (the
    process is gone): the caller treats 0 as a failed reading."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])  # kB
    except OSError:
        pass
    return 0


def main():
    binary = os.path.abspath(sys.argv[1])
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    tmp = tempfile.mkdtemp(prefix="retort-long.")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp,
           "RETORT_SCRATCH_DIR": os.path.join(tmp, "scratch"),
           # A sanitizer build: ASan keeps freed memory in a quarantine of 256 MB by
           # default, which fills over thousands of requests and would read as growth;
           # a small one still catches use-after-free and is full within the first tenth.
           "ASAN_OPTIONS": "quarantine_size_mb=4:" + os.environ.get("ASAN_OPTIONS", ""),
           "UBSAN_OPTIONS": os.environ.get("UBSAN_OPTIONS", "print_stacktrace=1")}
    errf = tempfile.TemporaryFile(dir=tmp)
    p = subprocess.Popen([binary, "mcp", "--project", SHOP], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=errf, env=env, bufsize=1 << 20)
    checkpoint = max(1, total // 10)
    marks = {}
    mark_lock = threading.Lock()

    def writer():
        w = p.stdin
        w.write(b'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"long","version":"1"}}}\n')
        w.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        try:
            for i in range(1, total + 1):
                method, params = REQUESTS[i % len(REQUESTS)]
                w.write(json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}).encode() + b"\n")
            # stdin stays open: at EOF the server may exit before the last reading of
            # its peak RSS is taken; the reader closes it once that reading is done.
            w.flush()
        except (BrokenPipeError, ValueError):
            pass  # the server went away (the reader reports it) or stdin was closed

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    bad = 0
    got = 0
    first_bad = None
    for line in p.stdout:
        m = json.loads(line)
        i = m.get("id")
        if i == 0:
            continue
        got += 1
        method, params = REQUESTS[i % len(REQUESTS)]
        ok = True
        if method == "no/such/method":
            ok = m.get("error", {}).get("code") == -32601
        elif method == "tools/call":
            res = m.get("result", {})
            want_err = params["arguments"].get("range") == "nope:nada"
            ok = bool(res.get("isError")) == want_err and (want_err or "structuredContent" in res)
        else:
            ok = "result" in m
        if not ok:
            bad += 1
            first_bad = first_bad or line[:300]
        if got == checkpoint:
            marks["early"] = (vm(p.pid, "VmHWM"), vm(p.pid, "VmRSS"))
        if got == total:
            marks["end"] = (vm(p.pid, "VmHWM"), vm(p.pid, "VmRSS"))
            break
    # Every reading is taken: now EOF, and the server must exit cleanly.
    t.join()
    try:
        p.stdin.close()
    except BrokenPipeError:
        pass
    trailing = p.stdout.read()
    p.wait()
    errf.seek(0)
    stderr = errf.read()
    errf.close()
    early, end = marks.get("early", (0, 0)), marks.get("end", (0, 0))
    print("long session: %d requests, %d replies, %d wrong; peak RSS %d kB at %d requests, %d kB at %d (RSS now %d kB)"
          % (total, got, bad, early[0], checkpoint, end[0], total, end[1]))
    fail = []
    if got != total:
        fail.append("only %d of %d requests were answered" % (got, total))
    if bad:
        fail.append("%d wrong replies, the first: %s" % (bad, first_bad))
    if trailing.strip():
        fail.append("output after the last reply: %r" % trailing[:300])
    if p.returncode != 0:
        fail.append("exit code %d after EOF" % p.returncode)
    for name, (hwm, rss), at in (("early", early, checkpoint), ("end", end, total)):
        if not hwm or not rss:
            fail.append("no peak RSS reading at %d requests (%s: %d kB peak, %d kB RSS): the "
                        "server was gone or never got there" % (at, name, hwm, rss))
    if any(marker in stderr for marker in SANITIZER_MARKERS):
        fail.append("sanitizer report on stderr:\n" + stderr.decode(errors="replace")[-3000:])
    if early[0] and end[0] > early[0] * 1.05 + 512:
        fail.append("memory grew: peak %d kB after %d requests, %d kB after %d" % (early[0], checkpoint, end[0], total))
    for f in fail:
        print("FAIL " + f)
    sys.exit(1 if fail else 0)


if __name__ == "__main__":
    main()

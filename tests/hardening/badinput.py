#!/usr/bin/python3
"""badinput.py RETORT_BIN - the bad-input catalogue.

One `retort mcp` process and one `retort lsp` process receive every malformed message
and parameter below, one at a time. Each case says what the server must answer: a
JSON-RPC error with a given code (and id), an isError tool result, a normal result, or
nothing at all. After every case the SAME process must still answer a normal request
correctly (a ping for MCP, a hover for LSP), so a case that wedges, kills or desyncs
the server fails right there. The server's stderr must not show a sanitizer report.

The parameters of the tools that write (upgrade, downgrade, create_migration) are tried
on throwaway copies of the example project: each bad value gets the isError result that
names what is wrong (and never echoes a password given in a database URL), and at the
end both copies are byte for byte what they were (no file written, changed or removed,
in the versions directory or anywhere in the project) and the scratch cluster holds no
version table (nothing was applied).
"""
import hashlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHOP = os.path.join(ROOT, "examples", "shop")

PARSE, INVALID, NO_METHOD, BAD_PARAMS, NOT_INIT = -32700, -32600, -32601, -32602, -32002


def password_of(key):
    """A password of passwords.txt: the suites' passwords are listed there, and
    tests/run.sh scans the whole suite's output for each."""
    with open(os.path.join(HERE, "passwords.txt"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split(None, 1)
            if len(parts) == 2 and parts[0] == key:
                return parts[1].strip()
    raise KeyError("no %s in passwords.txt" % key)


class Server:
    """A retort process speaking newline-delimited JSON (mcp) or Content-Length (lsp)."""

    def __init__(self, binary, mode, env):
        self.mode = mode
        self.p = subprocess.Popen([binary, mode, "--project", SHOP], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.buf = b""
        self.err = b""

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def _fill(self, deadline):
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply within the time limit")
            r, _, _ = select.select([self.p.stdout, self.p.stderr], [], [], left)
            for f in r:
                chunk = os.read(f.fileno(), 1 << 20)
                if f is self.p.stderr:
                    self.err += chunk
                    continue
                if not chunk:
                    raise EOFError("the server closed its output (exit %s)" % self.p.poll())
                self.buf += chunk
                return

    def read(self, timeout=20):
        """One message, parsed."""
        deadline = time.monotonic() + timeout
        while True:
            if self.mode == "mcp":
                nl = self.buf.find(b"\n")
                if nl >= 0:
                    line, self.buf = self.buf[:nl], self.buf[nl + 1:]
                    return json.loads(line)
            else:
                end = self.buf.find(b"\r\n\r\n")
                if end >= 0:
                    head = self.buf[:end].decode()
                    n = int(head.split("Content-Length:")[1].split("\r\n")[0])
                    if len(self.buf) >= end + 4 + n:
                        body = self.buf[end + 4:end + 4 + n]
                        self.buf = self.buf[end + 4 + n:]
                        return json.loads(body)
            self._fill(deadline)

    def frame(self, obj_or_bytes):
        body = obj_or_bytes if isinstance(obj_or_bytes, bytes) else json.dumps(obj_or_bytes).encode()
        if self.mode == "mcp":
            return body + b"\n"
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def close(self):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.err += self.p.stderr.read()
        return self.p.returncode


def req(id_, method, params=None):
    m = {"jsonrpc": "2.0", "id": id_, "method": method}
    if params is not None:
        m["params"] = params
    return json.dumps(m).encode()


def call(id_, tool, args):
    return req(id_, "tools/call", {"name": tool, "arguments": args})


# (name, raw bytes of one MCP message without the newline, expectation)
# expectation: ("error", code, id) | ("tool_error", id) | ("result", id) | ("none",)
MCP_CASES = [
    ("truncated JSON", b'{"jsonrpc":"2.0","id":1,"method":"ping"', ("error", PARSE, None)),
    ("not JSON at all", b"this is not json", ("error", PARSE, None)),
    ("invalid UTF-8 in a string", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"\xff\xfe"}}', ("error", PARSE, None)),
    ("overlong UTF-8 encoding", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"\xc0\xaf"}}', ("error", PARSE, None)),
    ("UTF-8-encoded surrogate", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"\xed\xa0\x80"}}', ("error", PARSE, None)),
    ("truncated UTF-8 sequence", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"\xe2\x82"}}', ("error", PARSE, None)),
    ("lone high surrogate escape", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"\\ud800"}}', ("error", PARSE, None)),
    ("lone low surrogate escape", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"\\udc00x"}}', ("error", PARSE, None)),
    ("reversed surrogate pair", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"\\ude00\\ud83d"}}', ("error", PARSE, None)),
    ("invalid escape", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"\\x41"}}', ("error", PARSE, None)),
    ("raw control character in a string", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"a\x01b"}}', ("error", PARSE, None)),
    ("NUL byte in the line", b'{"jsonrpc":"2.0","id":1,"method":"ping"\x00}', ("error", PARSE, None)),
    ("10^400 as a parameter", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"n":1e400}}', ("result", 1)),
    ("10^400 as the id", b'{"jsonrpc":"2.0","id":1e400,"method":"ping"}', ("error", INVALID, None)),
    ("a 400-digit integer id", b'{"jsonrpc":"2.0","id":' + b"9" * 400 + b',"method":"ping"}', ("error", INVALID, None)),
    ("fractional id", b'{"jsonrpc":"2.0","id":1.5,"method":"ping"}', ("error", INVALID, None)),
    ("object id", b'{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}', ("error", INVALID, None)),
    ("boolean id", b'{"jsonrpc":"2.0","id":true,"method":"ping"}', ("error", INVALID, None)),
    ("null id on a request", b'{"jsonrpc":"2.0","id":null,"method":"ping"}', ("error", INVALID, None)),
    ("nesting 10,000 deep", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":' + b"[" * 10000 + b"]" * 10000 + b"}", ("error", PARSE, None)),
    ("nesting 10,000 deep, unterminated", b"[" * 10000, ("error", PARSE, None)),
    ("a million tokens", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":[' + b"0," * 1100000 + b"0]}", ("error", PARSE, None)),
    ("literal tru", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":tru}}', ("error", PARSE, None)),
    ("number 1.2.3", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":1.2.3}}', ("error", PARSE, None)),
    ("leading zero", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":01}}', ("error", PARSE, None)),
    ("trailing comma", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":[1,2,]}', ("error", PARSE, None)),
    ("two values on one line", b'{"jsonrpc":"2.0","id":1,"method":"ping"} {"jsonrpc":"2.0","id":2,"method":"ping"}', ("error", PARSE, None)),
    ("a bare string", b'"just a string"', ("error", INVALID, None)),
    ("a bare number", b"42", ("error", INVALID, None)),
    ("an empty array", b"[]", ("error", INVALID, None)),
    ("a batch outside 2025-03-26", b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]', ("error", INVALID, None)),
    ("jsonrpc 1.0", b'{"jsonrpc":"1.0","id":1,"method":"ping"}', ("error", INVALID, 1)),
    ("no jsonrpc member", b'{"id":1,"method":"ping"}', ("error", INVALID, 1)),
    ("method is a number", b'{"jsonrpc":"2.0","id":1,"method":42}', ("error", INVALID, 1)),
    ("method name with a NUL", b'{"jsonrpc":"2.0","id":1,"method":"pi\\u0000ng"}', ("error", INVALID, 1)),
    ("method name of 1,000 bytes", b'{"jsonrpc":"2.0","id":1,"method":"' + b"m" * 1000 + b'"}', ("error", INVALID, 1)),
    ("params is a string", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}', ("error", INVALID, 1)),
    ("result and error together", b'{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}', ("error", INVALID, 1)),
    ("a response nobody asked for", b'{"jsonrpc":"2.0","id":77,"result":{}}', ("none",)),
    ("unknown method", req(1, "no/such/method"), ("error", NO_METHOD, 1)),
    ("unknown method with a string id", req("x", "resources/list"), ("error", NO_METHOD, "x")),
    ("unknown notification", b'{"jsonrpc":"2.0","method":"notifications/whatever"}', ("none",)),
    ("a notification method sent as a request", req(1, "notifications/initialized"), ("error", NO_METHOD, 1)),
    ("cancel for a request that is not running", b'{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}', ("none",)),
    ("duplicate id (same as the last probe)", req("probe", "ping"), ("result", "probe")),
    ("tools/call without params", req(1, "tools/call"), ("error", BAD_PARAMS, 1)),
    ("tools/call params as an array", req(1, "tools/call", ["history"]), ("error", BAD_PARAMS, 1)),
    ("tools/call without a name", req(1, "tools/call", {"arguments": {}}), ("error", BAD_PARAMS, 1)),
    ("tools/call name is a number", req(1, "tools/call", {"name": 7}), ("error", BAD_PARAMS, 1)),
    ("unknown tool", call(1, "drop_database", {}), ("error", BAD_PARAMS, 1)),
    ("arguments as a string", req(1, "tools/call", {"name": "history", "arguments": "x"}), ("error", BAD_PARAMS, 1)),
    ("arguments null", req(1, "tools/call", {"name": "history", "arguments": None}), ("result", 1)),
    ("wrong argument type (verbose: \"yes\")", call(1, "history", {"verbose": "yes"}), ("tool_error", 1)),
    ("wrong argument type (range: 5)", call(1, "history", {"range": 5}), ("tool_error", 1)),
    ("unknown argument", call(1, "history", {"rnage": "base:head"}), ("tool_error", 1)),
    ("project that does not exist", call(1, "history", {"project": "/nonexistent/x"}), ("tool_error", 1)),
    ("project that is a file, not an ini", call(1, "history", {"project": "/etc/hostname"}), ("tool_error", 1)),
    ("project path with a NUL", call(1, "history", {"project": "/tmp\u0000/x"}), ("tool_error", 1)),
    ("NUL inside a nested argument", call(1, "review_migration", {"revision": "head\u0000"}), ("tool_error", 1)),
    ("range that Alembic rejects", call(1, "history", {"range": "a:b:c"}), ("tool_error", 1)),
    ("revision that does not exist", call(1, "review_migration", {"revision": "ffffffffffff"}), ("tool_error", 1)),
    ("review path outside the project", call(1, "review_migration", {"path": "/etc/passwd"}), ("tool_error", 1)),
    ("review path with ../", call(1, "review_migration", {"path": "../../../../etc/passwd"}), ("tool_error", 1)),
    ("a 100 KB string argument", call(1, "history", {"range": "x" * 100000}), ("tool_error", 1)),
    ("progressToken of the wrong type", req(1, "tools/call", {"name": "history", "arguments": {}, "_meta": {"progressToken": {"a": 1}}}), ("result", 1)),
    ("initialize again with nonsense", req(1, "initialize", {"protocolVersion": 5}), ("error", BAD_PARAMS, 1)),
]


def project_cases(proj, nomodels):
    """upgrade, downgrade and create_migration with bad parameters, on `proj` (a copy of
    the shop; `nomodels` a copy without model files). Expectations carry the text the
    error must contain and, for URLs with a password, the forms it must not."""
    pw = password_of("badinput.url")
    pw_enc = pw.replace("!", "%21")
    hidden = (pw, pw_enc)
    P = {"project": proj}

    def up(args, must, tool="upgrade", not_=None):
        return call(1, tool, dict(P, **args)), ("tool_error", 1, must, not_)

    def cm(args, must, project=proj):
        return call(1, "create_migration", dict({"project": project}, **args)), ("tool_error", 1, must, None)

    cases = [
        ("upgrade: confirm is a number", *up({"confirm": 5}, "'confirm' must be a string")),
        ("upgrade: confirm that is no plan's id", *up({"confirm": "0123456789abcdef"}, "REFUSED (stale plan)")),
        ("upgrade: unknown engine", *up({"engine": "turbo"}, "'engine' must be one of 'auto', 'native', 'alembic'")),
        ("downgrade: engine is a number", *up({"engine": 7}, "'engine' must be a string", "downgrade")),
        ("upgrade: a FROM:TO range without sql_only", *up({"target": "base:head"}, "a range FROM:TO is for sql_only")),
        ("upgrade: malformed target '@@'", *up({"target": "@@"}, "Can't locate revision")),
        ("upgrade: target head:::", *up({"target": "head:::"}, "upgrade head:::")),
        ("downgrade: malformed target '-x'", *up({"target": "-x"}, "Can't locate revision identified by '-x'", "downgrade")),
        ("downgrade: relative target past the base", *up({"target": "+2"}, "didn't produce 2 migrations", "downgrade")),
        ("upgrade: target with a NUL", *up({"target": "head\u0000x"}, "NUL character")),
        ("upgrade: negative lock_timeout_ms", *up({"lock_timeout_ms": -1}, "'lock_timeout_ms' must be at least 0")),
        ("upgrade: lock_timeout_ms 1e30", *up({"lock_timeout_ms": 1e30}, "'lock_timeout_ms' must be an integer")),
        ("downgrade: lock_timeout_ms over a day", *up({"lock_timeout_ms": 99999999999}, "between 0 and 86400000", "downgrade")),
        ("upgrade: statement_timeout_ms 1.5", *up({"statement_timeout_ms": 1.5}, "'statement_timeout_ms' must be an integer")),
        ("upgrade: statement_timeout_ms as a string", *up({"statement_timeout_ms": "10"}, "'statement_timeout_ms' must be an integer")),
        ("downgrade: negative statement_timeout_ms", *up({"statement_timeout_ms": -5}, "'statement_timeout_ms' must be at least 0", "downgrade")),
        ("upgrade: sql_only as a string", *up({"sql_only": "yes"}, "'sql_only' must be a boolean")),
        ("upgrade: database_url that is not a URL", *up({"database_url": "not a url " + pw}, "is not a database URL", not_=hidden)),
        ("upgrade: database_url of another scheme, with a password", *up({"database_url": "https://u:%s@example.com/db" % pw}, "is not a PostgreSQL URL", not_=hidden)),
        ("downgrade: SQLAlchemy URL of MySQL, with a password", *up({"database_url": "mysql+pymysql://u:%s@h/db" % pw}, "scheme 'mysql+pymysql'", "downgrade", hidden)),
        ("upgrade: URL with a password and a bad sslmode", *up({"database_url": "postgresql://u:%s@/db?host=/nonexistent&sslmode=bogus" % pw_enc}, "invalid sslmode", not_=hidden)),
        ("downgrade: URL with a password, nothing listening", *up({"database_url": "postgresql://u:%s@/db?host=/nonexistent-retort-badinput" % pw}, "cannot connect to postgresql://u:***@", "downgrade", hidden)),
        ("upgrade: libpq string with an unterminated password", *up({"database_url": "host=/nonexistent password='%s" % pw}, "cannot read the database URL", not_=hidden)),
        ("create_migration: no message", *cm({}, "missing required argument 'message'")),
        ("create_migration: message is a number", *cm({"message": 5}, "'message' must be a string")),
        ("create_migration: message with a NUL", *cm({"message": "add\u0000table"}, "NUL character")),
        ("create_migration: rev_id with ../", *cm({"message": "x", "rev_id": "../../evil"}, "rev_id ../../evil: only letters, digits and '_'")),
        ("create_migration: rev_id that is an absolute path", *cm({"message": "x", "rev_id": "/tmp/evil"}, "only letters, digits and '_'")),
        ("create_migration: rev_id with a slash", *cm({"message": "x", "rev_id": "a/b"}, "only letters, digits and '_'")),
        ("create_migration: empty rev_id", *cm({"message": "x", "rev_id": ""}, "rev_id must be 1 to 64 characters")),
        ("create_migration: rev_id already in the project", *cm({"message": "x", "rev_id": "a6e1f5b9c372"}, "already present")),
        ("create_migration: branch_label with '@'", *cm({"message": "x", "branch_label": "a@b"}, "branch_label a@b")),
        ("create_migration: merge with one id", *cm({"message": "x", "merge": ["a6e1f5b9c372"]}, "two or more parents")),
        ("create_migration: merge that is neither heads nor a list", *cm({"message": "x", "merge": "nope"}, "an array of revision ids is expected")),
        ("create_migration: unknown head", *cm({"message": "x", "head": "ffffffffffff"}, "No such revision or branch 'ffffffffffff'")),
        ("create_migration: unknown depends_on", *cm({"message": "x", "depends_on": ["zzzz"]}, "No such revision or branch 'zzzz'")),
        ("create_migration: version_path outside the project", *cm({"message": "x", "version_path": "/tmp"}, "not represented in current version locations")),
        ("create_migration: autogenerate without model files", *cm({"message": "x", "autogenerate": True}, "autogenerate needs the project's model files", nomodels)),
        ("create_migration: write is not a boolean", *cm({"message": "x", "write": "yes"}, "'write' must be a boolean")),
        ("create_migration: unknown against", *cm({"message": "x", "against": "moon"}, "'against' must be one of")),
    ]
    return cases


def tree(root):
    """{relative path: sha256 or link target} of every file, link and directory."""
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = "-> " + os.readlink(p)
            elif os.path.isdir(p):
                out[rel] = "dir"
            else:
                with open(p, "rb") as f:
                    out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


def tree_diff(before, after):
    added = sorted(set(after) - set(before))
    gone = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    parts = []
    for what, names in (("new", added), ("removed", gone), ("changed", changed)):
        if names:
            parts.append("%s: %s" % (what, ", ".join(names[:10])))
    return "; ".join(parts)


def make_copies(tmp):
    """A copy of the shop, and one without model files ([retort] models, app/, env.py's
    import of them), both in `tmp`."""
    proj = os.path.join(tmp, "shop")
    shutil.copytree(SHOP, proj, ignore=shutil.ignore_patterns("__pycache__"))
    nomodels = os.path.join(tmp, "nomodels")
    shutil.copytree(SHOP, nomodels, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(os.path.join(nomodels, "app"))
    ini = os.path.join(nomodels, "alembic.ini")
    with open(ini) as f:
        text = "".join(l for l in f if not l.startswith("models ="))
    with open(ini, "w") as f:
        f.write(text)
    env_py = os.path.join(nomodels, "migrations", "env.py")
    with open(env_py) as f:
        text = f.read().replace("from app.models import Base\n", "").replace("Base.metadata", "None")
    with open(env_py, "w") as f:
        f.write(text)
    return proj, nomodels

def check_reply(kind, msgs, exp):
    """None when `msgs` (everything before the probe's reply) meet the expectation."""
    if exp[0] == "none":
        return None if not msgs else "expected no reply, got %s" % msgs
    if len(msgs) != 1:
        return "expected one reply, got %d: %s" % (len(msgs), msgs)
    m = msgs[0]
    if m.get("jsonrpc") != "2.0":
        return "reply is not JSON-RPC 2.0: %s" % m
    if exp[0] == "error":
        code, id_ = exp[1], exp[2]
        if "error" not in m:
            return "expected error %d, got %s" % (code, str(m)[:300])
        if m["error"].get("code") != code:
            return "expected error %d, got %s" % (code, m["error"])
        if not m["error"].get("message"):
            return "error without a message"
        if m.get("id") != id_:
            return "expected id %r, got %r" % (id_, m.get("id"))
        return None
    if "result" not in m or m.get("id") != exp[1]:
        return "expected a result for id %r, got %s" % (exp[1], str(m)[:300])
    is_err = isinstance(m["result"], dict) and bool(m["result"].get("isError"))
    if exp[0] == "tool_error":
        if not is_err:
            return "expected an isError result, got %s" % str(m)[:300]
        text = m["result"]["content"][0]["text"]
        if not text.strip():
            return "isError result with no text"
        must = exp[2] if len(exp) > 2 else None
        if must and must not in text:
            return "the error does not say %r: %s" % (must, text[:400])
        for secret in (exp[3] if len(exp) > 3 and exp[3] else ()):
            if secret in json.dumps(m, ensure_ascii=False) or secret in text:
                return "the reply shows the password of the database URL"
        return None
    if is_err:
        return "expected a normal result, got isError: %s" % str(m)[:300]
    return None


def run_mcp(binary, env, tmp):
    failures = []
    proj, nomodels = make_copies(tmp)
    before = {p: tree(p) for p in (proj, nomodels)}
    s = Server(binary, "mcp", env)
    s.send(s.frame(req(0, "tools/call", {"name": "history", "arguments": {}})))
    first = s.read()
    if first.get("error", {}).get("code") != NOT_INIT:
        failures.append("tools/call before initialize: expected %d, got %s" % (NOT_INIT, first))
    s.send(s.frame(req(0, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                         "clientInfo": {"name": "badinput", "version": "1"}})))
    init = s.read()
    assert init.get("result", {}).get("protocolVersion") == "2025-06-18", init
    s.send(s.frame(b'{"jsonrpc":"2.0","method":"notifications/initialized"}'))
    cases = list(MCP_CASES) + project_cases(proj, nomodels)
    # A 100 MB line: answered with -32600 and skipped without being buffered.
    cases.append(("a 100 MB line", b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"' + b"a" * (100 << 20) + b'"}}', ("error", INVALID, None)))
    passed = 0
    for i, (name, raw, exp) in enumerate(cases):
        probe = "probe"
        try:
            s.send(raw + b"\n" + req(probe, "ping") + b"\n")
            # the probe's reply ends the case; a case that is itself a ping "probe"
            # (duplicate ids) is answered first, so then two such replies are awaited
            want = 2 if name.startswith("duplicate id") else 1
            seen, msgs = 0, []
            while seen < want:
                m = s.read(timeout=60)
                msgs.append(m)
                if m.get("id") == probe and m.get("result") == {}:
                    seen += 1
            msgs.pop()
        except (TimeoutError, EOFError, BrokenPipeError) as e:
            failures.append("mcp %d %s: server stopped answering: %s" % (i, name, e))
            break
        why = check_reply("mcp", msgs, exp)
        if why:
            failures.append("mcp %d %s: %s" % (i, name, why))
        else:
            passed += 1
    # Nothing of the bad upgrades was applied: the copy's scratch database has no
    # version table (the bad confirm was the one call that got as far as the database).
    if not failures or "stopped answering" not in failures[-1]:
        s.send(s.frame(call("st", "status", {"project": proj})))
        st = s.read(timeout=120)
        sc = st.get("result", {}).get("structuredContent") or {}
        if (sc.get("database") or {}).get("reachable") is not True or sc.get("current"):
            failures.append("mcp: after the bad upgrades the scratch database is unreachable or "
                            "not empty: %s" % str(st)[:500])
    code = s.close()
    if code != 0:
        failures.append("mcp: exit code %s after EOF (want 0)" % code)
    # Nothing written: every file of both copies as it was, nothing new beside them
    # (but the scratch cluster's directory).
    for p in (proj, nomodels):
        why = tree_diff(before[p], tree(p))
        if why:
            failures.append("mcp: the bad calls changed %s: %s" % (p, why))
    extra = set(os.listdir(tmp)) - {"shop", "nomodels", "scratch"}
    if extra:
        failures.append("mcp: the bad calls wrote %s beside the project" % sorted(extra))
    return passed, len(cases), failures, s.err


def lsp_frame(body):
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


# (name, raw bytes as sent (whole frames or garbage), expectation as for MCP)
LSP_CASES = [
    ("Content-Length too short (body cut)", b"Content-Length: 10\r\n\r\n" + req(1, "textDocument/hover"), ("parse_errors",)),
    ("Content-Length not a number", b"Content-Length: ten\r\n\r\n{}", ("parse_errors",)),
    ("Content-Length negative", b"Content-Length: -5\r\n\r\n", ("error", PARSE, None)),
    ("no Content-Length header", b"Content-Type: application/json\r\n\r\n{}", ("parse_errors",)),
    ("header without CRLF", b"Content-Length: 2\n\n{}", ("result_or_parse",)),
    ("Content-Length over the 16 MiB cap (20 MB body)", lsp_frame(b" " * (20 << 20)), ("error", INVALID, None)),
    ("Content-Length longer than the body", b"Content-Length: 60\r\n\r\n{}", ("lie_long",)),
    ("body is not JSON", lsp_frame(b"hello"), ("error", PARSE, None)),
    ("unknown request", lsp_frame(req(1, "workspace/noSuchThing")), ("error", NO_METHOD, 1)),
    ("unknown notification", lsp_frame(b'{"jsonrpc":"2.0","method":"$/noSuchThing"}'), ("none",)),
    ("hover on a document never opened", lsp_frame(req(1, "textDocument/hover", {"textDocument": {"uri": "file:///nope.py"}, "position": {"line": 0, "character": 0}})), ("result", 1)),
    ("hover with a negative position", lsp_frame(req(1, "textDocument/hover", {"textDocument": {"uri": "file:///nope.py"}, "position": {"line": -1, "character": -9}})), ("error_or_result", 1)),
    ("didChange for a closed document", lsp_frame(b'{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///x.py","version":2},"contentChanges":[{"text":"x"}]}}'), ("none",)),
    ("didOpen with broken Python", lsp_frame(json.dumps({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file://" + SHOP + "/migrations/versions/zz_broken.py", "languageId": "python", "version": 1, "text": "revision = (\ndef upgrade(:\n"}}}).encode()), ("diagnostics",)),
    ("didChange with a range past the end", lsp_frame(json.dumps({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": "file://" + SHOP + "/migrations/versions/zz_broken.py", "version": 2}, "contentChanges": [{"range": {"start": {"line": 900, "character": 0}, "end": {"line": 999, "character": 5}}, "text": "x"}]}}).encode()), ("diagnostics",)),
]


def run_lsp(binary, env):
    failures = []
    s = Server(binary, "lsp", env)
    s.send(lsp_frame(req(1, "initialize", {"processId": None, "rootUri": "file://" + SHOP, "capabilities": {}})))
    init = s.read()
    assert "capabilities" in init.get("result", {}), init
    s.send(lsp_frame(b'{"jsonrpc":"2.0","method":"initialized","params":{}}'))
    probe_body = req("probe", "textDocument/hover", {"textDocument": {"uri": "file:///probe.py"}, "position": {"line": 0, "character": 0}})
    passed = 0
    for i, (name, raw, exp) in enumerate(LSP_CASES):
        try:
            s.send(raw + lsp_frame(probe_body))
            if exp[0] == "lie_long":
                # the lie swallows the start of the probe; the rest of it is garbage the
                # reader resynchronises past; a second probe must then be answered
                s.send(lsp_frame(probe_body))
            msgs = []
            while True:
                m = s.read(timeout=30)
                if m.get("id") == "probe":
                    break
                msgs.append(m)
        except (TimeoutError, EOFError, BrokenPipeError) as e:
            failures.append("lsp %d %s: server stopped answering: %s" % (i, name, e))
            break
        replies = [m for m in msgs if "id" in m]
        notes = [m for m in msgs if "id" not in m]
        why = None
        if exp[0] == "diagnostics":
            if replies or not any(n.get("method") == "textDocument/publishDiagnostics" for n in notes):
                why = "expected diagnostics and no reply, got %s" % msgs
        elif exp[0] in ("parse_errors", "lie_long"):
            # the bad frame, then possibly the garbage after it: parse errors only
            codes = [m.get("error", {}).get("code") for m in replies]
            why = None if codes and all(c == PARSE for c in codes) else "expected parse errors, got %s" % replies
        elif exp[0] == "result_or_parse":
            # Bare "\n" line ends are not LSP framing; either tolerated or a parse error,
            # never a hang: the probe's answer arrived, which is what matters here.
            why = None
        elif exp[0] == "error_or_result":
            why = None if len(replies) == 1 and replies[0].get("id") == exp[1] else "expected one reply for id %r, got %s" % (exp[1], replies)
        else:
            why = check_reply("lsp", replies, exp)
        if why:
            failures.append("lsp %d %s: %s" % (i, name, why))
        else:
            passed += 1
    if failures and "stopped answering" in failures[-1]:
        s.p.kill()
        s.close()
        return passed, len(LSP_CASES) + 1, failures, s.err
    # After shutdown: requests are refused with -32600, exit ends the process with 0.
    s.send(lsp_frame(req(2, "shutdown")))
    m = s.read()
    if m.get("id") != 2 or "result" not in m:
        failures.append("lsp shutdown: %s" % m)
    s.send(lsp_frame(probe_body))
    m = s.read()
    if m.get("error", {}).get("code") != INVALID:
        failures.append("lsp request after shutdown: expected %d, got %s" % (INVALID, m))
    else:
        passed += 1
    s.send(lsp_frame(b'{"jsonrpc":"2.0","method":"exit"}'))
    code = s.close()
    if code != 0:
        failures.append("lsp: exit code %s after shutdown + exit (want 0)" % code)
    return passed, len(LSP_CASES) + 1, failures, s.err


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="retort-badinput.") as tmp:
        os.chmod(tmp, 0o755)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp,
               "RETORT_SCRATCH_DIR": os.path.join(tmp, "scratch")}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        total_pass = total = 0
        failures = []
        stderr = b""
        for run in (lambda b, e: run_mcp(b, e, tmp), run_lsp):
            p, n, f, err = run(binary, env)
            total_pass += p
            total += n
            failures += f
            stderr += err
        for marker in (b"AddressSanitizer", b"runtime error:", b"LeakSanitizer"):
            if marker in stderr:
                failures.append("sanitizer report on stderr:\n" + stderr.decode(errors="replace")[-3000:])
                break
    for f in failures:
        print("FAIL " + f)
    print("bad-input catalogue: %d of %d cases answered correctly, server alive after each" % (total_pass, total))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

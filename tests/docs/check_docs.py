#!/usr/bin/python3
"""check_docs.py RETORT_BIN BUILD_DIR - README.md's set-up snippets, tried as a new user would.

Each snippet the README marks with `<!-- snippet: NAME -->` is extracted and used for
real: retort is installed with `cmake --install` as the README says, the MCP client
configurations start the command they name and hold an MCP session with it, the VS Code
settings start the language server and get diagnostics, the Neovim snippet runs in
`nvim --headless` (when nvim is installed), the CI job parses as YAML and its review
step runs in a git repository with a pull request, and the `[retort]` configuration is
accepted by retort. The configuration and rule tables are compared with the sources,
and every skill's frontmatter, read by PyYAML, with what `retort mcp` serves.
Prints PASS/FAIL/SKIP per check and "N passed, N failed"; exits 1 on a failure.
"""
import configparser
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "examples" / "shop"
INDEX_REVISION = "migrations/versions/2024_03_04_d5a07b9c3e28_index_orders_by_customer_and_date.py"
SNIPPETS = {"claude-code-mcp-json", "mcp-servers-json", "vscode-mcp-json", "neovim-lua",
            "vscode-settings-json", "ci-yaml", "retort-ini", "retort-pyproject"}
TIMEOUT = 30

retort_bin = Path(sys.argv[1]).resolve()
build_dir = Path(sys.argv[2]).resolve()
work = Path(tempfile.mkdtemp(prefix="retort-docs."))
readme = (REPO / "README.md").read_text(encoding="utf-8")
results = {"passed": 0, "failed": 0, "skipped": 0}


class Skip(Exception):
    pass


def check(fn):
    """Runs one check and records its outcome; the checks run in file order."""
    name = fn.__name__.replace("_", " ")
    try:
        fn()
    except Skip as e:
        results["skipped"] += 1
        print(f"SKIP {name}: {e}")
    except Exception as e:  # an AssertionError or anything the check did not expect
        results["failed"] += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}")
    else:
        results["passed"] += 1
        print(f"PASS {name}")
    return fn


def snippets():
    found = {}
    for m in re.finditer(r"<!-- snippet: (\S+) -->\n```(\w+)\n(.*?)\n```\n", readme, re.S):
        assert m.group(1) not in found, f"snippet {m.group(1)} twice"
        found[m.group(1)] = (m.group(2), m.group(3))
    return found


SNIP = snippets()


def project_copy(name):
    dest = work / name
    shutil.copytree(SHOP, dest)
    return dest


# ---- a little MCP and LSP client --------------------------------------------------------

class Server:
    """A child process spoken to over stdio, NDJSON (MCP) or Content-Length (LSP)."""

    def __init__(self, argv, cwd, env, lsp=False):
        self.lsp = lsp
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buf = b""
        self.next_id = 0

    def send(self, msg):
        body = json.dumps(msg).encode()
        if self.lsp:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        else:
            self.proc.stdin.write(body + b"\n")
        self.proc.stdin.flush()

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        assert left > 0, "no reply in time"
        ready, _, _ = select.select([self.proc.stdout], [], [], left)
        assert ready, "no reply in time"
        chunk = os.read(self.proc.stdout.fileno(), 65536)
        assert chunk, f"the server closed stdout; stderr: {self.proc.stderr.read().decode()[-500:]}"
        self.buf += chunk

    def receive(self):
        deadline = time.monotonic() + TIMEOUT
        if not self.lsp:
            while b"\n" not in self.buf:
                self._fill(deadline)
            line, self.buf = self.buf.split(b"\n", 1)
            return json.loads(line)
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        n = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        while len(rest) < n:
            self._fill(deadline)
            head, rest = self.buf.split(b"\r\n\r\n", 1)
        self.buf = rest[n:]
        return json.loads(rest[:n])

    def request(self, method, params=None):
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        while True:
            reply = self.receive()
            if reply.get("id") == self.next_id:
                assert "error" not in reply, f"{method}: {reply['error']}"
                return reply["result"]

    def notify(self, method, params=None):
        self.send({"jsonrpc": "2.0", "method": method, **({"params": params} if params else {})})

    def close(self):
        self.proc.stdin.close()
        code = self.proc.wait(TIMEOUT)
        err = self.proc.stderr.read().decode()
        assert "Sanitizer" not in err and "runtime error" not in err, err
        return code


def no_sanitizer_report(proc):
    """`proc` (a finished subprocess.run of retort, or of a script that runs it, with
    captured text output) printed no sanitizer report: a status the check accepts (1 for
    a review with errors) must not hide one. Returns `proc`."""
    for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
        assert marker not in (proc.stderr or ""), proc.stderr
    return proc


# ---- installing, as the README says -----------------------------------------------------

prefix = work / "prefix"
env = dict(os.environ)


@check
def readme_has_every_snippet_and_its_json_parses():
    assert set(SNIP) == SNIPPETS, f"snippets {sorted(SNIP)}, expected {sorted(SNIPPETS)}"
    blocks = re.findall(r"```json\n(.*?)\n```", readme, re.S)
    assert len(blocks) >= 4
    for b in blocks:
        json.loads(b)


@check
def cmake_install_puts_retort_on_the_path():
    assert "cmake --install build --prefix ~/.local" in readme
    subprocess.run(["cmake", "--install", str(build_dir), "--prefix", str(prefix)], check=True,
                   capture_output=True, timeout=120)
    installed = prefix / "bin" / "retort"
    assert installed.is_file(), f"no {installed}"
    env["PATH"] = f"{prefix / 'bin'}:{os.environ.get('PATH', '')}"
    out = no_sanitizer_report(subprocess.run(["retort", "--version"], env=env, capture_output=True,
                                             text=True, timeout=30))
    assert out.returncode == 0 and out.stdout.startswith("retort "), out


def resolve_command(command):
    path = shutil.which(command, path=env["PATH"])
    assert path, f"the command {command!r} is not on the PATH"
    assert Path(path).resolve().read_bytes() == retort_bin.read_bytes(), f"{path} is not the retort built here"
    return path


# ---- MCP clients ------------------------------------------------------------------------

prompts_served = {}


def mcp_session(entry, cwd, substitute=None):
    """Starts the server an MCP client configuration names and talks to it as a client."""
    assert entry.get("type", "stdio") == "stdio"
    args = [substitute(a) if substitute else a for a in entry.get("args", [])]
    server = Server([resolve_command(entry["command"])] + args, cwd, env)
    try:
        init = server.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                             "clientInfo": {"name": "readme", "version": "1"}})
        server.notify("notifications/initialized")
        caps = init["capabilities"]
        assert "tools" in caps and "prompts" in caps, caps
        tools = {t["name"] for t in server.request("tools/list")["tools"]}
        assert {"history", "status", "review_migration", "upgrade", "downgrade"} <= tools, tools
        prompts = server.request("prompts/list")["prompts"]
        assert any(p["name"] == "create-migration" for p in prompts)
        prompts_served.update({p["name"]: p for p in prompts})
        text = server.request("prompts/get", {"name": "create-migration",
                                              "arguments": {"message": "add email"}})
        assert 'message="add email"' in text["messages"][0]["content"]["text"]
        history = server.request("tools/call", {"name": "history", "arguments": {}})
        assert not history.get("isError"), history
        assert len(history["structuredContent"]["revisions"]) == 8
    finally:
        code = server.close()
    assert code == 0, f"exit code {code}"


@check
def claude_code_mcp_json_starts_retort_in_the_project():
    config = json.loads(SNIP["claude-code-mcp-json"][1])
    project = project_copy("claude-code")
    (project / ".mcp.json").write_text(SNIP["claude-code-mcp-json"][1])
    # Claude Code starts the server in the project directory; so does this.
    mcp_session(config["mcpServers"]["retort"], project)


@check
def other_mcp_clients_with_the_project_path():
    config = json.loads(SNIP["mcp-servers-json"][1])
    project = project_copy("desktop")
    entry = config["mcpServers"]["retort"]
    assert "/path/to/your/project" in entry["args"]
    # Claude Desktop and Cursor start servers elsewhere: the home directory here.
    mcp_session(entry, work, lambda a: str(project) if a == "/path/to/your/project" else a)


@check
def vscode_mcp_json():
    config = json.loads(SNIP["vscode-mcp-json"][1])
    project = project_copy("vscode-mcp")
    entry = config["servers"]["retort"]
    assert entry["type"] == "stdio"
    mcp_session(entry, work, lambda a: a.replace("${workspaceFolder}", str(project)))


# ---- editors ----------------------------------------------------------------------------

def lsp_diagnostics(argv, cwd, language_id):
    """An LSP session: initialize, open the index revision, wait for its diagnostics."""
    server = Server(argv, cwd, env, lsp=True)
    uri = (cwd / INDEX_REVISION).as_uri()
    try:
        server.request("initialize", {"processId": os.getpid(), "rootUri": cwd.as_uri(),
                                      "capabilities": {}, "workspaceFolders": [{"uri": cwd.as_uri(), "name": "w"}]})
        server.notify("initialized", {})
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language_id, "version": 1, "text": (cwd / INDEX_REVISION).read_text()}})
        while True:
            msg = server.receive()
            if msg.get("method") == "textDocument/publishDiagnostics" and msg["params"]["uri"] == uri:
                diags = msg["params"]["diagnostics"]
                break
        server.request("shutdown")
        server.notify("exit")
    finally:
        code = server.close()
    assert code == 0, f"exit code {code}"
    return diags


@check
def vscode_settings_start_the_language_server():
    settings = json.loads(SNIP["vscode-settings-json"][1])
    assert set(settings) <= {"glspc.server.command", "glspc.server.commandArguments", "glspc.server.languageId",
                             "glspc.server.environmentVariables", "glspc.server.initializationOptions"}, settings
    workspace = project_copy("vscode")
    (workspace / ".vscode").mkdir()
    (workspace / ".vscode" / "settings.json").write_text(SNIP["vscode-settings-json"][1])
    # What the extension does: spawn(command, commandArguments, {cwd: first workspace folder}),
    # documentSelector = languageId.
    argv = [resolve_command(settings["glspc.server.command"])] + settings["glspc.server.commandArguments"]
    diags = lsp_diagnostics(argv, workspace, settings["glspc.server.languageId"][0])
    hit = [d for d in diags if d.get("code") == "require-concurrent-index-creation"]
    assert hit and hit[0]["range"]["start"] == {"line": 21, "character": 4}, diags


NVIM_COMPAT = """
-- Neovim 0.7 (Debian 12) lacks vim.fs and vim.lsp.start (both 0.8): the same from 0.7's API.
if not vim.fs then
  vim.fs = {
    dirname = function(p) return vim.fn.fnamemodify(p, ":h") end,
    find = function(name, opts)
      local f = vim.fn.findfile(name, opts.path .. ";")
      if f == "" then return {} end
      return { vim.fn.fnamemodify(f, ":p") }
    end,
  }
end
if not vim.lsp.start then
  vim.lsp.start = function(config)
    local id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(0, id)
    return id
  end
end
"""

NVIM_DRIVE = """
local out = io.open(os.getenv("OUT"), "w")
vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("REVISION")))
local ok = vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)
for _, d in ipairs(vim.diagnostic.get(0)) do
  out:write(string.format("%d:%d %s %s\\n", d.lnum + 1, d.col + 1, tostring(d.code), d.message))
end
out:write("clients " .. #vim.lsp.get_active_clients() .. "\\n")
out:close()
vim.cmd("qa!")
"""


@check
def neovim_snippet_is_lua_that_starts_retort():
    nvim = shutil.which("nvim")
    if not nvim:
        raise Skip("no nvim (tests/deps.sh installs Debian's neovim)")
    d = work / "nvim"
    d.mkdir()
    (d / "snippet.lua").write_text(SNIP["neovim-lua"][1])
    (d / "compat.lua").write_text(NVIM_COMPAT)
    (d / "drive.lua").write_text(NVIM_DRIVE)
    base = [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n"]
    syntax = subprocess.run(base + ["-c", "lua local f, e = loadfile('snippet.lua') if not f then "
                                    "io.stderr:write(e) vim.cmd('cquit 1') end", "-c", "qa!"],
                            cwd=d, capture_output=True, text=True, timeout=60)
    assert syntax.returncode == 0, f"not valid Lua: {syntax.stderr}"
    project = project_copy("neovim")
    run_env = dict(env, OUT=str(d / "out.txt"), REVISION=str(project / INDEX_REVISION))
    run = subprocess.run(base + ["-c", "filetype on", "-c", "luafile compat.lua", "-c", "luafile snippet.lua",
                                 "-c", "luafile drive.lua"],
                         cwd=d, env=run_env, capture_output=True, text=True, timeout=90)
    out = (d / "out.txt").read_text() if (d / "out.txt").exists() else ""
    assert run.returncode == 0, f"nvim exited {run.returncode}: {run.stderr} {out}"
    assert "22:5 require-concurrent-index-creation" in out and "clients 1" in out, out


# ---- CI -----------------------------------------------------------------------------------

def deps_build_packages():
    text = (REPO / "tests" / "deps.sh").read_text()
    m = re.search(r"# build\n(.*?)\n\s*#", text, re.S)
    return set(m.group(1).split())


def git(cwd, *args, genv):
    subprocess.run(["git", *args], cwd=cwd, env=genv, check=True, capture_output=True, timeout=60)


def pull_request(name, on_main_without, genv):
    """A repository whose main lacks some revision files, and a clone checked out on a
    branch that adds them, the way actions/checkout leaves a pull request."""
    base = project_copy(name + "-main")
    added = {}
    for rel in on_main_without:
        added[rel] = (base / rel).read_text()
        (base / rel).unlink()
    git(base, "init", "-q", "-b", "main", genv=genv)
    git(base, "add", "-A", genv=genv)
    git(base, "commit", "-q", "-m", "main", genv=genv)
    ws = work / (name + "-ws")
    git(work, "clone", "-q", str(base), str(ws), genv=genv)
    git(ws, "checkout", "-q", "-b", "feature", genv=genv)
    for rel, text in added.items():
        (ws / rel).write_text(text)
    git(ws, "add", "-A", genv=genv)
    git(ws, "commit", "-q", "-m", "new revisions", genv=genv)
    (ws / ".retort" / "build").mkdir(parents=True)
    (ws / ".retort" / "build" / "retort").symlink_to(prefix / "bin" / "retort")
    return ws


@check
def ci_job_parses_and_its_review_step_fails_on_errors():
    job = yaml.safe_load(SNIP["ci-yaml"][1])
    # PyYAML (YAML 1.1) reads the key `on` as True
    on = job.get("on", job.get(True))
    assert "pull_request" in on, on
    steps = job["jobs"]["review"]["steps"]
    assert job["jobs"]["review"]["permissions"]["security-events"] == "write"
    runs = [s.get("run", "") for s in steps]
    install = next(r for r in runs if "apt-get install" in r)
    missing = deps_build_packages() - set(install.replace("\\", " ").split())
    assert not missing, f"the CI job does not install {missing} (tests/deps.sh builds with them)"
    build = next(r for r in runs if "cmake --build" in r)
    assert "-B .retort/build" in build and "--target retort" in build, build
    review = next(s for s in steps if "review" in s.get("run", "") and "--format sarif" in s.get("run", ""))
    assert review.get("shell") == "bash" and "${{" not in review["run"], review
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert "always()" in upload["if"] and upload["with"]["sarif_file"] == "retort.sarif"

    genv = dict(env, GIT_CONFIG_GLOBAL=str(work / "gitconfig"), GIT_CONFIG_NOSYSTEM="1",
                GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
                GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    # GitHub runs a bash step as `bash --noprofile --norc -eo pipefail {0}`.
    def run_step(ws):
        step_env = dict(genv, GITHUB_WORKSPACE=str(ws), GITHUB_BASE_REF="main")
        script = work / "step.sh"
        script.write_text(review["run"])
        return no_sanitizer_report(subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=ws,
            env=step_env, capture_output=True, text=True, timeout=120))

    # A pull request that adds the index without CONCURRENTLY (and two clean revisions).
    bad = ["migrations/versions/2024_03_25_a6e1f5b9c372_add_refunded_order_status.py",
           "migrations/versions/2024_03_11_f0c4d8e2a615_merge_reporting_into_main.py", INDEX_REVISION]
    ws = pull_request("ci-bad", bad, genv)
    step = run_step(ws)
    assert step.returncode == 1, f"exit {step.returncode}: {step.stdout} {step.stderr}"
    sarif = json.loads((ws / "retort.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    res = sarif["runs"][0]["results"]
    errors = [r for r in res if r["level"] == "error"]
    assert [r["ruleId"] for r in errors] == ["require-concurrent-index-creation"], res
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in res for loc in r["locations"]}
    assert uris <= set(bad), uris
    assert "reviewing: migrations/versions/" in step.stdout, step.stdout

    # One that adds a clean revision passes.
    ws = pull_request("ci-good", bad[:1], genv)
    step = run_step(ws)
    assert step.returncode == 0, f"exit {step.returncode}: {step.stdout} {step.stderr}"
    sarif = json.loads((ws / "retort.sarif").read_text())
    assert all(r["level"] != "error" for r in sarif["runs"][0]["results"])


# ---- configuration and rules --------------------------------------------------------------

def section(title, level="## "):
    """The README from the heading `title` to the next heading of its level or above
    (lines inside code blocks are not headings)."""
    lines = readme.splitlines(keepends=True)
    depth = len(level) - 1
    out, inside, fence = [], False, False
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        heading = not fence and re.match(r"(#+) ", line)
        if inside and heading and len(heading.group(1)) <= depth:
            break
        if not inside and line == f"{level}{title}\n":
            inside = True
        if inside:
            out.append(line)
    assert out, f"no section {level}{title}"
    return "".join(out)


def table_rows(text, first_header):
    rows = []
    for m in re.finditer(rf"\| {first_header} \|.*?\n\|[-|]+\|\n((?:\|.*\|\n)+)", text):
        for line in m.group(1).splitlines():
            rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


@check
def retort_ini_snippet_is_accepted():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(SNIP["retort-ini"][1])
    keys = dict(parser["retort"])
    for ini in re.findall(r"```ini\n(.*?)\n```", readme, re.S):
        for line in ini.splitlines():
            assert line.startswith("#") or " #" not in line, \
                f"{line!r}: configparser keeps the comment in the value"
    documented = {r[0].strip("`").replace("<rule-id>", "ban-drop-column") for r in
                  table_rows(section("Configuration"), "key")}
    assert set(keys) <= documented, f"{set(keys) - documented} are not in the table"
    sources = "".join(p.read_text(errors="replace") for p in (REPO / "server").rglob("*.c"))
    for key in documented - {"models"}:  # models: read by create_migration (being written)
        literal = "severity." if key.startswith("severity.") else key
        assert f'"{literal}"' in sources, f"[retort] {key} is documented but no source reads it"
    project = project_copy("ini")
    ini = (project / "alembic.ini").read_text()
    ini = re.sub(r"\[retort\]\n(?:[^\[\n].*\n|\n)*", SNIP["retort-ini"][1] + "\n\n", ini, count=1)
    (project / "alembic.ini").write_text(ini)
    review = no_sanitizer_report(subprocess.run(
        ["retort", "--project", str(project), "--format", "json", "review", "base:head"],
        env=env, capture_output=True, text=True, timeout=120))
    assert review.returncode in (0, 1) and "[retort]" not in review.stderr, review.stderr
    summary = json.loads(review.stdout)["summary"]
    assert summary["errors"] >= 1, summary
    upgrade = no_sanitizer_report(subprocess.run(
        ["retort", "--project", str(project), "call", "upgrade", '{"target": "base:head", "sql_only": true}'],
        env=env, capture_output=True, text=True, timeout=120))
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr


@check
def retort_pyproject_snippet_configures_the_same_review():
    """[tool.retort] in pyproject.toml (tomllib reads it) gives the review the ini snippet
    gives: the same findings, severities and exit code."""
    doc = tomllib.loads(SNIP["retort-pyproject"][1])["tool"]["retort"]
    toml_keys = {k + "." + sub if isinstance(v, dict) and k == "severity" else k
                 for k, v in doc.items() for sub in (v if isinstance(v, dict) else [""])}
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(SNIP["retort-ini"][1])
    assert toml_keys == set(parser["retort"]), f"{toml_keys} vs {set(parser['retort'])}"
    runs = []
    for name, config in (("ini2", "ini"), ("toml", "toml")):
        project = project_copy(name)
        ini = (project / "alembic.ini").read_text()
        ini = re.sub(r"\[retort\]\n(?:[^\[\n].*\n|\n)*", "", ini, count=1)
        if config == "ini":
            ini += "\n" + SNIP["retort-ini"][1] + "\n"
        else:
            (project / "pyproject.toml").write_text(
                '[project]\nname = "shop"\n\n' + SNIP["retort-pyproject"][1] + "\n")
        (project / "alembic.ini").write_text(ini)
        review = no_sanitizer_report(subprocess.run(
            ["retort", "--project", str(project), "--format", "json", "review", "base:head"],
            env=env, capture_output=True, text=True, timeout=120))
        assert review.returncode in (0, 1) and "retort]" not in review.stderr, review.stderr
        findings = [(f["rule"], f["severity"], os.path.basename(f["path"] or ""), f["line"])
                    for f in json.loads(review.stdout)["findings"]]
        runs.append((review.returncode, sorted(findings)))
    assert runs[0] == runs[1], f"alembic.ini gives {runs[0]}, pyproject.toml gives {runs[1]}"
    assert any(f[0] == "ban-drop-column" and f[1] == "error" for f in runs[1][1]) or \
        not any(f[0] == "ban-drop-column" for f in runs[1][1]), runs[1]


def source_rules():
    """{id: (severity, opt_in)} of the lint rules (one file each) and the graph rules."""
    rules, graph = {}, set()
    for p in (REPO / "server" / "lint" / "rules").glob("*.c"):
        flat = " ".join(p.read_text().split())
        for m in re.finditer(r'const LintRule rule_\w+ = \{ ?"([a-z-]+)", [^,]+, SEV_(\w+), (true|false)', flat):
            rules[m.group(1)] = (m.group(2).lower(), m.group(3) == "true")
    flat = " ".join((REPO / "server" / "lint" / "registry.c").read_text().split())
    for m in re.finditer(r'GRAPH_RULE\(\w+, "([a-z-]+)", SEV_(\w+),', flat):
        rules[m.group(1)] = (m.group(2).lower(), False)
        graph.add(m.group(1))
    return rules, graph


@check
def rule_list_matches_the_registry():
    rows = table_rows(section("Rules", "### "), "id")
    documented = {}
    for r in rows:
        rule = r[0].strip("`")
        assert rule not in documented, f"{rule} listed twice"
        documented[rule] = (r[1].split(",")[0], "opt-in" in r[1])
    rules, graph = source_rules()
    assert len(rules) >= 40, rules
    assert set(documented) == set(rules), \
        f"missing from README: {set(rules) - set(documented)}; not rules: {set(documented) - set(rules)}"
    for rule, (sev, opt_in) in rules.items():
        assert documented[rule] == (sev, opt_in), f"{rule}: README says {documented[rule]}, source {sev, opt_in}"
        if rule not in graph:
            assert (REPO / "server" / "lint" / "docs" / f"{rule}.md").is_file(), f"{rule} has no doc page"


@check
def skill_frontmatter_read_by_pyyaml_is_what_retort_serves():
    assert prompts_served, "no MCP session got the prompts"
    skills = sorted(p.parent.name for p in (REPO / "skills").glob("*/SKILL.md"))
    assert sorted(prompts_served) == skills, (sorted(prompts_served), skills)
    for name in skills:
        text = (REPO / "skills" / name / "SKILL.md").read_text(encoding="utf-8")
        fm = yaml.safe_load(text.split("\n---\n", 1)[0][4:])
        assert all(isinstance(v, str) for v in fm.values()), fm
        served = prompts_served[name]
        assert fm["name"] == served["name"] and fm["description"] == served["description"], name
        hint = [(t[1:-1], t[0] == "<") for t in fm.get("argument-hint", "").split()]
        assert hint == [(a["name"], a["required"]) for a in served.get("arguments", [])], name


try:
    print(f"{results['passed']} passed, {results['failed']} failed, {results['skipped']} skipped")
finally:
    shutil.rmtree(work, ignore_errors=True)
sys.exit(1 if results["failed"] else 0)

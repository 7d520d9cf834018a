#!/usr/bin/env python3
"""check_review.py RETORT_BIN - `retort review` as people, scripts and CI run it.

A small project is written to a temporary directory: a clean base revision, one with
warnings only, one with an error (and a fix), one whose error is suppressed. For each, the
text lines (`path:line:col: severity[rule-id] message`), `--format json` and
`--format sarif` are checked against each other, the SARIF log against the SARIF 2.1.0
schema's structure (required properties, types, enumerations, no unknown properties on the
objects retort writes), and the exit codes: 1 when an error-severity finding exists, 0
otherwise, 2 for bad arguments. Standard library only. Ends with `N passed, N failed`.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

RETORT = sys.argv[1]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}")
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))


def run(project, *args, cwd=None):
    p = subprocess.run([RETORT, "--project", project, *args], cwd=cwd, capture_output=True,
                       text=True, timeout=120, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


INI = """[alembic]
script_location = %(here)s/migrations
{extra}
"""

HEADER = '''"""{msg}

Revision ID: {rev}
Revises: {down}
"""
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down_repr}


def upgrade():
{body}


def downgrade():
{down_body}
'''

REVISIONS = [
    ("a1", None, "base", "a1_base.py", """    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
    )""", """    op.drop_table("users")"""),
    ("b2", "a1", "warnings only", "b2_warnings.py",
     """    op.add_column("users", sa.Column("settings", sa.JSON()))""",
     """    op.drop_column("users", "settings")"""),
    ("c3", "b2", "an error", "c3_error.py", """    op.execute("ALTER TABLE users ADD COLUMN code char(3)")
    op.create_index("ix_users_name", "users", ["name"])""",
     """    op.drop_index("ix_users_name", table_name="users")
    op.execute("ALTER TABLE users DROP COLUMN code")"""),
    ("d4", "c3", "suppressed", "d4_suppressed.py", """    # retort: ignore[require-concurrent-index-creation]
    op.create_index("ix_users_code", "users", ["code"])""",
     """    op.drop_index("ix_users_code", table_name="users")"""),
]

TEXT_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): "
                       r"(?P<sev>error|warning|info)\[(?P<rule>[a-z0-9-]+)\] (?P<msg>.+)$")


def finding_lines(out):
    """The lines of text output that are findings (the rest is the SQL, locks, summary)."""
    return [l for l in out.splitlines() if TEXT_LINE.match(l)]


# ---- SARIF 2.1.0: the structure of the objects retort writes ---------------------------

# Property names allowed on each object (the schema's "properties"; it sets
# additionalProperties false on them), and the required ones.
SARIF = {
    "sarifLog": ({"$schema", "version", "runs", "inlineExternalProperties", "properties"},
                 {"version", "runs"}),
    "run": ({"tool", "invocations", "conversion", "language", "versionControlProvenance",
             "originalUriBaseIds", "artifacts", "logicalLocations", "graphs", "results",
             "automationDetails", "runAggregates", "baselineGuid", "redactionTokens",
             "defaultEncoding", "defaultSourceLanguage", "newlineSequences", "columnKind",
             "externalPropertyFileReferences", "threadFlowLocations", "taxonomies",
             "addresses", "translations", "policies", "webRequests", "webResponses",
             "specialLocations", "properties"}, {"tool"}),
    "tool": ({"driver", "extensions", "properties"}, {"driver"}),
    "toolComponent": ({"guid", "name", "organization", "product", "productSuite",
                       "shortDescription", "fullDescription", "fullName", "version",
                       "semanticVersion", "dottedQuadFileVersion", "releaseDateUtc",
                       "downloadUri", "informationUri", "globalMessageStrings", "notifications",
                       "rules", "taxa", "locations", "language", "contents", "isComprehensive",
                       "localizedDataSemanticVersion",
                       "minimumRequiredLocalizedDataSemanticVersion", "associatedComponent",
                       "translationMetadata", "supportedTaxonomies", "properties"}, {"name"}),
    "reportingDescriptor": ({"id", "deprecatedIds", "guid", "deprecatedGuids", "name",
                             "deprecatedNames", "shortDescription", "fullDescription",
                             "messageStrings", "defaultConfiguration", "helpUri", "help",
                             "relationships", "properties"}, {"id"}),
    "reportingConfiguration": ({"enabled", "level", "rank", "parameters", "properties"}, set()),
    "multiformatMessageString": ({"text", "markdown", "properties"}, {"text"}),
    "message": ({"text", "markdown", "id", "arguments", "properties"}, set()),
    "result": ({"ruleId", "ruleIndex", "rule", "kind", "level", "message", "analysisTarget",
                "locations", "guid", "correlationGuid", "occurrenceCount",
                "partialFingerprints", "fingerprints", "stacks", "codeFlows", "graphs",
                "graphTraversals", "relatedLocations", "suppressions", "baselineState", "rank",
                "attachments", "hostedViewerUri", "workItemUris", "provenance", "fixes", "taxa",
                "webRequest", "webResponse", "properties"}, {"message"}),
    "location": ({"id", "physicalLocation", "logicalLocations", "message", "annotations",
                  "relationships", "properties"}, set()),
    "physicalLocation": ({"address", "artifactLocation", "region", "contextRegion",
                          "properties"}, set()),
    "artifactLocation": ({"uri", "uriBaseId", "index", "description", "properties"}, set()),
    "region": ({"startLine", "startColumn", "endLine", "endColumn", "charOffset", "charLength",
                "byteOffset", "byteLength", "snippet", "message", "sourceLanguage",
                "properties"}, set()),
    "fix": ({"description", "artifactChanges", "properties"}, {"artifactChanges"}),
    "artifactChange": ({"artifactLocation", "replacements", "properties"},
                       {"artifactLocation", "replacements"}),
    "replacement": ({"deletedRegion", "insertedContent", "properties"}, {"deletedRegion"}),
    "artifactContent": ({"text", "binary", "rendered", "properties"}, set()),
}
LEVELS = {"none", "note", "warning", "error"}


class Sarif:
    def __init__(self):
        self.errors = []

    def err(self, where, what):
        self.errors.append(f"{where}: {what}")

    def obj(self, kind, v, where):
        if not isinstance(v, dict):
            self.err(where, f"{kind} must be an object")
            return False
        allowed, required = SARIF[kind]
        for k in v:
            if k not in allowed:
                self.err(where, f"{kind} has no property '{k}'")
        for k in required:
            if k not in v:
                self.err(where, f"{kind} needs '{k}'")
        return True

    def string(self, v, where, nonempty=False):
        if not isinstance(v, str) or (nonempty and not v):
            self.err(where, "must be a" + (" non-empty" if nonempty else "") + " string")

    def integer(self, v, where, minimum):
        if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
            self.err(where, f"must be an integer >= {minimum}, not {v!r}")

    def uri(self, v, where, absolute=False):
        """A URI reference (RFC 3986): no spaces or other characters that must be escaped; an
        artifact's is relative or file:, the schema's absolute."""
        self.string(v, where, nonempty=True)
        if not isinstance(v, str):
            return
        scheme = urllib.parse.urlsplit(v).scheme
        if (re.search(r"[\s\"<>\\^`{|}]", v) or
                (absolute and scheme not in ("http", "https")) or
                (not absolute and scheme not in ("", "file"))):
            self.err(where, f"not a URI reference: {v!r}")

    def mstring(self, v, where):
        if self.obj("multiformatMessageString", v, where):
            self.string(v.get("text"), where + ".text")
            if "markdown" in v:
                self.string(v["markdown"], where + ".markdown")

    def message(self, v, where):
        if self.obj("message", v, where):
            if "text" not in v and "id" not in v:
                self.err(where, "message needs 'text' or 'id'")
            if "text" in v:
                self.string(v["text"], where + ".text", nonempty=True)

    def region(self, v, where):
        if not self.obj("region", v, where):
            return
        if not ({"startLine", "charOffset", "byteOffset"} & set(v)):
            self.err(where, "region needs startLine, charOffset or byteOffset")
        for k in ("startLine", "startColumn", "endLine", "endColumn"):
            if k in v:
                self.integer(v[k], f"{where}.{k}", 1)
        if isinstance(v.get("startLine"), int) and isinstance(v.get("endLine"), int):
            if v["endLine"] < v["startLine"]:
                self.err(where, "endLine before startLine")
            elif (v["endLine"] == v["startLine"] and isinstance(v.get("endColumn"), int)
                  and v["endColumn"] < v.get("startColumn", 1)):
                self.err(where, "endColumn before startColumn")

    def artifact_location(self, v, where):
        if self.obj("artifactLocation", v, where) and "uri" in v:
            self.uri(v["uri"], where + ".uri")

    def location(self, v, where):
        if not self.obj("location", v, where):
            return
        pl = v.get("physicalLocation")
        if pl is not None and self.obj("physicalLocation", pl, where + ".physicalLocation"):
            if "artifactLocation" in pl:
                self.artifact_location(pl["artifactLocation"], where + ".artifactLocation")
            if "region" in pl:
                self.region(pl["region"], where + ".region")

    def fix(self, v, where):
        if not self.obj("fix", v, where):
            return
        if "description" in v:
            self.message(v["description"], where + ".description")
        changes = v.get("artifactChanges")
        if not isinstance(changes, list) or not changes:
            self.err(where, "artifactChanges must be a non-empty array")
            return
        for i, ch in enumerate(changes):
            w = f"{where}.artifactChanges[{i}]"
            if not self.obj("artifactChange", ch, w):
                continue
            self.artifact_location(ch.get("artifactLocation"), w + ".artifactLocation")
            reps = ch.get("replacements")
            if not isinstance(reps, list) or not reps:
                self.err(w, "replacements must be a non-empty array")
                continue
            for j, rep in enumerate(reps):
                wr = f"{w}.replacements[{j}]"
                if self.obj("replacement", rep, wr):
                    self.region(rep.get("deletedRegion"), wr + ".deletedRegion")
                    if "insertedContent" in rep and self.obj("artifactContent",
                                                             rep["insertedContent"], wr):
                        self.string(rep["insertedContent"].get("text"), wr + ".insertedContent")

    def log(self, d):
        if not self.obj("sarifLog", d, "log"):
            return self.errors
        if d.get("version") != "2.1.0":
            self.err("log.version", f"must be \"2.1.0\", not {d.get('version')!r}")
        if "$schema" in d:
            self.uri(d["$schema"], "log.$schema", absolute=True)
        runs = d.get("runs")
        if not isinstance(runs, list):
            self.err("log.runs", "must be an array")
            return self.errors
        for r, run in enumerate(runs):
            w = f"runs[{r}]"
            if not self.obj("run", run, w):
                continue
            if "columnKind" in run and run["columnKind"] not in ("utf16CodeUnits",
                                                                  "unicodeCodePoints"):
                self.err(w + ".columnKind", f"bad value {run['columnKind']!r}")
            tool = run.get("tool")
            rules = []
            if self.obj("tool", tool, w + ".tool"):
                drv = tool.get("driver")
                if self.obj("toolComponent", drv, w + ".driver"):
                    self.string(drv.get("name"), w + ".driver.name", nonempty=True)
                    rules = drv.get("rules", [])
                    if not isinstance(rules, list):
                        self.err(w + ".driver.rules", "must be an array")
                        rules = []
                    ids = [x.get("id") for x in rules if isinstance(x, dict)]
                    if len(ids) != len(set(ids)):
                        self.err(w + ".driver.rules", "ids must be unique")
                    for i, rd in enumerate(rules):
                        wd = f"{w}.driver.rules[{i}]"
                        if not self.obj("reportingDescriptor", rd, wd):
                            continue
                        self.string(rd.get("id"), wd + ".id", nonempty=True)
                        for k in ("shortDescription", "fullDescription", "help"):
                            if k in rd:
                                self.mstring(rd[k], f"{wd}.{k}")
                        dc = rd.get("defaultConfiguration")
                        if dc is not None and self.obj("reportingConfiguration", dc, wd):
                            if "level" in dc and dc["level"] not in LEVELS:
                                self.err(wd, f"bad level {dc['level']!r}")
            results = run.get("results", [])
            if not isinstance(results, list):
                self.err(w + ".results", "must be an array")
                continue
            for i, res in enumerate(results):
                wr = f"{w}.results[{i}]"
                if not self.obj("result", res, wr):
                    continue
                self.message(res.get("message"), wr + ".message")
                if "level" in res and res["level"] not in LEVELS:
                    self.err(wr, f"bad level {res['level']!r}")
                if "ruleIndex" in res:
                    self.integer(res["ruleIndex"], wr + ".ruleIndex", 0)
                    ri = res["ruleIndex"]
                    if isinstance(ri, int) and not (0 <= ri < len(rules)
                                                    and rules[ri].get("id") == res.get("ruleId")):
                        self.err(wr, "ruleIndex does not point at ruleId's descriptor")
                for j, loc in enumerate(res.get("locations", [])):
                    self.location(loc, f"{wr}.locations[{j}]")
                for j, fx in enumerate(res.get("fixes", [])):
                    self.fix(fx, f"{wr}.fixes[{j}]")
        return self.errors


def sarif_findings(d):
    """(rule, level, line, col, end_line, end_col, message) of each result."""
    out = []
    for res in d["runs"][0].get("results", []):
        reg = res["locations"][0]["physicalLocation"]["region"]
        out.append((res["ruleId"], res["level"], reg["startLine"], reg["startColumn"],
                    reg.get("endLine"), reg.get("endColumn"), res["message"]["text"]))
    return out


SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def review_all_formats(name, project, target, want_rc, cwd):
    """Runs text, json and sarif; checks each and that they agree. Returns the JSON result."""
    rc, out, err = run(project, "review", target, cwd=cwd)
    check(f"{name}: text exit code {want_rc}", rc == want_rc, f"got {rc}; {err.strip()}")
    lines = finding_lines(out)
    rcj, outj, errj = run(project, "review", target, "--format", "json", cwd=cwd)
    check(f"{name}: json exit code {want_rc}", rcj == want_rc, f"got {rcj}; {errj.strip()}")
    try:
        res = json.loads(outj)
    except ValueError as e:
        check(f"{name}: json parses", False, str(e))
        return None
    check(f"{name}: json has revisions, findings, summary",
          all(k in res for k in ("revisions", "findings", "summary")), str(list(res)))
    findings = res.get("findings", [])
    fields_ok = all(isinstance(f.get("rule"), str) and f.get("severity") in
                    ("error", "warning", "info") and isinstance(f.get("message"), str) and
                    isinstance(f.get("path"), str) and
                    all(isinstance(f.get(k), int) and f[k] >= 1 for k in
                        ("line", "column", "end_line", "end_column")) and
                    isinstance(f.get("help", ""), str) and isinstance(f.get("fix", ""), str)
                    for f in findings)
    check(f"{name}: json findings carry every field", fields_ok, json.dumps(findings)[:400])
    summary = res.get("summary", {})
    check(f"{name}: json summary counts the findings",
          summary.get("errors") == sum(f["severity"] == "error" for f in findings) and
          summary.get("warnings") == sum(f["severity"] == "warning" for f in findings),
          json.dumps(summary))
    want_lines = [f"{f['path']}:{f['line']}:{f['column']}: {f['severity']}[{f['rule']}] "
                  f"{f['message']}" for f in findings]
    check(f"{name}: one text line per json finding, same order",
          lines == want_lines, "\n  text: %s\n  json: %s" % (lines, want_lines))
    check(f"{name}: exit 1 exactly when a finding is an error",
          (rc == 1) == any(f["severity"] == "error" for f in findings))
    rcs, outs, errs = run(project, "review", target, "--format", "sarif", cwd=cwd)
    check(f"{name}: sarif exit code {want_rc}", rcs == want_rc, f"got {rcs}; {errs.strip()}")
    try:
        log = json.loads(outs)
    except ValueError as e:
        check(f"{name}: sarif parses", False, str(e))
        return res
    problems = Sarif().log(log)
    check(f"{name}: sarif is a valid SARIF 2.1.0 log", not problems, "; ".join(problems[:10]))
    if problems:
        return res
    want = [(f["rule"], SARIF_LEVEL[f["severity"]], f["line"], f["column"], f["end_line"],
             f["end_column"], f["message"]) for f in findings]
    check(f"{name}: sarif results are the json findings", sarif_findings(log) == want,
          "\n  sarif: %s\n  json:  %s" % (sarif_findings(log), want))
    uris = {res_["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for res_ in log["runs"][0].get("results", [])}
    resolved = {os.path.normpath(os.path.join(cwd, urllib.parse.unquote(u))) for u in uris}
    paths = {os.path.normpath(f["path"]) for f in findings}
    check(f"{name}: sarif uris name the reviewed files", resolved == paths,
          f"{sorted(resolved)} vs {sorted(paths)}")
    fixes = {(f["line"], f["column"], f["fix"]) for f in findings if f.get("fix")}
    sfixes = set()
    for res_ in log["runs"][0].get("results", []):
        for fx in res_.get("fixes", []):
            rep = fx["artifactChanges"][0]["replacements"][0]
            sfixes.add((rep["deletedRegion"]["startLine"], rep["deletedRegion"]["startColumn"],
                        rep["insertedContent"]["text"]))
    check(f"{name}: sarif fixes are the json fixes", fixes == sfixes, f"{sfixes} vs {fixes}")
    return res


def pyproject_only():
    """The example project configured by pyproject.toml alone ([tool.alembic], Alembic >=
    1.16, and [tool.retort]): history, status and review read it as they read alembic.ini,
    and a new revision follows its file_template."""
    shop = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "shop")
    with tempfile.TemporaryDirectory(prefix="retort-cli-toml-") as tmp:
        ini_proj = os.path.join(tmp, "ini")
        toml_proj = os.path.join(tmp, "toml")
        shutil.copytree(shop, ini_proj, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(shop, toml_proj, ignore=shutil.ignore_patterns("__pycache__"))
        os.remove(os.path.join(toml_proj, "alembic.ini"))
        with open(os.path.join(toml_proj, "pyproject.toml"), "w") as f:
            f.write('[project]\nname = "shop"\n\n[tool.alembic]\n'
                    'script_location = "%(here)s/migrations"\n'
                    'file_template = "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"\n'
                    'truncate_slug_length = 40\nprepend_sys_path = ["%(here)s"]\n\n'
                    '[[tool.alembic.post_write_hooks]]\nname = "black"\ntype = "console_scripts"\n'
                    'entrypoint = "black"\n\n'
                    '[tool.retort]\nmodels = ["app/models.py"]\n')
        sub = os.path.join(toml_proj, "app")
        for args in (["history", "--verbose"], ["status", "--offline"], ["review", "base:head"]):
            a = run(ini_proj, *args, cwd=tmp)
            b = run(sub, *args, cwd=tmp)
            same = ((a[0], a[1].replace(ini_proj + "/alembic.ini", "CONFIG").replace(ini_proj, "P")) ==
                    (b[0], b[1].replace(toml_proj + "/pyproject.toml", "CONFIG").replace(toml_proj, "P")))
            check(f"pyproject.toml only: {' '.join(args)} as with alembic.ini", same and a[1] != "",
                  f"ini rc={a[0]} {a[1][:200]!r} {a[2][:200]!r}\ntoml rc={b[0]} {b[1][:200]!r} {b[2][:200]!r}")
        rc, out, err = run(toml_proj, "revision", "-m", "add coupons", "--dry-run", cwd=tmp)
        check("pyproject.toml only: a new revision named by [tool.alembic] file_template",
              rc == 0 and re.search(r"/migrations/versions/\d{4}_\d\d_\d\d_[0-9a-f]{12}_add_coupons\.py",
                                    out + err) is not None, f"rc={rc} {out[:300]!r} {err[:300]!r}")


def main():
    with tempfile.TemporaryDirectory(prefix="retort-cli-") as tmp:
        proj = os.path.join(tmp, "proj")
        versions = os.path.join(proj, "migrations", "versions")
        os.makedirs(versions)
        with open(os.path.join(proj, "alembic.ini"), "w") as f:
            f.write(INI.format(extra=""))
        # the same project, with a warning raised to an error
        with open(os.path.join(proj, "strict.ini"), "w") as f:
            f.write(INI.format(extra="[retort]\nseverity.prefer-jsonb = error\n"))
        for rev, down, msg, fname, body, down_body in REVISIONS:
            with open(os.path.join(versions, fname), "w") as f:
                f.write(HEADER.format(msg=msg, rev=rev, down=down or "", down_repr=repr(down),
                                      body=body, down_body=down_body))

        a1 = review_all_formats("clean base", proj, "a1", 0, proj)
        if a1 is not None:
            check("clean base: no findings", a1["findings"] == [], json.dumps(a1["findings"]))
        b2 = review_all_formats("warnings only", proj, "b2", 0, proj)
        if b2 is not None:
            check("warnings only: prefer-jsonb, a warning",
                  [(f["rule"], f["severity"]) for f in b2["findings"]] ==
                  [("prefer-jsonb", "warning")], json.dumps(b2["findings"]))
        c3 = review_all_formats("an error", proj, "c3", 1, proj)
        if c3 is not None:
            got = {(f["rule"], f["severity"], f["line"], f["column"], f["end_column"], f.get("fix"))
                   for f in c3["findings"]}
            # the char(3) inside the SQL string, with its fix; the plain create_index
            check("an error: the findings, at their exact ranges",
                  ("ban-char-field", "warning", 14, 51, 58, "text") in got and
                  any(g[0] == "require-concurrent-index-creation" and g[1] == "error" and
                      g[2] == 15 and g[3] == 5 for g in got), str(sorted(got, key=str)))
        review_all_formats("suppressed error", proj, "d4", 0, proj)
        # the severity configured in [retort] decides the exit code
        strict = os.path.join(proj, "strict.ini")
        review_all_formats("warning raised to error", strict, "b2", 1, proj)
        # the same setting in pyproject.toml's [tool.retort], next to alembic.ini
        pyproj = os.path.join(tmp, "pyproj")
        shutil.copytree(proj, pyproj)
        os.remove(os.path.join(pyproj, "strict.ini"))
        with open(os.path.join(pyproj, "pyproject.toml"), "w") as f:
            f.write('[project]\nname = "shop"\n\n[tool.retort.severity]\n'
                    '"prefer-jsonb" = "error"  # raised\n')
        review_all_formats("warning raised to error in pyproject.toml", pyproj, "b2", 1, tmp)
        with open(os.path.join(pyproj, "pyproject.toml"), "w") as f:
            f.write('[project]\nname = "shop"\n\n[tool.retort]\ndisable = ["prefer-jsonb"]\n')
        b2 = review_all_formats("a rule disabled in pyproject.toml", pyproj, "b2", 0, tmp)
        if b2 is not None:
            check("a rule disabled in pyproject.toml: no finding", b2["findings"] == [],
                  json.dumps(b2["findings"]))
        with open(os.path.join(pyproj, "pyproject.toml"), "w") as f:
            f.write('[tool.retort]\ndisable = ["prefer-jsonb",\n')
        rc, out, err = run(pyproj, "review", "b2", cwd=tmp)
        want = os.path.join(pyproj, "pyproject.toml") + ": line 3: "
        check("a pyproject.toml that is not TOML: exit 1, its path and line", rc == 1 and
              out == "" and want in err, f"rc={rc} out={out[:80]!r} err={err!r}")
        with open(os.path.join(pyproj, "pyproject.toml"), "w") as f:
            f.write('[tool.retort]\nenable = "no-such-rule"\n')
        rc, out, err = run(pyproj, "review", "b2", cwd=tmp)
        want = (os.path.join(pyproj, "pyproject.toml") +
                ": [tool.retort] enable: unknown rule 'no-such-rule'")
        check("an unknown rule in [tool.retort]: exit 1, file, section and key named", rc == 1 and
              want in err, f"rc={rc} err={err!r}")

        # revisions named by path and by range; run from elsewhere (absolute uris)
        review_all_formats("by path", proj, os.path.join(versions, "c3_error.py"), 1, tmp)
        rng = review_all_formats("a range", proj, "a1:b2", 0, tmp)
        if rng is not None:
            check("a range: both revisions reviewed", len(rng["revisions"]) == 2,
                  str(len(rng["revisions"])))
        rc, out, err = run(proj, "review", "--format", "sarif", "a1", cwd=tmp)
        check("options before the revision: exit 0", rc == 0, f"{rc} {err}")

        # bad arguments: exit 2, nothing on stdout, the reason on stderr
        for args in (["--format", "xml"], ["--format"], ["--no-such-option"],
                     ["c3", "--format", "yaml"]):
            rc, out, err = run(proj, "review", *args, cwd=tmp)
            check(f"bad arguments {' '.join(args)}: exit 2, stdout empty, a message",
                  rc == 2 and out == "" and err.strip() != "", f"rc={rc} out={out[:80]!r} err={err!r}")
        # a tool failure is not a bad argument: exit 1, the reason on stderr
        rc, out, err = run(proj, "review", "zzzz", cwd=tmp)
        check("unknown revision: exit 1, a message naming it", rc == 1 and "zzzz" in err,
              f"rc={rc} err={err!r}")
        rc, out, err = run(os.path.join(tmp, "missing"), "review", cwd=tmp)
        check("missing project: exit 1", rc == 1 and err.strip() != "", f"rc={rc} err={err!r}")

    pyproject_only()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""newrev_paths.py RETORT_BIN - create_migration writes only inside the versions
directory, end to end, whatever the message, rev_id or file_template say.

Each case runs `retort --project COPY call create_migration ARGS` on its own throwaway
copy of the example project, next to a directory `outside/` that stands for everything
retort must not touch. Hostile file_template values in alembic.ini (../, an absolute
path, a NUL byte, a hidden name, .. through a subdirectory), hostile messages (../,
absolute paths, a long one, one too long), hostile rev_ids (../, /, ..,  NUL), a versions
directory (or script_location) that is a symlink leading outside the project, a
symlink already sitting at the new file's name, and a symlinked subdirectory. A refused
case must exit with a tool error whose message says what was wrong and that nothing was
written, and leave every file of the case directory as it was. An accepted case must
write exactly one new file, directly under the project's real versions directory, and
nothing else. tests/unit/test_newrev.c checks the same at the newrev level; this is the
whole path through the tool, its argument checks and the project's configuration.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SHOP = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples", "shop")
TEMPLATE = "file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|runtime error:")


def tree(root):
    """{relative path: sha256, link target or 'dir'} of everything under `root`."""
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


class Case:
    """A case directory: project/ (a copy of the shop) and outside/ (with a file)."""

    def __init__(self, tmp, n):
        self.dir = os.path.join(tmp, "case%02d" % n)
        self.project = os.path.join(self.dir, "project")
        self.outside = os.path.join(self.dir, "outside")
        shutil.copytree(SHOP, self.project, ignore=shutil.ignore_patterns("__pycache__"))
        os.makedirs(self.outside)
        with open(os.path.join(self.outside, "keep.txt"), "w") as f:
            f.write("not retort's\n")
        self.versions = os.path.join(self.project, "migrations", "versions")

    def ini(self, old, new):
        p = os.path.join(self.project, "alembic.ini")
        with open(p, "rb") as f:
            text = f.read()
        assert old.encode() in text, old
        with open(p, "wb") as f:
            f.write(text.replace(old.encode(), new if isinstance(new, bytes) else new.encode(), 1))

    def template(self, value, recursive=False):
        line = b"file_template = " + (value if isinstance(value, bytes) else value.encode())
        if recursive:
            line += b"\nrecursive_version_locations = true"
        self.ini(TEMPLATE, line)

    def move_versions_outside(self):
        """versions/ becomes a symlink to outside/versions (the revisions moved there)."""
        real = os.path.join(self.outside, "versions")
        shutil.move(self.versions, real)
        os.symlink(os.path.relpath(real, os.path.dirname(self.versions)), self.versions)


def run(binary, case, args):
    p = subprocess.run([binary, "--project", case.project, "call", "create_migration",
                        json.dumps(args)], capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def main():
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="retort-newrev-paths.")
    base = {"autogenerate": False}
    hostile_msg = "../../../outside/evil"
    cases = [
        # (name, setup(case), args, expectation) - expectation: ("refused", text) or
        # ("written", None)
        ("file_template climbing out with ../",
         lambda c: c.template("../../outside/%%(rev)s"), {"message": "x"},
         ("refused", "file_template ../../outside/%(rev)s gives a '/'")),
        ("file_template climbing out with .., subdirectories allowed",
         lambda c: c.template("../../outside/%%(rev)s", recursive=True), {"message": "x"},
         ("refused", "an empty, '.' or '..' path component")),
        ("file_template with .. after the revision, subdirectories allowed",
         lambda c: c.template("%%(rev)s/../../../../outside/x_%%(slug)s", recursive=True),
         {"message": "x"}, ("refused", "'..' path component")),
        ("file_template that is an absolute path",
         lambda c: c.template(c.outside + "/abs_%%(rev)s"), {"message": "x"},
         ("refused", "an absolute path")),
        ("file_template with a NUL byte",
         lambda c: c.template(b"%%(rev)s\x00/../../outside/x"), {"message": "x"},
         ("refused", "contains a NUL byte")),
        ("file_template giving a hidden file",
         lambda c: c.template(".%%(rev)s"), {"message": "x"},
         ("refused", "a file name starting with '.'")),
        ("file_template giving only .py",
         lambda c: c.template("%%(slug)s"), {"message": "..."},
         ("refused", "an empty file name")),
        ("message with ../ into the slug", None, {"message": hostile_msg}, ("written", None)),
        ("message that is an absolute path", lambda c: c.template("%%(slug)s"),
         {"message": "/etc/cron.d/evil"}, ("written", None)),
        ("message of 3,800 characters", None, {"message": "../" * 600 + "x" * 2000},
         ("written", None)),
        ("message over 4096 bytes", None, {"message": "../" * 2000},
         ("refused", "longer than 4096 bytes")),
        # The message goes into the docstring: what would end it (or escape its end) is
        # refused, so no message can become code that runs when alembic imports the file.
        ("message that ends the docstring and adds code", None,
         {"message": 'x"""\nimport os\nos.system("touch /tmp/retort-pwned")\n"""'},
         ("refused", "would end the revision's docstring")),
        ("message with three single quotes (a template may quote with them)", None,
         {"message": "x" + "'" * 3 + "\nimport os"}, ("refused", "would end the revision's docstring")),
        ("message with a backslash escaping the docstring's end", None,
         {"message": "trailing\\"}, ("refused", "a backslash")),
        ("message with a control character", None, {"message": "a\u001bb"},
         ("refused", "control character")),
        ("rev_id with ../", None, {"message": "x", "rev_id": "../../outside/evil"},
         ("refused", "only letters, digits and '_'")),
        ("rev_id that is an absolute path", None, {"message": "x", "rev_id": "/tmp/evil"},
         ("refused", "only letters, digits and '_'")),
        ("rev_id '..'", lambda c: c.template("%%(rev)s"), {"message": "x", "rev_id": ".."},
         ("refused", "only letters, digits and '_'")),
        ("rev_id with a NUL", None, {"message": "x", "rev_id": "ab\u0000/../x"},
         ("refused", "NUL character")),
        ("versions directory that is a symlink leading outside",
         lambda c: c.move_versions_outside(), {"message": "x"},
         ("refused", "leads outside the project")),
        ("script_location that is a symlink leading outside",
         lambda c: (shutil.move(os.path.join(c.project, "migrations"),
                                os.path.join(c.outside, "migrations")),
                    os.symlink(os.path.join(c.outside, "migrations"),
                               os.path.join(c.project, "migrations"))),
         {"message": "x"}, ("refused", "leads outside the project")),
        ("a symlink to outside already at the new file's name",
         lambda c: (c.template("%%(rev)s_%%(slug)s"),
                    os.symlink(os.path.join(c.outside, "victim.py"),
                               os.path.join(c.versions, "abc123_x.py"))),
         {"message": "x", "rev_id": "abc123"}, ("refused", "already exists; retort never overwrites")),
        ("a symlinked subdirectory, subdirectories allowed",
         lambda c: (c.template("sub/%%(rev)s", recursive=True),
                    os.symlink(c.outside, os.path.join(c.versions, "sub"))),
         {"message": "x"}, ("refused", "a symlink is not followed")),
    ]
    failures = []
    ok = 0
    for n, (name, setup, args, (want, text)) in enumerate(cases):
        c = Case(tmp, n)
        if setup:
            setup(c)
        before = tree(c.dir)
        real_versions = os.path.realpath(c.versions)
        rc, out, err = run(binary, c, dict(base, **args))
        after = tree(c.dir)
        new = sorted(set(after) - set(before))
        gone = sorted(set(before) - set(after))
        changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
        why = None
        if SANITIZER.search(err):
            why = "a sanitizer report:\n" + err[-3000:]
        elif want == "refused":
            try:
                msg = json.loads(out)["error"]["message"]
            except (ValueError, KeyError, TypeError):
                msg = None
            if rc not in (1, 2) or msg is None:
                why = "expected a tool error, got exit %d: %s %s" % (rc, out[:300], err[:300])
            elif text not in msg:
                why = "the error does not say %r: %s" % (text, msg)
            elif new or gone or changed:
                why = "refused, but files changed: new %s, removed %s, changed %s" % (new, gone, changed)
        else:
            try:
                res = json.loads(out)
            except ValueError:
                res = {}
            path = res.get("path") or ""
            if rc != 0 or not res.get("written"):
                why = "expected the file to be written, got exit %d: %s %s" % (rc, out[:300], err[:300])
            elif gone or changed or len(new) != 1:
                why = "expected one new file, got new %s, removed %s, changed %s" % (new, gone, changed)
            elif os.path.dirname(os.path.realpath(os.path.join(c.dir, new[0]))) != real_versions:
                why = "the new file %s is not directly in the versions directory %s" % (new[0], real_versions)
            elif os.path.realpath(path) != os.path.realpath(os.path.join(c.dir, new[0])):
                why = "the result's path %s is not the file written (%s)" % (path, new[0])
            elif len(os.path.basename(new[0]).encode()) > 255:
                why = "the file name is longer than NAME_MAX"
        if why:
            failures.append("%s: %s" % (name, why))
        else:
            ok += 1
    shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL " + f)
    print("create_migration paths: %d of %d cases wrote nothing outside the versions directory "
          "and said why when refused" % (ok, len(cases)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

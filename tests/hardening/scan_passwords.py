#!/usr/bin/python3
"""scan_passwords.py [--list FILE] PATH... - no password of the test suites appears in
their output.

PATH: files, or directories (every file under them). FILE (default: passwords.txt next
to this script) lists the passwords, one per line: a key, spaces, the password. Each is
looked for as written, percent-decoded, percent-encoded (as a URL's userinfo and as a
whole component), with '%' doubled (configparser), and by its longest run of letters and
digits when that has 6 or more characters (a password cut at a special character still
shows). A hit prints the file, the line number and the key, never the password, and
fails (exit 1); so does a scan with nothing to read (exit 2). Reads in blocks with an
overlap, so a big log costs about one pass over its bytes.
"""
import os
import re
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
BLOCK = 8 << 20
MIN_CORE = 6


def read_list(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            if len(parts) != 2:
                sys.exit("scan_passwords: %s: a line without a password: %r" % (path, parts[0]))
            out.append((parts[0], parts[1].strip()))
    if not out:
        sys.exit("scan_passwords: %s lists no password" % path)
    return out


def forms(pw):
    """Every form of `pw` worth looking for, as bytes."""
    fs = {pw, urllib.parse.unquote(pw), urllib.parse.quote(pw, safe=""),
          urllib.parse.quote(pw, safe="!$&'()*+,;=:~-._"), pw.replace("%", "%%")}
    runs = re.findall(r"[A-Za-z0-9]+", urllib.parse.unquote(pw))
    if runs:
        core = max(runs, key=len)
        if len(core) >= MIN_CORE:
            fs.add(core)
    return sorted({f.encode() for f in fs if f}, key=len, reverse=True)


def files_of(paths):
    for p in paths:
        if os.path.isdir(p):
            for d, _, names in os.walk(p):
                for n in sorted(names):
                    yield os.path.join(d, n)
        elif os.path.exists(p):
            yield p
        else:
            sys.exit("scan_passwords: %s does not exist" % p)


def scan_file(path, needles, overlap):
    """The (key, offset) of each needle found in the file (first hit per key)."""
    hits = {}
    with open(path, "rb") as f:
        base, tail = 0, b""
        while True:
            block = f.read(BLOCK)
            if not block:
                break
            buf = tail + block
            for key, ns in needles:
                if key in hits:
                    continue
                for n in ns:
                    i = buf.find(n)
                    if i >= 0:
                        hits[key] = base - len(tail) + i
                        break
            tail = buf[-overlap:] if overlap else b""
            base += len(block)
    return hits, base


def line_at(path, offset):
    with open(path, "rb") as f:
        head = f.read(offset)
        rest = f.readline()
    start = head.rfind(b"\n") + 1
    return head.count(b"\n") + 1, (head[start:] + rest).rstrip(b"\n")


def main(argv):
    args = argv[1:]
    list_path = os.path.join(HERE, "passwords.txt")
    if args[:1] == ["--list"]:
        list_path, args = args[1], args[2:]
    if not args:
        sys.exit("usage: scan_passwords.py [--list FILE] PATH...")
    pws = read_list(list_path)
    needles = [(key, forms(pw)) for key, pw in pws]
    overlap = max(len(n) for _, ns in needles for n in ns)
    nfiles = nbytes = 0
    leaks = []
    for path in files_of(args):
        hits, size = scan_file(path, needles, overlap)
        nfiles += 1
        nbytes += size
        for key, off in sorted(hits.items(), key=lambda kv: kv[1]):
            lineno, line = line_at(path, off)
            for n in dict(needles)[key]:
                line = line.replace(n, b"<" + key.encode() + b">")
            leaks.append("%s:%d: the password %s appears: %s"
                         % (path, lineno, key, line[:300].decode(errors="replace")))
    if nbytes == 0:
        print("scan_passwords: FAIL nothing to scan (%d files, 0 bytes): the check would pass "
              "by reading nothing" % nfiles)
        return 2
    for l in leaks:
        print("scan_passwords: FAIL " + l)
    print("scan_passwords: %d files, %d bytes, %d passwords in %d forms: %s"
          % (nfiles, nbytes, len(pws), sum(len(ns) for _, ns in needles),
             "%d leaks" % len(leaks) if leaks else "no password"))
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

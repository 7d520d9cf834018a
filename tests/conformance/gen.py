#!/usr/bin/python3
"""gen.py - writes Alembic projects for the history conformance test (deterministic).

Usage: /usr/bin/python3 gen.py OUTDIR

Each project is OUTDIR/<name>/ with alembic.ini, migrations/{env.py,script.py.mako,
README} copied from `alembic init` output, and migrations/versions/*.py. A file
OUTDIR/<name>/ranges lists the `history -r` ranges to compare, one per line.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

ALEMBIC = "/usr/bin/alembic"


def init_template(out):
    """Runs `alembic init` once and returns the directory holding its output."""
    tmp = tempfile.mkdtemp(prefix="retort-conf-tmpl-", dir=out)
    subprocess.run([ALEMBIC, "init", "migrations"], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return tmp


class Rev:
    def __init__(self, rid, down=None, labels=None, depends=None, message="",
                 body=None, style="plain", down_form="auto", header=True):
        self.rid = rid
        self.down = down or []
        self.labels = labels or []
        self.depends = depends or []
        self.message = message or "revision %s" % rid
        self.body = body          # extra docstring paragraphs
        self.style = style        # "plain" or "annotated"
        self.down_form = down_form  # "auto", "tuple", "list"
        self.header = header


def py_repr_down(rev):
    d = rev.down
    if not d:
        return "None"
    if len(d) == 1 and rev.down_form == "auto":
        return repr(d[0])
    if rev.down_form == "list":
        return "[" + ", ".join(repr(x) for x in d) + "]"
    if len(d) == 1:
        return "(%r,)" % d[0]
    return "(" + ", ".join(repr(x) for x in d) + ")"


def py_repr_seq(items):
    if not items:
        return "None"
    if len(items) == 1:
        return repr(items[0])
    return "(" + ", ".join(repr(x) for x in items) + ")"


def render(rev, n):
    doc = rev.message + "\n\n"
    if rev.body:
        doc += "\n\n".join(rev.body) + "\n\n"
    if rev.header:
        doc += "Revision ID: %s\nRevises: %s\nCreate Date: 2024-01-%02d 10:00:00.000000\n\n" % (
            rev.rid, ", ".join(rev.down), 1 + n % 28)
    lines = ['"""' + doc + '"""']
    lines.append("from alembic import op")
    lines.append("import sqlalchemy as sa")
    if rev.style == "annotated":
        lines.append("from typing import Sequence, Union")
    lines.append("")
    lines.append("")
    lines.append("# revision identifiers, used by Alembic.")
    if rev.style == "annotated":
        lines.append("revision: str = %r" % rev.rid)
        lines.append("down_revision: Union[str, Sequence[str], None] = %s" % py_repr_down(rev))
        lines.append("branch_labels: Union[str, Sequence[str], None] = %s" % py_repr_seq(rev.labels))
        lines.append("depends_on: Union[str, Sequence[str], None] = %s" % py_repr_seq(rev.depends))
    else:
        lines.append("revision = %r" % rev.rid)
        lines.append("down_revision = %s" % py_repr_down(rev))
        lines.append("branch_labels = %s" % py_repr_seq(rev.labels))
        lines.append("depends_on = %s" % py_repr_seq(rev.depends))
    lines.append("")
    lines.append("")
    lines.append("def upgrade() -> None:")
    lines.append("    op.execute(\"SELECT 1\")")
    lines.append("")
    lines.append("")
    lines.append("def downgrade() -> None:")
    lines.append("    pass")
    return "\n".join(lines) + "\n"


def slug(message):
    s = "".join(c if c.isalnum() else "_" for c in message.lower())
    return "_".join(p for p in s.split("_") if p)[:40]


def write_project(out, tmpl, name, revs, ranges):
    root = os.path.join(out, name)
    mig = os.path.join(root, "migrations")
    os.makedirs(os.path.join(mig, "versions"))
    shutil.copy(os.path.join(tmpl, "alembic.ini"), os.path.join(root, "alembic.ini"))
    for f in ("env.py", "script.py.mako", "README"):
        shutil.copy(os.path.join(tmpl, "migrations", f), os.path.join(mig, f))
    for n, rev in enumerate(revs):
        fname = "%s_%s.py" % (rev.rid, slug(rev.message))
        with open(os.path.join(mig, "versions", fname), "w") as fh:
            fh.write(render(rev, n))
    with open(os.path.join(root, "ranges"), "w") as fh:
        for r in ranges:
            fh.write(r + "\n")


def hexid(rng):
    return "%012x" % rng.getrandbits(48)


PARAS = [
    "Adds the table that holds customer addresses.",
    "Second paragraph: explains why.\nIt spans two lines.",
    "    Indented paragraph with trailing spaces.   ",
    "Final words.",
]


def fixed_projects():
    """Hand-written shapes that name each feature."""
    p = {}
    # linear chain, plain assignments, multi-paragraph docstrings
    ids = ["1975ea83b712", "ae1027a6acf0", "27c6a30d7c24", "3b2f0c1d4e5f", "4c5d6e7f8091"]
    revs = []
    for i, rid in enumerate(ids):
        revs.append(Rev(rid, [ids[i - 1]] if i else [], message="step %d of the chain" % i,
                        body=PARAS[: (i % 4) + 1] if i % 2 == 0 else None))
    p["linear"] = (revs, ["1975:", ":27c6", "ae10:3b2f", "-2:", ":head", "base:heads",
                          "27c6a30d7c24:4c5d6e7f8091", "ae1027a6acf0+1:", ":4c5d-1"])

    # a branch with two heads (annotated assignments)
    revs = [
        Rev("aaaa00000001", message="base"),
        Rev("aaaa00000002", ["aaaa00000001"], message="common", style="annotated"),
        Rev("bbbb00000003", ["aaaa00000002"], message="left one", style="annotated"),
        Rev("cccc00000004", ["aaaa00000002"], message="right one"),
        Rev("bbbb00000005", ["bbbb00000003"], message="left two"),
    ]
    p["branches"] = (revs, ["aaaa00000002:", ":bbbb00000005", ":cccc00000004",
                            "aaaa00000001:cccc00000004", "base:bbbb00000003",
                            # errors: several heads, unknown, ambiguous and short prefixes,
                            # a range across branches, relative steps
                            ":head", "zzzz:", "aaaa:", "bb:", "cccc00000004:bbbb00000005",
                            "bbbb00000005:cccc00000004", "aaaa00000002+1:", "-1:",
                            ":bbbb00000005-1", "heads:", ":base"])

    # two-way merge, tuple down_revision
    revs = [
        Rev("d0000000000a", message="root"),
        Rev("d0000000000b", ["d0000000000a"], message="feature x"),
        Rev("d0000000000c", ["d0000000000a"], message="feature y"),
        Rev("d0000000000d", ["d0000000000b"], message="feature x part 2"),
        Rev("d0000000000e", ["d0000000000d", "d0000000000c"], message="merge x and y"),
        Rev("d0000000000f", ["d0000000000e"], message="after merge", style="annotated"),
    ]
    p["merge2"] = (revs, ["d0000000000a:", ":d0000000000e", "d0000000000c:d0000000000f",
                          "d0000000000b:"])

    # three-way merge, list down_revision
    revs = [
        Rev("e1", message="root of three"),
        Rev("e2aa", ["e1"], message="first"),
        Rev("e3bb", ["e1"], message="second"),
        Rev("e4cc", ["e1"], message="third"),
        Rev("e5dd", ["e3bb"], message="second continued"),
        Rev("e6ee", ["e2aa", "e5dd", "e4cc"], message="merge all three", down_form="list"),
        Rev("e7ff", ["e6ee"], message="top"),
    ]
    p["merge3"] = (revs, ["e1:", ":e6ee", "e3bb:e7ff", "-3:"])

    # two independent roots with branch labels and depends_on across them
    revs = [
        Rev("f0000001", labels=["networking"], message="networking root"),
        Rev("f0000002", ["f0000001"], message="add routers"),
        Rev("f1000001", labels=["shopping"], message="shopping root", style="annotated"),
        Rev("f1000002", ["f1000001"], depends=["f0000002"], message="orders need routers"),
        Rev("f1000003", ["f1000002"], message="more shopping"),
        Rev("f0000003", ["f0000002"], message="add switches"),
        Rev("f2000001", depends=["networking"], message="audit depends on a label"),
    ]
    p["depends"] = (revs, ["f0000001:", ":f1000003", "shopping@base:shopping@head",
                           "networking@base:", ":networking@head", "f1000001:f1000003"])

    # an effective head: a revision nothing descends from, but something depends on
    revs = [
        Rev("a1b2c3d4", message="base"),
        Rev("b2c3d4e5", ["a1b2c3d4"], message="lib"),
        Rev("c3d4e5f6", ["a1b2c3d4"], depends=["b2c3d4e5"], message="app uses lib"),
    ]
    p["effective"] = (revs, [":c3d4e5f6", "a1b2c3d4:"])

    # labels inherited along a branch, label set mid-branch
    revs = [
        Rev("aa11aa11", message="root"),
        Rev("bb22bb22", ["aa11aa11"], message="trunk"),
        Rev("cc33cc33", ["bb22bb22"], message="billing start"),
        Rev("dd44dd44", ["cc33cc33"], labels=["billing"], message="billing label here"),
        Rev("ee55ee55", ["dd44dd44"], message="billing more"),
        Rev("ff66ff66", ["bb22bb22"], message="reports start"),
        Rev("ab77ab77", ["ff66ff66"], labels=["reports"], message="reports label"),
    ]
    p["labels"] = (revs, ["billing@base:billing@head", ":reports@head", "bb22bb22:",
                          "billing@cc33cc33:", ":billing@ee55ee55", "billing@ff66ff66:",
                          ":nosuch@head", "billing@-1:", ":reports@heads", "reports@base:",
                          "billing@dd44dd44+1:", "billing:"])

    # non-hex ids
    revs = [
        Rev("20240101_000001", message="first by date"),
        Rev("20240102_000002", ["20240101_000001"], message="second by date",
            style="annotated"),
        Rev("a_b_c", ["20240102_000002"], message="underscores"),
        Rev("zz_top", ["a_b_c"], message="last one", body=PARAS),
        Rev("zz_side", ["a_b_c"], message="side branch"),
    ]
    p["nonhex"] = (revs, ["20240101_000001:", ":a_b_c", "a_b_c:zz_top", "2024010:"])

    # no header lines in the docstring, single quotes not used
    revs = [
        Rev("0a0a0a0a0a0a", message="no header", header=False),
        Rev("1b1b1b1b1b1b", ["0a0a0a0a0a0a"], message="no header either", header=False,
            body=["Only a body."]),
    ]
    p["plain_doc"] = (revs, [":1b1b"])
    return p


def random_project(seed, size, rich=False):
    """A random DAG: linear steps, branches, 2- and 3-way merges, labels, depends_on.
    `rich` adds more labels and revisions depending on two others."""
    rng = random.Random(seed)
    revs = []
    heads = []
    used = set()

    def new_id():
        while True:
            rid = hexid(rng)
            if rid not in used and not any(u.startswith(rid[:4]) for u in used):
                used.add(rid)
                return rid

    ancestors = {}
    labels_left = ["alpha", "beta", "gamma"]
    if rich:
        labels_left += ["delta", "epsilon", "zeta", "eta"]
    for i in range(size):
        rid = new_id()
        kind = rng.random()
        down = []
        if not revs or (kind < 0.06 and i < size // 2):
            down = []
        elif kind < 0.55 or len(heads) < 2:
            down = [rng.choice(heads)] if heads else []
        elif kind < 0.75:
            down = [rng.choice(revs).rid]
        elif kind < 0.92 or len(heads) < 3:
            down = rng.sample(heads, 2)
        else:
            down = rng.sample(heads, 3)
        anc = set(down)
        for d in down:
            anc |= ancestors[d]
        depends = []
        if revs and rng.random() < (0.25 if rich else 0.12):
            cands = [r.rid for r in revs if r.rid not in anc]
            if cands:
                depends = rng.sample(cands, min(len(cands), 2 if rich and rng.random() < 0.5 else 1))
        labels = []
        if labels_left and rng.random() < (0.25 if rich else 0.12):
            labels = [labels_left.pop(0)]
        ancestors[rid] = anc | set(depends)
        for d in depends:
            ancestors[rid] |= ancestors[d]
        style = "annotated" if rng.random() < 0.3 else "plain"
        form = rng.choice(["auto", "auto", "tuple", "list"]) if len(down) > 1 else "auto"
        body = PARAS[: rng.randint(0, 3)] or None
        revs.append(Rev(rid, down, labels=labels, depends=depends, body=body, style=style,
                        down_form=form, message="random %d step %d" % (seed, i)))
        heads = [h for h in heads if h not in down] + [rid]
    # ranges: from a few points to the heads, and up to a few points
    picks = rng.sample(revs, min(3, len(revs)))
    ranges = ["%s:" % picks[0].rid, ":%s" % picks[1].rid[:8]]
    return revs, ranges


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: gen.py OUTDIR\n")
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    tmpl = init_template(out)
    for name, (revs, ranges) in fixed_projects().items():
        write_project(out, tmpl, name, revs, ranges)
    for seed in range(1, 9):
        revs, ranges = random_project(seed, 6 + seed * 3)
        write_project(out, tmpl, "random%02d" % seed, revs, ranges)
    for seed in range(9, 13):
        revs, ranges = random_project(seed, 25 + seed, rich=True)
        write_project(out, tmpl, "rich%02d" % seed, revs, ranges)
    shutil.rmtree(tmpl)
    return 0


if __name__ == "__main__":
    sys.exit(main())

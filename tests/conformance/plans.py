#!/usr/bin/python3
"""plans.py - what Alembic 1.8 would upgrade / downgrade, for the graph plan tests.

Usage: /usr/bin/python3 plans.py PROJECT_DIR

Prints one line per case, tab-separated: kind (up/down), the database's current heads
(comma-separated, "-" for none), the target, and Alembic's answer: the revision ids in
the order ScriptDirectory._upgrade_revs / _downgrade_revs return them, or
"FAILED: <CommandError text>". Cases are drawn with a fixed seed from the project's own
revisions and branch labels. Nothing touches a database.
"""
import os
import random
import sys
import warnings

from alembic import util
from alembic.config import Config
from alembic.script import ScriptDirectory


def main():
    os.chdir(sys.argv[1])
    warnings.simplefilter("ignore")
    sd = ScriptDirectory.from_config(Config("alembic.ini"))
    m = sd.revision_map
    ids = [r.revision for r in sd.walk_revisions()]
    labels = sorted({lb for r in sd.walk_revisions() for lb in r.branch_labels})
    rng = random.Random(7)
    heads = ",".join(m.heads)
    cases = [("up", "-", "heads"), ("down", heads, "base"), ("down", "-", "-1"),
             ("up", "-", "+1"), ("up", "-", "head")]
    for _ in range(12):
        a, b = rng.choice(ids), rng.choice(ids)
        cases += [("up", a, "heads"), ("up", "-", b), ("up", a, b), ("up", a, "+1"),
                  ("up", a, "+2"), ("down", heads, b), ("down", a, b), ("down", a, "-1"),
                  ("down", a, "-2"), ("up", "-", b + "+1"), ("down", heads, b + "-1")]
        if labels:
            lb = rng.choice(labels)
            cases += [("up", "-", lb + "@head"), ("up", a, lb + "@+1"),
                      ("down", heads, lb + "@base"), ("down", heads, lb + "@-1")]
    for kind, cur, target in cases:
        current = () if cur == "-" else tuple(cur.split(","))
        try:
            if kind == "up":
                steps = sd._upgrade_revs(target, current)
            else:
                steps = sd._downgrade_revs(target, current)
            result = " ".join(s.revision.revision for s in steps)
        except util.CommandError as e:
            result = "FAILED: %s" % e
        except Exception as e:  # Alembic's own assertion failures
            result = "CRASH: %s" % type(e).__name__
        print("%s\t%s\t%s\t%s" % (kind, cur, target, result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

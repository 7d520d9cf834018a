#!/usr/bin/env python3
"""autogen.py - create_migration against `alembic revision --autogenerate` on a generated
project (gen_models.py: N models in a dozen modules, a mixin, enums, FKs) and one
PostgreSQL database, side by side.

The project: the version-1 models, a baseline revision that alembic autogenerates from
them on an empty database, the database upgraded to it; then the version-2 models (the
changes autogenerate must find). Timed, a new process per run, in turns so that load
changes touch all alike, one untimed run each first:

  alembic           /usr/bin/alembic revision --autogenerate -m bench (imports env.py and
                    the models, reflects the database; the file it writes is removed
                    after each run, untimed)
  retort database   retort call create_migration {"message", "write": false,
                    "against": "database"} - the same comparison with the same database
  retort migrations the same with against "migrations" (the default): no database, the
                    migrations folded statically

Prints the medians, the ratios alembic / retort, and the peak RSS of each
(/usr/bin/time). Also checks that retort's operations are alembic's (tests/autogen's
normalization and exclusions, conform.comparable): the only way this bench fails,
besides a command failing. Never fails on time.
Needs PGHOST and PGUSER (autogen.sh starts a cluster).
Usage: autogen.py --retort BIN [--alembic BIN] [--models N] [--runs R] [--keep DIR]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from benchlib import run_once

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "autogen"))
import conform  # noqa: E402  (the normalization and exclusions of tests/autogen)
import oprec  # noqa: E402

ENV_PY = os.path.join(HERE, "..", "autogen", "project", "migrations", "env.py")
MAKO = os.path.join(HERE, "..", "autogen", "project", "migrations", "script.py.mako")
INI = """[alembic]
script_location = %(here)s/migrations
prepend_sys_path = %(here)s
version_path_separator = os

[retort]
models = app/models/*.py
"""


class Failed(Exception):
    pass


def sh(argv, cwd=None, env=None):
    r = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        raise Failed(f"{' '.join(argv)} failed (exit {r.returncode}):\n{r.stdout[-2000:]}\n"
                     f"{r.stderr[-2000:]}")
    return r.stdout


def peak_rss_kib(argv, cwd=None, env=None):
    """Peak RSS of one run (/usr/bin/time: a child of this Python would count its pages)."""
    with tempfile.NamedTemporaryFile("r") as f:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name] + argv, cwd=cwd, env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        return int(f.read().split()[-1])


def versions(root):
    d = os.path.join(root, "migrations", "versions")
    return {f for f in os.listdir(d) if f.endswith(".py")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--retort", required=True)
    ap.add_argument("--alembic", default="/usr/bin/alembic")
    ap.add_argument("--models", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", help="generate the project here and keep it")
    o = ap.parse_args()
    retort = os.path.abspath(o.retort)
    user, host = os.environ["PGUSER"], os.environ["PGHOST"]
    db = "autogen_bench"
    url = f"postgresql://{user}@/{db}?host={host}"
    env = dict(os.environ, DATABASE_URL=url, PYTHONDONTWRITEBYTECODE="1")

    root = o.keep or tempfile.mkdtemp(prefix="retort-bench-autogen-")
    try:
        if o.keep:
            shutil.rmtree(root, ignore_errors=True)
        os.makedirs(os.path.join(root, "migrations", "versions"))
        with open(os.path.join(root, "alembic.ini"), "w") as f:
            f.write(INI)
        shutil.copy(ENV_PY, os.path.join(root, "migrations", "env.py"))
        shutil.copy(MAKO, os.path.join(root, "migrations", "script.py.mako"))
        sh([sys.executable, os.path.join(HERE, "gen_models.py"), root, str(o.models), "1"])
        sh(["psql", "-qX", "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {db}"])
        sh(["psql", "-qX", "-d", "postgres", "-c", f"CREATE DATABASE {db}"])
        sh([o.alembic, "revision", "--autogenerate", "-m", "baseline", "--rev-id", "0000baseline"],
           cwd=root, env=env)
        sh([o.alembic, "upgrade", "head"], cwd=root, env=env)
        summary = json.loads(sh([sys.executable, os.path.join(HERE, "gen_models.py"), root,
                                 str(o.models), "2"]))
        print(f"autogen bench: {summary['models']} models in {summary['modules']} modules "
              f"({summary['bytes'] // 1024} KB), the database at the baseline revision")

        floor = statistics.median(run_once(["/bin/true"])[0] for _ in range(20))
        print(f"process spawn floor on this machine (/bin/true): {floor:.1f} ms, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)

        base_versions = versions(root)
        alembic_argv = [o.alembic, "revision", "--autogenerate", "-m", "bench"]
        rdb_argv = [retort, "--project", root, "call", "create_migration", json.dumps(
            {"message": "bench", "write": False, "against": "database", "database_url": url})]
        rmig_argv = [retort, "--project", root, "call", "create_migration", json.dumps(
            {"message": "bench", "write": False})]
        jobs = [("alembic", alembic_argv), ("retort database", rdb_argv),
                ("retort migrations", rmig_argv)]
        outputs = {}

        def once(name, argv):
            wall, code, out, err = run_once(argv, cwd=root, env=env)
            if code != 0:
                raise Failed(f"{name} failed (exit {code}):\n{out[-2000:]}\n{err[-2000:]}")
            if name == "alembic":
                new = versions(root) - base_versions
                if len(new) != 1:
                    raise Failed(f"alembic revision wrote {sorted(new)}")
                path = os.path.join(root, "migrations", "versions", new.pop())
                if name not in outputs:
                    with open(path) as f:
                        outputs[name] = f.read()
                os.remove(path)
            elif name not in outputs:
                outputs[name] = json.loads(out)["content"]
            if versions(root) != base_versions:
                raise Failed(f"{name} left a file in versions/")
            return wall

        times = {name: [] for name, _ in jobs}
        for name, argv in jobs:
            once(name, argv)  # untimed: page cache, __pycache__
        for _ in range(o.runs):
            for name, argv in jobs:
                times[name].append(once(name, argv))
        med = {name: statistics.median(t) for name, t in times.items()}
        rss = {}
        for name, argv in jobs:
            rss[name] = peak_rss_kib(argv, cwd=root, env=env)
            for f in versions(root) - base_versions:  # alembic's new file
                os.remove(os.path.join(root, "migrations", "versions", f))
        a = med["alembic"]
        print(f"create_migration cold [median of {o.runs} runs]: alembic revision --autogenerate "
              f"{a:.0f} ms; retort against the database {med['retort database']:.1f} ms "
              f"(ratio {a / med['retort database']:.1f}x); retort against the migrations "
              f"{med['retort migrations']:.1f} ms (ratio {a / med['retort migrations']:.1f}x)")
        print(f"peak RSS: alembic {rss['alembic'] / 1024:.1f} MB, retort database "
              f"{rss['retort database'] / 1024:.1f} MB, retort migrations "
              f"{rss['retort migrations'] / 1024:.1f} MB")

        # The same operations (tests/autogen's normalization and exclusions).
        files = {}
        for name, text in outputs.items():
            files[name] = os.path.join(root, name.replace(" ", "_") + "_revision.py")
            with open(files[name], "w") as f:
                f.write(text)
        a_up, a_down = oprec.load(files["alembic"])
        expr_ix = set()
        drops = {(x[1], x[3]) for x in a_up if x[0] == "drop_index"}
        ok = True
        for name in ("retort database", "retort migrations"):
            r_up, r_down = oprec.load(files[name])
            problems = []
            for direction, mine, ref in (("upgrade", r_up, a_up), ("downgrade", r_down, a_down)):
                down = direction == "downgrade"
                conform.compare_with_alembic(problems, f"{name} {direction}() vs alembic's "
                                             "(- alembic only, + retort only)", mine, ref,
                                             expr_ix, down, drops if down else ())
            n = len(conform.comparable(oprec.flatten(r_up), expr_ix))
            if problems:
                ok = False
                print("\n".join(problems))
            else:
                print(f"operations: {name} == alembic ({n} upgrade operations compared, "
                      f"{len(r_up) - n} retort-only: enum/check DDL)")
        return 0 if ok else 1
    except Failed as e:
        print(f"autogen bench: {e}")
        return 1
    finally:
        subprocess.run(["psql", "-qX", "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {db}"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not o.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

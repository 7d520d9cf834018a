"""benchlib.py - what the benchmark drivers (history.py, review.py, upgrade.py) share."""
import os
import tempfile
import time


def spawn_timed(argv, cwd=None, env=None):
    """(wall ms, user+sys CPU ms, exit code, stdout, stderr) of one child process.
    posix_spawn (vfork-like) rather than subprocess's fork keeps this Python out of the
    timing; wait4 gives the child's own CPU time. stdin is /dev/null."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                   (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
        old = os.getcwd()
        if cwd:
            os.chdir(cwd)
        try:
            t0 = time.perf_counter()
            pid = os.posix_spawnp(argv[0], argv, env if env is not None else os.environ,
                                  file_actions=actions)
            _, status, ru = os.wait4(pid, 0)
            wall = (time.perf_counter() - t0) * 1000
        finally:
            os.chdir(old)
        out.seek(0)
        err.seek(0)
        return (wall, (ru.ru_utime + ru.ru_stime) * 1000, os.waitstatus_to_exitcode(status),
                out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def run_once(argv, cwd=None, env=None):
    """(wall ms, exit code, stdout, stderr) of one child process (spawn_timed)."""
    wall, _, code, out, err = spawn_timed(argv, cwd, env)
    return wall, code, out, err

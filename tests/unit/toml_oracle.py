"""toml_oracle.py DIR [TABLE [skip]] - Python's tomllib (TOML 1.0) as the reference for
server/alembic/toml.c.

For each file DIR/<n>.toml, in name order, prints one line: "<n> error" when tomllib
refuses the document or the table (default tool.retort) holds something that is not a
setting, else "<n> found|absent" and the settings below the table flattened as toml.h
describes, each as hex(key)=hex(value), sorted (the order is not compared). With "skip"
(TOML_SKIP_TABLE_ARRAYS), arrays holding tables are passed over instead of refused."""
import os
import sys
import tomllib


class Float(str):
    pass


def text(v, level=0):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Float):
        return v.replace("_", "")
    if isinstance(v, str):
        if "\0" in v:
            raise ValueError("NUL")
        return v
    if isinstance(v, list):
        nested = any(isinstance(x, list) for x in v)
        if nested and level > 0:
            raise ValueError("three deep")
        return ("; " if nested else ", ").join(text(x, level + 1) for x in v)
    if isinstance(v, dict):
        raise ValueError("table in array")
    return "DATETIME"


SKIP = len(sys.argv) > 3 and sys.argv[3] == "skip"


def flat(d, prefix, out):
    for k, v in d.items():
        if isinstance(v, dict):
            flat(v, prefix + [k], out)
        elif SKIP and isinstance(v, list) and any(isinstance(x, dict) for x in v):
            continue
        else:
            out.append((".".join(prefix + [k]), text(v)))


def main():
    d = sys.argv[1]
    names = sorted((f for f in os.listdir(d) if f.endswith(".toml")), key=lambda f: int(f[:-5]))
    for f in names:
        n = f[:-5]
        with open(os.path.join(d, f), "rb") as fh:
            raw = fh.read()
        try:
            doc = tomllib.loads(raw.decode("utf-8"), parse_float=Float)
            path = (sys.argv[2] if len(sys.argv) > 2 else "tool.retort").split(".")
            node, found = doc, True
            for part in path:
                if not isinstance(node, dict):  # e.g. [[tool]]: there is no [tool.retort]
                    found = False
                    break
                if part not in node:
                    found = False
                    break
                node = node[part]
            out = []
            if found:
                if not isinstance(node, dict):
                    raise ValueError("not a table")
                flat(node, [], out)
            items = sorted(k.encode().hex() + "=" + v.encode().hex() for k, v in out)
            print(n, "found" if found else "absent", *items)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError):
            print(n, "error")


main()

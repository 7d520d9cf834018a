"""toml_oracle.py DIR - Python's tomllib (TOML 1.0) as the reference for server/alembic/toml.c.

For each file DIR/<n>.toml, in name order, prints one line: "<n> error" when tomllib
refuses the document or [tool.retort] holds something that is not a setting, else
"<n> found|absent" and the settings below [tool.retort] flattened as toml.h describes,
each as hex(key)=hex(value), sorted (the order is not compared)."""
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


def flat(d, prefix, out):
    for k, v in d.items():
        if isinstance(v, dict):
            flat(v, prefix + [k], out)
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
            tool = doc.get("tool", {})
            found = isinstance(tool, dict) and "retort" in tool
            out = []
            if found:
                if not isinstance(tool["retort"], dict):
                    raise ValueError("not a table")
                flat(tool["retort"], [], out)
            items = sorted(k.encode().hex() + "=" + v.encode().hex() for k, v in out)
            print(n, "found" if found else "absent", *items)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError):
            print(n, "error")


main()

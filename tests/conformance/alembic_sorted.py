#!/usr/bin/python3
"""alembic_sorted.py - runs Alembic's command line with os.listdir sorted.

Alembic 1.8 loads revision files in os.listdir order, which on ext4 is hash order and
differs from machine to machine; that order decides how branches are interleaved in
`alembic history`. retort reads the files in sorted order, so the reference run gets a
sorted listing too. Nothing else about Alembic is changed.
"""
import os
import sys

_listdir = os.listdir


def _sorted_listdir(path="."):
    return sorted(_listdir(path))


os.listdir = _sorted_listdir

from alembic.config import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(prog="alembic"))

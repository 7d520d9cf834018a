#!/usr/bin/python3
"""lsp_seeds.py - writes the fuzz_lsp seeds into tests/fuzz/corpus/lsp/.

fuzz_lsp serves each input after its own `initialize` request, on the fixture project
tests/fixtures/projects/proj_basic copied to the fixed path /tmp/retort-fuzz-lsp/project
(FUZZ_LSP_DIR in fuzz_lsp.c), so an input can name the revision files there. Each
seed is a Content-Length-framed session: `initialized`, documents opened (files of the
project and new ones in its versions directory), incremental and full edits, hover,
definition, code actions, save, close, shutdown and exit. Run it again when the fixture
or the seeds change; the frames' lengths are computed here.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(os.path.dirname(HERE), "fixtures", "projects", "proj_basic")
ROOT = "/tmp/retort-fuzz-lsp/project"
VERSIONS = ROOT + "/migrations/versions"
OUT = os.path.join(HERE, "corpus", "lsp")


def uri(name):
    return "file://" + VERSIONS + "/" + name


def fixture(name):
    with open(os.path.join(FIXTURE, "migrations", "versions", name), encoding="utf-8") as f:
        return f.read()


def frame(msg):
    body = json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Session:
    def __init__(self):
        self.out = []
        self.id = 0
        self.notify("initialized", {})

    def notify(self, method, params):
        m = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            m["params"] = params
        self.out.append(frame(m))

    def request(self, method, params=None):
        self.id += 1
        m = {"jsonrpc": "2.0", "id": self.id, "method": method}
        if params is not None:
            m["params"] = params
        self.out.append(frame(m))

    def open(self, name, text, version=1):
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri(name), "languageId": "python", "version": version, "text": text}})

    def change(self, name, version, *changes):
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri(name), "version": version},
                                               "contentChanges": list(changes)})

    def at(self, name, method, line, character):
        self.request("textDocument/" + method, {"textDocument": {"uri": uri(name)},
                                                "position": {"line": line, "character": character}})

    def actions(self, name, l0, l1):
        self.request("textDocument/codeAction", {
            "textDocument": {"uri": uri(name)},
            "range": {"start": {"line": l0, "character": 0}, "end": {"line": l1, "character": 0}},
            "context": {"diagnostics": []}})

    def end(self, exit_=True):
        self.request("shutdown")
        if exit_:
            self.notify("exit", None)

    def bytes(self):
        return b"".join(self.out)


def rng(l0, c0, l1, c1):
    return {"start": {"line": l0, "character": c0}, "end": {"line": l1, "character": c1}}


def pos(text, needle, offset=0):
    """0-based line and UTF-16 character of `needle` (+offset characters) in `text`."""
    at = text.index(needle) + offset
    before = text[:at]
    line = before.count("\n")
    col = before[before.rfind("\n") + 1:]
    return line, len(col.encode("utf-16-le")) // 2


RICH = '''"""add the order tables

Revision ID: 5e6f
Revises: 3c4d
Create Date: 2024-03-05 10:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '5e6f'
down_revision = '3c4d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'orders',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('code', sa.CHAR(8)),
        sa.Column('payload', sa.JSON()),
        sa.Column('created_at', sa.DateTime()),
        sa.Column('status', sa.String(20)),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id')),
    )
    op.add_column('users', sa.Column('age', sa.Integer(), nullable=False))
    op.create_index('ix_orders_code', 'orders', ['code'])
    op.drop_index('ix_users_name', table_name='users')
    op.alter_column('users', 'name', type_=sa.Text())
    op.create_check_constraint('ck_age', 'users', 'age > 0')
    op.create_foreign_key(None, 'orders', 'users', ['user_id'], ['id'])
    op.drop_column('users', 'legacy')
    op.rename_table('carts', 'baskets')
    op.execute("UPDATE users SET age = 0")
    sa.Enum('new', 'paid', name='order_status').create(op.get_bind())
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('nick', sa.String(32), server_default='x'))
    for t in ('a', 'b'):
        op.drop_table(t)


def downgrade():
    pass
'''

GRAPH = '''"""duplicate of 1a2b, with a label — and non-ASCII: café ☕ 😀

Revision ID: 1a2b
Revises: 3c4d, 7a8b
"""
from alembic import op

revision = '1a2b'
down_revision = ('3c4d', '7a8b')
branch_labels = ('feature',)
depends_on = '9z9z'


def upgrade():
    op.execute("SELECT '😀'")  # ☕


def downgrade():
    op.execute("SELECT 1")
'''


def seed_edit_hover_definition():
    s = Session()
    name = "3c4d_second.py"
    text = fixture(name)
    s.open(name, text)
    s.at(name, "hover", *pos(text, "'3c4d'", 1))
    s.at(name, "hover", *pos(text, "'1a2b'", 2))
    s.at(name, "definition", *pos(text, "'1a2b'", 2))
    s.at(name, "definition", *pos(text, "'3c4d'", 1))
    l, c = pos(text, "'1a2b'", 1)
    s.change(name, 2, {"range": rng(l, c, l, c + 4), "text": "ffff"})
    s.actions(name, 0, 20)
    pl, _ = pos(text, "    pass")
    s.change(name, 3,
             {"range": rng(pl, 4, pl, 8),
              "text": "op.add_column('users', sa.Column('age', sa.Integer(), nullable=False))\n"
                      "    op.create_index('ix_users_age', 'users', ['age'])"},
             {"range": rng(l, c, l, c + 4), "text": "1a2b"})
    s.at(name, "hover", pl, 10)
    s.actions(name, pl, pl + 1)
    s.at(name, "definition", *pos(text, "'1a2b'", 2))
    s.notify("textDocument/didSave", {"textDocument": {"uri": uri(name)}})
    s.notify("textDocument/didClose", {"textDocument": {"uri": uri(name)}})
    s.at(name, "hover", 0, 0)
    s.end()
    return s


def seed_new_revision_lint():
    s = Session()
    name = "5e6f_add_orders.py"
    s.open(name, RICH)
    s.actions(name, 0, RICH.count("\n"))
    s.at(name, "hover", *pos(RICH, "'3c4d'", 2))
    s.at(name, "definition", *pos(RICH, "'3c4d'", 2))
    s.at(name, "hover", *pos(RICH, "'5e6f'\n", 1))
    # A full replacement with broken syntax, then an incremental repair.
    broken = RICH.replace("def downgrade():\n    pass\n", "def downgrade(:\n    op.drop_table('orders'\n")
    s.change(name, 2, {"text": broken})
    s.actions(name, 0, 5)
    l, _ = pos(broken, "def downgrade(:")
    s.change(name, 3, {"range": rng(l, 0, l + 2, 0), "text": "def downgrade():\n    op.drop_table('orders')\n"})
    s.actions(name, 17, 45)
    s.notify("textDocument/didSave", {"textDocument": {"uri": uri(name)}, "text": RICH})
    s.end()
    return s


def seed_graph_problems():
    s = Session()
    s.open("1a2b_dup.py", GRAPH)
    s.open("3c4d_second.py", fixture("3c4d_second.py"))
    cyc_a = fixture("1a2b_first.py").replace("'1a2b'", "'aaaa'").replace("down_revision = None", "down_revision = 'bbbb'")
    cyc_b = fixture("1a2b_first.py").replace("'1a2b'", "'bbbb'").replace("down_revision = None", "down_revision = 'aaaa'")
    s.open("aaaa_cycle.py", cyc_a)
    s.open("bbbb_cycle.py", cyc_b)
    s.at("1a2b_dup.py", "hover", *pos(GRAPH, "'7a8b'", 2))
    s.at("1a2b_dup.py", "definition", *pos(GRAPH, "'7a8b'", 2))
    s.at("1a2b_dup.py", "definition", *pos(GRAPH, "'9z9z'", 2))
    s.at("1a2b_dup.py", "hover", *pos(GRAPH, "😀'", 0))
    s.actions("1a2b_dup.py", 0, 20)
    # Edits in UTF-16 units around the emoji, then the duplicate id renamed away.
    l, c = pos(GRAPH, "😀\n")
    s.change("1a2b_dup.py", 2, {"range": rng(l, c, l, c + 2), "text": "🍰🍰"},
             {"range": rng(l, c + 1, l, c + 3), "text": ""})
    l, c = pos(GRAPH, "'1a2b'\ndown", 1)
    s.change("1a2b_dup.py", 3, {"range": rng(l, c, l, c + 4), "text": "1a2c"})
    s.change("bbbb_cycle.py", 2, {"range": rng(9, 0, 9, 100), "text": "down_revision = None"})
    s.actions("bbbb_cycle.py", 0, 30)
    s.notify("textDocument/didClose", {"textDocument": {"uri": uri("aaaa_cycle.py")}})
    s.at("bbbb_cycle.py", "hover", 8, 12)
    s.end()
    return s


def seed_odd_edits():
    s = Session()
    name = "sub/7a8b_nested.py"
    text = fixture("sub/7a8b_nested.py")
    s.open(name, text)
    n = text.count("\n")
    s.change(name, 2,
             {"range": rng(2, 0, 4, 0), "text": ""},                       # lines gone
             {"range": rng(n, 0, n, 0), "text": "\n# the end ✓\n"},        # at the end
             {"range": rng(3, 5, 3, 1), "text": "x"},                      # end before start
             {"range": rng(999, 0, 999, 3), "text": "y"},                  # past the end
             {"range": rng(0, 0, 0, 0), "rangeLength": 0, "text": "#!\n"})
    s.change(name, 3, {"text": ""})
    s.at(name, "hover", 0, 0)
    s.change(name, 4, {"text": text.replace("'3c4d'", "'3c4'")})
    s.at(name, "definition", *pos(text, "'3c4d'", 1))
    s.request("textDocument/codeAction", {"textDocument": {"uri": uri(name)}, "range": rng(0, 0, 99, 0)})
    s.at("sub/7a8b_nested.py", "hover", -1, 4)
    s.change("nope.py", 1, {"text": "x"})
    s.notify("textDocument/didOpen", {"textDocument": {"uri": "file://" + ROOT + "/alembic.ini", "version": 1, "text": "[alembic]\n"}})
    s.notify("textDocument/didOpen", {"textDocument": {"uri": "untitled:Untitled-1", "version": 1, "text": "revision = 'x'\n"}})
    s.end(exit_=False)
    return s


def seed_lifecycle():
    # Once tests/fuzz/corpus/lsp/lsp_lifecycle (newline-delimited, which never reached the
    # LSP handler): requests before and after initialize, unknown ones, a second
    # initialize, shutdown and requests after it.
    s = Session()
    s.out = []
    s.at("x.py", "hover", 0, 0)
    s.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///x.py", "languageId": "python", "version": 1, "text": ""}})
    s.request("initialize", {"processId": None, "rootUri": "file://" + ROOT,
                             "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}})
    s.notify("initialized", {})
    s.request("no/such/request", {})
    s.notify("no/such/notification", {})
    s.request("shutdown")
    s.at("3c4d_second.py", "hover", 0, 0)
    s.notify("exit", None)
    return s


def seed_exit_without_shutdown():
    # Once tests/fuzz/corpus/lsp/lsp_exit_without_shutdown (newline-delimited).
    s = Session()
    s.out = []
    s.notify("exit", None)
    s.request("never/answered")
    return s


SEEDS = {
    "lsp_edit_hover_definition": seed_edit_hover_definition,
    "lsp_new_revision_lint": seed_new_revision_lint,
    "lsp_graph_problems": seed_graph_problems,
    "lsp_odd_edits": seed_odd_edits,
    "lsp_lifecycle": seed_lifecycle,
    "lsp_exit_without_shutdown": seed_exit_without_shutdown,
}


def main():
    for name, make in SEEDS.items():
        data = make().bytes()
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print("%s: %d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()

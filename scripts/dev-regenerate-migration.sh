#!/usr/bin/env bash
# Developer tool (not part of set-up): rewrite the newest, not-yet-released migration from
# the models. Usage: scripts/dev-regenerate-migration.sh REVISION_FILE "message"
set -euo pipefail
cd "$(dirname "$0")/.."
old="$1"; message="$2"
tmp="$(mktemp -d)"
rm -f "$old"
export FLASK_APP=course_engine COURSE_ENGINE_DATABASE_URL="sqlite:///$tmp/gen.db" SECRET_KEY=x
.venv/bin/flask db upgrade >/dev/null
.venv/bin/flask db revision -m "$message"
rm -rf "$tmp"
# Autogenerate cannot add the circular content_module -> module_version key on SQLite; add
# it explicitly (batch mode works on both backends).
new="$(ls -t migrations/versions/*.py | head -1)"
if grep -q "create_table('module_version'" "$new"; then
python3 - "$new" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
marker = "    # ### end Alembic commands ###"
up = """    # The circular reference (a module's current version) is added once both tables exist.
    with op.batch_alter_table('content_module', schema=None) as batch_op:
        batch_op.create_foreign_key(op.f('fk_content_module_current_version_id_module_version'),
                                    'module_version', ['current_version_id'], ['id'], ondelete='SET NULL')

"""
i = s.index(marker); s = s[:i] + up + s[i:]
j = s.index("def downgrade():"); k = s.index("\n", s.index("# ### commands auto generated", j)) + 1
s = s[:k] + """    with op.batch_alter_table('content_module', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_content_module_current_version_id_module_version'), type_='foreignkey')
""" + s[k:]
open(p, "w").write(s)
PY
fi
echo "Rewrote $new"

"""Moves Meta.constraints out of CreateModel into AddConstraint operations in a migration file.

Tortoise ORM 1.1's CreateModel records Meta.constraints in the migration state but does not
create them in the database; tests/test_migrations.py catches that. Run this on a freshly made
migration:

    python scripts/split_constraints.py migrations/0005_reviews_flags_jobs.py

Check constraints are placed before unique ones: on SQLite adding a check rebuilds the table,
which drops the named unique indexes created before it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

CREATE = re.compile(r"ops\.CreateModel\(\n            name='(\w+)',.*?options=\{(.*?)\},\n            bases", re.S)
ITEM = re.compile(r"((?:Check|Unique)Constraint\((?:[^()]|\([^()]*\))*\))")


def split(text: str) -> str:
    moved: list[tuple[str, str]] = []
    for match in CREATE.finditer(text):
        options = match.group(2)
        found = re.search(r"'constraints': \[(.*?)\], ", options)
        if not found:
            continue
        moved += [(match.group(1), item) for item in ITEM.findall(found.group(1))]
        text = text.replace(options, options.replace(found.group(0), ""), 1)
    if not moved:
        return text
    ordered = [m for m in moved if m[1].startswith("Check")] + [m for m in moved if m[1].startswith("Unique")]
    ops = "".join(
        f"        ops.AddConstraint(\n            model_name='{model}',\n            constraint={item},\n        ),\n"
        for model, item in ordered
    )
    note = "        # Constraints after the tables (CreateModel does not create them): checks first.\n"
    end = text.rindex("    ]\n")
    return text[:end] + note + ops + text[end:]


if __name__ == "__main__":
    for name in sys.argv[1:]:
        path = Path(name)
        path.write_text(split(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"rewrote {path}")

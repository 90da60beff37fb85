"""Makes a migration file that `tortoise makemigrations` just wrote stand on its own.

`incubator makemigrations` runs this on every file it makes; by hand:

    python scripts/split_constraints.py migrations/0005_reviews_flags_jobs.py

Two rewrites, each checked by tests/test_migrations.py:

- Meta.constraints move out of CreateModel into AddConstraint operations. Tortoise ORM 1.1's
  CreateModel records them in the migration state but does not create them in the database.
  Check constraints are placed before unique ones: on SQLite adding a check rebuilds the table,
  which drops the named unique indexes created before it.
- What the file imports from the app (`from incubator.… import Stage`: an enum a field uses, a
  function giving a default) is replaced by a copy of it as it is now, when the migration is made.
  A migration imported by a fresh `migrate` years later must build what it built the day it was
  written, whatever the models have been renamed or changed to since.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import re
import sys
import textwrap
from enum import Enum, IntEnum, StrEnum
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
        # A file written by hand may already add them after its tables (0015): left as it is.
        items = [item for item in ITEM.findall(found.group(1)) if f"constraint={item},\n" not in text]
        if not items:
            continue
        moved += [(match.group(1), item) for item in items]
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


def is_app_import(node: ast.AST) -> bool:
    """`from incubator… import …` or `import incubator…`, anywhere in a file."""
    if isinstance(node, ast.ImportFrom):
        return node.level == 0 and (node.module or "").split(".")[0] == "incubator"
    return isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "incubator" for alias in node.names)


def _enum_copy(enum: type[Enum], name: str, bases: set[str]) -> str:
    base = next((b.__name__ for b in (StrEnum, IntEnum) if issubclass(enum, b)), None)
    if base is None:
        base = "str, Enum" if issubclass(enum, str) else "Enum"
        bases.add("Enum")
    else:
        bases.add(base)
    members = [f"    {member.name} = {member.value!r}" for member in enum] or ["    pass"]
    return "\n".join([f"class {name}({base}):", *members])


def _function_copy(function: object, name: str) -> str:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))  # type: ignore[arg-type]
    definition = tree.body[0]
    assert isinstance(definition, ast.FunctionDef)
    # Annotations would be evaluated in the migration, where their names may not exist.
    definition.returns = None
    for argument in ast.walk(definition.args):
        if isinstance(argument, ast.arg):
            argument.annotation = None
    names = [n for n in ast.walk(definition) if isinstance(n, ast.Name)]
    local = {n.id for n in names if isinstance(n.ctx, ast.Store)} | {a.arg for a in ast.walk(definition.args)
                                                                     if isinstance(a, ast.arg)}
    free = {n.id for n in names if isinstance(n.ctx, ast.Load)} - local - set(dir(builtins))
    if free or definition.decorator_list:
        raise ValueError(f"{name} uses {', '.join(sorted(free)) or 'a decorator'}: copy it into the migration by hand")
    definition.name = name
    return ast.unparse(definition)


def freeze_imports(text: str) -> str:
    """The file with each name it imports from `incubator` replaced by a copy defined in it."""
    tree = ast.parse(text)
    imports = [node for node in tree.body if is_app_import(node)]
    if not imports:
        return text
    copies: list[str] = []
    bases: set[str] = set()
    for node in imports:
        if not isinstance(node, ast.ImportFrom):
            raise ValueError(f"line {node.lineno}: import the names it uses (from … import …), then run again")
        module = importlib.import_module(str(node.module))
        for alias in node.names:
            value, name = getattr(module, alias.name), alias.asname or alias.name
            if isinstance(value, type) and issubclass(value, Enum):
                copies.append(_enum_copy(value, name, bases))
            elif inspect.isfunction(value):
                copies.append(_function_copy(value, name))
            else:
                raise ValueError(f"{node.module}.{alias.name} is not an enum or a function: copy it by hand")
    lines = text.splitlines(keepends=True)
    first = imports[0].lineno - 1
    dropped = {i for node in imports for i in range(node.lineno - 1, node.end_lineno or node.lineno)}
    end = max(node.end_lineno or node.lineno for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom))
    head = [line for i, line in enumerate(lines[:end]) if i not in dropped]
    head.insert(first, f"from enum import {', '.join(sorted(bases))}\n" if bases else "")
    frozen = (
        "\n\n# Copies of the app's values this migration uses, as they were when it was made: a fresh\n"
        "# migrate must build the same schema whatever the models are renamed or changed to later.\n"
        + "\n\n\n".join(copies) + "\n\n"
    )
    return "".join(head) + frozen + "".join(lines[end:])


def rewrite(path: Path) -> bool:
    """Rewrites the file in place; whether anything changed."""
    text = path.read_text(encoding="utf-8")
    new = freeze_imports(split(text))
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's incubator
    for name in sys.argv[1:]:
        try:
            print(f"rewrote {name}" if rewrite(Path(name)) else f"{name} needs nothing")
        except ValueError as exc:
            sys.exit(f"{name}: {exc}")

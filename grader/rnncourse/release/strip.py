"""Taking the hidden checks out of the package's source, for a student edition.

Hidden checks live in the same modules as public ones, marked ``hidden=True``
where they are made: ``@check(..., hidden=True)`` on a function, or a call
such as ``register(..., hidden=True)`` or ``check(..., hidden=True)(test)``
(also inside a builder such as checking/recurrent.py's standard_checks). Each
such statement is removed, then everything only removed code used: module-level
functions, classes and assignments nobody else uses (in the module, or
imported by another module of the package), and the names it imported. Lines
are removed from the original text, so what stays reads exactly as written.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field

from rnncourse.errors import CourseError

MARK = re.compile(r"\bhidden\s*=\s*True\b")


def holds_hidden(source: str) -> bool:
    return bool(MARK.search(source))


@dataclass
class Stripped:
    source: str
    removed: list[str] = field(default_factory=list)  # what was removed, as "name (line n)"


def strip_package(sources: dict[str, str]) -> dict[str, Stripped]:
    """{module name: source} of the package -> the modules that held hidden
    checks, stripped. A module's names that another module imports are kept."""
    targets = {name: source for name, source in sources.items() if holds_hidden(source)}
    current = dict(sources)
    result: dict[str, Stripped] = {}
    for _ in range(10):  # removing a use in one module may free a name in another
        changed = False
        for name, source in targets.items():
            others = {other: text for other, text in current.items() if other != name}
            stripped = strip_module(source, name, imported_names(others, name))
            if current[name] != stripped.source:
                changed = True
            current[name] = stripped.source
            result[name] = stripped
        if not changed:
            return result
    return result


def imported_names(sources: dict[str, str], module: str) -> set[str]:
    """The names ``sources`` import from ``module`` (from module import a, b)."""
    return {name for source in sources.values() for imported, names in _imports(source)
            if imported == module for name in names}


@functools.lru_cache(maxsize=1024)
def _imports(source: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((node.module, tuple(alias.name for alias in node.names))
                 for node in ast.walk(ast.parse(source))
                 if isinstance(node, ast.ImportFrom) and node.module and not node.level)


def _is_hidden_call(node: ast.AST) -> bool:
    return any(isinstance(sub, ast.Call) and any(
        keyword.arg == "hidden" and isinstance(keyword.value, ast.Constant)
        and keyword.value.value is True for keyword in sub.keywords)
        for sub in ast.walk(node))


def _is_hidden_statement(node: ast.stmt) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return any(_is_hidden_call(decorator) for decorator in node.decorator_list)
    if isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign)):
        return node.value is not None and _is_hidden_call(node.value)
    return False


def _bodies(node: ast.AST) -> list[list[ast.stmt]]:
    return [getattr(node, name) for name in ("body", "orelse", "finalbody")
            if isinstance(getattr(node, name, None), list)]


def _hidden_statements(tree: ast.Module) -> list[ast.stmt]:
    found = []

    def visit(body: list[ast.stmt]) -> None:
        for statement in body:
            if _is_hidden_statement(statement):
                found.append(statement)
            else:
                for inner in _bodies(statement):
                    visit(inner)

    visit(tree.body)
    return found


def _used_names(nodes: list[ast.AST]) -> set[str]:
    return {sub.id for node in nodes for sub in ast.walk(node) if isinstance(sub, ast.Name)}


def _defined(statement: ast.stmt) -> str | None:
    """The one name a module-level statement defines, if it is a definition."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return statement.name
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            return targets[0].id
    return None


def strip_module(source: str, module: str, exported: set[str]) -> Stripped:
    """``source`` without its hidden checks and what only they used."""
    tree = ast.parse(source)
    removed: list[ast.stmt] = _hidden_statements(tree)
    removed_ids = {id(node) for node in removed}
    exported = exported | _all_names(tree)
    while True:
        freed = _used_names(list(removed))
        remaining = [node for node in tree.body if id(node) not in removed_ids
                     and not isinstance(node, ast.Delete)]
        extra = []
        for statement in remaining:
            name = _defined(statement)
            if name is None or name not in freed or name in exported:
                continue
            others = [node for node in remaining if node is not statement]
            if name not in _used_names(_without(others, removed_ids)):
                extra.append(statement)
        if not extra:
            break
        removed += extra
        removed_ids |= {id(node) for node in extra}
    freed = _used_names(list(removed))
    kept = [node for node in tree.body if id(node) not in removed_ids]
    still_used = _used_names(_without([node for node in kept
                                       if not isinstance(node, ast.Delete)], removed_ids))
    gone = {_defined(node) for node in removed} - {None}
    replacements: dict[int, str | None] = {}
    for statement in kept:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            aliases = [alias for alias in statement.names
                       if (alias.asname or alias.name).split(".")[0] in still_used
                       or (alias.asname or alias.name).split(".")[0] not in freed]
            if len(aliases) != len(statement.names):
                statement.names = aliases
                replacements[id(statement)] = ast.unparse(statement) if aliases else None
        elif isinstance(statement, ast.Delete):
            targets = [target for target in _del_names(statement) if target not in gone]
            if len(targets) != len(_del_names(statement)):
                replacements[id(statement)] = f"del {', '.join(targets)}" if targets else None
    text = _rewrite(source, tree, removed, replacements)
    try:
        compile(text, module, "exec")
    except SyntaxError as error:
        raise CourseError(f"{module}: stripping its hidden checks broke it (line "
                          f"{error.lineno}: {error.msg})") from None
    return Stripped(text, [f"{_describe(node)} (line {node.lineno})" for node in removed])


def _without(nodes: list[ast.stmt], removed_ids: set[int]) -> list[ast.AST]:
    """``nodes`` with the removed statements inside them (a builder's body) cut out."""
    kept: list[ast.AST] = []

    def visit(node: ast.AST) -> None:
        if id(node) in removed_ids:
            return
        if isinstance(node, ast.stmt) and _bodies(node):
            for child in ast.iter_child_nodes(node):
                visit(child)
        else:
            kept.append(node)

    for node in nodes:
        visit(node)
    return kept


def _all_names(tree: ast.Module) -> set[str]:
    for node in tree.body:
        if _defined(node) == "__all__" and isinstance(node, ast.Assign) and \
                isinstance(node.value, (ast.List, ast.Tuple)):
            return {element.value for element in node.value.elts
                    if isinstance(element, ast.Constant) and isinstance(element.value, str)}
    return set()


def _del_names(statement: ast.Delete) -> list[str]:
    names = []
    for target in statement.targets:
        parts = target.elts if isinstance(target, ast.Tuple) else [target]
        names += [part.id for part in parts if isinstance(part, ast.Name)]
    return names


def _describe(node: ast.stmt) -> str:
    name = _defined(node)
    if name:
        return name
    calls = [sub for sub in ast.walk(node) if isinstance(sub, ast.Call)]
    for call in calls:
        for argument in call.args:
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                return repr(argument.value)
            if isinstance(argument, ast.JoinedStr):
                return ast.unparse(argument)
    return type(node).__name__


def _span(node: ast.stmt) -> tuple[int, int]:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    end = node.end_lineno
    assert end is not None  # ast.parse sets it
    return start, end


def _rewrite(source: str, tree: ast.Module, removed: list[ast.stmt],
             replacements: dict[int, str | None]) -> str:
    lines = source.splitlines(keepends=True)
    drop: set[int] = set()  # 0-based line numbers
    replace: dict[int, str] = {}
    for node in removed:
        start, end = _span(node)
        drop |= set(range(start - 1, end))
        above = start - 2  # the comment block that introduces it goes with it
        while above >= 0 and lines[above].strip().startswith("#"):
            drop.add(above)
            above -= 1
    statements = {id(node): node for node in ast.walk(tree) if isinstance(node, ast.stmt)}
    for node_id, text in replacements.items():
        start, end = _span(statements[node_id])
        drop |= set(range(start - 1, end))
        if text is not None:
            indent = lines[start - 1][:len(lines[start - 1]) - len(lines[start - 1].lstrip())]
            replace[start - 1] = indent + text + "\n"
    out = []
    for number, line in enumerate(lines):
        if number in replace:
            out.append(replace[number])
        elif number not in drop:
            out.append(line)
    text = re.sub(r"\n{4,}", "\n\n\n", "".join(out))
    return text.rstrip("\n") + "\n"

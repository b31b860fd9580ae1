"""The docs have the shape of the code.

Every command answers --help; every `rnncourse ...` that README.md and docs/*.md
show names a command that exists, with options it accepts; every relative link
and every repository path they mention exists; the README's layout names the
package's subpackages, and each command's code is found from its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from helpers.course import ROOT

from rnncourse.cli.main import cli

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PACKAGE = ROOT / "grader" / "rnncourse"
PATH_PREFIXES = ("grader/", "tests/", "docs/", "benchmarks/")


def doc_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ---------------------------------------------------------------- Markdown


FENCE = re.compile(r"^\s*(```|~~~)")


def split_markdown(text: str) -> tuple[str, list[str]]:
    """The prose (fenced blocks blanked out) and the fenced blocks' contents."""
    prose, blocks, block = [], [], None
    for line in text.splitlines():
        if FENCE.match(line):
            if block is None:
                block = []
            else:
                blocks.append("\n".join(block))
                block = None
            prose.append("")
        elif block is not None:
            block.append(line)
            prose.append("")
        else:
            prose.append(line)
    return "\n".join(prose), blocks


INLINE_CODE = re.compile(r"(?<!`)`([^`]+)`(?!`)")


def inline_code(prose: str) -> list[str]:
    """Inline code spans, a span broken over lines joined into one."""
    return [" ".join(span.split()) for span in INLINE_CODE.findall(prose)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    prose, _ = split_markdown(path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    found = set()
    for match in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", prose, re.MULTILINE):
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


# ---------------------------------------------------------------- commands


def listed_commands(path: tuple[str, ...] = ()) -> list[str]:
    """The names under "Commands:" in `rnncourse PATH --help`."""
    result = CliRunner().invoke(cli, [*path, "--help"])
    if result.exit_code != 0 or "\nCommands:\n" not in result.output:  # the tests below say why
        return []
    section = result.output.split("\nCommands:\n", 1)[1]
    names = []
    for line in section.splitlines():
        if not line.startswith("  "):
            break
        if line[2] != " ":  # a wrapped description continues further right
            names.append(line.split()[0])
    return names


def command_paths(path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name in listed_commands(path):
        yield (*path, name)
        yield from command_paths((*path, name))


COMMAND_PATHS = list(command_paths())


def leaf(path: tuple[str, ...]) -> tuple[click.Command, click.Context]:
    command: click.Command = cli
    context = click.Context(cli, info_name="rnncourse")
    for name in path:
        assert isinstance(command, click.Group)
        sub = command.get_command(context, name)
        assert sub is not None, name
        command, context = sub, click.Context(sub, info_name=name, parent=context)
    return command, context


def test_the_help_lists_the_commands_there_are():
    assert {"check", "grade", "nbgrader", "lab"} <= {path[0] for path in COMMAND_PATHS}
    context = click.Context(cli)
    assert listed_commands() == cli.list_commands(context)
    for path in COMMAND_PATHS:
        command, context = leaf(path)
        if isinstance(command, click.Group):
            assert listed_commands(path) == command.list_commands(context), path


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_answers_help(path):
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="rnncourse")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: rnncourse {' '.join(path)} "), result.output


# ---------------------------------------------------------------- invocations

SEGMENT = re.compile(r"&&|\|\||;|\s\|\s")
PLACEHOLDER = re.compile(r"[A-Z][A-Z0-9_]*(\.[A-Za-z0-9]+)?|<[^>]*>.*|\.\.\.")


def invocations(snippet: str) -> Iterator[tuple[str, list[str]]]:
    """Each `rnncourse ...` in a shell snippet: its text and the words after rnncourse."""
    for line in snippet.splitlines():
        line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]  # a shell comment
        for segment in SEGMENT.split(line):
            words = segment.split()
            if words and words[0] == "$":
                words = words[1:]
            if words[:2] in (["python", "-m"], ["python3", "-m"]):
                words = words[2:]
            if words and (words[0] == "rnncourse" or words[0].endswith("/rnncourse")):
                yield " ".join(words), [word.strip("[]()") for word in words[1:]]


def option_names(command: click.Command, context: click.Context) -> dict[str, click.Parameter]:
    return {name: param for param in command.get_params(context)
            for name in (*param.opts, *param.secondary_opts)}


def is_option(word: str) -> bool:
    return word.startswith("-") and len(word) > 1 and not re.fullmatch(r"-[\d.]+", word)


def invocation_problems(words: list[str], command: click.Command = cli,
                        context: click.Context | None = None,
                        path: str = "rnncourse") -> list[str]:
    """What in `rnncourse WORDS` names a command or an option that does not exist."""
    context = context or click.Context(cli, info_name="rnncourse")
    options = option_names(command, context)
    problems = []
    for index, word in enumerate(words):
        if is_option(word):
            name = word.split("=", 1)[0]
            if name not in options:
                problems.append(f"{path} has no option {name}")
            continue
        if not isinstance(command, click.Group):
            continue  # an argument or an option's value
        previous = options.get(words[index - 1]) if index else None
        if isinstance(previous, click.Option) and not previous.is_flag and not previous.count:
            continue  # the value of a group's option
        if PLACEHOLDER.fullmatch(word):
            return problems  # `rnncourse COMMAND ...`: nothing more to check
        for name in word.split("|"):  # `nbgrader init|report`
            sub = command.get_command(context, name)
            if sub is None:
                problems.append(f"{path} has no command {name!r}")
            else:
                problems += invocation_problems(
                    words[index + 1:], sub,
                    click.Context(sub, info_name=name, parent=context), f"{path} {name}")
        return problems
    return problems


def doc_invocations(path: Path) -> list[tuple[str, list[str]]]:
    prose, blocks = split_markdown(path.read_text(encoding="utf-8"))
    found = []
    for snippet in [*blocks, *inline_code(prose)]:
        found += invocations(snippet)
    return found


def test_the_invocation_checker_finds_what_is_wrong():
    assert invocation_problems("check --dir DIR --json -v lstm".split()) == []
    assert invocation_problems("nbgrader init|report COURSE_DIR".split()) == []
    assert invocation_problems(["COMMAND", "--help"]) == []
    assert invocation_problems(["chek"]) == ["rnncourse has no command 'chek'"]
    assert invocation_problems("lab adding --cels lstm".split()) == [
        "rnncourse lab adding has no option --cels"]
    assert invocation_problems("nbgrader init|reprt".split()) == [
        "rnncourse nbgrader has no command 'reprt'"]
    assert list(invocations("cd X && .venv/bin/rnncourse check  # all of it")) == [
        (".venv/bin/rnncourse check", ["check"])]


def test_the_docs_show_commands_at_all():
    found = {doc_id(path): doc_invocations(path) for path in DOCS}
    assert len(found["README.md"]) >= 8
    assert all(found.values()), found
    assert set(doc_id(path) for path in DOCS) >= {
        "README.md", "docs/student-guide.md", "docs/instructor-guide.md",
        "docs/course-authors.md", "docs/isolation.md"}


@pytest.mark.parametrize("path", DOCS, ids=doc_id)
def test_every_command_in_the_docs_exists(path):
    problems = [f"`{text}`: {problem}" for text, words in doc_invocations(path)
                for problem in invocation_problems(words)]
    assert problems == []


@pytest.mark.parametrize("path", [(), *COMMAND_PATHS], ids=lambda path: " ".join(path) or "-")
def test_every_command_in_a_help_text_exists(path):
    output = CliRunner().invoke(cli, [*path, "--help"]).output
    problems = [f"`{text}`: {problem}" for text, words in invocations(output)
                for problem in invocation_problems(words)]
    assert problems == []


# ---------------------------------------------------------------- links and paths

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def broken_links(path: Path) -> list[str]:
    prose, _ = split_markdown(path.read_text(encoding="utf-8"))
    prose = INLINE_CODE.sub("", prose)
    broken = []
    for target in LINK.findall(prose):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue  # https:, mailto:
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no such section in {linked.name}")
    return broken


def mentioned_paths(path: Path) -> list[str]:
    """Repository paths in backticks or code blocks (grader/..., tests/..., ...)."""
    prose, blocks = split_markdown(path.read_text(encoding="utf-8"))
    words = [word for snippet in [*inline_code(prose), *blocks] for word in snippet.split()]
    words = [word.strip("\"'`()[],;:").rstrip(".") for word in words]
    return [word for word in words if word.startswith(PATH_PREFIXES)]


def missing_paths(path: Path) -> list[str]:
    missing = []
    for mentioned in mentioned_paths(path):
        pattern = re.sub(r"<[^>]+>", "*", mentioned)  # checks/<exercise>.py
        if not (any(ROOT.glob(pattern.rstrip("/"))) if "*" in pattern
                else (ROOT / mentioned).exists()):
            missing.append(mentioned)
    return missing


def test_the_link_and_path_checkers_find_what_is_broken(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n\n## A `code` section\n", encoding="utf-8")
    doc = tmp_path / "doc.md"
    doc.write_text("[ok](other.md#a-code-section) [gone](nowhere.md) "
                   "[bad anchor](other.md#nope) [web](https://example.org)\n"
                   "`grader/rnncourse/checks/<exercise>.py` `grader/rnncourse/nothing.py`\n"
                   "```\ntests/helpers/ benchmarks/none.py\n```\n", encoding="utf-8")
    assert broken_links(doc) == ["nowhere.md: no such file",
                                 "other.md#nope: no such section in other.md"]
    assert missing_paths(doc) == ["grader/rnncourse/nothing.py", "benchmarks/none.py"]


@pytest.mark.parametrize("path", DOCS, ids=doc_id)
def test_every_relative_link_points_to_a_file_that_exists(path):
    assert broken_links(path) == []


@pytest.mark.parametrize("path", DOCS, ids=doc_id)
def test_every_repository_path_mentioned_exists(path):
    assert missing_paths(path) == []


def test_the_docs_mention_paths_at_all():
    assert len(mentioned_paths(ROOT / "README.md")) >= 3
    assert len(mentioned_paths(ROOT / "docs" / "isolation.md")) >= 10


def test_the_docs_named_in_the_code_exist():
    """Help texts and messages point to the guides: `docs/x.md`, `section 'Y'`."""
    named = []
    for source in PACKAGE.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        for match in re.finditer(r"(docs/[\w-]+\.md)(?:, section '([^']+)')?", text):
            named.append((source.relative_to(ROOT).as_posix(), *match.groups()))
    assert any(source.endswith("commands/check.py") for source, _, _ in named)
    for source, doc, section in named:
        assert (ROOT / doc).is_file(), (source, doc)
        if section:
            assert slug(section) in anchors(ROOT / doc), (source, doc, section)


# ---------------------------------------------------------------- layout


def readme_layout_entries() -> list[str]:
    """The entries listed under `rnncourse/` in the README's layout block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    _, blocks = split_markdown(readme[readme.index("## Layout"):])
    lines = blocks[0].splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "rnncourse/")
    indent = len(lines[start]) - len(lines[start].lstrip())
    entries = []
    for line in lines[start + 1:]:
        depth = len(line) - len(line.lstrip())
        if line.strip() and depth <= indent:
            break
        word = line.split()[0] if line.strip() else ""
        if depth == indent + 2 and word.endswith(("/", ".py")):
            entries.append(word)
    return entries


def test_the_readme_layout_names_every_subpackage():
    entries = readme_layout_entries()
    subpackages = {folder.name + "/" for folder in PACKAGE.iterdir()
                   if (folder / "__init__.py").is_file()}
    assert {entry for entry in entries if entry.endswith("/")} == subpackages
    assert [entry for entry in entries if not (PACKAGE / entry).exists()] == []


@pytest.mark.parametrize("name", sorted({path[0] for path in COMMAND_PATHS}))
def test_each_command_lives_in_the_module_named_after_it(name):
    command, _ = leaf((name,))
    assert (PACKAGE / "cli" / "commands" / f"{name}.py").is_file()
    assert command.name == name
    module = command.callback.__module__ if command.callback else ""
    assert module == f"rnncourse.cli.commands.{name}" or isinstance(command, click.Group)


def test_the_readme_keeps_the_commands_ci_runs():
    """.ci/run runs the first line of the block after each marker."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    for marker, needle in (("install-and-check", "rnncourse check"), ("test", "pytest")):
        start = readme.index(f"<!-- readme-command: {marker} -->")
        assert readme[start + 1].startswith("```")
        assert needle in readme[start + 2]

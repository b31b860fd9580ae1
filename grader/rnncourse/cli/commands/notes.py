"""`rnncourse notes`: read the course notes in the terminal, or search them."""

from __future__ import annotations

import click
from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from rnncourse.course.notes import Hit, Notes, Section, Topic


@click.command("notes")
@click.argument("section", required=False, metavar="[SECTION]")
@click.option("--search", "query", metavar="WORDS",
              help="List the sections that mention every one of WORDS (within SECTION, "
                   "if given), with the lines that do.")
@click.pass_context
def command(ctx: click.Context, section: str | None, query: str | None) -> None:
    """Show the notes: the table of contents, one topic (e.g. `lstm`), or one
    SECTION (e.g. `lstm.gradient-flow`). On a terminal, what is longer than the
    window opens in a pager (less: space for more, q to quit).

    Exit code 2 for an unknown id; with --search, 1 when nothing matches.
    """
    from rnncourse.course import manifest as course_module
    from rnncourse.course import notes as notes_module

    notes = notes_module.load(course_module.load().notes_dir)
    if section is not None and notes.topic(section) is None and notes.section(section) is None:
        raise notes.unknown(section)
    if query is not None:
        hits = notes.search(query, within=section)
        show(search_view(query, hits))
        ctx.exit(0 if hits else 1)
    if section is None:
        show(contents_view(notes))
        return
    topic = notes.topic(section)
    found = notes.section(section)
    if topic is not None:
        show(topic_view(notes, topic))
    elif found is not None:
        show(section_view(notes, found))


def show(view: RenderableType) -> None:
    """Print ``view``; on a terminal, through a pager when it is taller than the
    window. Piped or redirected, it is printed as it is, never paged."""
    from rnncourse.cli.console import console

    if not console.is_terminal:
        console.print(view)
        return
    with console.capture() as captured:
        console.print(view)
    text = captured.get()
    if text.count("\n") >= console.height:
        click.echo_via_pager(text, color=True)  # less gets -R: the styles stay
    else:
        click.echo(text, nl=False, color=True)


def search_view(query: str, hits: list[Hit]) -> Group:
    words = query.split()
    if not hits:
        return Group(Text(f"No section of the notes mentions {' and '.join(map(repr, words))}.",
                          style="yellow"),
                     Text("The table of contents: rnncourse notes", style="dim"))
    parts: list[RenderableType] = [Text(f"{len(hits)} section{'s' * (len(hits) != 1)} "
                                        f"mention {' and '.join(map(repr, words))}:",
                                        style="bold"), Text()]
    for hit in hits:
        parts.append(Text.assemble((hit.section.id, "bold cyan"), "  ", hit.section.title))
        for line in hit.lines:
            shown = Text("    " + line, no_wrap=True, overflow="ellipsis")
            shown.highlight_words(words, style="bold yellow", case_sensitive=False)
            parts.append(shown)
    parts += [Text(), Text("Read one with: rnncourse notes SECTION", style="dim")]
    return Group(*parts)


def contents_view(notes: Notes) -> Group:
    table = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
    table.add_column("id", no_wrap=True)
    table.add_column("title")
    for topic in notes.topics:
        table.add_row(Text(topic.id, style="bold cyan"), Text(topic.title, style="bold"))
        for section in topic.sections:
            table.add_row(Text(f"  {section.id}"), section.title)
    hint = Text("Read one with: rnncourse notes SECTION (or a whole topic: rnncourse notes lstm); "
                "search with: rnncourse notes --search WORDS", style="dim")
    return Group(Text("Course notes", style="bold"), Text(), table, Text(), hint)


def section_view(notes: Notes, section: Section, navigation: bool = True) -> Group:
    title = Text.assemble((section.title, "bold cyan"), "  ", (section.id, "dim"))
    parts = [title, Text(), Markdown(section.body)]
    if navigation:
        ids = notes.section_ids
        index = ids.index(section.id)
        steps = []
        if index > 0:
            steps.append(f"previous: rnncourse notes {ids[index - 1]}")
        if index + 1 < len(ids):
            steps.append(f"next: rnncourse notes {ids[index + 1]}")
        steps.append(f"quiz: rnncourse quiz {section.id}")
        parts += [Text(), Text("\n".join(steps), style="dim")]
    return Group(*parts)


def topic_view(notes: Notes, topic: Topic) -> Group:
    parts = [Rule(Text(topic.title, style="bold")), Markdown(topic.intro)]
    for section in topic.sections:
        parts += [Text(), section_view(notes, section, navigation=False)]
    parts += [Text(), Text(f"quiz: rnncourse quiz {topic.id}", style="dim")]
    return Group(*parts)

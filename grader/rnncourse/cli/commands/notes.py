"""`rnncourse notes`: read the course notes in the terminal."""

from __future__ import annotations

import click
from rich.console import Group
from rich.markdown import Markdown
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from rnncourse.course.notes import Notes, Section, Topic


@click.command("notes")
@click.argument("section", required=False, metavar="[SECTION]")
def command(section: str | None) -> None:
    """Show the notes: the table of contents, one topic (e.g. `lstm`), or one
    SECTION (e.g. `lstm.gradient-flow`). Exit code 2 for an unknown id."""
    from rnncourse.cli.console import console
    from rnncourse.course import manifest as course_module
    from rnncourse.course import notes as notes_module

    notes = notes_module.load(course_module.load().notes_dir)
    if section is None:
        console.print(contents_view(notes))
        return
    topic = notes.topic(section)
    found = notes.section(section)
    if topic is not None:
        console.print(topic_view(notes, topic))
    elif found is not None:
        console.print(section_view(notes, found))
    else:
        raise notes.unknown(section)


def contents_view(notes: Notes) -> Group:
    table = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
    table.add_column("id", no_wrap=True)
    table.add_column("title")
    for topic in notes.topics:
        table.add_row(Text(topic.id, style="bold cyan"), Text(topic.title, style="bold"))
        for section in topic.sections:
            table.add_row(Text(f"  {section.id}"), section.title)
    hint = Text("Read one with: rnncourse notes SECTION (or a whole topic: rnncourse notes lstm)",
                style="dim")
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

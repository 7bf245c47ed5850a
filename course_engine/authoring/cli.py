"""``flask content``: check, sync, new, export-gift."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..content import new_module_text, new_quiz_text
from ..content.gift_export import export_gift_report
from ..db import commit_and_run_callbacks
from .services import check_content, sync_content

content_cli = AppGroup("content", help="Check, load and create scenario modules and quizzes.")


def content_dirs() -> tuple[Path, Path]:
    """The configured modules/ and quizzes/ folders (relative paths are from the project root)."""
    root = Path(current_app.root_path).parent
    return tuple(Path(p) if Path(p).is_absolute() else root / p  # type: ignore[return-value]
                 for p in (current_app.config["MODULES_DIR"], current_app.config["QUIZZES_DIR"]))


def _print_problems(problems) -> None:
    for problem in problems:
        colour = "red" if problem.severity == "error" else "yellow"
        click.secho(str(problem), fg=colour, err=problem.severity == "error")


@content_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--kind", type=click.Choice(["module", "quiz"]),
              help="What the given files are, when their content cannot tell.")
def check_command(paths, kind):
    """Check content for every problem; exit 1 if there are errors (warnings don't fail),
    or if anything given could not be checked."""
    from ..content import check_paths

    if paths:
        report = check_paths(list(paths), kind=kind)
    else:
        modules_dir, quizzes_dir = content_dirs()
        click.echo(f"Checking {modules_dir} and {quizzes_dir} …")
        report = check_content(modules_dir, quizzes_dir)
    _print_problems(report.problems)
    nothing = not paths and report.module_count + report.quiz_count == 0
    if nothing:
        click.secho(f"Nothing was checked: {modules_dir} and {quizzes_dir} hold no module and no quiz bank. "
                    "Set MODULES_DIR and QUIZZES_DIR to your content folders (see README).", fg="red", err=True)
    click.echo(report.summary())
    if report.errors or nothing:
        sys.exit(1)


@content_cli.command("sync")
def sync_command():
    """Load all valid content into the database (new versions for changed files, retire removed ones)."""
    modules_dir, quizzes_dir = content_dirs()
    click.echo(f"Loading content from {modules_dir} and {quizzes_dir} …")
    result = sync_content(modules_dir, quizzes_dir)
    commit_and_run_callbacks()
    _print_problems(result.report.problems)
    for label, slugs in (("new", result.created), ("updated", result.updated), ("retired", result.retired),
                         ("restored", result.restored), ("skipped (fix the errors above)", result.skipped)):
        for slug in slugs:
            click.echo(f"  {label}: {slug}")
    click.echo(result.summary())
    if result.report.errors:
        sys.exit(1)


@content_cli.command("new")
@click.argument("slug")
def new_command(slug):
    """Write a commented starter module and quiz for SLUG that pass the check."""
    import re

    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        raise click.BadParameter("use lower-case letters, digits and single hyphens, e.g. 'first-visit'",
                                 param_hint="SLUG")
    modules_dir, quizzes_dir = content_dirs()
    module_path, quiz_path = modules_dir / f"{slug}.md", quizzes_dir / f"{slug}.md"
    for path in (module_path, quiz_path):
        if path.exists():
            raise click.ClickException(f"{path} already exists: choose another slug or edit that file.")
    modules_dir.mkdir(parents=True, exist_ok=True)
    quizzes_dir.mkdir(parents=True, exist_ok=True)
    module_path.write_text(new_module_text(slug), encoding="utf-8")
    quiz_path.write_text(new_quiz_text(slug), encoding="utf-8")
    click.echo(f"Wrote {module_path} and {quiz_path}. Edit them, then run `flask content check`.")


@content_cli.command("export-gift")
@click.argument("quiz_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="File to write (default: standard output).")
def export_gift_command(quiz_id, output):
    """Write quiz QUIZ_ID as a Moodle GIFT bank."""
    modules_dir, quizzes_dir = content_dirs()
    report = check_content(modules_dir, quizzes_dir)
    quiz = report.quizzes.get(quiz_id)
    if quiz is None:
        known = ", ".join(sorted(report.quizzes)) or "none"
        raise click.ClickException(f"No valid quiz with id '{quiz_id}'. Quizzes available: {known}.")
    export = export_gift_report(quiz)
    if output:
        Path(output).write_text(export.text, encoding="utf-8")
    else:
        click.echo(export.text, nl=False)
    click.echo(export.summary(output or "standard output"), err=True)

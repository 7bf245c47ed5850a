"""``python -m course_engine.content check [PATH...]``: check content and report problems."""

from __future__ import annotations

import argparse
import sys

from .check_paths import KINDS, check_paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_engine.content",
        description="Check scenario modules and quiz banks.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="check content folders or files")
    check.add_argument(
        "paths",
        nargs="*",
        help="a folder holding modules/ and quizzes/, one of those folders, or files "
        "(default: the current folder)",
    )
    check.add_argument(
        "--kind",
        choices=KINDS,
        help="what the given files are, when their content cannot tell (module or quiz)",
    )
    args = parser.parse_args(argv)
    report = check_paths(args.paths or None, kind=args.kind)
    for problem in report.problems:
        print(problem)
    print(report.summary())
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())

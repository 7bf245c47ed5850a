"""The content core: parse, check and play scenario modules and quiz banks.

Plain Python (Markdown, nh3, PyYAML); it knows nothing of Flask or the database.
"""

from .engine import (
    EngineError,
    PathResult,
    State,
    all_paths,
    choose,
    continue_from_junction,
    recommended_path,
    start,
)
from .gift import parse_gift
from .gift_export import export_gift
from .grading import Score, draw, grade_attempt, score_attempt, score_question
from .markdown_render import render_inline, render_markdown
from .module_parser import parse_module
from .problems import Problem
from .quiz_parser import parse_quiz_markdown
from .scaffold import new_module_text, new_quiz_text
from .specs import (
    CalloutSpec,
    ChoiceSpec,
    ModuleSpec,
    OptionSpec,
    QuestionSpec,
    QuizSpec,
    RouteSpec,
    SceneSpec,
    SourceSpec,
)
from .check_paths import check_paths
from .validate import ContentReport, check_tree, parse_quiz_file
from .versioning import content_hash

__all__ = [
    "CalloutSpec", "ChoiceSpec", "ContentReport", "EngineError", "ModuleSpec", "OptionSpec",
    "PathResult", "Problem", "QuestionSpec", "QuizSpec", "RouteSpec", "SceneSpec", "Score",
    "SourceSpec", "State", "all_paths", "check_paths", "check_tree", "choose", "content_hash",
    "continue_from_junction", "draw", "export_gift", "grade_attempt", "new_module_text",
    "new_quiz_text", "parse_gift", "parse_module", "parse_quiz_file", "parse_quiz_markdown",
    "recommended_path", "render_inline", "render_markdown", "score_attempt", "score_question",
    "start",
]  # fmt: skip

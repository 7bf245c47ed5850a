"""Problems found in content files, in plain language for authors."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"

#: Every problem code, so tools can rely on them; docs/authoring.md has a row for each
#: (a test checks). Codes never change meaning once published.
CODES = frozenset(
    """
    encoding front-matter-missing front-matter-unclosed yaml duplicate-setting
    field-unknown field-missing field-invalid not-fictional support-missing
    pass-mark-missing pass-mark-unreachable start-missing
    heading-level-1 scene-no-id scene-bad-id scene-after-debrief debrief-twice
    debrief-missing scene-setting-unknown no-scenes duplicate-scene
    choice-malformed choice-no-target choice-settings choice-setting-unknown
    choice-no-judgement choice-bad-judgement choice-no-why choice-no-feedback
    effect-malformed duplicate-choice choice-target-missing
    route-malformed condition-malformed route-target-missing route-after-otherwise
    junction-no-otherwise junction-loop text-after-choices choices-and-routes
    ending-bad-judgement ending-has-choices scene-no-exit
    evidence-no-citation reflect-no-id reflect-bad-id duplicate-reflect reflect-empty
    callout-unknown unsafe-html image-html image-no-alt image-outside image-type
    image-missing unknown-counter scene-unreachable no-endings no-way-to-end
    recommended-no-ending scene-too-long one-ending
    quiz-no-questions draw-too-large question-no-id question-bad-id
    question-setting-unknown question-bad-type question-bad-kind question-bad-points question-no-options
    question-no-correct question-not-full-marks single-many-correct multiple-needs-two
    partial-not-single option-bad-weight true-false-options ordering-needs-numbers
    ordering-too-few text-after-options option-settings option-setting-unknown
    option-no-feedback duplicate-question quiz-image
    gift-title gift-no-answers gift-unclosed gift-missing-word gift-essay gift-numeric
    gift-answer-syntax gift-matching gift-short-answer gift-bad-weight
    duplicate-module duplicate-quiz quiz-missing file-missing
    fact-bad-id fact-unknown fact-unused visited-unknown-scene
    passage-close-alone passage-empty passage-nested passage-malformed passage-else-alone
    passage-unclosed passage-reflect passage-in-intro feedback-reflect
    assert-unproven condition-always condition-never paths-too-many
    file-extension kind-unclear path-not-content nothing-checked
    gift-malformed-end choice-no-dash choice-indented feedback-not-indented scene-heading-level option-numbered
    """.split()
)


@dataclass(frozen=True)
class Problem:
    """One problem at ``path:line``. ``code`` is a stable identifier (see docs/authoring.md)."""

    path: str
    line: int
    severity: str
    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in CODES:  # a programming error: document the new code first
            raise ValueError(f"undocumented problem code {self.code!r}")

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Problem:
        return cls(**data)


class ProblemList(list):
    """A list of problems for one file, with helpers that fill in the path."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def error(self, line: int, code: str, message: str) -> None:
        self.append(Problem(self.path, line, ERROR, code, message))

    def warning(self, line: int, code: str, message: str) -> None:
        self.append(Problem(self.path, line, WARNING, code, message))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Sort by file, then line, errors before warnings."""
    return sorted(problems, key=lambda p: (p.path, p.line, p.severity != ERROR, p.code))

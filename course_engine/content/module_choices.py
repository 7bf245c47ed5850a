"""The choice half of the scene parser: choice lines and their settings, routes, effects
and feedback, each into its spec.

A mixin of ``module_scenes.SceneParsing`` (and so of ``module_parser._ModuleParser``): it
shares the parser's state (its problems and the ``broken`` flag) and ``render_block``. The
near-miss messages for choices live here, beside the grammar they are near.
"""
from __future__ import annotations

import re

from . import markdown_render as mr
from ._common import SETTING_LINE, dedent_block, load_yaml_block
from .specs import JUDGEMENTS, ChoiceSpec, RouteSpec

FOLDED_KEY = re.compile(r"^[ \t]*(feedback|why):[ \t]*[|>][-+0-9]*[ \t]*$")
ROUTE_LINE = re.compile(r"^->[ \t]*(?:if[ \t]+(.+?)|(otherwise))[ \t]*:[ \t]*(\S+)[ \t]*$")
CONDITION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[ \t]*(>=|<=|==|!=|>|<)[ \t]*(-?\d+)$")
EFFECT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[ \t]*([+\-=])[ \t]*(\d+)$")
AND_SPLIT = re.compile(r"[ \t]+and[ \t]+")
CHOICE_KEYS = ("judgement", "why", "feedback", "effects", "establishes")
BLOCK_INDICATOR = re.compile(r"^[|>][-+0-9]*$")


class ChoiceParsing:
    """Choices, routes and effects of one scene (see the module docstring)."""

    def absorb_unindented_feedback(self, lines, i: int, block: list[str], choice_line: int) -> int:
        """``feedback: >`` (or ``|``) as a choice's last setting with its text not indented
        under it: one message at the first such line, and the text read as the feedback."""
        if not block or not FOLDED_KEY.match(block[-1]) or i >= len(lines):
            return i
        first = lines[i]
        text = first[1]
        if not text.strip() or text[:1] in "-*+#>" or text.startswith("->"):
            return i
        key = FOLDED_KEY.match(block[-1]).group(1)
        self.problems.error(
            first[0], "feedback-not-indented",
            f"The text after '{key}: >' is not indented, so it is not part of the choice. Indent "
            f"each of its lines under '{key}:' (four spaces in all), e.g. '    {text.strip()[:40]}'.")
        while i < len(lines) and lines[i][1].strip() and lines[i][1][:1] not in "-*+#>" \
                and not lines[i][1].startswith("->"):
            block.append("    " + lines[i][1])
            i += 1
        return i

    def parse_route(self, lineno: int, line: str) -> RouteSpec | None:
        m = ROUTE_LINE.match(line)
        if not m:
            self.problems.error(
                lineno,
                "route-malformed",
                "This route is not written correctly. Write '-> if counter >= 2: scene-id' or "
                "'-> otherwise: scene-id'.",
            )
            self.broken = True
            return None
        conditions = []
        if m.group(1) is not None:
            for part in AND_SPLIT.split(m.group(1).strip()):
                c = CONDITION.match(part.strip())
                if not c:
                    self.problems.error(
                        lineno,
                        "condition-malformed",
                        f"The condition '{part.strip()}' is not understood. Write a counter, "
                        "a comparison (>=, <=, >, <, ==, !=) and a whole number, e.g. "
                        "'risk_noticed >= 2'; join several with 'and'.",
                    )
                    self.broken = True
                    return None
                conditions.append((c.group(1), c.group(2), int(c.group(3))))
        return RouteSpec(tuple(conditions), m.group(3), lineno)

    def parse_choice(self, index: int, lineno: int, inner: str, block: list[str]) -> ChoiceSpec | None:
        p = self.problems
        if "->" not in inner:
            p.error(
                lineno,
                "choice-no-target",
                f"The choice '{inner}' does not say which scene it leads to. Write it as "
                f"[[{inner}->scene-id]].",
            )
            self.broken = True
            return None
        text, target = inner.rsplit("->", 1)
        text = mr.plain_text(text)
        target = target.strip()
        settings: dict = {}
        key_lines: dict[str, int] = {}
        if block:
            raw = dedent_block(block)
            for off, bl in enumerate(raw.split("\n")):
                km = SETTING_LINE.match(bl)
                if km and km.group(1) not in key_lines:
                    key_lines[km.group(1)] = lineno + 1 + off
            value, ok = load_yaml_block(raw, lineno + 1, p, f"the choice '{text}'", block)
            if not ok:
                self.broken = True
                return None
            if not isinstance(value, dict):
                p.error(
                    lineno + 1,
                    "choice-settings",
                    f"The lines under the choice '{text}' must be settings written as "
                    "'name: value' (judgement, why, feedback, effects).",
                )
                self.broken = True
                return None
            settings = value
        for key in settings:
            if key not in CHOICE_KEYS:
                p.error(
                    key_lines.get(str(key), lineno),
                    "choice-setting-unknown",
                    f"'{key}' is not a choice setting. Use judgement, why, feedback and effects.",
                )
        judgement = settings.get("judgement")
        if judgement is None:
            p.error(
                lineno,
                "choice-no-judgement",
                f"The choice '{text}' has no judgement. Add '  judgement: safe' (or "
                "partly-safe or unsafe) on the line below it.",
            )
            judgement = ""
        elif judgement not in JUDGEMENTS:
            p.error(
                key_lines.get("judgement", lineno),
                "choice-bad-judgement",
                f"The judgement '{judgement}' of choice '{text}' is not known. Use safe, "
                "partly-safe or unsafe.",
            )
        why = settings.get("why")
        if why is None or not str(why).strip():
            p.error(
                lineno,
                "choice-no-why",
                f"The choice '{text}' has no 'why'. Add '  why: ' with a one-sentence reason "
                "for the judgement; learners see it in the debrief.",
            )
            why = ""
        feedback = settings.get("feedback")
        if feedback is None or not str(feedback).strip():
            p.error(
                lineno,
                "choice-no-feedback",
                f"The choice '{text}' has no feedback. Add '  feedback: ' with what happens "
                "after the learner chooses it.",
            )
            feedback = ""
        effects = self.parse_effects(settings.get("effects"), key_lines.get("effects", lineno))
        establishes = self.fact_list(settings.get("establishes"), key_lines.get("establishes", lineno),
                                     f"the choice '{text}'")
        feedback_html, passages, callouts = self.render_feedback(
            str(feedback), block, lineno, key_lines.get("feedback"), text)
        return ChoiceSpec(
            index=index,
            text=text,
            target=target,
            judgement=str(judgement),
            why=mr.plain_text(why),
            feedback_html=feedback_html,
            effects=effects,
            line=lineno,
            establishes=establishes,
            feedback_passages=passages,
            feedback_callouts=callouts,
        )

    def render_feedback(self, feedback: str, block: list[str], lineno: int, key_line: int | None,
                        text: str):
        """A choice's feedback as ``(html, passages, callouts)``.

        Plain feedback is rendered from its YAML value. Feedback with callouts or conditional
        passages is read from its source lines (YAML's '>' would fold them into one line), so
        it renders like a scene's text and every problem names its own line.
        """
        if key_line is None or ("[!" not in feedback and ":::" not in feedback):
            return mr.render_markdown(feedback, self.media_url), (), ()
        where = f" in the feedback of choice '{text}'"
        source = feedback_source_lines(block, key_line - lineno - 1, key_line)
        rendered, passages = self.render_text(source, where)
        for callout in rendered.callouts:
            if callout.kind == "reflect":
                self.problems.error(
                    callout.line, "feedback-reflect",
                    f"The reflect prompt '{callout.id}' is in the feedback of choice '{text}'. "
                    "Journal prompts belong in a scene's text: move it there.")
        return rendered.html, passages, tuple(c for c in rendered.callouts if c.kind != "reflect")

    def parse_effects(self, raw: object, lineno: int) -> tuple[tuple[str, str, int], ...]:
        if raw is None:
            return ()
        items = raw if isinstance(raw, list) else str(raw).split(",")
        effects = []
        for item in items:
            m = EFFECT.match(str(item).strip())
            if not m:
                self.problems.error(
                    lineno,
                    "effect-malformed",
                    f"The effect '{str(item).strip()}' is not understood. Write a counter and "
                    "'+N', '-N' or '=N', e.g. 'risk_noticed +1, trust -1'.",
                )
                continue
            effects.append((m.group(1), m.group(2), int(m.group(3))))
        return tuple(effects)


def feedback_source_lines(block: list[str], index: int, key_line: int) -> list[tuple[int, str]]:
    """The source lines of the ``feedback:`` value at ``block[index]`` (file line
    ``key_line``), dedented, with their file lines."""
    key = block[index]
    indent = len(key) - len(key.lstrip(" \t"))
    first = key.split(":", 1)[1].strip()
    out: list[tuple[int, str]] = []
    if first and not BLOCK_INDICATOR.match(first):
        out.append((key_line, first))
    body: list[tuple[int, str]] = []
    for offset, line in enumerate(block[index + 1:], start=1):
        if line.strip() and len(line) - len(line.lstrip(" \t")) <= indent:
            break
        body.append((key_line + offset, line))
    while body and not body[-1][1].strip():
        body.pop()
    cut = min((len(t) - len(t.lstrip(" \t")) for _, t in body if t.strip()), default=0)
    return out + [(n, t[cut:] if t.strip() else "") for n, t in body]

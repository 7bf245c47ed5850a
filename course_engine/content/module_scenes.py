"""The scene half of the module parser: one ``## Title {#id}`` section into a ``SceneSpec``,
with its settings, narrative, choices or routes.

A mixin of ``module_parser._ModuleParser``: it shares the parser's state (its problems,
media, reflection ids and the ``broken`` flag) and its rendering (``render_block``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import markdown_render as mr
from ._common import (
    SETTING_LINE,
    FenceTracker,
    dedent_block,
    load_yaml_block,
)
from .specs import (
    JUDGEMENTS,
    ChoiceSpec,
    RouteSpec,
    SceneSpec,
)

#: Longest scene (narrative and callouts, in words) before the check warns.
LONG_SCENE_WORDS = 600
CHOICE_LINE = re.compile(r"^[-*+][ \t]+\[\[(.*)\]\][ \t]*$")
CHOICE_LIKE = re.compile(r"^[-*+][ \t]+.*\[\[")
#: Near-misses of a choice line: no '- ' in front, or indented under the text.
CHOICE_NO_DASH = re.compile(r"^\[\[(.*->.*)\]\][ \t]*$")
CHOICE_INDENTED = re.compile(r"^([ \t]+)[-*+][ \t]+\[\[(.*)\]\][ \t]*$")
FOLDED_KEY = re.compile(r"^[ \t]*(feedback|why):[ \t]*[|>][-+0-9]*[ \t]*$")
ROUTE_LINE = re.compile(r"^->[ \t]*(?:if[ \t]+(.+?)|(otherwise))[ \t]*:[ \t]*(\S+)[ \t]*$")
CONDITION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[ \t]*(>=|<=|==|!=|>|<)[ \t]*(-?\d+)$")
EFFECT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[ \t]*([+\-=])[ \t]*(\d+)$")
AND_SPLIT = re.compile(r"[ \t]+and[ \t]+")
CHOICE_KEYS = ("judgement", "why", "feedback", "effects", "establishes")
SCENE_KEYS = ("ending", "establishes", "asserts")
LIST_ITEM = re.compile(r"^[ \t]+-[ \t]+(\S.*?)[ \t]*$")
BLOCK_INDICATOR = re.compile(r"^[|>][-+0-9]*$")



@dataclass
class Section:
    """A part of the module file: the introduction, one scene, or the debrief, with its lines."""

    kind: str  # intro | scene | debrief
    line: int
    title: str = ""
    id: str | None = None
    lines: list[tuple[int, str]] = field(default_factory=list)



class SceneParsing:
    """Scenes, choices, routes and effects (see the module docstring)."""

    def parse_scene(self, sec: Section) -> tuple[SceneSpec, int] | None:
        p = self.problems
        lines = sec.lines
        i = 0
        settings: dict[str, tuple[str, int]] = {}
        while i < len(lines) and not lines[i][1].strip():
            i += 1
        while i < len(lines):
            m = SETTING_LINE.match(lines[i][1])
            if not m:
                break
            key, value = m.group(1), (m.group(2) or "").strip()
            if key not in SCENE_KEYS:
                p.error(
                    lines[i][0],
                    "scene-setting-unknown",
                    f"'{key}:' is not a scene setting. Scene settings are 'ending:', "
                    "'establishes:' and 'asserts:'. "
                    "If this is narrative, start it with a capital letter or move it down.",
                )
            settings[key] = (value, lines[i][0])
            i += 1
            if key in ("establishes", "asserts") and not value:
                items = []
                while i < len(lines) and LIST_ITEM.match(lines[i][1]):
                    items.append(LIST_ITEM.match(lines[i][1]).group(1))
                    i += 1
                settings[key] = (", ".join(items), settings[key][1])
        narrative: list[tuple[int, str]] = []
        choice_blocks: list[tuple[int, str, list[str]]] = []
        routes: list[RouteSpec] = []
        text_after_reported = False
        fence = FenceTracker()
        n = len(lines)
        while i < n:
            lineno, line = lines[i]
            if fence.step(line):
                narrative.append((lineno, line))
                i += 1
                continue
            m = CHOICE_LINE.match(line) if line[:1] in "-*+" else None
            indent = ""
            if m is None and line[:2] == "[[" and CHOICE_NO_DASH.match(line):
                m = CHOICE_NO_DASH.match(line)
                p.error(lineno, "choice-no-dash",
                        f"This line looks like a choice but does not start with '- ', so learners would "
                        f"see it as text. Write it as '- {line.strip()}' (a dash and a space first), "
                        "with its settings indented under it.")
            elif m is None and line[:1] in " \t" and "[[" in line and CHOICE_INDENTED.match(line):
                m = CHOICE_INDENTED.match(line)
                indent = m.group(1)
                p.error(lineno, "choice-indented",
                        f"This choice is indented, so it would be read as part of the text. Start "
                        f"choice lines at the beginning of the line: '{line.strip()}', with its "
                        "settings indented two spaces under it.")
                m = CHOICE_LINE.match(line.strip())
            if m:
                block: list[str] = []
                i += 1
                while i < n and (not lines[i][1].strip() or
                                 (lines[i][1][:1] in " \t" and lines[i][1].startswith(indent)
                                  and len(lines[i][1]) - len(lines[i][1].lstrip()) > len(indent))):
                    block.append(lines[i][1][len(indent):])
                    i += 1
                while block and not block[-1].strip():
                    block.pop()
                i = self.absorb_unindented_feedback(lines, i, block, lineno)
                choice_blocks.append((lineno, m.group(1), block))
                continue
            if line[:1] in "-*+" and CHOICE_LIKE.match(line):
                p.error(
                    lineno,
                    "choice-malformed",
                    "This choice is not written correctly. A choice is a line with only "
                    "'- [[What the learner does->scene-id]]'; put judgement, why, feedback and "
                    "effects on the indented lines below it.",
                )
                self.broken = True
                i += 1
                while i < n and (not lines[i][1].strip() or lines[i][1][:1] in " \t"):
                    i += 1
                continue
            if line.startswith("->"):
                r = self.parse_route(lineno, line)
                if r:
                    routes.append(r)
                i += 1
                continue
            if (choice_blocks or routes) and line.strip():
                if not text_after_reported:
                    p.error(
                        lineno,
                        "text-after-choices",
                        f"Scene '{sec.id}' has text after its choices or routes. Choices and "
                        "routes must come last in a scene; move this text above them.",
                    )
                    text_after_reported = True
                i += 1
                continue
            narrative.append((lineno, line))
            i += 1

        rendered, passages = self.render_text(narrative, f" in scene '{sec.id}'")
        establishes = self.fact_list(settings.get("establishes", ("", 0))[0],
                                     settings.get("establishes", ("", 0))[1], "'establishes:'")
        asserts = self.fact_list(settings.get("asserts", ("", 0))[0],
                                 settings.get("asserts", ("", 0))[1], "'asserts:'")
        if rendered.words > LONG_SCENE_WORDS:
            p.warning(
                sec.line,
                "scene-too-long",
                f"Scene '{sec.id}' is {rendered.words} words long (more than "
                f"{LONG_SCENE_WORDS}). Consider splitting it: long scenes are hard to read on "
                "a phone.",
            )
        choices = [self.parse_choice(idx, *cb) for idx, cb in enumerate(choice_blocks)]
        ending_judgement = None
        kind = "choices"
        if "ending" in settings:
            value, eline = settings["ending"]
            kind = "ending"
            ending_judgement = value
            if value not in JUDGEMENTS:
                p.error(
                    eline,
                    "ending-bad-judgement",
                    f"'ending: {value}' is not a known outcome. Use 'ending: safe', "
                    "'ending: partly-safe' or 'ending: unsafe'.",
                )
            if choices or routes:
                p.error(
                    eline,
                    "ending-has-choices",
                    f"Scene '{sec.id}' is an ending but also has choices or routes. An ending "
                    "is where the story stops: remove 'ending:' or the choices.",
                )
        elif routes and choices:
            p.error(
                routes[0].line,
                "choices-and-routes",
                f"Scene '{sec.id}' has both choices and '->' routes. A scene offers choices "
                "or routes on, not both: split it into two scenes.",
            )
            kind = "choices"
        elif routes:
            kind = "junction"
        elif not choices:
            p.error(
                sec.line,
                "scene-no-exit",
                f"Scene '{sec.id}' has no choices, no routes and is not an ending, so learners "
                "would be stuck. Add choices ('- [[text->scene-id]]'), routes ('-> otherwise: "
                "scene-id') or 'ending: safe|partly-safe|unsafe' under the heading.",
            )
        if sec.id is None:
            return None
        scene = SceneSpec(
            id=sec.id,
            title=sec.title,
            kind=kind,
            body_html=rendered.html,
            callouts=tuple(rendered.callouts),
            choices=tuple(c for c in choices if c is not None) if kind != "junction" else (),
            routes=tuple(routes) if kind == "junction" else (),
            ending_judgement=ending_judgement,
            line=sec.line,
            passages=passages,
            establishes=establishes,
            asserts=asserts,
        )
        return scene, rendered.words

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

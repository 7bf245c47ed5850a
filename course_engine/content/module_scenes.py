"""The scene half of the module parser: one ``## Title {#id}`` section into a ``SceneSpec``,
with its settings, narrative, choices or routes (the choice and route lines are read by
``module_choices.ChoiceParsing``).

A mixin of ``module_parser._ModuleParser``: it shares the parser's state (its problems,
media, reflection ids and the ``broken`` flag) and its rendering (``render_block``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ._common import (
    SETTING_LINE,
    FenceTracker,
)
from .module_choices import ChoiceParsing
from .specs import (
    JUDGEMENTS,
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
SCENE_KEYS = ("ending", "establishes", "asserts")
LIST_ITEM = re.compile(r"^[ \t]+-[ \t]+(\S.*?)[ \t]*$")



@dataclass
class Section:
    """A part of the module file: the introduction, one scene, or the debrief, with its lines."""

    kind: str  # intro | scene | debrief
    line: int
    title: str = ""
    id: str | None = None
    lines: list[tuple[int, str]] = field(default_factory=list)



class SceneParsing(ChoiceParsing):
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

"""Parse a scenario module (``modules/<slug>.md``) into a ``ModuleSpec``.

See docs/format.md for the format. ``parse_module`` never raises on bad content: it returns
the spec it could build (or ``None``) and every problem found, each with a file line.
"""

from __future__ import annotations

import posixpath
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import markdown_render as mr
from ._common import (
    CALLOUT_START,
    FENCE,
    COUNTER_NAME,
    HEADING_ID,
    SETTING_LINE,
    SLUG,
    FenceTracker,
    as_iso_date,
    dedent_block,
    is_int,
    load_yaml_block,
    split_front_matter,
    word_count,
)
from .problems import Problem, ProblemList
from .specs import (
    JUDGEMENTS,
    CalloutSpec,
    ChoiceSpec,
    ModuleSpec,
    RouteSpec,
    SceneSpec,
    SourceSpec,
)
from .versioning import content_hash

#: Longest scene (narrative and callouts, in words) before the check warns.
LONG_SCENE_WORDS = 600
IMAGE_TYPES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})

FIELDS = {
    "id", "title", "summary", "cpd_minutes", "outcomes", "themes", "standards",
    "content_warning", "support", "quiz", "pass_mark", "recertify_months", "counters",
    "quiz_max_attempts", "quiz_cooldown_minutes",
    "start", "fictional", "sources", "authors", "review_date",
}  # fmt: skip
REQUIRED_FIELDS = (
    "id", "title", "summary", "cpd_minutes", "outcomes", "standards", "fictional",
    "authors", "review_date",
)  # fmt: skip

CHOICE_LINE = re.compile(r"^[-*+][ \t]+\[\[(.*)\]\][ \t]*$")
CHOICE_LIKE = re.compile(r"^[-*+][ \t]+.*\[\[")
ROUTE_LINE = re.compile(r"^->[ \t]*(?:if[ \t]+(.+?)|(otherwise))[ \t]*:[ \t]*(\S+)[ \t]*$")
CONDITION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[ \t]*(>=|<=|==|!=|>|<)[ \t]*(-?\d+)$")
EFFECT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[ \t]*([+\-=])[ \t]*(\d+)$")
AND_SPLIT = re.compile(r"[ \t]+and[ \t]+")
IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
RAW_IMG = re.compile(r"<img\b", re.I)
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")
CHOICE_KEYS = ("judgement", "why", "feedback", "effects")


@dataclass
class _Section:
    kind: str  # intro | scene | debrief
    line: int
    title: str = ""
    id: str | None = None
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Rendered:
    html: str
    callouts: list[CalloutSpec]
    words: int


class _ModuleParser:
    def __init__(self, path: str, data: bytes, modules_root: Path, media_url) -> None:
        self.path = path
        self.file = Path(path)
        self.data = data
        self.modules_root = modules_root
        self.user_media_url = media_url
        self.problems = ProblemList(path)
        self.media: dict[str, None] = {}
        self.reflect_ids: dict[str, int] = {}
        self.unsafe_possible = True
        self._start_line = 1
        #: A choice or route could not be read, so the graph checks would mislead.
        self.broken = False

    # --- media ---------------------------------------------------------------

    def _media_rel(self, src: str) -> str | None:
        """Path of an image relative to the modules folder, or None if outside it."""
        if URL_SCHEME.match(src):
            return None
        try:
            rel_dir = self.file.parent.resolve().relative_to(self.modules_root.resolve())
        except ValueError:
            rel_dir = PurePosixPath(".")
        joined = posixpath.normpath(posixpath.join(PurePosixPath(rel_dir).as_posix(), src))
        if joined.startswith("..") or joined.startswith("/"):
            return None
        return joined

    def media_url(self, src: str) -> str:
        rel = self._media_rel(src)
        if rel is None:
            return src
        return self.user_media_url(rel) if self.user_media_url else rel

    def check_line(self, lineno: int, line: str) -> None:
        """Unsafe markup and image checks for one source line."""
        unsafe = mr.find_unsafe_markup(line) if self.unsafe_possible else None
        if unsafe:
            self.problems.error(
                lineno,
                "unsafe-html",
                f"This line contains {unsafe}, which is not allowed in course content because "
                "it could run code in a learner's browser. Remove it: use Markdown for "
                "formatting, ordinary https:// links, and ![description](media/file.png) "
                "for images.",
            )
        if "<" in line and RAW_IMG.search(line):
            self.problems.error(
                lineno,
                "image-html",
                "Images must be written as ![description](media/file.png), not with an "
                "HTML <img> tag, so the check can see the alt text and the file.",
            )
        if "![" in line:
            for m in IMAGE.finditer(line):
                self.check_image(lineno, m.group(1), m.group(2))

    def check_image(self, lineno: int, alt: str, src: str) -> None:
        if not alt.strip():
            self.problems.error(
                lineno,
                "image-no-alt",
                f"The image '{src}' has no alt text. Describe the image between the square "
                "brackets, e.g. ![A kitchen with an empty fridge](media/kitchen.png), for "
                "learners who use screen readers.",
            )
        if URL_SCHEME.match(src):
            self.problems.error(
                lineno,
                "image-outside",
                f"The image '{src}' is on another website. Copy the file into modules/media/ "
                "and refer to it as media/<file name>.",
            )
            return
        rel = self._media_rel(src)
        if rel is None:
            self.problems.error(
                lineno,
                "image-outside",
                f"The image '{src}' is outside the modules folder. Move it into "
                "modules/media/ and refer to it as media/<file name>.",
            )
            return
        if PurePosixPath(src).suffix.lower() not in IMAGE_TYPES:
            self.problems.error(
                lineno,
                "image-type",
                f"The image '{src}' is not a PNG, JPEG, GIF or WebP file. Save it in one of "
                "those formats (.png, .jpg, .jpeg, .gif, .webp).",
            )
            return
        target = self.modules_root / rel
        if not target.is_file():
            self.problems.error(
                lineno,
                "image-missing",
                f"The image file '{src}' does not exist. Check the spelling and that the file "
                "is in the modules/media/ folder.",
            )
            return
        self.media[rel] = None

    # --- rendering of narrative with callouts ---------------------------------

    def render_block(self, lines: list[tuple[int, str]], where: str) -> _Rendered:
        """Render narrative lines, handling callouts. Reflect prompts are not in the html."""
        parts: list[str] = []
        callouts: list[CalloutSpec] = []
        buf: list[str] = []
        words = 0
        fence = FenceTracker()
        i = 0
        n = len(lines)
        while i < n:
            lineno, line = lines[i]
            in_fence = fence.step(line)
            m = None if in_fence or not line.startswith(">") else CALLOUT_START.match(line)
            if m is None:
                buf.append(line)
                i += 1
                continue
            if buf:
                parts.append(mr.render_markdown("\n".join(buf), self.media_url))
                words += word_count("\n".join(buf))
                buf = []
            body: list[str] = []
            i += 1
            while i < n and lines[i][1].startswith(">"):
                text = lines[i][1][1:]
                body.append(text[1:] if text.startswith(" ") else text)
                i += 1
            words += word_count(m.group(2)) + word_count("\n".join(body))
            callout = self.make_callout(lineno, m.group(1), m.group(2), "\n".join(body), where)
            if callout is None:
                continue
            callouts.append(callout)
            if callout.kind == "evidence":
                parts.append(
                    '<aside class="callout callout-evidence" aria-label="Evidence">'
                    '<p class="callout-title"><span class="callout-kind">Evidence</span> '
                    f'<cite>{mr.escape(callout.citation)}</cite></p>'
                    f"{callout.html}</aside>"
                )
            elif callout.kind == "note":
                title = (
                    f'<p class="callout-title"><span class="callout-kind">Practice note</span> '
                    f"{mr.escape(callout.title)}</p>"
                    if callout.title
                    else '<p class="callout-title"><span class="callout-kind">Practice note</span></p>'
                )
                parts.append(f'<aside class="callout callout-note" aria-label="Practice note">{title}{callout.html}</aside>')
        if buf:
            parts.append(mr.render_markdown("\n".join(buf), self.media_url))
            words += word_count("\n".join(buf))
        return _Rendered("\n".join(p for p in parts if p).strip(), callouts, words)

    def make_callout(
        self, lineno: int, kind: str, rest: str, body: str, where: str
    ) -> CalloutSpec | None:
        kind_l = kind.lower()
        html = mr.render_markdown(body, self.media_url)
        rest = mr.plain_text(rest)
        if kind_l == "evidence":
            if not rest:
                self.problems.error(
                    lineno,
                    "evidence-no-citation",
                    "An [!EVIDENCE] callout needs a citation after it on the same line, e.g. "
                    "'> [!EVIDENCE] Child Safeguarding Practice Review Panel (2025)'.",
                )
            return CalloutSpec("evidence", citation=rest, html=html, line=lineno)
        if kind_l == "note":
            return CalloutSpec("note", title=rest, html=html, line=lineno)
        if kind_l == "reflect":
            if not rest:
                self.problems.error(
                    lineno,
                    "reflect-no-id",
                    "A [!REFLECT] prompt needs an id after it on the same line, e.g. "
                    "'> [!REFLECT] first-assumption'. The id keeps learners' journal answers "
                    "attached to the prompt when you edit its wording.",
                )
                return None
            if not SLUG.match(rest):
                self.problems.error(
                    lineno,
                    "reflect-bad-id",
                    f"The reflect prompt id '{rest}' may only use lower-case letters, digits "
                    "and hyphens, e.g. 'first-assumption'.",
                )
            if rest in self.reflect_ids:
                self.problems.error(
                    lineno,
                    "duplicate-reflect",
                    f"The reflect prompt id '{rest}' is already used on line "
                    f"{self.reflect_ids[rest]}. Give each prompt its own id.",
                )
            else:
                self.reflect_ids[rest] = lineno
            if not body.strip():
                self.problems.error(
                    lineno,
                    "reflect-empty",
                    f"The reflect prompt '{rest}' has no question. Write the question on the "
                    "next line, starting with '> '.",
                )
            return CalloutSpec("reflect", id=rest, html=html, line=lineno)
        self.problems.error(
            lineno,
            "callout-unknown",
            f"'[!{kind}]' is not a known callout{where}. Use [!EVIDENCE], [!NOTE] or [!REFLECT].",
        )
        return None

    # --- top level ----------------------------------------------------------------

    def parse(self) -> ModuleSpec | None:
        try:
            text = self.data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = self.data[: exc.start].count(b"\n") + 1
            self.problems.error(
                line,
                "encoding",
                "This file is not saved as UTF-8 text. Save it again choosing the UTF-8 "
                "encoding.",
            )
            return None
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.unsafe_possible = mr.may_contain_unsafe_markup(text)
        fence = FenceTracker()
        for idx, line in enumerate(lines):
            if fence.step(line) and not FENCE.match(line):
                continue
            if self.unsafe_possible or "<" in line or "![" in line:
                self.check_line(idx + 1, line)
        fm = split_front_matter(lines, self.problems, "module")
        if fm is None:
            return None
        meta = self.check_front_matter(fm.data, fm.key_lines)
        sections = self.split_sections(lines, fm.body_start)
        intro = self.render_block(sections[0].lines, " in the introduction")
        scenes = [s for s in (self.parse_scene(sec) for sec in sections if sec.kind == "scene") if s]
        debrief_secs = [s for s in sections if s.kind == "debrief"]
        if debrief_secs:
            debrief = self.render_block(debrief_secs[0].lines, " in the debrief")
        else:
            debrief = _Rendered("", [], 0)
            self.problems.error(
                len(lines),
                "debrief-missing",
                "The module has no debrief. Add a '# Debrief' heading after the last scene, "
                "followed by the key learning.",
            )
        start = self.check_graph(scenes, meta)
        if meta is None:
            return None
        media_blobs = [(self.modules_root / rel).read_bytes() for rel in self.media]
        return ModuleSpec(
            id=meta["id"],
            title=meta["title"],
            summary=meta["summary"],
            cpd_minutes=meta["cpd_minutes"],
            outcomes=meta["outcomes"],
            themes=meta["themes"],
            standards=meta["standards"],
            content_warning=meta["content_warning"],
            support=meta["support"],
            quiz_id=meta["quiz"],
            pass_mark=meta["pass_mark"],
            recertify_months=meta["recertify_months"],
            quiz_max_attempts=meta["quiz_max_attempts"],
            quiz_cooldown_minutes=meta["quiz_cooldown_minutes"],
            counters=meta["counters"],
            start=start or "",
            sources=meta["sources"],
            authors=meta["authors"],
            review_date=meta["review_date"],
            intro_html=intro.html,
            scenes=tuple(s for s, _ in scenes),
            debrief_html=debrief.html,
            source_path=self.path,
            version=content_hash(self.data, None, media_blobs),
            intro_callouts=tuple(intro.callouts),
            debrief_callouts=tuple(debrief.callouts),
            media=tuple(self.media),
        )

    # --- front matter ---------------------------------------------------------------

    def check_front_matter(self, data: dict, key_lines: dict[str, int]) -> dict | None:
        p = self.problems
        ok = True
        self._start_line = key_lines.get("start", 1)

        def line(key: str) -> int:
            return key_lines.get(key, 1)

        def bad(key: str, message: str) -> None:
            nonlocal ok
            ok = False
            p.error(line(key), "field-invalid", message)

        for key in data:
            if str(key) not in FIELDS:
                p.error(
                    line(str(key)),
                    "field-unknown",
                    f"'{key}' is not a module setting. Check the spelling; the settings are: "
                    f"{', '.join(sorted(FIELDS))}.",
                )
        for key in REQUIRED_FIELDS:
            if data.get(key) is None or data.get(key) == "":
                ok = False
                p.error(
                    1,
                    "field-missing",
                    f"The module has no '{key}' setting. Add '{key}: ...' between the '---' "
                    "lines at the top (see docs/authoring.md for an example).",
                )
        meta: dict = {}

        def text_field(key: str, required: bool) -> str:
            value = data.get(key)
            if value is None:
                return ""
            if isinstance(value, (list, dict)):
                bad(key, f"'{key}' must be a single piece of text, not a list.")
                return ""
            return mr.plain_text(value)

        def text_list(key: str, minimum: int) -> tuple[str, ...]:
            value = data.get(key)
            if value is None:
                return ()
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or any(
                isinstance(v, (list, dict)) or v is None for v in value
            ):
                bad(key, f"'{key}' must be a list of text items, one per line starting '  - '.")
                return ()
            items = tuple(mr.plain_text(v) for v in value)
            if len(items) < minimum:
                bad(key, f"'{key}' needs at least {minimum} item(s).")
            return items

        raw_id = data.get("id")
        meta["id"] = str(raw_id) if raw_id is not None else ""
        if raw_id is not None and not SLUG.match(str(raw_id)):
            bad(
                "id",
                f"The module id '{raw_id}' may only use lower-case letters, digits and "
                "hyphens (for example 'noted-not-actioned'). It must never change once "
                "learners have started the module.",
            )
        meta["title"] = text_field("title", True)
        meta["summary"] = text_field("summary", True)
        meta["content_warning"] = text_field("content_warning", False)
        meta["support"] = text_field("support", False)
        if meta["content_warning"] and not meta["support"]:
            p.error(
                line("content_warning"),
                "support-missing",
                "The module has a content_warning but no 'support' setting. Add 'support:' "
                "saying where learners can find support (supervisor, employee assistance).",
            )
        minutes = data.get("cpd_minutes")
        meta["cpd_minutes"] = minutes if is_int(minutes) else 0
        if minutes is not None and not (is_int(minutes) and 1 <= minutes <= 600):
            bad("cpd_minutes", "'cpd_minutes' must be a whole number of minutes from 1 to 600.")
        meta["outcomes"] = text_list("outcomes", 1)
        meta["standards"] = text_list("standards", 1)
        meta["authors"] = text_list("authors", 1)
        meta["themes"] = tuple(t.lower() for t in text_list("themes", 0))
        fictional = data.get("fictional")
        if fictional is not None and fictional is not True:
            ok = False
            p.error(
                line("fictional"),
                "not-fictional",
                "'fictional' must be 'true': case studies must be fictional vignettes, never "
                "real people. Write 'fictional: true' once you have checked this.",
            )
        review = data.get("review_date")
        meta["review_date"] = as_iso_date(review) or ""
        if review is not None and not meta["review_date"]:
            bad("review_date", f"'review_date' must be a date written as YYYY-MM-DD, not '{review}'.")
        quiz = data.get("quiz")
        meta["quiz"] = str(quiz) if quiz is not None else None
        if quiz is not None and not SLUG.match(str(quiz)):
            bad("quiz", f"The quiz id '{quiz}' may only use lower-case letters, digits and hyphens.")
        pass_mark = data.get("pass_mark")
        meta["pass_mark"] = pass_mark if is_int(pass_mark) else None
        if pass_mark is not None and not is_int(pass_mark):
            bad("pass_mark", "'pass_mark' must be a whole number percentage, e.g. 80.")
        elif is_int(pass_mark) and pass_mark > 100:
            ok = False
            p.error(
                line("pass_mark"),
                "pass-mark-unreachable",
                f"The pass mark {pass_mark}% can never be reached: scores go up to 100%. "
                "Use a number from 1 to 100.",
            )
        elif is_int(pass_mark) and pass_mark < 1:
            bad("pass_mark", "'pass_mark' must be from 1 to 100.")
        if quiz is not None and pass_mark is None:
            ok = False
            p.error(
                line("quiz"),
                "pass-mark-missing",
                "The module has a quiz but no 'pass_mark'. Add e.g. 'pass_mark: 80'.",
            )
        if quiz is None and pass_mark is not None:
            bad("pass_mark", "'pass_mark' is set but there is no 'quiz'. Add 'quiz: <quiz id>' or remove the pass mark.")
        months = data.get("recertify_months")
        meta["recertify_months"] = months if is_int(months) else None
        if months is not None and not (is_int(months) and 1 <= months <= 120):
            bad("recertify_months", "'recertify_months' must be a whole number of months from 1 to 120.")
        attempts = data.get("quiz_max_attempts")
        meta["quiz_max_attempts"] = attempts if is_int(attempts) else None
        if attempts is not None and not (is_int(attempts) and 1 <= attempts <= 100):
            bad("quiz_max_attempts", "'quiz_max_attempts' must be a whole number from 1 to 100 (leave it out for unlimited retakes).")
        if attempts is not None and quiz is None:
            bad("quiz_max_attempts", "'quiz_max_attempts' is set but there is no 'quiz'. Add 'quiz: <quiz id>' or remove it.")
        cooldown = data.get("quiz_cooldown_minutes")
        meta["quiz_cooldown_minutes"] = cooldown if is_int(cooldown) else 0
        if cooldown is not None and not (is_int(cooldown) and 0 <= cooldown <= 10080):
            bad("quiz_cooldown_minutes", "'quiz_cooldown_minutes' must be a whole number of minutes from 0 to 10080 (a week).")
        counters = data.get("counters")
        meta["counters"] = {}
        if counters is not None:
            if not isinstance(counters, dict):
                bad("counters", "'counters' must list each counter on its own indented line as 'name: starting value'.")
            else:
                for name, value in counters.items():
                    if not COUNTER_NAME.match(str(name)) or not is_int(value):
                        bad(
                            "counters",
                            f"The counter '{name}: {value}' is not valid. Counter names use "
                            "lower-case letters, digits and underscores; the value is a whole number.",
                        )
                    else:
                        meta["counters"][str(name)] = value
        start = data.get("start")
        meta["start"] = str(start) if start is not None else None
        sources = data.get("sources")
        src_specs: list[SourceSpec] = []
        if sources is not None:
            if not isinstance(sources, list):
                bad("sources", "'sources' must be a list; each item has 'title:' and 'url:'.")
            else:
                for item in sources:
                    if isinstance(item, str):
                        src_specs.append(SourceSpec(mr.plain_text(item)))
                    elif isinstance(item, dict) and item.get("title"):
                        url = str(item.get("url") or "").strip()
                        if url and not re.match(r"https?://", url):
                            bad("sources", f"The source link '{url}' must start with https:// or http://.")
                            url = ""
                        src_specs.append(SourceSpec(mr.plain_text(item["title"]), url))
                    else:
                        bad("sources", "Each source needs a 'title:' (and usually a 'url:').")
        meta["sources"] = tuple(src_specs)
        return meta if ok else (meta if meta["id"] else None)

    # --- sections and scenes -------------------------------------------------

    def split_sections(self, lines: list[str], start: int) -> list[_Section]:
        sections = [_Section("intro", start + 1)]
        fence = FenceTracker()
        debrief_seen = False
        for idx in range(start, len(lines)):
            line = lines[idx]
            lineno = idx + 1
            if fence.step(line) or not line.startswith("#"):
                sections[-1].lines.append((lineno, line))
                continue
            if line.startswith("# ") or line.rstrip() == "#":
                if line[1:].strip().lower() == "debrief":
                    if debrief_seen:
                        self.problems.error(
                            lineno,
                            "debrief-twice",
                            "There is a second '# Debrief' heading. A module has one debrief.",
                        )
                    debrief_seen = True
                    sections.append(_Section("debrief", lineno))
                    continue
                self.problems.error(
                    lineno,
                    "heading-level-1",
                    f"'{line.strip()}' uses a single '#'. Only '# Debrief' may do that: start "
                    "scenes with '## Title {#scene-id}' and headings inside text with '###'.",
                )
                sections[-1].lines.append((lineno, line))
                continue
            m = HEADING_ID.match(line) if line.startswith("## ") else None
            if m is None:
                sections[-1].lines.append((lineno, line))
                continue
            if debrief_seen:
                if m.group(3) is not None:
                    self.problems.error(
                        lineno,
                        "scene-after-debrief",
                        f"The scene '{m.group(2)}' comes after '# Debrief'. Move the debrief "
                        "to the end of the file.",
                    )
                sections[-1].lines.append((lineno, line))
                continue
            sid = m.group(3)
            if sid is None:
                self.problems.error(
                    lineno,
                    "scene-no-id",
                    f"The scene heading '{line.strip()}' has no id. Add one at the end, e.g. "
                    "'## The referral {#referral}'.",
                )
            elif not SLUG.match(sid.strip()):
                self.problems.error(
                    lineno,
                    "scene-bad-id",
                    f"The scene id '{sid}' may only use lower-case letters, digits and "
                    "hyphens, e.g. {#home-visit}.",
                )
            sections.append(_Section("scene", lineno, mr.plain_text(m.group(2)), sid and sid.strip()))
        return sections

    def parse_scene(self, sec: _Section) -> tuple[SceneSpec, int] | None:
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
            if key != "ending":
                p.error(
                    lines[i][0],
                    "scene-setting-unknown",
                    f"'{key}:' is not a scene setting. The only scene setting is 'ending:'. "
                    "If this is narrative, start it with a capital letter or move it down.",
                )
            settings[key] = (value, lines[i][0])
            i += 1
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
            if m:
                block: list[str] = []
                i += 1
                while i < n and (not lines[i][1].strip() or lines[i][1][:1] in " \t"):
                    block.append(lines[i][1])
                    i += 1
                while block and not block[-1].strip():
                    block.pop()
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

        rendered = self.render_block(narrative, f" in scene '{sec.id}'")
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
        )
        return scene, rendered.words

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
            value, ok = load_yaml_block(raw, lineno + 1, p, f"the choice '{text}'")
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
        return ChoiceSpec(
            index=index,
            text=text,
            target=target,
            judgement=str(judgement),
            why=mr.plain_text(why),
            feedback_html=mr.render_markdown(str(feedback), self.media_url),
            effects=effects,
            line=lineno,
        )

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

    # --- the graph ---------------------------------------------------------------------

    def check_graph(self, scenes: list[tuple[SceneSpec, int]], meta: dict | None) -> str | None:
        p = self.problems
        if not scenes:
            p.error(
                1,
                "no-scenes",
                "The module has no scenes. Add at least one '## Title {#scene-id}' heading.",
            )
            return None
        by_id: dict[str, SceneSpec] = {}
        for scene, _ in scenes:
            if scene.id in by_id:
                p.error(
                    scene.line,
                    "duplicate-scene",
                    f"The scene id '{scene.id}' is also used on line {by_id[scene.id].line}. "
                    "Each scene needs its own id.",
                )
            else:
                by_id[scene.id] = scene
        start = scenes[0][0].id
        requested = meta.get("start") if meta else None
        if requested is not None:
            if requested in by_id:
                start = requested
            else:
                p.error(
                    self._start_line,
                    "start-missing",
                    f"'start: {requested}' names a scene that does not exist. Use the id of a "
                    "scene heading, or remove 'start:' to begin at the first scene.",
                )
        counters = meta["counters"] if meta else {}
        edges: dict[str, list[str]] = {sid: [] for sid in by_id}
        for scene, _ in scenes:
            seen_text: dict[str, int] = {}
            for choice in scene.choices:
                if choice.text in seen_text:
                    p.error(
                        choice.line,
                        "duplicate-choice",
                        f"Scene '{scene.id}' offers the choice '{choice.text}' twice (also on "
                        f"line {seen_text[choice.text]}). Reword or remove one.",
                    )
                else:
                    seen_text[choice.text] = choice.line
                if choice.target not in by_id:
                    p.error(
                        choice.line,
                        "choice-target-missing",
                        f"Choice '{choice.text}' leads to scene '{choice.target}', which does "
                        "not exist. Check the id after '->' matches a scene heading's {#id}.",
                    )
                else:
                    edges[scene.id].append(choice.target)
                for counter, _op, _n in choice.effects:
                    if counter not in counters:
                        p.error(
                            choice.line,
                            "unknown-counter",
                            f"Choice '{choice.text}' changes the counter '{counter}', which is "
                            "not listed under 'counters:' at the top. Add it there with a "
                            "starting value, or fix the spelling.",
                        )
            if scene.kind == "junction":
                otherwise_seen = False
                for route in scene.routes:
                    if otherwise_seen:
                        p.error(
                            route.line,
                            "route-after-otherwise",
                            "This route comes after '-> otherwise' so it can never be used. "
                            "Move '-> otherwise' to the end.",
                        )
                    if route.is_otherwise:
                        otherwise_seen = True
                    if route.target not in by_id:
                        p.error(
                            route.line,
                            "route-target-missing",
                            f"The route leads to scene '{route.target}', which does not exist. "
                            "Check the id after ':' matches a scene heading's {#id}.",
                        )
                    else:
                        edges[scene.id].append(route.target)
                    for counter, _op, _n in route.conditions:
                        if counter not in counters:
                            p.error(
                                route.line,
                                "unknown-counter",
                                f"The route tests the counter '{counter}', which is not "
                                "listed under 'counters:' at the top. Add it there with a "
                                "starting value, or fix the spelling.",
                            )
                if not otherwise_seen:
                    p.error(
                        scene.routes[-1].line,
                        "junction-no-otherwise",
                        f"Junction scene '{scene.id}' has no '-> otherwise: scene-id' line, so "
                        "learners could get stuck. Add it as the last route.",
                    )
        if self.broken:
            return start  # a choice or route could not be read: graph checks would mislead
        # Reachability from the start (every choice and route counts as possible).
        reached = {start}
        queue = deque([start])
        while queue:
            for nxt in edges[queue.popleft()]:
                if nxt not in reached:
                    reached.add(nxt)
                    queue.append(nxt)
        for sid, scene in by_id.items():
            if sid not in reached:
                p.error(
                    scene.line,
                    "scene-unreachable",
                    f"No choice or route leads to scene '{sid}', so learners can never see "
                    "it. Point a choice or route at it, or delete it.",
                )
        endings = [sid for sid, s in by_id.items() if s.kind == "ending"]
        if not endings:
            p.error(
                1,
                "no-endings",
                "The module has no ending. Add at least one scene with 'ending: safe', "
                "'ending: partly-safe' or 'ending: unsafe' under its heading.",
            )
            return start
        if len(endings) == 1:
            p.warning(
                by_id[endings[0]].line,
                "one-ending",
                "The module has only one ending, so choices make no difference to the outcome. "
                "Consider adding another ending.",
            )
        reverse: dict[str, list[str]] = {sid: [] for sid in by_id}
        for sid, targets in edges.items():
            for t in targets:
                reverse[t].append(sid)
        can_end = set(endings)
        queue = deque(endings)
        while queue:
            for prev in reverse[queue.popleft()]:
                if prev not in can_end:
                    can_end.add(prev)
                    queue.append(prev)
        for sid, scene in by_id.items():
            stuck = scene.kind == "choices" and not scene.choices  # reported as scene-no-exit
            if sid in reached and sid not in can_end and scene.kind != "ending" and not stuck:
                p.error(
                    scene.line,
                    "no-way-to-end",
                    f"From scene '{sid}' no ending can be reached: every way on loops back. "
                    "Make at least one choice or route lead towards an ending.",
                )
        # Junctions without text that route to each other forever.
        silent = {
            sid for sid, s in by_id.items() if s.kind == "junction" and not s.body_html
        }
        for sid in silent:
            stack, seen = [sid], set()
            while stack:
                cur = stack.pop()
                for t in edges[cur]:
                    if t == sid:
                        p.error(
                            by_id[sid].line,
                            "junction-loop",
                            f"Junction '{sid}' can route back to itself through other "
                            "junctions without showing anything, which would loop forever. "
                            "Give one of them some text or route to a scene with choices.",
                        )
                        stack = []
                        break
                    if t in silent and t not in seen:
                        seen.add(t)
                        stack.append(t)
        return start



def parse_module(
    path: str | Path,
    text: str | bytes | None = None,
    modules_root: str | Path | None = None,
    media_url=None,
) -> tuple[ModuleSpec | None, list[Problem]]:
    """Parse one scenario module file.

    :param path: the file (used for reading when ``text`` is None, and in problems).
    :param text: the file's content, if already read.
    :param modules_root: the ``modules/`` folder images must live in (default: the file's folder).
    :param media_url: maps an image path relative to ``modules_root`` to the URL to render.
    :return: ``(spec or None, problems)``; the spec is returned whenever it could be built,
        even if there are errors, so callers must check the problems.
    """
    path_str = str(path)
    if text is None:
        data = Path(path).read_bytes()
    elif isinstance(text, str):
        data = text.encode("utf-8")
    else:
        data = text
    root = Path(modules_root) if modules_root is not None else Path(path).parent
    parser = _ModuleParser(path_str, data, root, media_url)
    spec = parser.parse()
    parser.problems.sort(key=lambda pr: (pr.line, pr.severity != "error"))
    return spec, list(parser.problems)

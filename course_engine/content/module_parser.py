"""Parse a scenario module (``modules/<slug>.md``) into a ``ModuleSpec``.

See docs/format.md for the format. ``parse_module`` never raises on bad content: it returns
the spec it could build (or ``None``) and every problem found, each with a file line.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path, PurePosixPath

from . import markdown_render as mr
from ._common import (
    FENCE,
    HEADING_ID,
    SLUG,
    FenceTracker,
    split_front_matter,
)
from .graph import check_graph
from .module_callouts import CalloutRendering, Rendered
from .module_front_matter import check_front_matter, fact_lines
from .module_passages import PassageParsing
from .module_scenes import SceneParsing, Section
from .path_proof import prove_passages
from .problems import Problem, ProblemList
from .specs import (
    ModuleSpec,
)
from .versioning import content_hash

DEEP_SCENE_HEADING = re.compile(r"^(#{3,6})[ \t]+(.*?)[ \t]*\{#([^}]*)\}[ \t]*$")
IMAGE_TYPES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})

IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'][^)]*[\"'])?\s*\)")
RAW_IMG = re.compile(r"<img\b", re.IGNORECASE)
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")


class _ModuleParser(SceneParsing, PassageParsing, CalloutRendering):
    """Reads one module file: lines, sections, rendering and media here; scenes in
    :class:`~.module_scenes.SceneParsing` and their choices and routes in
    :class:`~.module_choices.ChoiceParsing`; narrative and callouts in
    :class:`~.module_callouts.CalloutRendering`; conditional passages and facts in
    :class:`~.module_passages.PassageParsing`; settings in ``module_front_matter``; the
    scene graph's checks in ``graph``; the proof that passages tell the truth about the path
    in ``path_proof``."""

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
        #: A choice or route could not be read, so the graph checks would mislead.
        self.broken = False
        #: Facts, scenes and counters named by settings and conditions (checked at the end).
        self.references: list = []
        #: The file line of each declared fact.
        self.fact_lines: dict[str, int] = {}

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
        lines_of_facts = fact_lines(lines, fm.key_lines, fm.end_line)
        self.fact_lines = {k.split(".", 1)[1]: v for k, v in lines_of_facts.items()}
        meta = check_front_matter(fm.data, {**fm.key_lines, **lines_of_facts}, self.problems)
        sections = self.split_sections(lines, fm.body_start)
        for lineno, line in sections[0].lines:
            if line.startswith(":::"):
                self.problems.error(
                    lineno,
                    "passage-in-intro",
                    "Conditional passages cannot go in the introduction: nothing has happened "
                    "on the learner's path yet. Move it into a scene, an ending or the debrief.",
                )
                break
        intro = self.render_block(sections[0].lines, " in the introduction")
        scenes = [s for s in (self.parse_scene(sec) for sec in sections if sec.kind == "scene") if s]
        debrief_secs = [s for s in sections if s.kind == "debrief"]
        debrief_passages: tuple = ()
        if debrief_secs:
            debrief, debrief_passages = self.render_text(debrief_secs[0].lines, " in the debrief")
        else:
            debrief = Rendered("", [], 0)
            self.problems.error(
                len(lines),
                "debrief-missing",
                "The module has no debrief. Add a '# Debrief' heading after the last scene, "
                "followed by the key learning.",
            )
        start = check_graph(scenes, meta, self.problems, start_line=fm.key_lines.get("start", 1),
                            broken=self.broken)
        if meta is not None:
            self.check_references(meta["facts"], {sc.id for sc, _ in scenes}, meta["counters"])
        if meta is None:
            return None
        media_blobs = [(self.modules_root / rel).read_bytes() for rel in self.media]
        spec = ModuleSpec(
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
            facts=meta["facts"],
            debrief_passages=debrief_passages,
        )
        if not self.problems.has_errors and start:
            prove_passages(spec, self.problems)
        return spec


    # --- sections and scenes -------------------------------------------------

    def split_sections(self, lines: list[str], start: int) -> list[Section]:
        sections = [Section("intro", start + 1)]
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
                    sections.append(Section("debrief", lineno))
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
            deep = DEEP_SCENE_HEADING.match(line) if m is None and not debrief_seen else None
            if deep is not None:
                self.problems.error(
                    lineno,
                    "scene-heading-level",
                    f"'{line.strip()}' has a scene id but starts with '{deep.group(1)}'. Scenes start "
                    f"with two: '## {deep.group(2)} {{#{deep.group(3)}}}'. (Use '###' without an "
                    "id for a heading inside a scene's text.)",
                )
                m = HEADING_ID.match(f"## {deep.group(2)} {{#{deep.group(3)}}}")
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
            sections.append(Section("scene", lineno, mr.plain_text(m.group(2)), sid and sid.strip()))
        return sections

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

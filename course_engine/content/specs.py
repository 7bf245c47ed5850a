"""Frozen, JSON-serialisable descriptions of parsed content.

The parser builds these; the database stores ``to_dict()`` snapshots per content version and
the player rebuilds them with ``from_dict()``, so it never re-parses Markdown. Every spec
round-trips exactly: ``Spec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec``.

Why one file of about 450 lines: together these classes are the stored JSON format of every
content version (``module_json``/``quiz_json`` in the database, SCORM packages and the author
preview read it too). Keeping the whole format in one place keeps a change to it visible in one
diff, next to the round-trip rule it must keep.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .conditions import PassageSpec, passages_from_json, passages_to_json, shown_html  # noqa: F401

#: Judgements, best first. The recommended path prefers the lowest rank.
JUDGEMENTS = ("safe", "partly-safe", "unsafe")
JUDGEMENT_RANK = {name: rank for rank, name in enumerate(JUDGEMENTS)}

#: Question types a quiz bank may use.
QUESTION_TYPES = ("single", "multiple", "true-false", "ordering")
#: What a question asks of the learner (optional ``kind:`` setting). ``transfer``: a new short
#: case, not the module's story, asking what to do next and why; ``variant``: the module's own
#: decision with a detail changed; ``story``: the module's own case; ``recall``: facts or
#: self-reflection. The library test counts ``transfer`` (issue 16: at least half a bank).
QUESTION_KINDS = ("transfer", "variant", "story", "recall")

#: Callout kinds that may appear in a module.
CALLOUT_KINDS = ("evidence", "note", "reflect")


@dataclass(frozen=True)
class SourceSpec:
    """A source cited by a module (front matter ``sources``)."""

    title: str
    url: str = ""

    def to_dict(self) -> dict:
        return {"title": self.title, "url": self.url}

    @classmethod
    def from_dict(cls, data: dict) -> SourceSpec:
        return cls(title=data["title"], url=data.get("url", ""))


@dataclass(frozen=True)
class CalloutSpec:
    """An ``> [!EVIDENCE]``, ``> [!NOTE]`` or ``> [!REFLECT]`` block.

    ``id`` is set for reflect prompts (the journal key), ``citation`` for evidence and
    ``title`` for notes. ``html`` is the sanitised body.
    """

    kind: str
    id: str = ""
    title: str = ""
    citation: str = ""
    html: str = ""
    line: int = 0

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "citation": self.citation,
            "html": self.html,
            "line": self.line,
        }

    @classmethod
    def from_dict(cls, data: dict) -> CalloutSpec:
        return cls(**data)


@dataclass(frozen=True)
class ChoiceSpec:
    """One ``[[text->target]]`` choice. ``effects`` holds ``(counter, op, amount)``
    with op one of ``+``, ``-``, ``=``."""

    index: int
    text: str
    target: str
    judgement: str
    why: str
    feedback_html: str
    effects: tuple[tuple[str, str, int], ...] = ()
    line: int = 0
    #: Facts the choice establishes (front matter ``facts:``).
    establishes: tuple[str, ...] = ()
    #: The feedback as passages, when it has conditional ones (then ``feedback_html`` is "").
    feedback_passages: tuple[PassageSpec, ...] = ()
    #: Evidence and note callouts in the feedback (also rendered in place in the HTML).
    feedback_callouts: tuple[CalloutSpec, ...] = ()

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "text": self.text,
            "target": self.target,
            "judgement": self.judgement,
            "why": self.why,
            "feedback_html": self.feedback_html,
            "effects": [list(e) for e in self.effects],
            "line": self.line,
            "establishes": list(self.establishes),
            "feedback_passages": passages_to_json(self.feedback_passages),
            "feedback_callouts": [c.to_dict() for c in self.feedback_callouts],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ChoiceSpec:
        data = dict(data)
        data["effects"] = tuple(tuple(e) for e in data.get("effects", ()))
        data["establishes"] = tuple(data.get("establishes", ()))
        data["feedback_passages"] = passages_from_json(data.get("feedback_passages"))
        data["feedback_callouts"] = tuple(CalloutSpec.from_dict(c) for c in data.get("feedback_callouts", ()))
        return cls(**data)


@dataclass(frozen=True)
class RouteSpec:
    """One junction route. ``conditions`` holds ``(counter, op, value)`` tuples that must
    all hold; an empty tuple is the ``otherwise`` route."""

    conditions: tuple[tuple[str, str, int], ...]
    target: str
    line: int = 0

    @property
    def is_otherwise(self) -> bool:
        return not self.conditions

    def to_dict(self) -> dict:
        return {
            "conditions": [list(c) for c in self.conditions],
            "target": self.target,
            "line": self.line,
        }

    @classmethod
    def from_dict(cls, data: dict) -> RouteSpec:
        return cls(
            conditions=tuple(tuple(c) for c in data["conditions"]),
            target=data["target"],
            line=data.get("line", 0),
        )


@dataclass(frozen=True)
class SceneSpec:
    """A scene: ``kind`` is ``choices``, ``junction`` or ``ending``.

    ``body_html`` holds the narrative with evidence and note callouts rendered in place;
    reflect prompts are left out of it (the player renders them as journal forms) but every
    callout, reflect included, is listed in ``callouts``.
    """

    id: str
    title: str
    kind: str
    body_html: str
    callouts: tuple[CalloutSpec, ...] = ()
    choices: tuple[ChoiceSpec, ...] = ()
    routes: tuple[RouteSpec, ...] = ()
    ending_judgement: str | None = None
    line: int = 0
    #: The narrative as passages when it has conditional ones (then ``body_html`` is "").
    passages: tuple[PassageSpec, ...] = ()
    #: Facts established on arriving at the scene, and facts its whole text claims.
    establishes: tuple[str, ...] = ()
    asserts: tuple[str, ...] = ()

    @property
    def reflects(self) -> tuple[CalloutSpec, ...]:
        return tuple(c for c in self.callouts if c.kind == "reflect")

    @property
    def has_text(self) -> bool:
        """Whether the scene has narrative (a junction with none is passed straight through)."""
        return bool(self.body_html) or any(p.html for p in self.passages)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "body_html": self.body_html,
            "callouts": [c.to_dict() for c in self.callouts],
            "choices": [c.to_dict() for c in self.choices],
            "routes": [r.to_dict() for r in self.routes],
            "ending_judgement": self.ending_judgement,
            "line": self.line,
            "passages": passages_to_json(self.passages),
            "establishes": list(self.establishes),
            "asserts": list(self.asserts),
        }

    @classmethod
    def from_dict(cls, data: dict) -> SceneSpec:
        return cls(
            id=data["id"],
            title=data["title"],
            kind=data["kind"],
            body_html=data["body_html"],
            callouts=tuple(CalloutSpec.from_dict(c) for c in data.get("callouts", ())),
            choices=tuple(ChoiceSpec.from_dict(c) for c in data.get("choices", ())),
            routes=tuple(RouteSpec.from_dict(r) for r in data.get("routes", ())),
            ending_judgement=data.get("ending_judgement"),
            line=data.get("line", 0),
            passages=passages_from_json(data.get("passages")),
            establishes=tuple(data.get("establishes", ())),
            asserts=tuple(data.get("asserts", ())),
        )


@dataclass(frozen=True)
class ModuleSpec:
    """A parsed scenario module. ``version`` is the content hash (see ``versioning``)."""

    id: str
    title: str
    summary: str
    cpd_minutes: int
    outcomes: tuple[str, ...]
    themes: tuple[str, ...]
    standards: tuple[str, ...]
    content_warning: str
    support: str
    quiz_id: str | None
    pass_mark: int | None
    recertify_months: int | None
    counters: dict[str, int]
    start: str
    sources: tuple[SourceSpec, ...]
    authors: tuple[str, ...]
    review_date: str
    intro_html: str
    scenes: tuple[SceneSpec, ...]
    debrief_html: str
    source_path: str
    version: str
    intro_callouts: tuple[CalloutSpec, ...] = ()
    debrief_callouts: tuple[CalloutSpec, ...] = ()
    #: Media files used, as paths relative to the modules folder (``media/x.png``).
    media: tuple[str, ...] = ()
    #: Quiz retakes: at most this many submitted attempts (None: unlimited) ...
    quiz_max_attempts: int | None = None
    #: ... and at least this many minutes between one attempt and the next (0: none).
    quiz_cooldown_minutes: int = 0
    #: Facts a path can establish (front matter ``facts:``): id -> one-line description.
    facts: dict[str, str] = field(default_factory=dict)
    #: The debrief as passages, when it has conditional ones (then ``debrief_html`` is "").
    debrief_passages: tuple[PassageSpec, ...] = ()

    def scene(self, scene_id: str) -> SceneSpec:
        """Return the scene with this id; raise ``KeyError`` if there is none."""
        index = self.__dict__.get("_scene_index")
        if index is None:
            index = {s.id: s for s in self.scenes}
            object.__setattr__(self, "_scene_index", index)
        return index[scene_id]

    @property
    def endings(self) -> tuple[SceneSpec, ...]:
        return tuple(s for s in self.scenes if s.kind == "ending")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "cpd_minutes": self.cpd_minutes,
            "outcomes": list(self.outcomes),
            "themes": list(self.themes),
            "standards": list(self.standards),
            "content_warning": self.content_warning,
            "support": self.support,
            "quiz_id": self.quiz_id,
            "pass_mark": self.pass_mark,
            "recertify_months": self.recertify_months,
            "counters": dict(self.counters),
            "start": self.start,
            "sources": [s.to_dict() for s in self.sources],
            "authors": list(self.authors),
            "review_date": self.review_date,
            "intro_html": self.intro_html,
            "scenes": [s.to_dict() for s in self.scenes],
            "debrief_html": self.debrief_html,
            "source_path": self.source_path,
            "version": self.version,
            "intro_callouts": [c.to_dict() for c in self.intro_callouts],
            "debrief_callouts": [c.to_dict() for c in self.debrief_callouts],
            "media": list(self.media),
            "quiz_max_attempts": self.quiz_max_attempts,
            "quiz_cooldown_minutes": self.quiz_cooldown_minutes,
            "facts": dict(self.facts),
            "debrief_passages": passages_to_json(self.debrief_passages),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ModuleSpec:
        return cls(
            id=data["id"],
            title=data["title"],
            summary=data["summary"],
            cpd_minutes=data["cpd_minutes"],
            outcomes=tuple(data["outcomes"]),
            themes=tuple(data["themes"]),
            standards=tuple(data["standards"]),
            content_warning=data["content_warning"],
            support=data["support"],
            quiz_id=data["quiz_id"],
            pass_mark=data["pass_mark"],
            recertify_months=data["recertify_months"],
            counters=dict(data["counters"]),
            start=data["start"],
            sources=tuple(SourceSpec.from_dict(s) for s in data["sources"]),
            authors=tuple(data["authors"]),
            review_date=data["review_date"],
            intro_html=data["intro_html"],
            scenes=tuple(SceneSpec.from_dict(s) for s in data["scenes"]),
            debrief_html=data["debrief_html"],
            source_path=data["source_path"],
            version=data["version"],
            intro_callouts=tuple(CalloutSpec.from_dict(c) for c in data.get("intro_callouts", ())),
            debrief_callouts=tuple(
                CalloutSpec.from_dict(c) for c in data.get("debrief_callouts", ())
            ),
            media=tuple(data.get("media", ())),
            quiz_max_attempts=data.get("quiz_max_attempts"),
            quiz_cooldown_minutes=data.get("quiz_cooldown_minutes", 0),
            facts=dict(data.get("facts") or {}),
            debrief_passages=passages_from_json(data.get("debrief_passages")),
        )


@dataclass(frozen=True)
class OptionSpec:
    """A quiz option. ``weight`` is a percentage (100 = fully correct; may be negative in
    multiple-response questions); ``index`` is its position as authored."""

    index: int
    text_html: str
    weight: float
    feedback_html: str = ""
    keep_last: bool = False

    @property
    def id(self) -> int:
        return self.index

    @property
    def correct(self) -> bool:
        return self.weight > 0

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "text_html": self.text_html,
            "weight": self.weight,
            "feedback_html": self.feedback_html,
            "keep_last": self.keep_last,
        }

    @classmethod
    def from_dict(cls, data: dict) -> OptionSpec:
        return cls(**data)


@dataclass(frozen=True)
class QuestionSpec:
    """A quiz question. For ``ordering`` questions ``correct_order`` lists option indices in
    the right order."""

    id: str
    title: str
    type: str
    points: float
    stem_html: str
    options: tuple[OptionSpec, ...]
    explanation_html: str = ""
    correct_order: tuple[int, ...] = ()
    line: int = 0
    kind: str = ""

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "type": self.type,
            "points": self.points,
            "stem_html": self.stem_html,
            "options": [o.to_dict() for o in self.options],
            "explanation_html": self.explanation_html,
            "correct_order": list(self.correct_order),
            "line": self.line,
            "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, data: dict) -> QuestionSpec:
        return cls(
            id=data["id"],
            title=data["title"],
            type=data["type"],
            points=data["points"],
            stem_html=data["stem_html"],
            options=tuple(OptionSpec.from_dict(o) for o in data["options"]),
            explanation_html=data.get("explanation_html", ""),
            correct_order=tuple(data.get("correct_order", ())),
            line=data.get("line", 0),
            kind=data.get("kind", ""),
        )


@dataclass(frozen=True)
class QuizSpec:
    """A quiz bank. ``draw`` is the number of questions per attempt."""

    id: str
    title: str
    draw: int
    shuffle: bool
    questions: tuple[QuestionSpec, ...]
    source_path: str
    version: str

    def question(self, question_id: str) -> QuestionSpec:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "draw": self.draw,
            "shuffle": self.shuffle,
            "questions": [q.to_dict() for q in self.questions],
            "source_path": self.source_path,
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: dict) -> QuizSpec:
        return cls(
            id=data["id"],
            title=data["title"],
            draw=data["draw"],
            shuffle=data["shuffle"],
            questions=tuple(QuestionSpec.from_dict(q) for q in data["questions"]),
            source_path=data["source_path"],
            version=data["version"],
        )

"""Practice insights: how a team's learners chose at each decision point, the endings they
reached and the quiz questions most often missed, never for a group under ``MIN_GROUP``."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from ..authoring.models import ContentModule, ModuleVersion
from ..db import session
from ..learner.models import Decision, ScenarioAttempt
from ..quizzes.models import QuizAttempt, QuizResponse
from .queries import MIN_GROUP, Scope, module_titles


@dataclass(frozen=True)
class InsightModule:
    module_id: int
    slug: str
    title: str
    learners: int

    @property
    def shown(self) -> bool:
        return self.learners >= MIN_GROUP


def insight_modules(scope: Scope) -> list[InsightModule]:
    """Modules the visible learners have attempted, with how many distinct learners (counted
    live: the specification of ``insight_figures.insight_modules``)."""
    rows = session.execute(
        select(ScenarioAttempt.module_id, func.count(ScenarioAttempt.user_id.distinct()))
        .where(ScenarioAttempt.user_id.in_(scope.member_user_ids()))
        .group_by(ScenarioAttempt.module_id)).all()
    return modules_from_counts(rows)


def modules_from_counts(rows) -> list[InsightModule]:
    """(module id, distinct learners) rows, titled and sorted by title."""
    titles = module_titles([r[0] for r in rows])
    modules = [InsightModule(mid, *titles.get(mid, (str(mid), str(mid))), count) for mid, count in rows]
    return sorted(modules, key=lambda m: (m.title.lower(), m.module_id))


@dataclass
class ChoiceShare:
    text: str
    judgement: str
    count: int
    percent: int


@dataclass
class DecisionPoint:
    scene_id: str
    title: str
    learners: int
    decisions: int
    choices: list[ChoiceShare]

    @property
    def shown(self) -> bool:
        return self.learners >= MIN_GROUP


@dataclass
class EndingShare:
    title: str
    judgement: str | None
    count: int
    percent: int


@dataclass
class QuestionMiss:
    title: str
    answered: int
    missed: int
    learners: int

    @property
    def percent(self) -> int:
        return round(100 * self.missed / self.answered) if self.answered else 0

    @property
    def shown(self) -> bool:
        return self.learners >= MIN_GROUP


@dataclass
class ModuleInsights:
    module: InsightModule
    points: list[DecisionPoint]
    endings: list[EndingShare]
    ending_learners: int
    questions: list[QuestionMiss]

    @property
    def shown(self) -> bool:
        return self.module.shown


@dataclass
class Counts:
    """What insights count for one module and scope, before the content's words label them:
    the live queries below produce it, and so does the pre-counted table (``insight_figures``)."""

    learners: int
    #: (version id, scene id, choice index, decisions)
    choices: list[tuple[int, str, int, int]]
    #: {scene id: distinct learners who decided there}
    scene_learners: dict[str, int]
    #: (version id, ending scene id, attempts)
    endings: list[tuple[int, str, int]]
    ending_learners: int
    #: (question id, answers, missed, distinct learners)
    questions: list[tuple[str, int, int, int]]


def module_insights(scope: Scope, module: ContentModule) -> ModuleInsights:
    """How the visible learners chose at each decision point, the endings they reached and the
    quiz questions most often missed; groups under :data:`MIN_GROUP` learners are suppressed
    (their figures are never computed into the result).

    Counted live from the decisions and quiz answers: the specification the pre-counted
    figures the pages read (``insight_figures.module_insights``) are tested against."""
    members = scope.member_user_ids()
    base = and_(ScenarioAttempt.module_id == module.id, ScenarioAttempt.user_id.in_(members))
    learners = session.scalar(select(func.count(ScenarioAttempt.user_id.distinct())).where(base)) or 0
    if learners < MIN_GROUP:
        return shape(module, Counts(learners, [], {}, [], 0, []))
    choice_rows = session.execute(
        select(ScenarioAttempt.version_id, Decision.scene_id, Decision.choice_index, func.count())
        .select_from(Decision).join(ScenarioAttempt, ScenarioAttempt.id == Decision.attempt_id).where(base)
        .group_by(ScenarioAttempt.version_id, Decision.scene_id, Decision.choice_index)).all()
    scene_learners = dict(session.execute(
        select(Decision.scene_id, func.count(ScenarioAttempt.user_id.distinct()))
        .select_from(Decision).join(ScenarioAttempt, ScenarioAttempt.id == Decision.attempt_id).where(base)
        .group_by(Decision.scene_id)).all())
    ending_rows = session.execute(
        select(ScenarioAttempt.version_id, ScenarioAttempt.ending_scene_id, func.count())
        .where(base, ScenarioAttempt.ending_scene_id.is_not(None))
        .group_by(ScenarioAttempt.version_id, ScenarioAttempt.ending_scene_id)).all()
    ending_learners = session.scalar(
        select(func.count(ScenarioAttempt.user_id.distinct())).where(base, ScenarioAttempt.ending_scene_id.is_not(None))) or 0
    question_rows = session.execute(
        select(QuizResponse.question_id, func.count(), func.sum(case((QuizResponse.correct.is_(False), 1), else_=0)),
               func.count(QuizAttempt.user_id.distinct()))
        .select_from(QuizResponse).join(QuizAttempt, QuizAttempt.id == QuizResponse.quiz_attempt_id)
        .where(QuizAttempt.module_id == module.id, QuizAttempt.user_id.in_(members))
        .group_by(QuizResponse.question_id)).all()
    return shape(module, Counts(learners, [tuple(r) for r in choice_rows], scene_learners,
                                [tuple(r) for r in ending_rows], ending_learners,
                                [(r[0], int(r[1]), int(r[2] or 0), int(r[3])) for r in question_rows]))


def shape(module: ContentModule, counts: Counts) -> ModuleInsights:
    """Label the counts with the content's words (newest version first) and suppress every
    group under :data:`MIN_GROUP` learners. Rows are taken in a fixed order (newest version,
    scene, choice), so equal counts give equal pages whatever order the database returned."""
    from ..authoring.services import module_spec, quiz_spec

    slug_title = module_titles([module.id]).get(module.id, (module.slug, module.slug))
    info = InsightModule(module.id, slug_title[0], slug_title[1], counts.learners)
    if not info.shown:
        return ModuleInsights(info, [], [], 0, [])
    version_ids = {r[0] for r in counts.choices} | {r[0] for r in counts.endings}
    if module.current_version_id:
        version_ids.add(module.current_version_id)
    versions = {v.id: v for v in session.scalars(select(ModuleVersion).where(ModuleVersion.id.in_(sorted(version_ids))))}
    # Newest version first: its wording labels scenes, choices and questions.
    ordered = sorted(versions.values(), key=lambda v: v.number, reverse=True)
    specs = {v.id: module_spec(v) for v in ordered}
    newest_first = {v.id: position for position, v in enumerate(ordered)}

    def version_order(version_id):
        return newest_first.get(version_id, len(newest_first))

    choice_rows = sorted(counts.choices, key=lambda r: (version_order(r[0]), r[1], r[2]))
    ending_rows = sorted(counts.endings, key=lambda r: (version_order(r[0]), r[1]))
    scene_learners = counts.scene_learners
    ending_learners = counts.ending_learners

    # Choices are merged across versions by scene and choice text (an edit that reorders
    # choices still counts the same choice together).
    points: dict[str, dict] = OrderedDict()
    scene_order: dict[str, int] = {}
    for spec in (specs[v.id] for v in reversed(ordered)):
        for position, scene in enumerate(spec.scenes):
            scene_order[scene.id] = position
    for version_id, scene_id, index, count in choice_rows:
        spec = specs.get(version_id)
        try:
            scene = spec.scene(scene_id)
            choice = scene.choices[index]
            text, judgement, title = choice.text, choice.judgement, scene.title
        except (AttributeError, KeyError, IndexError):
            text, judgement, title = f"Choice {index + 1}", "", scene_id
        point = points.setdefault(scene_id, {"title": title, "choices": OrderedDict(), "total": 0})
        share = point["choices"].setdefault(text, [judgement, 0])
        share[1] += count
        point["total"] += count
    decision_points = []
    for scene_id, point in sorted(points.items(), key=lambda item: (scene_order.get(item[0], 10**6), item[0])):
        count_learners = scene_learners.get(scene_id, 0)
        shares = []
        if count_learners >= MIN_GROUP:
            shares = [ChoiceShare(text, judgement, n, round(100 * n / point["total"]))
                      for text, (judgement, n) in point["choices"].items()]
            shares.sort(key=lambda s: -s.count)
        decision_points.append(DecisionPoint(scene_id, point["title"], count_learners,
                                             point["total"] if count_learners >= MIN_GROUP else 0, shares))
    endings: dict[str, list] = OrderedDict()
    total_endings = sum(r[2] for r in ending_rows)
    for version_id, scene_id, count in ending_rows:
        spec = specs.get(version_id)
        try:
            scene = spec.scene(scene_id)
            title, judgement = scene.title, scene.ending_judgement
        except (AttributeError, KeyError):
            title, judgement = scene_id, None
        entry = endings.setdefault(scene_id, [title, judgement, 0])
        entry[2] += count
    ending_shares = []
    if ending_learners >= MIN_GROUP:
        ending_shares = [EndingShare(t, j, n, round(100 * n / total_endings)) for t, j, n in endings.values()]
        ending_shares.sort(key=lambda e: -e.count)
    question_titles = {}
    for v in ordered:
        quiz = quiz_spec(v)
        if quiz is not None:
            for q in quiz.questions:
                question_titles.setdefault(q.id, q.title)
    questions = [QuestionMiss(question_titles.get(qid, qid), int(n), int(missed or 0), int(people))
                 for qid, n, missed, people in sorted(counts.questions)]
    questions = [q if q.shown else QuestionMiss(q.title, 0, 0, q.learners) for q in questions]
    questions.sort(key=lambda q: (not q.shown, -q.percent, q.title))
    return ModuleInsights(info, decision_points, ending_shares, ending_learners, questions)

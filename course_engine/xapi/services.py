"""Learning records for an organisation's LRS: the settings, who receives whose statements,
and the outbox rows written in the same unit of work as the event they describe.

Whose records go where: a person with one current organisation has their statements sent to
that organisation's LRS (if it has one switched on); a person in several (an agency worker)
to each organisation that assigned them the module, never to the others, as certificates name
their issuing organisation. Only events after the connection was switched on are sent.

Decisions are written by the player in one atomic statement without a transaction
(``db.TransactionMode.single_write``), where nothing else may be written. The decision row is
then the durable record: :func:`collect_decisions` turns each into its ``answered`` outbox row
(unique per organisation and decision, its statement id fixed from then on) in a job, before
sending. A lost job loses nothing: the next one, or ``flask xapi send``, collects.

What a player move pays (issue 18: the player's request rate must not change with an LRS
connected): one service-wide collection job per ``COLLECT_WINDOW`` (``jobs.enqueue_once`` with
one key), so all but one move in a window pay a single failing Redis ``SET NX``. That job reads
only the decisions after each connection's watermark (``collected_through``), so its cost
follows the recent decisions, not all of them. Delivery is queued the same way, once per
organisation per ``SEND_WINDOW``.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select, update

from .. import encryption, jobs, outbound
from ..audit import record_audit
from ..auth.models import User
from ..authoring.models import ModuleVersion
from ..authoring.services import module_spec, module_spec_by_id
from ..db import session
from ..learner.models import Completion, Decision, ScenarioAttempt
from ..links import base_url
from ..orgs.models import Membership, Organisation
from ..quizzes.models import QuizAttempt
from . import statements
from .models import AttemptRegistration, LrsActor, LrsConnection, OutboxStatement

#: How long a process remembers that no organisation has an LRS switched on (the decision
#: receiver then queues nothing). Saving settings forgets it at once in that process.
NONE_ENABLED_MEMORY = 60.0
#: Seconds within which every decision on the service shares one collection job
#: (jobs.enqueue_once, key ``xapi.collect``): an ``answered`` statement is in the outbox at most
#: about this long (plus the worker's scheduler, ~1 s) after the decision, then delivered.
COLLECT_WINDOW = 5
#: Seconds within which an organisation's new statements share one delivery job.
SEND_WINDOW = 5
#: Decisions older than this are committed (or rolled back): a decision is one autocommitted
#: statement in a request that times out within a minute. The watermark moves only past
#: them, so a decision that took a lower id but committed later is never skipped.
COLLECT_LAG = 600


class SettingsProblem(ValueError):
    """Settings that cannot be saved; ``field`` names the form field to show it on."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Settings:
    endpoint: str
    key: str
    secret: str | None
    enabled: bool
    send_modules: bool
    send_decisions: bool
    send_quizzes: bool
    actor_email: bool


def connection_for(organisation: Organisation) -> LrsConnection | None:
    return session.scalar(select(LrsConnection).where(LrsConnection.organisation_id == organisation.id))


def save_settings(actor, organisation: Organisation, settings: Settings, *, now: datetime,
                  ip_address: str | None) -> LrsConnection:
    """Save the connection (the endpoint checked with ``outbound.check_url``; the secret
    sealed; audited without it)."""
    try:
        endpoint = outbound.check_url(settings.endpoint)
    except outbound.UnsafeURL as exc:
        raise SettingsProblem(str(exc), "endpoint") from exc
    connection = connection_for(organisation)
    if connection is None and not settings.secret:
        raise SettingsProblem("Enter the secret the learning record store gave you with the key.", "secret")
    if connection is None:
        connection = LrsConnection(organisation_id=organisation.id, created_at=now, enabled=False)
        session.add(connection)
    was_enabled = bool(connection.enabled)
    connection.endpoint = endpoint.rstrip("/")
    connection.key = settings.key.strip()
    if settings.secret:
        connection.secret_sealed = encryption.seal(settings.secret)
    connection.enabled = settings.enabled
    if settings.enabled and not was_enabled:
        connection.enabled_at = now
        # Every decision up to here is older than the connection: the first collection starts
        # from the recent ones, not from the first decision ever (or where it stopped when off).
        settled = settled_through(connection.collected_through or 0, now - timedelta(seconds=COLLECT_LAG))
        connection.collected_through = settled or connection.collected_through
    connection.send_modules = settings.send_modules
    connection.send_decisions = settings.send_decisions
    connection.send_quizzes = settings.send_quizzes
    connection.actor_email = settings.actor_email
    connection.updated_at = now
    session.flush()
    forget_none_enabled()
    record_audit(actor, "xapi.settings_save", connection, organisation=organisation, ip_address=ip_address,
                 detail={"endpoint": connection.endpoint, "key": connection.key, "enabled": connection.enabled,
                         "secret_changed": bool(settings.secret), "actor_email": connection.actor_email,
                         "send": [n for n in ("modules", "decisions", "quizzes") if getattr(connection, f"send_{n}")]})
    return connection


def secret_hint(connection: LrsConnection) -> str:
    try:
        return encryption.last_characters(encryption.unseal(connection.secret_sealed))
    except encryption.SecretUnreadable:
        return "(unreadable: enter it again)"


# --- who receives ------------------------------------------------------------------------

def receiving_connections(user_id: int, module_id: int, now: datetime) -> list[LrsConnection]:
    """The switched-on connections that receive this person's statements about this module.

    One query: the person's current memberships, each with its organisation's switched-on
    connection if it has one (the quiz submission pays it in the learner's request)."""
    rows = session.execute(
        select(Membership.organisation_id, LrsConnection)
        .outerjoin(LrsConnection, (LrsConnection.organisation_id == Membership.organisation_id)
                   & LrsConnection.enabled.is_(True) & (LrsConnection.enabled_at <= now))
        .where(Membership.user_id == user_id, Membership.deactivated_at.is_(None))
        .order_by(Membership.organisation_id)).all()
    if len(rows) > 1 and any(connection is not None for _org, connection in rows):
        # ``employers`` knows who assigned what; it plugs in (the same level: no import).
        assigning = current_app.extensions.get("course_engine.assigning_organisations")
        chosen = set(assigning(user_id, module_id)) if assigning else set()
        return [connection for org_id, connection in rows if connection is not None and org_id in chosen]
    return [connection for _org, connection in rows if connection is not None]


def actor_for(connection: LrsConnection, user_id: int) -> statements.Actor:
    """The person as this organisation's LRS sees them: a random name kept per organisation,
    or their email address when the organisation chose that."""
    known = session.scalar(select(LrsActor).where(LrsActor.organisation_id == connection.organisation_id,
                                                  LrsActor.user_id == user_id))
    if known is None:
        known = LrsActor(organisation_id=connection.organisation_id, user_id=user_id, name=uuid.uuid4().hex)
        session.add(known)
        session.flush()
    email = session.scalar(select(User.email).where(User.id == user_id)) if connection.actor_email else None
    return statements.Actor(base_url(), known.name, email)


def registration_for(attempt_id: int) -> str:
    """The attempt's UUID (made the first time a statement needs it, then kept)."""
    known = session.get(AttemptRegistration, attempt_id)
    if known is None:
        known = AttemptRegistration(attempt_id=attempt_id, registration=str(uuid.uuid4()))
        session.add(known)
        session.flush()
    return known.registration


def module_ref(attempt: ScenarioAttempt) -> statements.ModuleRef:
    """The module as statements name it. Its slug is the spec's id (content sync names modules
    by it), read from the spec this worker has decoded already, not queried per statement."""
    version = session.get(ModuleVersion, attempt.version_id)
    slug = module_spec_by_id(version.id, version.content_hash).id
    return statements.ModuleRef(base_url(), slug, version.title, version.number, registration_for(attempt.id),
                                current_app.config["SITE_NAME"])


# --- outbox rows -------------------------------------------------------------------------

def _add(connection: LrsConnection, user_id: int, source: str, verb: str, build, now: datetime,
         decision_id: int | None = None, once: bool = False) -> OutboxStatement | None:
    """One outbox row for ``source`` (none if it has one already); its statement id is fixed here.

    ``once``: the event can happen only once (a quiz attempt is graded by one conditional
    UPDATE), so the check is left to the unique constraint and the learner's request saves a query.
    """
    if not once and session.scalar(select(exists().where(OutboxStatement.organisation_id == connection.organisation_id,
                                                         OutboxStatement.source == source))):
        return None
    statement_id = str(uuid.uuid4())
    row = OutboxStatement(organisation_id=connection.organisation_id, user_id=user_id, statement_id=statement_id,
                          source=source, verb=verb, statement=build(statement_id, actor_for(connection, user_id)),
                          decision_id=decision_id, created_at=now, next_attempt_at=now)
    session.add(row)
    return row


def queue_delivery(organisation_ids) -> None:
    """Queue each organisation's delivery job, at most one per organisation per ``SEND_WINDOW``
    (the outbox rows are committed first; the job sends whatever is due when it runs)."""
    for organisation_id in sorted(set(organisation_ids)):
        jobs.enqueue_once("xapi.send", key=f"xapi.send:{organisation_id}", within_seconds=SEND_WINDOW,
                          organisation_id=organisation_id)


def record_attempt_started(attempt: ScenarioAttempt, now: datetime) -> None:
    """``attempted``, for each organisation receiving it (signal ``attempt_started``)."""
    sent_to = []
    for connection in receiving_connections(attempt.user_id, attempt.module_id, now):
        if connection.send_modules:
            module = module_ref(attempt)
            if _add(connection, attempt.user_id, f"attempt:{attempt.id}:attempted", "attempted",
                    lambda sid, actor: statements.attempted(sid, actor, module, attempt.started_at or now), now):
                sent_to.append(connection.organisation_id)
    session.flush()
    queue_delivery(sent_to)


def record_completion(completion: Completion, now: datetime) -> None:
    """``completed`` and, for a module with a quiz, ``passed`` (signal ``module_completed``).

    The decisions of the attempt are collected here too, so its statements arrive in order.
    """
    attempt = session.get(ScenarioAttempt, completion.attempt_id)
    sent_to = []
    for connection in receiving_connections(completion.user_id, completion.module_id, now):
        if connection.send_decisions:
            collect_decisions(connection, now, attempt_id=attempt.id)
        if not connection.send_modules:
            sent_to.append(connection.organisation_id)
            continue
        module = module_ref(attempt)
        moment = completion.completed_at or now
        _add(connection, completion.user_id, f"completion:{completion.id}:completed", "completed",
             lambda sid, actor: statements.completed(sid, actor, module, moment, active_seconds=completion.active_seconds,
                                                     score_percent=completion.score_percent), now)
        if completion.score_percent is not None:
            _add(connection, completion.user_id, f"completion:{completion.id}:passed", "passed",
                 lambda sid, actor: statements.module_outcome(sid, actor, module, moment, passed=True,
                                                              active_seconds=completion.active_seconds,
                                                              score_percent=completion.score_percent), now)
        sent_to.append(connection.organisation_id)
    session.flush()
    queue_delivery(sent_to)


def record_quiz_result(quiz_attempt_id: int, now: datetime) -> None:
    """The quiz's ``passed`` or ``failed`` with the score (signal ``quiz_attempt_graded``)."""
    quiz_attempt = session.get(QuizAttempt, quiz_attempt_id)
    attempt = session.get(ScenarioAttempt, quiz_attempt.scenario_attempt_id)
    sent_to = []
    for connection in receiving_connections(quiz_attempt.user_id, quiz_attempt.module_id, now):
        if not connection.send_quizzes:
            continue
        module = module_ref(attempt)
        seconds = int(((quiz_attempt.submitted_at or now) - quiz_attempt.started_at).total_seconds())
        verb = "passed" if quiz_attempt.passed else "failed"
        if _add(connection, quiz_attempt.user_id, f"quiz:{quiz_attempt.id}", verb,
                lambda sid, actor: statements.quiz_result(
                    sid, actor, module, quiz_attempt.submitted_at or now, number=quiz_attempt.number,
                    score_percent=quiz_attempt.score_percent or 0.0, passed=bool(quiz_attempt.passed),
                    pass_mark=quiz_attempt.pass_mark, seconds=seconds), now, once=True):
            sent_to.append(connection.organisation_id)
    session.flush()
    queue_delivery(sent_to)


def collect_decisions(connection: LrsConnection, now: datetime, *, attempt_id: int | None = None,
                      limit: int = 500) -> int:
    """Write the ``answered`` rows of decisions that have none yet for this organisation
    (made by its current members since it was switched on); returns how many.

    Without ``attempt_id`` (the collection job, ``flask xapi send``) it reads only decisions
    after the connection's watermark, then moves the watermark to the newest decision older
    than ``COLLECT_LAG``, found *before* the scan (so every decision up to it is committed and
    seen by the scan). A run therefore reads about ``COLLECT_LAG`` seconds of decisions plus
    those since the last run, however many there are in all. With ``attempt_id`` (a module
    completed: its decisions first, so they arrive in order) it reads that attempt's only and
    leaves the watermark alone. On PostgreSQL the connection's row is locked meanwhile, so two
    runs for one organisation take turns instead of writing the same rows.
    """
    if not (connection.enabled and connection.send_decisions and connection.enabled_at):
        return 0
    query = (select(Decision, ScenarioAttempt).join(ScenarioAttempt, ScenarioAttempt.id == Decision.attempt_id)
             .join(Membership, (Membership.user_id == ScenarioAttempt.user_id)
                   & (Membership.organisation_id == connection.organisation_id) & Membership.deactivated_at.is_(None))
             .where(Decision.created_at >= connection.enabled_at,
                    ~exists().where(OutboxStatement.organisation_id == connection.organisation_id,
                                    OutboxStatement.decision_id == Decision.id))
             .order_by(Decision.id).limit(limit))
    settled = None
    if attempt_id is not None:
        query, last_id = query.where(Decision.attempt_id == attempt_id), 0
    else:
        last_id = session.scalar(select(LrsConnection.collected_through).where(LrsConnection.id == connection.id)
                                 .with_for_update()) or 0
        settled = settled_through(last_id, now - timedelta(seconds=COLLECT_LAG))
    added = 0
    receives: dict[tuple[int, int], bool] = {}
    while True:  # in windows of ``limit`` by id, so decisions that go elsewhere never block the rest
        rows = session.execute(query.where(Decision.id > last_id)).all()
        for decision, attempt in rows:
            key = (attempt.user_id, attempt.module_id)
            if key not in receives:
                receives[key] = any(c.id == connection.id for c in receiving_connections(*key, now))
            if receives[key] and _answered(connection, decision, attempt, now):
                added += 1
        session.flush()
        if len(rows) < limit:
            break
        last_id = rows[-1][0].id
    if settled is not None:
        # Never backwards (another run may have moved it further meanwhile on SQLite).
        session.execute(update(LrsConnection).where(
            LrsConnection.id == connection.id,
            or_(LrsConnection.collected_through.is_(None), LrsConnection.collected_through < settled))
            .values(collected_through=settled).execution_options(synchronize_session=False))
        session.expire(connection, ["collected_through"])
    return added


def settled_through(after_id: int, before: datetime) -> int | None:
    """The newest decision id above ``after_id`` made before ``before``, or None. Read from the
    newest decision down the primary key, so it stops after about ``COLLECT_LAG`` of them."""
    return session.scalar(select(Decision.id).where(Decision.id > after_id, Decision.created_at < before)
                          .order_by(Decision.id.desc()).limit(1))


def _answered(connection: LrsConnection, decision: Decision, attempt: ScenarioAttempt, now: datetime):
    module = module_ref(attempt)
    scene = module_spec(session.get(ModuleVersion, attempt.version_id)).scene(decision.scene_id)
    return _add(connection, attempt.user_id, f"decision:{decision.id}", "answered",
                lambda sid, actor: statements.answered(
                    sid, actor, module, decision.created_at, scene_id=scene.id, scene_title=scene.title,
                    choices=[c.text for c in scene.choices], choice_index=decision.choice_index,
                    judgement=decision.judgement), now, decision_id=decision.id)


# --- the decision receiver (no writes: see the module docstring) --------------------------

def queue_collection(app) -> None:
    """Queue the service-wide collection job for this window (``COLLECT_WINDOW``), unless this
    process knows no organisation has an LRS switched on. Never queries (the player's move)."""
    if app.extensions.get("xapi.none_enabled_until", 0.0) > time.monotonic():
        return
    jobs.enqueue_once("xapi.collect", key="xapi.collect", within_seconds=COLLECT_WINDOW)


def remember_none_enabled(app) -> None:
    app.extensions["xapi.none_enabled_until"] = time.monotonic() + NONE_ENABLED_MEMORY


def forget_none_enabled() -> None:
    current_app.extensions.pop("xapi.none_enabled_until", None)


def any_enabled() -> bool:
    return bool(session.scalar(select(exists().where(LrsConnection.enabled.is_(True)))))

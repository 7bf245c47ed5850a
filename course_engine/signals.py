"""Signals between features, so a feature can react without the sender knowing it.

Every signal here has a sender and at least one receiver (or, where said, the receiver a
planned feature needs). Each is sent with the app as its sender and keyword arguments only.

The rule on writes: receivers run inside the sender's unit of work. They add and flush,
never commit, so the sender's work and theirs commit or roll back together. A receiver of
``decision_recorded`` runs inside an ``autocommit`` view (see ``db.TransactionMode``),
where the ORM cannot flush: it may write only through ``db.write`` and only if the mode
allows a further statement, so today it must not write at all.
"""
from blinker import Namespace

_signals = Namespace()

#: Sent by ``learner.services.try_complete`` when a learner completes a module (scenario
#: ending reached, every requirement met, final reflection written). Arguments:
#: ``completion`` (a ``learner.models.Completion``), ``now`` (aware datetime).
#: Received by ``certificates`` (issues the certificate in the same unit of work).
module_completed = _signals.signal("module-completed")

#: Sent by ``quizzes.services.submit`` when a quiz attempt is graded. Arguments (plain
#: values): ``quiz_attempt_id``, ``scenario_attempt_id``, ``score_percent``, ``passed``,
#: ``now``. Received by ``learner`` (a pass may complete the module).
quiz_attempt_graded = _signals.signal("quiz-attempt-graded")

#: Sent by the player when a learner records a decision in a scenario. Arguments (plain
#: values: the decision is written without an ORM object): ``attempt_id``, ``step``,
#: ``scene_id``, ``choice_index``, ``judgement``, ``now``. Received by ``xapi``, which writes
#: nothing here (the rule above): it queues a job that turns the decision row into its
#: ``answered`` statement.
decision_recorded = _signals.signal("decision-recorded")

#: Sent by ``learner.services.start_attempt`` (a unit of work) when a learner starts an
#: attempt at a module. Arguments: ``attempt`` (a ``learner.models.ScenarioAttempt``, flushed),
#: ``now``. Received by ``xapi`` (the ``attempted`` statement, in the same unit of work).
attempt_started = _signals.signal("attempt-started")

#: Sent by ``orgs.services`` (a unit of work) when a membership is added, reactivated,
#: deactivated or changes team or role. Arguments: ``membership`` (an
#: ``orgs.models.Membership``, flushed). Received by ``employers``, which rewrites what the
#: organisation's assignments require of that member (``employers.cells``).
membership_changed = _signals.signal("membership-changed")

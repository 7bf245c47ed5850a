"""Signals between features, so a feature can react without the sender knowing it.

Each signal's docstring names its sender and the keyword arguments it is sent with.
Receivers run inside the sender's unit of work: they add and flush, never commit.
"""
from blinker import Namespace

_signals = Namespace()

#: Sent by the learner service when a learner completes a module (scenario ending reached,
#: quiz passed, final reflection written). Sender: the app. Arguments: ``completion``
#: (a ``learner.models.Completion``), ``now`` (aware datetime).
module_completed = _signals.signal("module-completed")

#: Sent when a quiz attempt is graded. Arguments: ``quiz_attempt``, ``now``.
quiz_attempt_graded = _signals.signal("quiz-attempt-graded")

#: Sent when a learner records a decision in a scenario. Arguments (plain values: the
#: decision is written without an ORM object): ``attempt_id``, ``step``, ``scene_id``,
#: ``choice_index``, ``judgement``, ``now``.
decision_recorded = _signals.signal("decision-recorded")

#: Sent when a user joins an organisation or team. Arguments: ``membership``, ``now``.
membership_changed = _signals.signal("membership-changed")

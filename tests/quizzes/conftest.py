"""The quiz tests use the learner journey's sample module and fixtures."""
from tests.learner.conftest import content_dirs, learner, player, published  # noqa: F401

"""Moved to ``cityops.widgets.cockpit_model`` (widgets may not import desktop); kept while the
cockpit's modules move over."""

from cityops.widgets.cockpit_model import *  # noqa: F403

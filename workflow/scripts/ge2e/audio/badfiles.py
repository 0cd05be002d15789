"""The bad-file policy: skip unreadable files with a report, or fail on the first.

Config key ``corpus.on_bad_file``: ``skip`` (default) logs one warning per file in the
rule's log and a summary count, and the run goes on with the rest; ``fail`` stops at
the first bad file. Either way, what remains must still serve the run: the batch
samplers fail with a clear count when too few speakers are left.
"""

import logging

from ge2e.errors import InputError, MissingDependency

log = logging.getLogger(__name__)
POLICIES = ("skip", "fail")


class BadFiles:
    """Collects per-file problems under one policy."""

    def __init__(self, policy, stage):
        if policy not in POLICIES:
            raise InputError(f"config key corpus.on_bad_file is {policy!r}; use one of {POLICIES}")
        self.policy, self.stage, self.skipped = policy, stage, []

    def add(self, message):
        """Record a bad file's message (it names the file): raise under 'fail', log under 'skip'."""
        if self.policy == "fail":
            raise InputError(message)
        self.skipped.append(message)
        log.warning("skipped: %s", message)

    def call(self, fn, *args):
        """``fn(*args)``, or None after recording its InputError (a missing package is raised, not skipped)."""
        try:
            return fn(*args)
        except MissingDependency:
            raise
        except InputError as exc:
            self.add(str(exc))
            return None

    def summary(self):
        """Log the count of skipped files (nothing when none were)."""
        if self.skipped:
            log.warning(
                "%s: skipped %d bad file(s) (listed above; corpus.on_bad_file: skip)", self.stage, len(self.skipped)
            )

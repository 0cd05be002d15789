"""The one exception type for problems a user can cause (bad files, bad config)."""


class InputError(Exception):
    """A user-fixable problem. The message names the file or config key and the fix.

    Rule scripts turn it into one log line and a non-zero exit (see ``ge2e.rule``),
    so users never see a traceback for their own data problems.
    """

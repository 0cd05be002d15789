"""The one exception type for problems a user can cause (bad files, bad config)."""


class InputError(Exception):
    """A user-fixable problem. The message names the file or config key and the fix.

    Rule scripts turn it into one log line and a non-zero exit (see ``ge2e.rule``),
    so users never see a traceback for their own data problems.
    """


class MissingDependency(InputError):
    """An optional package a file needs is not installed (e.g. PyAV for m4a).

    Not a bad file: the bad-file policy (``ge2e.audio.badfiles``) never skips it, since every
    file of the kind would fail the same way. The message names what to install.
    """

"""The one exception type users see.

Everything a person can get wrong (a missing file, a photo with nobody in it, a dress
together with trousers) raises :class:`InputError` with one sentence that says what was
wrong and what to do. The CLI prints it and exits 2; the studio shows it in a message box.
Anything else is a bug and keeps its traceback.
"""


class InputError(ValueError):
    """Bad input from the user, with a one-sentence explanation fit to show as is."""


class MissingWeightsError(InputError):
    """A backend or model needs files that are not on disk; the message names the command."""

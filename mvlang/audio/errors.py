"""Why a file cannot be used as audio: an exception carrying its diagnostic code.

Kept apart from the decoder so that catching it imports nothing heavy.
"""


class AudioError(Exception):
    """A file that cannot be used as audio; `code` is its diagnostic code."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint

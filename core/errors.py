"""User-facing errors: the command line prints them as one clear message, never a traceback."""


class OpEmbedError(Exception):
    """An error caused by the user's input or environment, with the fix in its message."""


class DataFileError(OpEmbedError):
    """A data file is missing or malformed."""

    def __init__(self, path, message: str, line: int | None = None, fix: str | None = None):
        where = f"{path}:{line}" if line is not None else f"{path}"
        text = f"{where}: {message}"
        if fix:
            text += f"\n  fix: {fix}"
        super().__init__(text)
        self.path = path
        self.line = line


class RunDirError(OpEmbedError):
    """A run directory lacks what a command needs."""

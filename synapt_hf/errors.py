"""User-facing errors: the CLI prints these as one line, without a traceback."""


class SynaptError(Exception):
    """A mistake in the user's input (file, field, argument); the message names it and the reason."""


class VideoDecodeError(SynaptError):
    """A video file that cannot be probed or decoded; the message names the file and the reason."""

"""What the tests of answers look at: the answer's events, not how it came over the wire."""

from playground.nexconn.events import Retrying, WireMessage


def meaningful(event) -> bool:
    """An event of the answer itself: not a raw wire message, nor a notice of a retry."""
    return not isinstance(event, WireMessage | Retrying)

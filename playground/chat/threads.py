"""Messages form a tree (edits and regenerated answers branch off); the page shows one path.

Pure functions over a conversation's messages, loaded once: conversations are small.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from playground.chat.models import Message


@dataclass(frozen=True)
class ThreadEntry:
    """A message on the path on show, with where it stands among its alternatives."""

    message: Message
    position: int  # 1-based, among siblings of the same role
    count: int
    previous_id: int | None
    next_id: int | None


class Tree:
    def __init__(self, messages: Iterable[Message]):
        self.by_id = {message.pk: message for message in messages}
        self.children: dict[int | None, list[Message]] = defaultdict(list)
        for message in sorted(self.by_id.values(), key=lambda m: m.pk):
            self.children[message.parent_id].append(message)

    def path_to(self, leaf: Message | None) -> list[Message]:
        path = []
        while leaf is not None:
            path.append(leaf)
            leaf = self.by_id.get(leaf.parent_id)
        return path[::-1]

    def latest_leaf_under(self, message: Message) -> Message:
        """The end of the newest branch below `message` (itself when it has no children)."""
        while self.children.get(message.pk):
            message = self.children[message.pk][-1]
        return message

    def siblings(self, message: Message) -> list[Message]:
        return [m for m in self.children[message.parent_id] if m.role == message.role]

    def entries(self, leaf: Message | None) -> list[ThreadEntry]:
        return [entry_among(message, self.siblings(message)) for message in self.path_to(leaf)]


def entry_among(message: Message, siblings: list[Message]) -> ThreadEntry:
    """`message` with its place among `siblings` (itself included, oldest first)."""
    ids = [sibling.pk for sibling in siblings]
    index = ids.index(message.pk)
    return ThreadEntry(
        message=message,
        position=index + 1,
        count=len(ids),
        previous_id=ids[index - 1] if index > 0 else None,
        next_id=ids[index + 1] if index + 1 < len(ids) else None,
    )

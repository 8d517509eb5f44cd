"""What 督查督办 tells the apps that listen: `item_closed`, sent inside the transaction that closes an item
(办结: every unit done; a split item's parent with its last sub-item), with `item` (the SupervisionItem).
A receiver that updates its own record (a rectification it opened) commits or fails with the closing."""

from django.dispatch import Signal

item_closed = Signal()

"""`calendar_changed(year=...)`: sent after commit whenever an administrator changes a year's calendar.

Receivers (the deadline machinery) recompute that year's open provisional due dates. Connect without
a sender filter: the sender is whichever model changed.
"""

from django.dispatch import Signal

calendar_changed = Signal()

"""`rectification_requested`: sent when someone opens a rectification (整改) on a low score.

Receivers get `rectification` (the Rectification row, status requested), `round`, `unit` (the
RoundUnit), `node` (the IndicatorNode) and `actor`. It is sent inside the requesting transaction,
so a receiver that opens a supervision item (督查事项) or starts `supervision_task` commits or fails
together with the request. Connect without a sender filter.
"""

from django.dispatch import Signal

rectification_requested = Signal()

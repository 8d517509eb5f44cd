"""Catalog writes. Import from here: `from domain.catalog import services as catalog_services`."""

from .approval import entry_publish, entry_resubmit, entry_return
from .entries import (
    change_submit,
    change_update,
    data_authority_code,
    entry_create,
    entry_submit,
    entry_update,
    take_down_submit,
)
from .from_table import entry_create_from_table
from .sharing import share_dispute, share_grant, share_refuse, share_request_submit
from .withdrawal import approval_withdraw

__all__ = [
    "approval_withdraw",
    "change_submit",
    "change_update",
    "data_authority_code",
    "entry_create",
    "entry_create_from_table",
    "entry_publish",
    "entry_resubmit",
    "entry_return",
    "entry_submit",
    "entry_update",
    "share_dispute",
    "share_grant",
    "share_refuse",
    "share_request_submit",
    "take_down_submit",
]

"""One module per action; importing this package registers them all."""

from handlers import (  # noqa: F401 - imported for their @action registration
    create_gateway,
    create_tool,
    create_upload_url,
    delete_gateway,
    delete_tool,
    get_gateway,
    get_tool,
    list_gateways,
    list_tools,
    reconcile,
    update_gateway,
    update_tool,
    validate_spec,
)
from handlers.dispatcher import dispatch, registered_actions

__all__ = ["dispatch", "registered_actions"]

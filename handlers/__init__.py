"""One module per action; importing this package registers them all."""

from handlers import (  # noqa: F401 - imported for their @action registration
    create_gateway,
    delete_gateway,
    get_gateway,
    list_gateways,
    update_gateway,
)
from handlers.dispatcher import dispatch, registered_actions

__all__ = ["dispatch", "registered_actions"]

"""One module per action (`handlers/<action>.py`), imported on the first
request for its action: `handlers.dispatcher.ACTION_MODULES` lists them."""

from handlers.dispatcher import dispatch, registered_actions

__all__ = ["dispatch", "registered_actions"]

"""Tools: gateway targets made from OpenAPI specs."""

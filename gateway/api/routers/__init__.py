"""One router module per resource; :func:`gateway.api.app.create_app` includes them."""

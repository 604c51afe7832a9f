"""The HTTP API: app factory (:mod:`.app`), problem+json errors, body limits, routers, auth."""

"""REST API resources (FAB ModelRestApi), thin shells over `app.services`."""

"""Pod formation (DESIGN §2): the pure optimiser in `engine`, then the services, pages, API and
tasks that run it on the records."""

"""OpenAPI schema extensions for the project's own authentication classes (drf-spectacular)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class CountAnonymousScheme(OpenApiAuthenticationExtension):
    """``CountAnonymous`` authenticates nobody (it only counts requests): no security scheme."""

    target_class = "config.throttling.CountAnonymous"
    name: list[str] = []

    def get_security_requirement(self, auto_schema):
        return None

    def get_security_definition(self, auto_schema):
        return []

"""REST API of the reports slice: a pod's AGENTS.md, as the pod page serves it."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from incentives.reports.agents_md import agents_md_response
from teams import permissions


class MarkdownRenderer(BaseRenderer):
    """Lets a client ask for ``text/markdown``; errors still answer as JSON text."""

    media_type = "text/markdown"
    format = "md"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):
            return JSONRenderer().render(data)
        return str(data).encode(self.charset)


class PodAgentsMd(APIView):
    """The pod's AGENTS.md (text/markdown): byte for byte what the pod page links to and what
    ``manage.py agents_md --pod ID`` prints. Whoever sees the pod may read it; a service
    account, for its own pods."""

    renderer_classes = [MarkdownRenderer, JSONRenderer]
    service_account_scope = True  # an agent's CI fetches it with the pod's integration token

    @extend_schema(responses={(200, "text/markdown"): OpenApiTypes.STR})
    def get(self, request: Request, pk: int):
        return agents_md_response(permissions.pod_for_request(request, pk))

from .context import Actor, reset_actor, set_actor


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        actor = None
        if user is not None and user.is_authenticated:
            actor = Actor(user.pk, user.get_username(), client_ip(request))
        token = set_actor(actor)
        try:
            return self.get_response(request)
        finally:
            reset_actor(token)

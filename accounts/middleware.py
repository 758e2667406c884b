from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware

API_NAMESPACE = "api"


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's login-required default, except for the API.

    The API authenticates each request itself and answers 401 in its JSON error shape; a redirect
    to an HTML login page would mean nothing to a script.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match and API_NAMESPACE in request.resolver_match.namespaces:
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

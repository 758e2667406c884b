from django.http import JsonResponse


class RefuseNulCharacters:
    """A path, query string or form with a NUL character is refused (400) before any view: no
    database stores it (PostgreSQL refuses it with an error), and no path or name holds one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        forms = [request.GET]
        # A page's form, urlencoded or multipart. Not a multipart body sent to the API: parsing
        # it here consumes it, and a JSON endpoint then cannot read it (a 500); the API's own
        # schemas refuse NUL at their fields.
        if request.method == "POST" and (
            request.content_type == "application/x-www-form-urlencoded"
            or (
                request.content_type == "multipart/form-data"
                and not request.path.startswith("/api/")
            )
        ):
            forms.append(request.POST)
        texts = [request.path]
        for params in forms:
            for key, values in params.lists():
                texts += [key, *values]
        if any("\x00" in text for text in texts if isinstance(text, str)):
            return JsonResponse(
                {
                    "detail": "NUL characters are not allowed in a request.",
                    "code": "invalid",
                    "errors": [],
                },
                status=400,
            )
        return self.get_response(request)

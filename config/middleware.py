from django.http import JsonResponse


class RefuseNulCharacters:
    """A path, query string or form with a NUL character is refused (400) before any view: no
    database stores it (PostgreSQL refuses it with an error), and no path or name holds one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        forms = [request.GET]
        # Only a urlencoded form is read here: parsing a multipart body consumes it, and the
        # API then cannot read it (a 500). Multipart forms are Django forms, whose text fields
        # refuse NUL themselves.
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
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

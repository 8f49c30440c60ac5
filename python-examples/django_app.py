"""The "framework contract" written with Django, as a one-file project.

What it teaches
---------------
A Django project is normally a package of settings, URL configuration and
apps, but none of that is required: ``settings.configure()`` accepts the
settings as keyword arguments, ``ROOT_URLCONF`` may name this very module,
and ``get_wsgi_application()`` returns the WSGI callable that servers such as
Gunicorn, uWSGI, mod_wsgi or this project's server call.  No database is
configured and none is needed.

Routes (the same in ``flask_app``, ``bottle_app``, ``werkzeug_app`` and
``webob_app``):

=======================  ===================================================
``GET /``                ``Hello from Django!``
``GET /query``           ``{"name": ..., "tags": [...]}`` from ``?name=&tag=``
``POST /form``           ``{"fields": {name: [values...]}}`` (urlencoded)
``POST /json``           ``{"received": <parsed body>}``; 400 if not JSON
``POST /upload``         multipart with ``file`` (and optional ``note``):
                         ``{"filename", "size", "sha256", "note"}``;
                         400 if there is no ``file`` part
``GET /redirect``        302 to ``/query?name=redirected``
``GET /cookie/set``      sets ``flavour=oatmeal; Path=/``
``GET /cookie/get``      ``{"flavour": <cookie or null>}``
``GET /stream``          ``chunk 0`` .. ``chunk 4`` via StreamingHttpResponse
``GET /error``           raises ``RuntimeError("boom")`` -> 500
anything else            404 (a known path with the wrong method: 405)
=======================  ===================================================

Every view is ``csrf_exempt``: Django's CSRF middleware (switched on below,
as in a real project) would otherwise answer 403 to every POST that does not
carry a CSRF token -- even a POST to a GET-only page, which should be a 405
-- and these are API-style endpoints driven by curl and tests, not HTML
forms.

With ``DEBUG`` off, Django's default logging only e-mails tracebacks to
``ADMINS`` (none here), so the ``LOGGING`` setting below also prints the
errors of ``django.request`` to stderr, as the other examples do.

How to run it
-------------
Install the requirements first (``pip install -r requirements.txt``).
Under this project's server, from inside ``python-examples/``::

    wsgi-server django_app:application

Directly (wsgiref, not ``manage.py runserver``)::

    python3 django_app.py             # 127.0.0.1:8000, or set PORT
"""

import hashlib
import json
import os

from django.conf import settings

if not settings.configured:
    settings.configure(
        # Off, as in production: errors give a short 500/404 page instead of
        # a traceback that shows settings and source code to any visitor.
        DEBUG=False,
        # With DEBUG off Django checks the Host header of every request
        # against ALLOWED_HOSTS and answers 400 "Invalid HTTP_HOST header"
        # when it is not listed -- the classic surprise the first time an app
        # is reached through a proxy, a container port or an IP address
        # instead of "localhost".  "*" accepts any host: fine for a demo that
        # only listens on 127.0.0.1, but a real deployment should list its
        # own names (e.g. ["example.com", "127.0.0.1"]) to keep the check.
        ALLOWED_HOSTS=["*"],
        # Only for signing things (sessions, CSRF tokens); set a real secret
        # through the environment for anything but a local demo.
        SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "demo-only-not-a-secret"),
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[],
        MIDDLEWARE=[
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
        USE_TZ=True,
        LOGGING={
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {"stderr": {"class": "logging.StreamHandler"}},
            # 500s (with their traceback) on stderr; 404s stay quiet.
            "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
        },
    )

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import (  # noqa: E402
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from django.views.decorators.http import require_POST, require_safe  # noqa: E402


@csrf_exempt
@require_safe  # GET and HEAD
def index(request):
    return HttpResponse("Hello from Django!\n", content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_safe  # GET and HEAD
def query(request):
    return JsonResponse({
        "name": request.GET.get("name", "world"),
        "tags": request.GET.getlist("tag"),
    })


@csrf_exempt
@require_POST
def form(request):
    return JsonResponse({"fields": dict(request.POST.lists())})


@csrf_exempt
@require_POST
def json_echo(request):
    try:
        data = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "invalid JSON"}, status=400)
    return JsonResponse({"received": data})


@csrf_exempt
@require_POST
def upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": "no file part named 'file'"}, status=400)
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    return JsonResponse({
        "filename": upload.name,
        "size": size,
        "sha256": digest.hexdigest(),
        "note": request.POST.get("note"),
    })


@csrf_exempt
@require_safe  # GET and HEAD
def go_elsewhere(request):
    return HttpResponseRedirect("/query?name=redirected")


@csrf_exempt
@require_safe  # GET and HEAD
def cookie_set(request):
    response = HttpResponse("cookie flavour=oatmeal set\n", content_type="text/plain; charset=utf-8")
    response.set_cookie("flavour", "oatmeal", path="/")
    return response


@csrf_exempt
@require_safe  # GET and HEAD
def cookie_get(request):
    return JsonResponse({"flavour": request.COOKIES.get("flavour")})


@csrf_exempt
@require_safe  # GET and HEAD
def stream(request):
    def generate():
        for i in range(5):
            yield f"chunk {i}\n"

    # The generator becomes the WSGI response iterable: nothing is buffered.
    return StreamingHttpResponse(generate(), content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_safe  # GET and HEAD
def error(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("", index),
    path("query", query),
    path("form", form),
    path("json", json_echo),
    path("upload", upload),
    path("redirect", go_elsewhere),
    path("cookie/set", cookie_set),
    path("cookie/get", cookie_get),
    path("stream", stream),
    path("error", error),
]

application = get_wsgi_application()


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    port = int(os.environ.get("PORT", "8000"))
    with make_server("127.0.0.1", port, application) as httpd:
        print(f"Serving django_app on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass

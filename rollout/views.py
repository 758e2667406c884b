"""Feedback from every page, the navigation metrics page (staff), the Prometheus endpoint."""

import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_prometheus.exports import ExportToDjangoView

from accounts.decorators import role_required
from accounts.permissions import USE_INSTANCES
from config.errors import ServiceError
from rollout.charts import bar_chart, line_chart
from rollout.feedback import feedback_submit
from rollout.metrics import CRITERIA, daily_success, navigation_summary

PERIODS = {"1": 1, "7": 7, "30": 30, "90": 90}


@role_required(USE_INSTANCES)
@require_POST
def feedback_post(request):
    """The feedback widget's form: a rating and a comment, tied to the navigation mode."""
    context = {}
    try:
        feedback_submit(
            user=request.user,
            rating=request.POST.get("rating"),
            comment=request.POST.get("comment", ""),
            mode=request.POST.get("mode", ""),
            page=request.POST.get("page", ""),
        )
    except ServiceError as error:
        context["error"] = error
        return render(request, "rollout/_feedback.html", context, status=400)
    context["thanks"] = True
    return render(request, "rollout/_feedback.html", context)


@staff_member_required
def metrics_page(request):
    """Navigation metrics per mode and instance over a period, against the success criteria."""
    days = PERIODS.get(request.GET.get("days", "7"), 7)
    until = timezone.now()
    since = until - timedelta(days=days)
    figures = navigation_summary(since=since, until=until)
    overall = [f for f in figures if not f.instance]
    daily = daily_success(since=since, until=until)
    return render(
        request,
        "rollout/metrics.html",
        {
            "days": days,
            "periods": PERIODS,
            "figures": figures,
            "overall": overall,
            "criteria": CRITERIA,
            "success_chart": line_chart(daily, title="Browse success rate per day, by mode"),
            "load_chart": bar_chart(
                [(f.mode, f.p50_ms, f.p95_ms) for f in overall],
                title="Directory load time (p50, p95), by mode",
            ),
        },
    )


@login_not_required
def prometheus_metrics(request):
    """Prometheus' text format, for staff or a scraper sending TORRENTSMITH_METRICS_TOKEN."""
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    by_token = bool(token) and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    by_staff = request.user.is_authenticated and request.user.is_staff
    if not (by_token or by_staff):
        return HttpResponse(
            "Log in as staff, or send the metrics token as a Bearer token.\n",
            status=401,
            content_type="text/plain",
        )
    return ExportToDjangoView(request)

from django.shortcuts import render
from django.utils import timezone

from enrollment import selectors


def dashboard(request):
    year = selectors.current_benefit_year(timezone.localdate())
    return render(request, "enrollment/dashboard.html", {"current": selectors.enrollment_figures(request.user, year)})


def people_list(request):
    return render(request, "enrollment/people_list.html", {})

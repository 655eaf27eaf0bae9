"""银行存款利息: the city's fund cashier records the interest a bank credited to one of the fund's
bank accounts; the year's interest entries are listed. Thin door into funds.services.treasury."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from core.errors import ServiceError
from funds.forms import InterestForm
from funds.models import JournalEntry, SourceKind
from funds.services import treasury


@permission_required(treasury.PERMISSION, raise_exception=True)
def interest(request):
    from funds.services.budget import check_city_user

    try:
        city = check_city_user(request.user)
    except ServiceError as error:
        raise PermissionDenied(error.message) from None
    form = InterestForm(request.POST or None, city=city)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = treasury.record_interest(user=request.user, fund=data["fund"], kind=data["kind"], holder=data["holder"],
                                             amount=data["amount"], on=data["on"], memo=data["memo"])
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"已登记利息，凭证 {entry.pk}")
            return redirect("funds:interest")
    entries = (JournalEntry.objects.filter(city=city, source_kind=SourceKind.INTEREST).select_related("posted_by")
               .order_by("-posted_on", "-pk")[:100])
    rows = [(e, e.lines.filter(amount__gt=0).first()) for e in entries]
    return render(request, "funds/interest.html", {"form": form, "rows": rows, "city": city, "trail": [("银行存款利息", "")]})

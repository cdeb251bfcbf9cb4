"""Returns in the back office, phone first: the queue (by state), one return (its lines, the
customer's photo, the decision, the receipt, the credit note's basis for those who see prices),
approve or refuse with a reason, receive (each line back to stock at a location, or written
off), the photo itself. They write only through ordering.fulfilment.returns; who sees which
customer's returns comes from `returns.returns_for_staff` (a sales rep: their own)."""

from django import forms
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View

from catalog.models import Location
from kit.backoffice import PermissionTemplateMixin, form_error_summary

from .. import returns
from ..models import ReturnLine, ReturnRequest

VIEW_RETURNS = "fulfilment.view_returnrequest"
DECIDE_RETURNS = returns.DECIDE_RETURNS
RECEIVE_RETURNS = "fulfilment.receive_returnrequest"
# Who reads prices (the warehouse does not): the credit note's basis is shown to them only.
SEES_PRICES = "catalog.view_pricelist"
CARDS_PER_PAGE = 20

OPEN_STATES = (ReturnRequest.State.REQUESTED, ReturnRequest.State.APPROVED)


def _scoped(user):
    return returns.returns_for_staff(user).select_related("order", "company", "requested_by")


class ReturnScreenMixin(PermissionTemplateMixin):
    permission = VIEW_RETURNS
    header_icon = "rotate"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("fulfilment_returns:returns"), "label": _("Returns")},
            {"url": "", "label": self.get_page_title()},
        ]


class ReturnIndexView(PermissionTemplateMixin, TemplateView):
    """Returns to decide and to receive first (`?state=` keeps one state), the oldest first;
    then the others, the latest first."""

    permission = VIEW_RETURNS
    page_title = _("Returns")
    header_icon = "rotate"
    template_name = "fulfilment/admin/returns.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.request.GET.get("state", "")
        queryset = _scoped(self.request.user)
        if state in ReturnRequest.State.values:
            queryset = queryset.filter(state=state).order_by("-requested_at", "-pk")
        else:
            state = ""
            queryset = queryset.filter(state__in=OPEN_STATES).order_by("requested_at", "pk")
        page = Paginator(queryset, CARDS_PER_PAGE).get_page(self.request.GET.get("p"))
        context.update(page=page, return_requests=list(page.object_list), state=state, states=ReturnRequest.State)
        return context


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to refuse; the customer reads it."),
    )


class ReceiveForm(forms.Form):
    """Per line: back to stock or written off, and where (a location of the lot's zone)."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        locations = list(Location.objects.select_related("warehouse").order_by("warehouse__name", "code"))
        for line in lines:
            zone = line.lot.product.temperature_zone
            self.fields[f"outcome-{line.pk}"] = forms.ChoiceField(
                label=_("Outcome"), choices=ReturnLine.Outcome.choices, initial=ReturnLine.Outcome.RESTOCK
            )
            self.fields[f"location-{line.pk}"] = forms.ModelChoiceField(
                label=_("Location"),
                queryset=Location.objects.filter(zone=zone),
                empty_label=None,
            )
            self.fields[f"location-{line.pk}"].choices = [
                (location.pk, str(location)) for location in locations if location.zone == zone
            ]

    def line_fields(self):
        return [(line, self[f"outcome-{line.pk}"], self[f"location-{line.pk}"]) for line in self.lines]

    def outcomes(self) -> dict[int, returns.Outcome]:
        return {
            line.pk: returns.Outcome(
                outcome=self.cleaned_data[f"outcome-{line.pk}"], location=self.cleaned_data[f"location-{line.pk}"]
            )
            for line in self.lines
        }


class ReturnDetailView(ReturnScreenMixin, TemplateView):
    page_title = _("Return")
    template_name = "fulfilment/admin/return_detail.html"

    @cached_property
    def return_request(self):
        return get_object_or_404(_scoped(self.request.user), pk=self.kwargs["pk"])

    @cached_property
    def lines(self):
        return list(
            self.return_request.lines.select_related(
                "lot__product", "order_line", "location", "shipment_line__shipment"
            )
        )

    def get_page_subtitle(self):
        return f"{self.return_request.number} · {self.return_request.company}"

    def forms(self):
        """The decision and receipt forms this user may use on this return now (None otherwise)."""
        user, state = self.request.user, self.return_request.state
        data = self.request.POST if self.request.method == "POST" else None
        decide = (
            DecisionForm(data) if user.has_perm(DECIDE_RETURNS) and state == ReturnRequest.State.REQUESTED else None
        )
        receive = (
            ReceiveForm(data, lines=self.lines)
            if user.has_perm(RECEIVE_RETURNS) and state == ReturnRequest.State.APPROVED
            else None
        )
        return decide, receive

    def get_context_data(self, decide=None, receive=None, **kwargs):
        context = super().get_context_data(**kwargs)
        if decide is None and receive is None:
            decide, receive = self.forms()
        return_request = self.return_request
        credit = None
        if self.request.user.has_perm(SEES_PRICES) and return_request.state in (
            ReturnRequest.State.RECEIVED,
            ReturnRequest.State.CLOSED,
        ):
            credit = returns.credit_note_lines(return_request)
        errors = form_error_summary(decide) if decide is not None and decide.is_bound else []
        errors += form_error_summary(receive) if receive is not None and receive.is_bound else []
        context.update(
            return_request=return_request,
            lines=self.lines,
            decide_form=decide,
            receive_form=receive,
            credit=credit,
            error_summary=errors,
        )
        return context


class DecideReturnView(ReturnDetailView):
    permission = DECIDE_RETURNS

    def post(self, request, *args, **kwargs):
        decide, _receive = self.forms()
        if decide is not None and decide.is_valid():
            try:
                returns.decide_return(
                    return_request=self.return_request,
                    approve=decide.cleaned_data["decision"] == "approve",
                    reason=decide.cleaned_data["reason"],
                    user=request.user,
                )
            except returns.ReturnError as error:
                decide.add_error(None, str(error))
            else:
                return redirect("fulfilment_returns:return", self.return_request.pk)
        elif decide is None:
            return redirect("fulfilment_returns:return", self.return_request.pk)
        return self.render_to_response(self.get_context_data(decide=decide))


class ReceiveReturnView(ReturnDetailView):
    permission = RECEIVE_RETURNS

    def post(self, request, *args, **kwargs):
        _decide, receive = self.forms()
        if receive is not None and receive.is_valid():
            try:
                returns.receive_return(
                    return_request=self.return_request, outcomes=receive.outcomes(), user=request.user
                )
            except returns.ReturnError as error:
                receive.add_error(None, str(error))
            else:
                return redirect("fulfilment_returns:return", self.return_request.pk)
        elif receive is None:
            return redirect("fulfilment_returns:return", self.return_request.pk)
        return self.render_to_response(self.get_context_data(receive=receive))


class ReturnPhotoView(PermissionTemplateMixin, View):
    """The customer's photo, with the type found when it was checked (never the upload's)."""

    permission = VIEW_RETURNS

    def get(self, request, pk):
        return_request = get_object_or_404(_scoped(request.user).exclude(photo=""), pk=pk)
        response = FileResponse(
            return_request.photo.open("rb"), content_type=returns.photo_content_type(return_request)
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'"
        return response


urlpatterns = [
    path("", ReturnIndexView.as_view(), name="returns"),
    path("<int:pk>/", ReturnDetailView.as_view(), name="return"),
    path("<int:pk>/decide/", DecideReturnView.as_view(), name="decide"),
    path("<int:pk>/receive/", ReceiveReturnView.as_view(), name="receive"),
    path("<int:pk>/photo/", ReturnPhotoView.as_view(), name="photo"),
]

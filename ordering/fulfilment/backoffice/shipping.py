"""Shipping screens, phone first: the shipments (with orders waiting to ship and a "temperature
flagged" filter), shipping an order's picked goods, confirming a delivery. They write only
through ordering.fulfilment.shipping; who sees which customer comes from
`shipping.shipments_for_staff` / `ordering.selectors.orders_for_staff` (a sales rep: their own)."""

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.widgets import AdminDateTimeInput

from kit.backoffice import PermissionTemplateMixin, form_error_summary
from ordering.selectors import orders_for_staff

from .. import shipping

VIEW_SHIPMENTS = "fulfilment.view_shipment"
SHIP = "fulfilment.add_shipment"
CONFIRM_DELIVERY = "fulfilment.change_shipment"
CARDS_PER_PAGE = 20

TEMPERATURE_HELP = _("Required for chilled and frozen goods, in °C (for example −18.5).")


class ShipmentScreenMixin(PermissionTemplateMixin):
    header_icon = "truck"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("fulfilment_shipping:shipments"), "label": _("Shipments")},
            {"url": "", "label": self.get_page_title()},
        ]


class TemperatureField(forms.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=4, decimal_places=1, required=False, help_text=TEMPERATURE_HELP, **kwargs)


# --- The shipments ---------------------------------------------------------------------------


class ShipmentIndexView(PermissionTemplateMixin, TemplateView):
    """Orders with picked goods waiting to ship (for those who ship), then the shipments, the
    latest first; `?flagged=1` keeps those with a temperature out of range."""

    permission = VIEW_SHIPMENTS
    page_title = _("Shipments")
    header_icon = "truck"
    template_name = "fulfilment/admin/shipments.html"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        flagged = self.request.GET.get("flagged") == "1"
        shipments = shipping.shipments_for_staff(self.request.user).select_related("order__company")
        if flagged:
            shipments = shipments.filter(temperature_flagged=True)
        page = Paginator(shipments.order_by("-shipped_at", "-pk"), CARDS_PER_PAGE).get_page(self.request.GET.get("p"))
        may_ship = self.request.user.has_perm(SHIP)
        context.update(
            flagged=flagged,
            page=page,
            shipments=list(page.object_list),
            may_ship=may_ship,
            may_confirm=self.request.user.has_perm(CONFIRM_DELIVERY),
            waiting=list(shipping.orders_waiting_to_ship(self.request.user).select_related("company"))
            if may_ship
            else [],
        )
        return context


# --- Ship an order ---------------------------------------------------------------------------


class ShipForm(forms.Form):
    carrier = forms.CharField(
        label=_("Carrier or vehicle"), max_length=100, help_text=_("The carrier's name or the vehicle's plate.")
    )
    dispatch_temperature = TemperatureField(label=_("Temperature at dispatch (°C)"))

    def __init__(self, *args, cold: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dispatch_temperature"].required = cold


class ShipOrderView(ShipmentScreenMixin, FormView):
    """What will ship (every confirmed pick not yet shipped), the carrier and, for chilled and
    frozen goods, the temperature at dispatch."""

    permission = SHIP
    form_class = ShipForm
    page_title = _("Ship an order")
    template_name = "fulfilment/admin/ship.html"

    @cached_property
    def order(self):
        return get_object_or_404(
            orders_for_staff(self.request.user).select_related("company"), pk=self.kwargs["order_id"]
        )

    @cached_property
    def picks(self):
        return list(
            shipping.picks_to_ship(self.order)
            .select_related("lot", "location", "order_line")
            .order_by("sequence", "pk")
        )

    def get_page_subtitle(self):
        return f"{self.order.number} · {self.order.company}"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "cold": shipping.coldest_zone(p.zone for p in self.picks) is not None}

    def form_valid(self, form):
        try:
            shipment = shipping.ship(
                order=self.order,
                carrier=form.cleaned_data["carrier"],
                dispatch_temperature=form.cleaned_data["dispatch_temperature"],
                user=self.request.user,
            )
        except shipping.ShippingError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Shipment %(number)s has left.") % {"number": shipment.number})
        if shipment.temperature_flagged:
            messages.warning(self.request, _("The temperature at dispatch is out of range: the shipment is flagged."))
        return redirect("fulfilment_shipping:shipments")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update(order=self.order, picks=self.picks, error_summary=form_error_summary(form))
        return context


# --- Confirm a delivery ----------------------------------------------------------------------


class DeliveryForm(forms.Form):
    received_by = forms.CharField(label=_("Received by"), max_length=100)
    delivered_at = forms.DateTimeField(label=_("Delivered at"), widget=AdminDateTimeInput)
    arrival_temperature = TemperatureField(label=_("Temperature on arrival (°C)"))

    def __init__(self, *args, cold: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["arrival_temperature"].required = cold


class ConfirmDeliveryView(ShipmentScreenMixin, FormView):
    permission = CONFIRM_DELIVERY
    form_class = DeliveryForm
    page_title = _("Confirm delivery")
    template_name = "fulfilment/admin/ship_delivery.html"

    @cached_property
    def shipment(self):
        queryset = shipping.shipments_for_staff(self.request.user).select_related("order__company")
        return get_object_or_404(queryset, pk=self.kwargs["shipment_id"])

    def get_page_subtitle(self):
        return f"{self.shipment.number} · {self.shipment.order.company}"

    def get_initial(self):
        return {"delivered_at": timezone.localtime().replace(second=0, microsecond=0)}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "cold": shipping.shipment_zone(self.shipment) is not None}

    def form_valid(self, form):
        try:
            shipment = shipping.confirm_delivery(shipment=self.shipment, user=self.request.user, **form.cleaned_data)
        except shipping.ShippingError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Shipment %(number)s is delivered.") % {"number": shipment.number})
        if shipment.temperature_flagged:
            messages.warning(self.request, _("The temperature is out of range: the shipment is flagged."))
        return redirect("fulfilment_shipping:shipments")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lines = self.shipment.lines.select_related("lot", "order_line")
        context.update(shipment=self.shipment, lines=list(lines), error_summary=form_error_summary(context["form"]))
        return context


urlpatterns = [
    path("shipments/", ShipmentIndexView.as_view(), name="shipments"),
    path("ship/<int:order_id>/", ShipOrderView.as_view(), name="ship"),
    path("shipments/<int:shipment_id>/deliver/", ConfirmDeliveryView.as_view(), name="confirm_delivery"),
]

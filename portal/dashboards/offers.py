"""Short-dated offers in the back office ("stock_offers"): the list (a rep's: those naming their
customers), making one (prefilled from the stock dashboard's expiring lots: `?lots=1,2&companies=3`,
with the customers who usually buy the product suggested) and ending one. The rules and the
notification are catalog.short_dated's; the customers a rep may name come from
`companies_for_staff`.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from accounts.models import CURRENCY_CHOICES
from accounts.selectors import companies_for_staff
from catalog.models import Lot, Product
from catalog.short_dated import OfferError, end_offer, make_offer, offers_for_staff
from kit.backoffice import LongSelect, PermissionTemplateMixin, form_error_summary

from .stock_figures import usual_buyers

VIEW_OFFERS = "catalog.view_shortdatedoffer"
MAKE_OFFERS = "catalog.add_shortdatedoffer"
END_OFFERS = "catalog.change_shortdatedoffer"


class LongSelectMultiple(LongSelect, forms.SelectMultiple):
    """kit.backoffice.LongSelect for several choices (every customer of a distributor)."""


def _ids(text: str) -> list[int]:
    return [int(part) for part in (text or "").split(",") if part.strip().isdigit()]


class OfferForm(forms.Form):
    lots = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Lots"), queryset=Lot.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    companies = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Customers"), queryset=None, widget=LongSelectMultiple(attrs={"size": 8})
    )
    unit_price = forms.DecimalField(label=gettext_lazy("Offer price"), max_digits=12, decimal_places=2)
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=CURRENCY_CHOICES, initial="CNY")
    valid_until = forms.DateField(label=gettext_lazy("Valid until"))

    def __init__(self, *args, product: Product, user, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lots"].queryset = Lot.objects.filter(
            product=product, expiry_date__gt=today, held_at__isnull=True, on_hand__gt=F("allocated")
        ).order_by("expiry_date", "pk")
        self.fields["lots"].label_from_instance = lambda lot: (
            _("%(lot)s · expires %(date)s · %(free)s free")
            % {
                "lot": lot.number,
                "date": lot.expiry_date.isoformat(),
                "free": lot.on_hand - lot.allocated,
            }
        )
        self.fields["companies"].queryset = companies_for_staff(user).filter(status="active").order_by("display_name")


class OfferListView(PermissionTemplateMixin, TemplateView):
    permission = VIEW_OFFERS
    page_title = gettext_lazy("Short-dated offers")
    header_icon = "tag"
    template_name = "dashboards/offers.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        shown = companies_for_staff(user).order_by("display_name")
        offers = offers_for_staff(user).prefetch_related(
            Prefetch("companies", queryset=shown, to_attr="shown_companies"),
            Prefetch("lots", queryset=Lot.objects.only("number", "expiry_date", "product_id")),
        )[:100]
        return super().get_context_data(
            offers=offers,
            today=timezone.localdate(),
            may_end=user.has_perm(END_OFFERS),
            **kwargs,
        )


class MakeOfferView(PermissionTemplateMixin, FormView):
    permission = MAKE_OFFERS
    page_title = gettext_lazy("Make a short-dated offer")
    header_icon = "tag"
    template_name = "dashboards/offer_form.html"
    form_class = OfferForm

    def dispatch(self, request, *args, **kwargs):
        self.today = timezone.localdate()
        return super().dispatch(request, *args, **kwargs)

    def product(self) -> Product:
        if not hasattr(self, "_product"):
            self._product = get_object_or_404(Product, pk=self.kwargs["product_id"])
        return self._product

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "product": self.product(), "user": self.request.user, "today": self.today}

    def get_initial(self):
        lots = _ids(self.request.GET.get("lots"))
        first_expiry = min(Lot.objects.filter(pk__in=lots).values_list("expiry_date", flat=True), default=None)
        return {
            "lots": lots,
            "companies": _ids(self.request.GET.get("companies")),
            "valid_until": (first_expiry - timedelta(days=1)) if first_expiry else None,
            "currency": "CNY",
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            offer = make_offer(
                product=self.product(),
                lots=list(data["lots"]),
                companies=list(data["companies"]),
                unit_price=data["unit_price"],
                currency=data["currency"],
                valid_until=data["valid_until"],
                user=self.request.user,
                today=self.today,
            )
        except OfferError as error:
            form.add_error(error.field, str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Offer made: %(sku)s to %(count)s customers, who were told.")
            % {"sku": offer.product.sku, "count": len(data["companies"])},
        )
        return redirect("stock_offers:index")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        product = self.product()
        suggested = usual_buyers(
            product_ids={product.pk}, today=self.today, companies=companies_for_staff(self.request.user)
        )
        return {
            **context,
            "product": product,
            "suggested": suggested.get(product.pk, []),
            "error_summary": form_error_summary(context["form"]) if context["form"].is_bound else [],
        }


def end_offer_view(request, offer_id: int):
    if request.method != "POST" or not request.user.has_perm(END_OFFERS):
        return redirect("stock_offers:index")
    offer = get_object_or_404(offers_for_staff(request.user), pk=offer_id)
    end_offer(offer=offer, user=request.user)
    messages.success(request, _("Offer ended: the usual price applies again."))
    return redirect("stock_offers:index")


def offer_url(*, product_id: int, lot_ids, company_ids) -> str:
    """The "make a short-dated offer" link, prefilled (the stock dashboard's expiring lots)."""
    query = f"?lots={','.join(map(str, lot_ids))}&companies={','.join(map(str, company_ids))}"
    return reverse("stock_offers:make", args=[product_id]) + query


urlpatterns = [
    path("", OfferListView.as_view(), name="index"),
    path("new/<int:product_id>/", MakeOfferView.as_view(), name="make"),
    path("<int:offer_id>/end/", end_offer_view, name="end"),
]

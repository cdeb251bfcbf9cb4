"""A sales rep places an order on a customer's behalf, from a cart of their own."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages

from accounts.models import Company, Membership
from accounts.selectors import companies_for_staff
from kit.backoffice import (
    form_error_summary,
)

from .. import services, states
from ..forms import CheckoutForm
from ..services import OrderingError, PriceChanged
from .common import PLACE_FOR_CUSTOMERS, BackOfficeViewMixin

# --- Place an order on a customer's behalf -----------------------------------------------------


class ChooseCustomerForm(forms.Form):
    company = forms.ModelChoiceField(
        label=gettext_lazy("Customer"),
        queryset=Company.objects.none(),
        error_messages={
            "required": gettext_lazy("Choose the customer you are ordering for."),
            "invalid_choice": gettext_lazy("Choose one of your customers."),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = (
            companies_for_staff(user).filter(status=Company.Status.ACTIVE).order_by("display_name")
        )


class AddLineForm(forms.Form):
    sku = forms.CharField(
        label=gettext_lazy("SKU"), max_length=40, error_messages={"required": gettext_lazy("Enter a SKU.")}
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"),
        min_value=1,
        error_messages={
            "required": gettext_lazy("Enter a quantity."),
            "invalid": gettext_lazy("Enter the quantity as a whole number, like 12."),
            "min_value": gettext_lazy("Enter a quantity of at least 1."),
        },
    )


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, membership):
        return f"{membership.user} ({membership.get_role_display()}) · {membership.user.email}"


class PlaceForCustomerForm(CheckoutForm):
    """The customer's checkout, plus whom the order is placed as (one of the customer's users:
    their spending limit and approver apply as if they had placed it)."""

    membership = MembershipChoiceField(
        label=gettext_lazy("Place as"),
        queryset=Membership.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("The customer's user the order is for; they are told it was placed by you."),
        error_messages={
            "required": gettext_lazy("Choose the customer's user to place the order as."),
            "invalid_choice": gettext_lazy("Choose one of this customer's users."),
        },
    )

    field_order = ["membership", "ship_to", "po_number", "requested_delivery_date", "notes"]

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, company=company, **kwargs)
        self.fields["membership"].queryset = company.memberships.select_related("user").order_by("user__email")
        self.fields["po_number"].label = gettext_lazy("Customer's PO number")
        self.fields["notes"].label = gettext_lazy("Notes")
        self.fields["ship_to"].error_messages["invalid_choice"] = gettext_lazy(
            "Choose one of the customer's delivery addresses."
        )


class ChooseCustomerView(BackOfficeViewMixin, TemplateView):
    """Step one: which customer (only the rep's own)."""

    permission = PLACE_FOR_CUSTOMERS
    page_title = gettext_lazy("Place an order for a customer")
    header_icon = "plus"
    template_name = "ordering/admin/place_choose_customer.html"

    def get(self, request, *args, **kwargs):
        form = ChooseCustomerForm(request.GET or None, user=request.user)
        if form.is_bound and form.is_valid():
            return redirect("ordering_admin:place_cart", company_id=form.cleaned_data["company"].pk)
        return self.render_to_response(
            self.get_context_data(form=form, error_summary=form_error_summary(form) if form.is_bound else [])
        )


class PlaceForCustomerMixin(BackOfficeViewMixin):
    permission = PLACE_FOR_CUSTOMERS
    header_icon = "plus"
    template_name = "ordering/admin/place_cart.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        # Another rep's customer is 404, as everywhere in the back office.
        self.company = get_object_or_404(companies_for_staff(request.user), pk=kwargs["company_id"])
        # The rep's own cart for this customer: the customer's users' carts are never touched.
        self.cart = services.cart_for(user=request.user, company=self.company)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Order for %(customer)s") % {"customer": self.company}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("ordering_admin:place_for_customer"), "label": _("Place an order for a customer")},
            {"url": "", "label": self.get_page_title()},
        ]

    def cart_url(self):
        return reverse("ordering_admin:place_cart", args=[self.company.pk])

    def page(self, *, add_form=None, place_form=None, quote=None, status=200):
        quote = quote or services.quote_cart(cart=self.cart)
        add_form = add_form or AddLineForm()
        if place_form is None:
            place_form = PlaceForCustomerForm(company=self.company)
            place_form.initial.update(
                ship_to=next(iter(place_form.fields["ship_to"].queryset), None),
                expected_total=quote.total,
                idempotency_key=CheckoutForm.new_key(),
            )
        else:
            # Shown again: with the total now on the page and the same checkout key.
            place_form.data = place_form.data.copy()
            place_form.data["expected_total"] = str(quote.total)
        summary = []
        if add_form.is_bound:
            summary += form_error_summary(add_form)
        if place_form.is_bound:
            summary += form_error_summary(place_form)
        context = self.get_context_data(
            company=self.company,
            quote=quote,
            add_form=add_form,
            place_form=place_form,
            error_summary=summary,
            add_url=reverse("ordering_admin:place_add_line", args=[self.company.pk]),
            action_url=self.cart_url(),
            customer_url=reverse("customers:inspect", args=[self.company.pk]),
        )
        return self.render_to_response(context, status=status)


class PlaceForCustomerView(PlaceForCustomerMixin, TemplateView):
    """Step two: lines by SKU and quantity, the quote as the customer would see it, and place."""

    def get(self, request, *args, **kwargs):
        return self.page()

    def post(self, request, *args, **kwargs):
        form = PlaceForCustomerForm(request.POST, company=self.company)
        if not form.is_valid():
            return self.page(place_form=form, status=400)
        data = form.cleaned_data
        try:
            order = services.place_order(
                cart=self.cart,
                membership=data["membership"],
                checkout=form.checkout(),
                expected_total=data["expected_total"],
                idempotency_key=data["idempotency_key"],
                placed_for_customer_by=request.user,
            )
        except PriceChanged as changed:
            form.add_error(None, str(changed))
            return self.page(place_form=form, quote=changed.quote, status=400)
        except OrderingError as error:
            form.add_error(None, str(error))
            return self.page(place_form=form, status=400)
        messages.success(
            request,
            _("Order %(number)s is placed for %(customer)s as %(user)s: it is now %(state)s.")
            % {
                "number": order.number,
                "customer": self.company,
                "user": data["membership"].user,
                "state": states.label(order.state, staff=True),
            },
        )
        return redirect("orders:inspect", order.pk)


class AddLineView(PlaceForCustomerMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = AddLineForm(request.POST)
        if form.is_valid():
            try:
                product = services.get_orderable_product(company=self.company, sku=form.cleaned_data["sku"])
                snapped = services.add_to_cart(cart=self.cart, product=product, quantity=form.cleaned_data["quantity"])
            except OrderingError as error:
                form.add_error("sku", str(error))
            else:
                if snapped.message:
                    messages.warning(request, snapped.message)
                return redirect(self.cart_url())
        return self.page(add_form=form, status=400)


class RemoveLineView(PlaceForCustomerMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, product_id: int, **kwargs):
        line = get_object_or_404(self.cart.lines.select_related("product"), product_id=product_id)
        services.remove_from_cart(cart=self.cart, product=line.product)
        return redirect(self.cart_url())

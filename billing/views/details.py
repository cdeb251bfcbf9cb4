"""The company's invoice details (开票信息), kept by its finance and admin members: every invoice
issued afterwards copies them; invoices already issued keep what they were issued with."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import member_required
from accounts.forms import BootstrapFormMixin

from ..models import InvoiceDetails
from .invoices import BILLING_ROLES


class InvoiceDetailsForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = InvoiceDetails
        fields = ["title", "tax_number", "registered_address", "phone", "bank_name", "bank_account"]

    def clean_tax_number(self):
        value = self.cleaned_data["tax_number"].strip().upper()
        # The unified social credit code (统一社会信用代码) is 18 letters and digits; older tax
        # numbers are 15 or 20.
        if len(value) not in (15, 18, 20) or not value.isalnum():
            raise forms.ValidationError(_("A tax number has 15, 18 or 20 letters and digits."))
        return value


@member_required(roles=BILLING_ROLES)
def invoice_details(request):
    company = request.membership.company
    details = InvoiceDetails.objects.filter(company=company).first()
    if request.method == "POST":
        form = InvoiceDetailsForm(request.POST, instance=details or InvoiceDetails(company=company))
        if form.is_valid():
            saved = form.save(commit=False)
            saved.updated_by = request.user
            saved.save()
            messages.success(request, _("Invoice details saved. New invoices will carry them."))
            return redirect("billing:invoice_details")
    else:
        form = InvoiceDetailsForm(
            instance=details,
            initial=None if details else {"title": company.legal_name, "tax_number": company.tax_number},
        )
    return render(request, "billing/invoice_details.html", {"form": form, "details": details})

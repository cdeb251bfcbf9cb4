"""Customer-side views for a company's people: switch company, manage users, invitations."""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .access import company_admin_required, get_for_member, switch_company
from .forms import InviteMemberForm, MembershipForm
from .models import Invitation, Membership


@require_POST
def switch_company_view(request, company_id: int):
    if not request.user.is_authenticated:
        raise Http404
    membership = switch_company(request, company_id)
    messages.success(request, _("You are now working for %(company)s.") % {"company": membership.company})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "portal:home"
    return redirect(next_url)


@company_admin_required
def member_list(request):
    company = request.membership.company
    context = {
        "members": selectors.company_members(company),
        "invitations": company.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True),
        "invite_form": InviteMemberForm(currency=company.currency),
    }
    return render(request, "accounts/member_list.html", context)


@company_admin_required
def member_invite(request):
    form = InviteMemberForm(request.POST or None, currency=request.membership.company.currency)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_member(
                company=request.membership.company,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                spending_limit=form.cleaned_data["spending_limit"],
                invited_by=request.user,
                language=get_language(),
            )
        except services.AccountsError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("accounts:members")
    return render(request, "accounts/member_invite.html", {"form": form})


@company_admin_required
def member_edit(request, membership_id: int):
    membership = get_for_member(request, Membership.objects.select_related("user", "company"), pk=membership_id)
    form = MembershipForm(request.POST or None, instance=membership, currency=membership.company.currency)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_membership(
                membership=membership,
                role=form.cleaned_data["role"],
                spending_limit=form.cleaned_data["spending_limit"],
            )
        except services.AccountsError as error:
            form.add_error("role", str(error))
        else:
            messages.success(request, _("%(user)s was updated.") % {"user": membership.user})
            return redirect("accounts:members")
    return render(request, "accounts/member_edit.html", {"form": form, "member": membership})


@company_admin_required
def member_remove(request, membership_id: int):
    """A confirmation page first; only its button (confirm=yes) removes the person. A POST without
    it, such as an old one-click form, removes nothing and shows the page."""
    membership = get_for_member(request, Membership.objects.select_related("user", "company"), pk=membership_id)
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        return render(request, "accounts/member_remove.html", {"member": membership})
    try:
        services.remove_member(membership=membership)
    except services.AccountsError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(user)s no longer has access to %(company)s.")
            % {
                "user": membership.user,
                "company": membership.company,
            },
        )
    return redirect("accounts:members")


@require_POST
@company_admin_required
def invitation_revoke(request, invitation_id: int):
    invitation = get_for_member(request, Invitation, pk=invitation_id)
    services.revoke_invitation(invitation=invitation)
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("accounts:members")


def invitation_accept(request, token: str):
    """The link in an invitation e-mail.

    Signed in as the invited address: accept. Signed in as someone else: 404, the token is
    for one address only. Not signed in: sign in, or create the account (allauth then treats
    the address as verified, because the link reached it).
    """
    invitation = get_object_or_404(Invitation.objects.select_related("company"), token=token)
    if request.user.is_authenticated and request.user.email.lower() != invitation.email.lower():
        raise Http404
    if not invitation.is_open:
        return render(request, "accounts/invitation_closed.html", {"invitation": invitation}, status=410)
    if not request.user.is_authenticated:
        if get_user_model().objects.filter(email__iexact=invitation.email).exists():
            return render(request, "accounts/invitation_sign_in.html", {"invitation": invitation})
        request.session[services.PENDING_INVITATION_SESSION_KEY] = invitation.token
        get_adapter(request).stash_verified_email(request, invitation.email)
        return render(request, "accounts/invitation_sign_up.html", {"invitation": invitation})
    if request.method == "POST":
        try:
            membership = services.accept_invitation(invitation=invitation, user=request.user)
        except services.AccountsError as error:
            messages.error(request, str(error))
            return redirect("portal:home")
        switch_company(request, membership.company_id)
        messages.success(request, _("Welcome to %(company)s.") % {"company": membership.company})
        return redirect("portal:home")
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation})

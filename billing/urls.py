"""The customer's billing screens, under /portal/billing/ (namespace "billing"). Each part keeps
its routes in its own block."""

from django.urls import path

from .views import statements as statement_views

app_name = "billing"

urlpatterns = [
    # --- Statements ---
    path("statements/", statement_views.statement_list, name="statements"),
    path("statements/<int:pk>/", statement_views.statement_detail, name="statement"),
    path("statements/<int:pk>/confirm/", statement_views.statement_confirm, name="statement_confirm"),
    path("statements/<int:pk>/dispute/", statement_views.statement_dispute, name="statement_dispute"),
    path("statements/<int:pk>/pdf/", statement_views.statement_pdf, name="statement_pdf"),
    # --- End of statements ---
]

"""Fulfilment's back-office hooks. Each helper's hooks in their own marked block."""

from django.urls import include, path
from wagtail import hooks

# --- Documents: delivery notes and pick list PDFs (ordering.fulfilment.backoffice) ---------------
from .backoffice import urlpatterns as document_urlpatterns


@hooks.register("register_admin_urls")
def register_fulfilment_document_urls():
    return [
        path(
            "fulfilment/documents/",
            include((document_urlpatterns, "fulfilment_documents"), namespace="fulfilment_documents"),
        )
    ]


# --- End of documents ------------------------------------------------------------------------------

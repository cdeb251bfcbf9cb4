"""The portal's public content, edited by content editors in the back office.

The home page carries announcements (cut-off times, recalls, promotions); signed-in customers
see the current ones on their own home page too. Help pages sit under it.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page


class AnnouncementBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[
            ("notice", _("Notice")),
            ("cutoff", _("Order cut-off")),
            ("recall", _("Recall")),
            ("promotion", _("Promotion")),
        ],
        default="notice",
    )
    title = blocks.CharBlock(label=_("Title"), max_length=120)
    body = blocks.RichTextBlock(label=_("Text"), features=["bold", "italic", "link", "ul"])
    show_from = blocks.DateBlock(label=_("Show from"), required=False)
    show_until = blocks.DateBlock(label=_("Show until"), required=False)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["kind_label"] = dict(self.child_blocks["kind"].field.choices).get(value["kind"], "")
        return context

    class Meta:
        icon = "pick"
        label = _("Announcement")
        template = "pages/blocks/announcement.html"


class HomePage(Page):
    intro = RichTextField(_("introduction"), blank=True)
    announcements = StreamField([("announcement", AnnouncementBlock())], verbose_name=_("announcements"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("announcements")]
    subpage_types = ["pages.ContentPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def current_announcements(self, today=None):
        today = today or timezone.localdate()
        return [
            block
            for block in self.announcements
            if (block.value["show_from"] is None or block.value["show_from"] <= today)
            and (block.value["show_until"] is None or block.value["show_until"] >= today)
        ]


class ContentPage(Page):
    """Help, terms, delivery areas: plain editorial pages."""

    body = RichTextField(_("body"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]
    parent_page_types = ["pages.HomePage", "pages.ContentPage"]
    subpage_types = ["pages.ContentPage"]

    class Meta:
        verbose_name = _("content page")

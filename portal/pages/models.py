"""The portal's public content, edited by content editors in the back office.

The home page carries announcements (cut-off times, recalls, promotions); signed-in customers
see the current ones on their own home page too. Help pages sit under it.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from kit.languages import in_active_language

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ul"]


class AnnouncementValue(blocks.StructValue):
    """An announcement as its reader reads it: the Chinese title and text for a Chinese reader
    when the editor wrote them, the English ones otherwise."""

    def local_title(self) -> str:
        return in_active_language(self["title"], self.get("title_zh") or "")

    def local_body(self):
        chinese = self.get("body_zh")
        return in_active_language(self["body"], chinese if chinese and chinese.source.strip() else "")


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
    title = blocks.CharBlock(label=_("Title (English)"), max_length=120)
    body = blocks.RichTextBlock(label=_("Text (English)"), features=RICH_TEXT_FEATURES)
    title_zh = blocks.CharBlock(label=_("Title (Chinese)"), max_length=120, required=False)
    body_zh = blocks.RichTextBlock(label=_("Text (Chinese)"), features=RICH_TEXT_FEATURES, required=False)
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
        value_class = AnnouncementValue


class BilingualPage(Page):
    """A page whose title (and text) an editor gives in English and in Chinese."""

    title_zh = models.CharField(_("title (Chinese)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    @property
    def local_title(self) -> str:
        return in_active_language(self.title, self.title_zh)


class HomePage(BilingualPage):
    intro = RichTextField(_("introduction (English)"), blank=True)
    intro_zh = RichTextField(_("introduction (Chinese)"), blank=True)
    announcements = StreamField([("announcement", AnnouncementBlock())], verbose_name=_("announcements"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("title_zh"),
        MultiFieldPanel([FieldPanel("intro"), FieldPanel("intro_zh")], heading=_("Introduction")),
        FieldPanel("announcements"),
    ]
    subpage_types = ["pages.ContentPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    @property
    def local_intro(self) -> str:
        return in_active_language(self.intro, self.intro_zh)

    def current_announcements(self, today=None):
        """The announcements shown today; each reads in the active language (`local_title`,
        `local_body`, which the block's template shows)."""
        today = today or timezone.localdate()
        return [
            block
            for block in self.announcements
            if (block.value["show_from"] is None or block.value["show_from"] <= today)
            and (block.value["show_until"] is None or block.value["show_until"] >= today)
        ]


class ContentPage(BilingualPage):
    """Help, terms, delivery areas: plain editorial pages, in English and Chinese."""

    body = RichTextField(_("body (English)"), blank=True)
    body_zh = RichTextField(_("body (Chinese)"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("title_zh"), FieldPanel("body"), FieldPanel("body_zh")]
    parent_page_types = ["pages.HomePage", "pages.ContentPage"]
    subpage_types = ["pages.ContentPage"]

    class Meta:
        verbose_name = _("content page")

    @property
    def local_body(self) -> str:
        return in_active_language(self.body, self.body_zh)

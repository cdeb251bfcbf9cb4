from django.db import migrations


def create_homepage(apps, schema_editor):
    """Replace Wagtail's welcome page with our home page and point the default site at it."""
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("pages.HomePage")
    Locale = apps.get_model("wagtailcore.Locale")

    locale = Locale.objects.order_by("pk").first() or Locale.objects.create(language_code="en")
    Page.objects.filter(id=2, slug="home").delete()
    homepage_content_type, __ = ContentType.objects.get_or_create(model="homepage", app_label="pages")
    homepage = HomePage.objects.create(
        title="Tradecounter",
        draft_title="Tradecounter",
        slug="home",
        content_type=homepage_content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
        intro="<p>Order online from your distributor: your catalog, your prices, your credit.</p>",
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": homepage, "port": 80, "site_name": "Tradecounter"},
    )


def remove_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    HomePage = apps.get_model("pages.HomePage")
    HomePage.objects.filter(slug="home", depth=2).delete()
    ContentType.objects.filter(model="homepage", app_label="pages").delete()


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial"), ("wagtailcore", "0001_initial")]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]

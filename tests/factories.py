"""factory_boy factories for the whole suite."""

from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import (
    Address,
    Company,
    Contact,
    Invitation,
    Licence,
    LicenceKind,
    Membership,
    PriceTier,
    Region,
    User,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Users have a verified primary e-mail unless built with verified=False."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        if create:
            self.save()


def with_second_factor(user):
    """Give a user a TOTP authenticator, as the back office requires of staff; the secret is
    kept on `user.totp_secret` for tests that sign in with a code (the `totp_code` fixture)."""
    user.totp_secret = generate_totp_secret()
    TOTP.activate(user, user.totp_secret)
    return user


class StaffFactory(UserFactory):
    is_staff = True
    email = factory.Sequence(lambda n: f"staff{n}@distributor.example")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"Region {n}")


class PriceTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceTier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"tier-{n}")
    name = factory.Sequence(lambda n: f"Tier {n}")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    legal_name = factory.Sequence(lambda n: f"Company {n} Trading Co., Ltd.")
    display_name = factory.Sequence(lambda n: f"Company {n}")
    tax_number = factory.Sequence(lambda n: f"91310000{n:010d}")
    region = factory.SubFactory(RegionFactory)
    credit_limit = Decimal("50000.00")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = Membership.Role.BUYER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    company = factory.SubFactory(CompanyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Membership.Role.BUYER


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    company = factory.SubFactory(CompanyFactory)
    kind = Address.Kind.SHIPPING
    line1 = "88 Century Avenue"
    city = "Shanghai"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    company = factory.SubFactory(CompanyFactory)
    name = factory.Faker("name")


class LicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Licence

    company = factory.SubFactory(CompanyFactory)
    kind = LicenceKind.VETERINARY_DRUG
    number = factory.Sequence(lambda n: f"VD-{n:05d}")
    expires_on = factory.Faker("future_date")


# Catalog --------------------------------------------------------------------------------------

from catalog.models import (  # noqa: E402
    Category,
    Location,
    Lot,
    PriceList,
    PriceListEntry,
    Product,
    TemperatureZone,
    Warehouse,
)


def category(name="Frozen", slug=None, parent=None, **fields):
    slug = slug or name.lower().replace(" ", "-")
    existing = Category.objects.filter(slug=slug).first()
    if existing:
        return existing
    if parent is None:
        return Category.add_root(name_en=name, slug=slug, **fields)
    return parent.add_child(name_en=name, slug=slug, **fields)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"FZ-{1000 + n}")
    name_en = factory.Sequence(lambda n: f"Frozen product {n}")
    name_zh = "冷冻鸡翅中"
    category = factory.LazyFunction(lambda: category("Frozen"))
    temperature_zone = TemperatureZone.FROZEN
    shelf_life_days = 365


class PriceListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceList

    name = factory.Sequence(lambda n: f"List {n}")
    kind = PriceList.Kind.DEFAULT


class PriceListEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceListEntry

    price_list = factory.SubFactory(PriceListFactory)
    product = factory.SubFactory(ProductFactory)
    min_quantity = 1
    unit_price = Decimal("10.00")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = "sh1"
    name = "Shanghai cold store"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("warehouse", "code")

    warehouse = factory.SubFactory(WarehouseFactory)
    code = factory.Sequence(lambda n: f"F-{n:02d}")
    zone = TemperatureZone.FROZEN


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    product = factory.SubFactory(ProductFactory)
    number = factory.Sequence(lambda n: f"L{n:05d}")
    expiry_date = factory.Faker("date_between", start_date="+200d", end_date="+300d")

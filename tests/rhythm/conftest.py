import pytest

from .orders import past_orders


@pytest.fixture
def history(db):
    """`history(company, days_ago=[...], today=..., lines=[(product, quantity)])`: past orders."""
    return past_orders

"""What catalog search matches: SKU, both names, and the Chinese name's pinyin.

A buyer types "FZ-1001", "fz1001", "FZ 1001", "chicken", "鸡翅", "jichi" or "jc" and finds chicken
wings. The text is stored lower-cased on the product (Product.search_text), so a search is one
indexed column. Every word of the query must occur in it: `search_filter` asks the database
(the catalog, the back office), `matches` asks the same of a text already loaded (quick order's
name resolution), so both find the same products.
"""

import re
import unicodedata

from django.db.models import Q
from pypinyin import Style, lazy_pinyin

# Dashes a keyboard or a spreadsheet may put in a SKU; NFKC already maps the full-width "－".
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―", "-"))


def pinyin_forms(text: str) -> list[str]:
    if not text:
        return []
    syllables = lazy_pinyin(text, errors="ignore")
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")
    return ["".join(syllables), " ".join(syllables), "".join(initials)]


def compact_sku(sku: str) -> str:
    """The SKU without punctuation or spaces, lower-cased: "FZ-1001" → "fz1001"."""
    return re.sub(r"[\W_]+", "", normalise_query(sku))


def search_text_for(product) -> str:
    """SKU (as written and compact), both names and the Chinese name's pinyin, lower-cased."""
    parts = [
        product.sku,
        compact_sku(product.sku or ""),
        product.name_en,
        product.name_zh,
        *pinyin_forms(product.name_zh),
    ]
    return " | ".join(part for part in parts if part).lower()


def normalise_query(query: str) -> str:
    """Full-width forms as ASCII, one kind of dash, single spaces, lower case."""
    return " ".join(unicodedata.normalize("NFKC", query or "").translate(_DASHES).split()).lower()


def query_words(query: str) -> list[str]:
    return normalise_query(query).split()


def search_filter(query: str, field: str = "search_text") -> Q:
    """Every word of the query in `field` (a search_text column): a plain LIKE per word, which the
    trigram index (migration 0003) serves on PostgreSQL."""
    condition = Q()
    for word in query_words(query):
        condition &= Q(**{f"{field}__contains": word})
    return condition


def matches(search_text: str, query: str) -> bool:
    """What `search_filter` asks the database, asked of one product's search_text."""
    words = query_words(query)
    return bool(words) and all(word in search_text for word in words)

"""What catalog search matches: SKU, both names, and the Chinese name's pinyin.

A buyer types "FZ-1001", "chicken", "鸡翅", "jichi" or "jc" and finds chicken wings. The text is
stored lower-cased on the product (Product.search_text), so a search is one indexed column.
"""

from pypinyin import Style, lazy_pinyin


def pinyin_forms(text: str) -> list[str]:
    if not text:
        return []
    syllables = lazy_pinyin(text, errors="ignore")
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")
    return ["".join(syllables), " ".join(syllables), "".join(initials)]


def search_text_for(product) -> str:
    parts = [product.sku, product.name_en, product.name_zh, *pinyin_forms(product.name_zh)]
    return " | ".join(part for part in parts if part).lower()


def normalise_query(query: str) -> str:
    return " ".join(query.split()).lower()

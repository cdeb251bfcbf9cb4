"""Which of two texts a reader gets: the one home of "Chinese if the reader reads Chinese".

Data that customers read (product names and descriptions, pack texts, tier, region and price
list names, announcements) is kept in English and Simplified Chinese; the Chinese text is shown
when the active language is Chinese and the text is there, the English one otherwise.
"""

from django.utils.translation import get_language


def reads_chinese() -> bool:
    return (get_language() or "").startswith("zh")


def in_active_language(english: str, chinese: str) -> str:
    """`chinese` for a Chinese reader when it is not empty, `english` otherwise."""
    if chinese and reads_chinese():
        return chinese
    return english

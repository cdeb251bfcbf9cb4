"""Simplified Chinese: 2026年12月7日, 2026年12月7日 14:05 (portal.formats)."""

DATE_FORMAT = "Y年n月j日"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日 H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
FIRST_DAY_OF_WEEK = 1  # 星期一

# ISO first: the date fields send it, and widgets render their value in the first format.
# (Django's own zh_Hans list has "%Y年%n月%j日", which never matches a typed date.)
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-12-07
    "%Y/%m/%d",  # 2026/12/07
    "%Y年%m月%d日",  # 2026年12月7日
    "%Y.%m.%d",  # 2026.12.07
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M",
]

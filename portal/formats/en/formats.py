"""English: 7 Dec 2026, 7 Dec 2026 14:05 (portal.formats)."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
FIRST_DAY_OF_WEEK = 1  # Monday, as in China

# ISO first: the date fields send it, and widgets render their value in the first format.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-12-07
    "%d %b %Y",  # 7 Dec 2026
    "%d %B %Y",  # 7 December 2026
    "%b %d %Y",  # Dec 7 2026
    "%b %d, %Y",  # Dec 7, 2026
    "%B %d, %Y",  # December 7, 2026
    "%Y/%m/%d",  # 2026/12/07
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%d %b %Y %H:%M",
    "%d %B %Y %H:%M",
    "%Y/%m/%d %H:%M",
]

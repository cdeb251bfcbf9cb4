"""Dates as each language shows them, one way everywhere (FORMAT_MODULE_PATH).

Every date format equals its short form, so `|date:"DATE_FORMAT"` on a detail page and
`|date:"SHORT_DATE_FORMAT"` in a list print the same thing: "7 Dec 2026" in English,
"2026年12月7日" in Chinese, with " 14:05" added when the time matters. Forms read ISO dates
(what the date fields send) first, and what each language's users type.
"""

"""The back office's home: one panel per thing a staff role acts on (panels.py), added to
Wagtail's dashboard by the construct_homepage_panels hook (wagtail_hooks.py)."""

"""Rhythm's background work: every customer's rhythm, daily (portal/schedule.py)."""

from django_tasks import task

from .compute import compute_rhythm


@task()
def compute_rhythm_task() -> int:
    """The scheduled run: the number of late customers found."""
    return compute_rhythm().late

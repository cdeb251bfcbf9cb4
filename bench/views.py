"""The framework floor: what the same server, middleware and template engine cost with no database.

Requested without a session cookie, so no middleware touches the database either; every
scenario's latency is reported as a multiple of this one's.
"""

from django.shortcuts import render

FLOOR_ROWS = [{"sku": f"FLOOR-{n:03d}", "name": f"Floor item {n}", "price": f"{n * 1.25:.2f}"} for n in range(1, 21)]


def floor(request):
    return render(request, "bench/floor.html", {"rows": FLOOR_ROWS})

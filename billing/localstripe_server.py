"""localstripe (a local fake Stripe server) for the demo and the tests, on 127.0.0.1 only.

    python -m billing.localstripe_server --port 8420 \
        --webhook-url http://127.0.0.1:8000/portal/billing/stripe/webhook/ --webhook-secret whsec_...

localstripe's own command listens on every interface and saves its data to a file shared by every
copy running on the machine; this one serves its aiohttp app on 127.0.0.1 and keeps the data in
memory (it starts empty each time). With `--webhook-*` it sends its events, signed with the
secret, to the portal's webhook endpoint. Needs no Django: `make run` starts it beside the worker
and the tests start it on a free port (tests/billing/conftest.py).
"""

import argparse
import logging

from aiohttp import web
from localstripe import resources, server, webhooks


def build_app(*, webhook_url: str = "", webhook_secret: str = "") -> web.Application:
    # In memory only: no pickle file in the temporary directory shared with other copies on the machine.
    resources.store.dump_to_disk = lambda: None
    if webhook_url:
        webhooks.register_webhook("portal", webhook_url, webhook_secret, None)
    return server.app


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--webhook-secret", default="")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="localstripe: %(message)s")
    app = build_app(webhook_url=args.webhook_url, webhook_secret=args.webhook_secret)
    web.run_app(app, host="127.0.0.1", port=args.port, print=lambda text: logging.info("%s", text))


if __name__ == "__main__":
    main()

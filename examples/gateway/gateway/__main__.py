"""python -m gateway --config librechat.yaml --users users.json [--port 8080] (see README.md)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

try:
    import mcpclient  # noqa: F401  (installed with pip install ./bindings/python)
except ImportError:  # running from a source checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bindings" / "python"))
    import mcpclient  # noqa: F401

from .app import Gateway, make_server
from .auth import load_users


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway", description=__doc__)
    parser.add_argument("--config", required=True, help="librechat.yaml or any config format mcpclient reads")
    parser.add_argument("--users", help='JSON file {"users": [{"token", "id", "role"?, "email"?, ...}]}')
    parser.add_argument("--user", action="append", default=[], metavar="TOKEN=ID[:ROLE]", help="add a user (repeatable)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--public-url", help="the URL browsers reach this gateway at (default http://HOST:PORT)")
    parser.add_argument("--store", metavar="DIR", help="keep created servers, tokens and user values in an encrypted "
                                                       "directory (key in $MCPCLIENT_STORE_KEY); default: memory")
    args = parser.parse_args()

    users = load_users(args.users, args.user)
    if not users:
        parser.error("no users: give --users FILE or --user TOKEN=ID[:ROLE]")
    server = make_server(args.host, args.port)
    public_url = args.public_url or f"http://{args.host}:{server.server_port}"
    store = {"type": "file", "directory": args.store} if args.store else None
    try:
        gateway = Gateway(public_url, users, store=store)
        gateway.load_config(Path(args.config).read_text(encoding="utf-8"), file=os.path.abspath(args.config))
    except mcpclient.McpError as error:
        print(f"gateway: {error}", file=sys.stderr)
        for diagnostic in getattr(error, "diagnostics", []):
            print(f"  {diagnostic}", file=sys.stderr)
        server.server_close()
        return 1
    server.gateway = gateway  # type: ignore[attr-defined]

    # serve_forever runs here; shutdown() must come from another thread.
    stop = lambda *_: threading.Thread(target=server.shutdown, daemon=True).start()  # noqa: E731
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"READY {public_url}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        gateway.close()  # closes every connection; stdio servers are stopped
    return 0


if __name__ == "__main__":
    sys.exit(main())

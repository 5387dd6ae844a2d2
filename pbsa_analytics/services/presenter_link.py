"""`make presenter-link`: print the presenter link (with the local-mode secret) and, if asked, LAN addresses."""

from __future__ import annotations

import socket
import sys

from pbsa_analytics import settings
from pbsa_analytics.services.pulse import presenter_secret
from pbsa_analytics.store.pulse import PulseStore

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback (what phones on the same network could use)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, family=socket.AF_INET)
    except OSError:
        return []
    return sorted({info[4][0] for info in infos if not info[4][0].startswith("127.")})


def lines(*, address: str, port: str) -> list[str]:
    secret = presenter_secret(PulseStore(settings.store_dir()))
    out = [
        f"Presenter view (local mode): http://127.0.0.1:{port}/present?deck=learning-event&view=presenter&key={secret}"
    ]
    if address not in LOOPBACK:
        out.append("Serving beyond loopback needs sign-in; presenter actions then need a funder_admin.")
        out += [f"Phones could use: http://{ip}:{port} (set PBSA_PUBLIC_BASE_URL to it)" for ip in lan_addresses()]
    return out


def main(argv: list[str]) -> int:
    address = argv[0] if argv else "127.0.0.1"
    port = argv[1] if len(argv) > 1 else "8501"
    sys.stdout.write("\n".join(lines(address=address, port=port)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Who a request comes from: the client behind TRUSTED_PROXIES proxies, counted per address (IPv6 per /64)."""
from __future__ import annotations

import ipaddress

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-For and X-Forwarded-Proto as set by the last TRUSTED_PROXIES proxies.

    X-Forwarded-Host is never believed: the proxy passes the visitor's Host on as it is, and a
    forged host must not reach card links and QR codes when PUBLIC_BASE_URL is unset.
    """
    count = app.config["TRUSTED_PROXIES"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0, x_prefix=0)


def client_address() -> str:
    """The key per-address limits count under: the IPv4 address, or the IPv6 /64 network.

    One host is handed a whole /64, so counting its addresses one by one would be no limit.
    """
    raw = request.remote_addr or "127.0.0.1"
    try:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
    except ValueError:
        return raw
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)

"""Make a throwaway CA and TLS server certificates for 127.0.0.1 / localhost, with the `openssl` command.

    python3 Tests/Fixtures/servers/make_cert.py DIR

Any Python 3; needs `openssl` on PATH. Creates DIR if needed and writes (RSA 2048, SHA-256, valid
from now for 30 days):

    ca.pem, ca.key          the CA (basicConstraints CA:TRUE); trust ca.pem in the client
    server.pem, server.key  leaf for SAN IP:127.0.0.1, IP:::1, DNS:localhost (serverAuth), signed by the CA
    chain.pem               server.pem followed by ca.pem
    wrong.pem, wrong.key    leaf signed by the same CA for DNS:wrong.invalid only (hostname-mismatch tests)

and prints one `NAME path` line per file on stdout: CA, CA_KEY, CERT, KEY, CHAIN, WRONG_CERT,
WRONG_KEY. Serve with `serve_http.py --tls DIR/server.pem DIR/server.key`.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile

DAYS = "30"


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def leaf(folder: str, name: str, san: str, ca: str, ca_key: str) -> tuple[str, str]:
    key = os.path.join(folder, f"{name}.key")
    cert = os.path.join(folder, f"{name}.pem")
    with tempfile.TemporaryDirectory() as tmp:
        csr = os.path.join(tmp, "leaf.csr")
        ext = os.path.join(tmp, "leaf.ext")
        with open(ext, "w") as f:
            f.write(
                "basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                f"subjectAltName={san}\n"
                "subjectKeyIdentifier=hash\n"
                "authorityKeyIdentifier=keyid\n"
            )
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
        openssl(
            "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-set_serial", str(secrets.randbits(63)),
            "-days", DAYS, "-sha256", "-extfile", ext, "-out", cert,
        )  # fmt: skip
    return cert, key


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    folder = os.path.abspath(sys.argv[1])
    os.makedirs(folder, exist_ok=True)
    ca = os.path.join(folder, "ca.pem")
    ca_key = os.path.join(folder, "ca.key")
    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", DAYS, "-sha256",
        "-subj", "/CN=mcpclient throwaway test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-addext", "subjectKeyIdentifier=hash",
    )  # fmt: skip
    cert, key = leaf(folder, "server", "IP:127.0.0.1,IP:::1,DNS:localhost", ca, ca_key)
    wrong_cert, wrong_key = leaf(folder, "wrong", "DNS:wrong.invalid", ca, ca_key)
    chain = os.path.join(folder, "chain.pem")
    with open(chain, "w") as out:
        for part in (cert, ca):
            with open(part) as f:
                out.write(f.read())
    for name, path in (
        ("CA", ca), ("CA_KEY", ca_key), ("CERT", cert), ("KEY", key), ("CHAIN", chain),
        ("WRONG_CERT", wrong_cert), ("WRONG_KEY", wrong_key),
    ):  # fmt: skip
        print(f"{name} {path}")


if __name__ == "__main__":
    main()

"""private_key_jwt from the config (docs/oauth.md "Client credentials and private_key_jwt from the config"): a
client-credentials service client whose key is a PEM file or an inline ${VAR}, against authlib's AS
(authlib_server.py: RFC 7523 assertions with RS256/ES256 public JWKs, aud = the token endpoint, each jti once), and the
precise errors for keys that do not load or do not fit."""

from __future__ import annotations

import json
import subprocess

import pytest
from helpers import FIXTURES_DIR, MODERN_PYTHON, require_venv

import mcpclient

AUTHLIB_SERVER = FIXTURES_DIR / "authlib_server.py"


def make_key(kind: str, bits: int = 2048):
    """A private key as PKCS#8 PEM and its public JWK (what the AS was given at registration)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from joserfc.jwk import ECKey, RSAKey

    if kind == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    else:
        private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    if bits < 2048:
        return pem, None  # too weak for a JWK (and for the library)
    jwk = (RSAKey if kind == "RS256" else ECKey).import_key(public).as_dict(private=False)
    jwk["kid"] = "k1"  # the AS finds the key by the assertion's kid (oauth.private_key_id)
    return pem, jwk


class AuthlibServer:
    def __init__(self, clients):
        require_venv(MODERN_PYTHON.parent.parent)
        arguments = []
        for client in clients:
            arguments += ["--client", json.dumps(client)]
        self.process = subprocess.Popen([str(MODERN_PYTHON), str(AUTHLIB_SERVER), "--max-seconds", "120", *arguments],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().split()
        assert line and line[0] == "READY", f"authlib_server.py did not start: {line}"
        self.issuer = line[1]
        self.origin = self.issuer[: -len("/tenant1")]

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def keys():
    return {"RS256": make_key("RS256"), "ES256": make_key("ES256")}


@pytest.fixture(scope="module")
def authlib(keys):
    server = AuthlibServer([{"client_id": "jwt-" + name.lower(), "jwk": jwk, "grant_types": ["client_credentials"]}
                            for name, (_, jwk) in keys.items()])
    yield server
    server.stop()


def service(origin: str, client_id: str, **oauth):
    return {"url": origin + "/mcp", "timeout": 30000,
            "oauth": {"client_id": client_id, "grant_types_supported": ["client_credentials"], **oauth}}


def whoami(mgr, name):
    result = mgr.call_tool(name, "whoami", {})
    return result.get("structuredContent") or json.loads(result["content"][0]["text"])


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_a_key_file_signs_the_client_credentials_grant(authlib, keys, tmp_path, algorithm):
    key_file = tmp_path / "key.pem"
    key_file.write_text(keys[algorithm][0])
    key_file.chmod(0o600)
    client_id = "jwt-" + algorithm.lower()
    with mcpclient.Manager({}) as mgr:
        mgr.add_server("svc", service(authlib.origin, client_id, private_key_file=str(key_file), signing_algorithm=algorithm,
                                      private_key_id="k1"))
        mgr.connect("svc")  # no browser: the tokens come from the client-credentials grant with an assertion
        assert whoami(mgr, "svc")["client_id"] == client_id
        status = mgr.oauth_status("svc")
        assert status["state"] == "authorized" and status.get("hasRefreshToken") is not True


def test_an_inline_key_from_the_environment(authlib, keys, monkeypatch):
    monkeypatch.setenv("SERVICE_SIGNING_KEY", keys["ES256"][0])
    with mcpclient.Manager({}) as mgr:
        mgr.add_server("svc", service(authlib.origin, "jwt-es256", private_key="${SERVICE_SIGNING_KEY}"))
        mgr.connect("svc")
        assert whoami(mgr, "svc")["client_id"] == "jwt-es256"
        # The key is a secret: no status or config output carries it.
        assert "PRIVATE KEY" not in json.dumps(mgr.server_status("svc"))


def test_a_key_the_as_does_not_know_is_refused(authlib, keys, tmp_path):
    other, _ = make_key("RS256")
    key_file = tmp_path / "other.pem"
    key_file.write_text(other)
    with mcpclient.Manager({}) as mgr:
        mgr.add_server("svc", service(authlib.origin, "jwt-rs256", private_key_file=str(key_file)))
        with pytest.raises(mcpclient.McpError) as caught:
            mgr.connect("svc")
        assert "invalid_client" in json.dumps(caught.value.details) or "invalid_client" in str(caught.value)


def test_keys_that_do_not_load_or_fit_have_precise_errors(keys, tmp_path):
    weak, _ = make_key("RS256", bits=1024)
    (tmp_path / "weak.pem").write_text(weak)
    (tmp_path / "rsa.pem").write_text(keys["RS256"][0])
    (tmp_path / "junk.pem").write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
    url = "http://127.0.0.1:9"
    cases = [
        ({"private_key_file": str(tmp_path / "missing.pem")}, "oauth.private_key_file", "key_file_unreadable"),
        ({"private_key_file": str(tmp_path / "weak.pem")}, "oauth.private_key_file", "key_too_weak"),
        ({"private_key_file": str(tmp_path / "junk.pem")}, "oauth.private_key_file", "key_unreadable"),
        ({"private_key_file": str(tmp_path / "rsa.pem"), "signing_algorithm": "ES256"}, "oauth.signing_algorithm",
         "signing_algorithm_mismatch"),
    ]
    with mcpclient.Manager({}) as mgr:
        for index, (oauth, path, reason) in enumerate(cases):
            name = f"svc{index}"
            mgr.add_server(name, service(url, "jwt-rs256", **oauth))
            with pytest.raises(mcpclient.McpConfigError) as caught:
                mgr.connect(name)
            assert (caught.value.details.get("path"), caught.value.details.get("reason")) == (path, reason), caught.value
            assert "not base64" not in str(caught.value) and keys["RS256"][0].splitlines()[1] not in str(caught.value)

        # Shape errors are found when the server is added.
        for oauth, code in [
            ({"private_key": "/etc/key.pem"}, "invalid_private_key"),
            ({"private_key": keys["RS256"][0], "private_key_file": "/k.pem"}, "private_key_conflict"),
            ({"private_key_file": "/k.pem", "signing_algorithm": "HS256"}, "invalid_value"),
        ]:
            with pytest.raises(mcpclient.McpConfigError) as caught:
                mgr.add_server("bad", service(url, "jwt-rs256", **oauth))
            codes = [item["code"] for item in caught.value.details.get("diagnostics", [])]
            assert code in codes, caught.value
            secret_line = keys["RS256"][0].splitlines()[1]
            assert secret_line not in str(caught.value) and secret_line not in json.dumps(caught.value.details)
        with pytest.raises(mcpclient.McpConfigError) as caught:
            mgr.add_server("bad", {"url": url, "oauth": {"private_key_file": "/k.pem"}})
        assert "private_key_without_client_id" in json.dumps(caught.value.details)

"""A credential store in Redis, for hosts that run several processes (docs/manager.md "Multi-process hosts with Redis").

Every process that uses the same Redis, prefix and sealing key sees the same registry (created servers and their
grants), OAuth records (tokens, client registrations, pending sign-ins) and per-user variables, and takes the same
leases, so a token refresh or a registry write happens once across all of them::

    import redis
    from redis_store import RedisStore

    store = RedisStore(redis.Redis(host="127.0.0.1", port=6379), key_env="APP_STORE_KEY")
    manager.set_credential_store(store)   # before the first OAuth or registry use

Values reach Redis sealed (AES-256-GCM by the library, with ``key`` or the variable ``key_env`` names, default
``MCPCLIENT_STORE_KEY``), under ``<prefix><canonical key>`` (``mcpclient:mcpclient/v1/<user>/<server>/<kind>``);
leases live under ``<prefix>lease:<name>``. The client must return bytes (leave ``decode_responses`` off).
Only ``get``, ``set``, ``delete`` and ``register_script`` of the client are used, so any redis-py compatible client
(a ``RedisCluster``, a sentinel master) works; the calls come from library threads, which redis-py's pooled clients
allow.
"""

from __future__ import annotations

from typing import Any, Optional

from mcpclient.oauth_store import HostStore

# Release a lease only while our token still holds it (one that lapsed may belong to another process by now).
_UNLOCK_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisStore(HostStore):
    """A ``HostStore`` whose records and leases are Redis keys. ``options`` go to ``HostStore`` (``key``,
    ``key_env``, ``key_id``, ``previous_keys``)."""

    def __init__(self, client: Any, prefix: str = "mcpclient:", **options: Any):
        self.client = client
        self.prefix = prefix
        unlock_script = client.register_script(_UNLOCK_SCRIPT)

        def get(key: str) -> Optional[bytes]:
            return client.get(prefix + key)

        def put(key: str, value: bytes, ttl: Optional[int]) -> None:
            if ttl is None:
                client.set(prefix + key, value)
            elif ttl > 0:
                client.set(prefix + key, value, ex=ttl)
            else:  # already expired (Redis refuses EX 0)
                client.delete(prefix + key)

        def delete(key: str) -> None:
            client.delete(prefix + key)

        def lock(name: str, token: str, ttl_ms: int) -> bool:
            return bool(client.set(prefix + "lease:" + name, token, nx=True, px=max(ttl_ms, 1)))

        def unlock(name: str, token: str) -> None:
            unlock_script(keys=[prefix + "lease:" + name], args=[token])

        super().__init__(get, put, delete, lock=lock, unlock=unlock, **options)

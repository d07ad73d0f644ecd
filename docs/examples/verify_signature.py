"""Verifies a kafka-endpoint-bridge request signature v2 (docs/deliver.md, "Signature").

verify(keys, method, path_and_query, headers, body, now=None) -> bool
  keys: {key id: secret}, the keys you accept (two while the bridge rotates);
  headers: the request headers (any name case); body: the raw body bytes as received.

Command line (used by the project's test): python3 verify_signature.py < request.json
where request.json is {"keys": {...}, "method", "path", "headers": {...}, "body_base64", "now"}.
"""
import base64
import hashlib
import hmac
import json
import sys
import time

TOLERANCE_SECONDS = 300


def canonical(timestamp, method, path_and_query, headers, body):
    signed = sorted(
        (name.lower(), value)
        for name, value in headers.items()
        if name.lower() == "idempotency-key" or name.lower().startswith("x-kafka-")
    )
    lines = ["v2", timestamp, method.upper(), path_and_query]
    lines += [f"{name}:{value}" for name, value in signed]
    lines.append(hashlib.sha256(body).hexdigest())
    return "\n".join(lines)


def verify(keys, method, path_and_query, headers, body, now=None):
    lower = {name.lower(): value for name, value in headers.items()}
    timestamp = lower.get("x-bridge-timestamp", "")
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs(int(now if now is not None else time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    text = canonical(timestamp, method, path_and_query, headers, body).encode()
    for part in lower.get("x-bridge-signature-v2", "").split(","):
        key_id, _, given = part.strip().partition("=")
        secret = keys.get(key_id)
        if secret is None:
            continue
        expected = hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, given):
            return True
    return False


if __name__ == "__main__":
    request = json.load(sys.stdin)
    ok = verify(
        request["keys"],
        request["method"],
        request["path"],
        request["headers"],
        base64.b64decode(request["body_base64"]),
        request.get("now"),
    )
    print("valid" if ok else "invalid")

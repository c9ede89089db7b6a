#!/usr/bin/env python3
"""Plays the customer and Stripe against credits_webhook_server, and checks
what the account is credited (hand-worked from the catalog: credits-50 gives
50 credits for 5.00, credits-200 gives 200 for 18.00).

Run under scripts/with_stripe_fake.sh: STRIPE_API_BASE is the loopback fake,
whose POST /__complete/<session> completes a Checkout session and returns the
webhook Stripe would deliver, signed with STRIPE_WEBHOOK_SECRET.
    drive.py SERVER_BINARY DB_FILE
"""
import hashlib, hmac, json, os, subprocess, sys, time, urllib.error, urllib.request

server_binary, db = sys.argv[1], sys.argv[2]
fake = os.environ["STRIPE_API_BASE"]
key = os.environ["STRIPE_SECRET_KEY"]
secret = os.environ["STRIPE_WEBHOOK_SECRET"]
failures = []


def http(method, url, body=b"", headers=None):
    request = urllib.request.Request(url, data=body if method == "POST" else None, method=method,
                                     headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def expect(what, got, wanted):
    ok = got == wanted
    print(f"{'ok  ' if ok else 'FAIL'} {what}: {got!r}" + ("" if ok else f" (expected {wanted!r})"))
    if not ok:
        failures.append(what)


def complete(session, timestamp=None):
    """The customer pays on Checkout; returns the (payload, Stripe-Signature) Stripe sends."""
    body = f"timestamp={timestamp}".encode() if timestamp else b""
    status, delivery = http("POST", f"{fake}/__complete/{session}", body,
                            {"Authorization": f"Bearer {key}",
                             "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, delivery
    return delivery["payload"].encode(), delivery["header"]


for f in (db, db + "-wal", db + "-shm"):
    if os.path.exists(f):
        os.remove(f)
server = subprocess.Popen([server_binary, "--db", db, "--listen", "127.0.0.1:0", "--body-limit", "65536"],
                          stdout=subprocess.PIPE, text=True)
try:
    port = server.stdout.readline().split()[1]
    base = f"http://127.0.0.1:{port}"
    post_webhook = lambda payload, header: http(
        "POST", f"{base}/webhooks/stripe", payload,
        {"Stripe-Signature": header, "Content-Type": "application/json"})

    status, packages = http("GET", f"{base}/packages")
    expect("GET /packages", (status, [(p["name"], p["credits"], p["price"]) for p in packages]),
           (200, [("credits-50", "50", "5.00"), ("credits-200", "200", "18.00")]))
    expect("POST /accounts/dev-1", http("POST", f"{base}/accounts/dev-1")[0], 201)
    expect("POST /accounts/dev-1 again", http("POST", f"{base}/accounts/dev-1")[0], 409)
    status, error = http("POST", f"{base}/accounts/bad%20id")
    expect("POST /accounts/bad id", (status, error["error"]["field"]), (400, "id"))
    expect("checkout of an unknown package",
           http("POST", f"{base}/accounts/dev-1/checkout?package=credits-7")[0], 404)

    status, session = http("POST", f"{base}/accounts/dev-1/checkout?package=credits-50")
    expect("checkout credits-50", (status, session["session"].startswith("cs_")), (201, True))
    print(f"     the customer pays at {session['url']}")
    payload, header = complete(session["session"])
    expect("webhook, first delivery", post_webhook(payload, header), (200, {
        "event": json.loads(payload)["id"], "delivery": "applied"}))
    expect("webhook, Stripe retries it", post_webhook(payload, header)[1].get("delivery"), "duplicate")
    expect("credits after one purchase", http("GET", f"{base}/accounts/dev-1/credits")[1]["credits"], "50")

    # A second event for the same session (a new event id): the purchase is keyed by its session.
    again, again_header = complete(session["session"])
    expect("another event for the same session", post_webhook(again, again_header)[0], 200)
    expect("credits still", http("GET", f"{base}/accounts/dev-1/credits")[1]["credits"], "50")

    # Refused and never applied: Stripe is told 4xx and stops retrying these.
    tampered = payload.replace(b'"livemode":false', b'"livemode":true ')
    assert tampered != payload
    expect("tampered body", post_webhook(tampered, header)[0], 400)
    expect("no signature", post_webhook(payload, "")[0], 400)
    old, old_header = complete(session["session"], timestamp=int(time.time()) - 3600)
    expect("signed an hour ago (tolerance 300 s)", post_webhook(old, old_header)[0], 400)
    t = int(time.time())
    garbage = b'{"not": "an event"'
    signed = hmac.new(secret.encode(), f"{t}.".encode() + garbage, hashlib.sha256).hexdigest()
    expect("signed but not an event", post_webhook(garbage, f"t={t},v1={signed}")[0], 400)
    expect("a body over the limit", post_webhook(b"x" * 70000, header)[0], 413)

    status, big = http("POST", f"{base}/accounts/dev-1/checkout?package=credits-200")
    payload, header = complete(big["session"])
    for delivery in range(3):  # Stripe may deliver it several times
        post_webhook(payload, header)
    expect("credits after the second purchase", http("GET", f"{base}/accounts/dev-1/credits")[1]["credits"],
           "250")
    expect("credits of an unknown account", http("GET", f"{base}/accounts/nobody/credits")[0], 404)
finally:
    server.terminate()
    server.wait()

if failures:
    print(f"check: {len(failures)} failed: {', '.join(failures)}")
    sys.exit(1)
print("check: each purchase credited exactly once")

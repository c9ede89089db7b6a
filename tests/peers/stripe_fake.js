// A small fake of Stripe for the examples and the endpoints stripe-stateful-mock
// lacks: Checkout sessions, SetupIntents, PaymentIntents, Billing Meters and
// meter events, and (for the examples) products, prices and customers.
// Objects are shaped like Stripe's own examples (fixtures3.json). Idempotency
// keys replay the first response. POST /__complete/<session> completes a
// Checkout session and returns the webhook Stripe would deliver for it,
// signed with --secret by the official SDK. Prints "PORT=<n>".
const http = require("http");
const fs = require("fs");
const path = require("path");
const Stripe = require("stripe");

const args = Object.fromEntries(process.argv.slice(2).map((a) => [a.split("=")[0], a.split("=")[1] ?? "true"]));
const secret = args["--secret"] || "whsec_test_secret";
const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, "../data/stripe/fixtures3.json"))).resources;
const stripe = new Stripe("sk_test_fake");
const objects = new Map();
const replays = new Map();
const meterEvents = new Map();
let sequence = 0;

const id = (prefix) => `${prefix}_fake${++sequence}`;
const reply = (res, status, body, headers = {}) => {
  res.writeHead(status, { "Content-Type": "application/json", "Request-Id": id("req"), ...headers });
  res.end(JSON.stringify(body));
};
const error = (res, status, type, code, message) => reply(res, status, { error: { type, code, message } });

// Parses Stripe's nested form keys back into objects (a[b][0][c]=v).
function parseForm(body) {
  const out = {};
  for (const pair of body.split("&").filter(Boolean)) {
    const [rawKey, rawValue = ""] = pair.split("=");
    const key = decodeURIComponent(rawKey);
    const value = decodeURIComponent(rawValue);
    const parts = key.split(/\[|\]/).filter((p) => p !== "");
    let node = out;
    parts.forEach((p, i) => {
      if (i === parts.length - 1) node[p] = value;
      else node = node[p] = node[p] || {};
    });
  }
  return out;
}

function create(kind, params) {
  const base = JSON.parse(JSON.stringify(fixtures[kind]));
  const o = { ...base, ...params, id: id(base.id.split("_")[0]), livemode: false, created: Math.floor(Date.now() / 1000) };
  if (kind === "checkout.session") {
    o.status = "open";
    o.payment_status = params.mode === "setup" ? "no_payment_required" : "unpaid";
    o.url = `https://checkout.stripe.test/c/pay/${o.id}`;
    if (params.mode === "setup") o.setup_intent = create("setup_intent", { customer: params.customer, status: "requires_payment_method" }).id;
    if (params.line_items) {
      // An inline price, or one that exists (a price id), as Stripe prices the line.
      const item = params.line_items["0"];
      const price = item.price ? objects.get(item.price) : item.price_data;
      o.amount_total = Number(price.unit_amount) * Number(item.quantity || 1);
      o.currency = price.currency;
    }
    if (params.ui_mode === "embedded_page") {
      o.url = null;
      o.client_secret = `${o.id}_secret_fake`;
    }
  }
  if (kind === "price" && params.unit_amount !== undefined) o.unit_amount = Number(params.unit_amount);
  if (kind === "billing_portal.session") o.url = `https://billing.stripe.test/p/session/${o.id}`;
  if (kind === "payment_intent") {
    o.amount = Number(params.amount);
    o.application_fee_amount = params.application_fee_amount === undefined ? null : Number(params.application_fee_amount);
    o.status = params.payment_method === "pm_card_chargeDeclined" ? "requires_payment_method" : "succeeded";
    // Stripe's test card that always asks for 3-D Secure: off-session, Stripe
    // declines it and the intent waits for the customer to confirm it on-session.
    if (params.payment_method === "pm_card_authenticationRequired") {
      o.status = "requires_payment_method";
      o.last_payment_error = { type: "card_error", code: "authentication_required", message: "Your card was declined. This transaction requires authentication." };
    }
  }
  objects.set(o.id, o);
  return o;
}

const routes = {
  "POST /v1/checkout/sessions": (p) => create("checkout.session", p),
  "POST /v1/setup_intents": (p) => create("setup_intent", p),
  "POST /v1/payment_intents": (p) => create("payment_intent", p),
  "POST /v1/billing/meters": (p) => create("billing.meter", { ...p, status: "active" }),
  "POST /v1/products": (p) => create("product", p),
  "POST /v1/prices": (p) => create("price", p),
  "POST /v1/customers": (p) => create("customer", p),
  "POST /v1/billing_portal/sessions": (p) => create("billing_portal.session", p),
};

// Stripe Connect: the accounts connected to this platform, and the account
// (Stripe-Account) each object was made on ("" for the platform's own).
const connected = {
  acct_ready: { charges_enabled: true, details_submitted: true, requirements: { currently_due: [], disabled_reason: null } },
  acct_weather: { charges_enabled: true, details_submitted: true, requirements: { currently_due: [], disabled_reason: null } },
  acct_maps: { charges_enabled: true, details_submitted: true, requirements: { currently_due: [], disabled_reason: null } },
  acct_pending: { charges_enabled: false, details_submitted: false,
    requirements: { currently_due: ["external_account", "tos_acceptance.date"], disabled_reason: "requirements.past_due" } },
};
const owners = new Map();
const ownedHere = (req, id) => (owners.get(id) || "") === (req.headers["stripe-account"] || "");

const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    if (req.headers.authorization !== "Bearer sk_test_fake_key")
      return error(res, 401, "invalid_request_error", "api_key_invalid", "Invalid API Key provided");
    const url = new URL(req.url, "http://127.0.0.1");
    // Stripe keeps idempotency keys per account: a connected account's are its own.
    const key = req.headers["idempotency-key"] && `${req.headers["stripe-account"] || ""}:${req.headers["idempotency-key"]}`;
    if (req.method === "POST" && key && replays.has(key)) {
      const [status, replayed] = replays.get(key);
      return reply(res, status, replayed, { "Idempotent-Replayed": "true" });
    }
    const params = parseForm(body);
    let status = 200, result;
    const route = routes[`${req.method} ${url.pathname}`];
    if (route) {
      result = route(params);
      owners.set(result.id, req.headers["stripe-account"] || "");
      if (url.pathname === "/v1/payment_intents" && result.status === "requires_payment_method") {
        status = 402;
        result = result.last_payment_error && result.last_payment_error.code === "authentication_required"
          ? { error: { ...result.last_payment_error, payment_intent: result } }
          : { error: { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined.", payment_intent: result } };
      }
    } else if (req.method === "GET" && url.pathname === "/v1/payment_intents") {
      // A customer's intents, newest first, on one page.
      const customer = url.searchParams.get("customer");
      const data = [...objects.values()].filter((o) => o.object === "payment_intent" && o.customer === customer && ownedHere(req, o.id)).reverse();
      result = { object: "list", data, has_more: false, url: "/v1/payment_intents" };
    } else if (req.method === "GET" && url.pathname.startsWith("/v1/accounts/")) {
      // Asked as the platform: an account does not read itself through Stripe-Account.
      if (req.headers["stripe-account"]) return error(res, 403, "invalid_request_error", "platform_api_key_expired", "Connected accounts cannot read other accounts");
      const id = url.pathname.split("/").pop();
      if (!connected[id]) return error(res, 404, "invalid_request_error", "resource_missing", `No such account: '${id}'`);
      result = { id, object: "account", type: "standard", ...connected[id] };
    } else if (req.method === "POST" && url.pathname === "/v1/account_links") {
      // A single-use onboarding form for a connected account, made by the platform.
      if (req.headers["stripe-account"]) return error(res, 403, "invalid_request_error", "platform_api_key_expired", "Connected accounts cannot create account links");
      for (const field of ["account", "type", "refresh_url", "return_url"])
        if (!params[field]) return error(res, 400, "invalid_request_error", "parameter_missing", `Missing required param: ${field}.`);
      if (!connected[params.account]) return error(res, 400, "invalid_request_error", "resource_missing", `No such account: '${params.account}'`);
      const created = Math.floor(Date.now() / 1000);
      result = { object: "account_link", created, expires_at: created + 300,
        url: `https://connect.stripe.test/setup/e/${params.account}/${Math.random().toString(36).slice(2)}` };
    } else if (req.method === "GET" && url.pathname.startsWith("/v1/payment_intents/")) {
      const o = objects.get(url.pathname.split("/").pop());
      if (!o || !ownedHere(req, o.id)) return error(res, 404, "invalid_request_error", "resource_missing", "No such payment_intent");
      result = o;
    } else if (req.method === "POST" && /^\/v1\/payment_intents\/[^/]+\/cancel$/.test(url.pathname)) {
      const o = objects.get(url.pathname.split("/")[3]);
      if (!o || !ownedHere(req, o.id)) return error(res, 404, "invalid_request_error", "resource_missing", "No such payment_intent");
      if (o.status === "succeeded" || o.status === "canceled")
        return error(res, 400, "invalid_request_error", "payment_intent_unexpected_state", `You cannot cancel this PaymentIntent because it has a status of ${o.status}.`);
      o.status = "canceled";
      o.cancellation_reason = params.cancellation_reason || null;
      result = o;
    } else if (req.method === "POST" && url.pathname.startsWith("/__confirm/")) {
      // The customer confirms the intent on-session (3-D Secure passed).
      const o = objects.get(url.pathname.split("/").pop());
      if (!o) return error(res, 404, "invalid_request_error", "resource_missing", "No such payment_intent");
      o.status = "succeeded";
      o.last_payment_error = null;
      result = o;
    } else if (req.method === "POST" && url.pathname === "/v1/billing/meter_events") {
      meterEvents.set(params.identifier, params); // an identifier counts once
      result = { object: "billing.meter_event", event_name: params.event_name, identifier: params.identifier, payload: params.payload, timestamp: Number(params.timestamp) };
    } else if (req.method === "GET" && url.pathname === "/__meter_events") {
      result = { count: meterEvents.size };
    } else if (req.method === "GET" && url.pathname.startsWith("/v1/prices/")) {
      const o = objects.get(url.pathname.split("/").pop());
      if (!o) return error(res, 404, "invalid_request_error", "resource_missing", "No such price");
      result = o;
    } else if (req.method === "GET" && url.pathname.startsWith("/v1/checkout/sessions/")) {
      const o = objects.get(url.pathname.split("/").pop());
      if (!o) return error(res, 404, "invalid_request_error", "resource_missing", "No such checkout session");
      result = { ...o };
      if (url.searchParams.get("expand[0]") === "setup_intent" && o.setup_intent) result.setup_intent = objects.get(o.setup_intent);
    } else if (req.method === "POST" && url.pathname.startsWith("/__complete/")) {
      const o = objects.get(url.pathname.split("/").pop());
      if (!o) return error(res, 404, "invalid_request_error", "resource_missing", "No such checkout session");
      o.status = "complete";
      if (o.mode === "setup") {
        const si = objects.get(o.setup_intent);
        si.status = "succeeded";
        si.payment_method = "pm_fake_card";
      } else {
        o.payment_status = "paid";
      }
      const event = { id: id("evt"), object: "event", type: "checkout.session.completed", api_version: "2026-10-28.endive", created: o.created, livemode: false, data: { object: o } };
      const payload = JSON.stringify(event);
      const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Number(params.timestamp) || Math.floor(Date.now() / 1000) });
      result = { payload, header };
    } else {
      return error(res, 404, "invalid_request_error", "unrecognized_request", `Unrecognized request URL (${req.method}: ${url.pathname})`);
    }
    if (req.method === "POST" && key) replays.set(key, [status, result]);
    reply(res, status, result);
  });
});
server.listen(0, "127.0.0.1", () => console.log("PORT=" + server.address().port));
process.on("SIGTERM", () => server.close(() => process.exit(0)));

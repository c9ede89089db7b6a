#include "tollgate/stripe/stripe_provider.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <random>
#include <thread>

#include "../core/random_id.hpp"
#include "tollgate/billing_period.hpp"

namespace tollgate::stripe {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 16> kZeroDecimal{"BIF", "CLP", "DJF", "GNF", "JPY", "KMF",
                                                        "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                                                        "VUV", "XAF", "XOF", "XPF"};

std::string upper(std::string_view s) {
  std::string u(s);
  std::transform(u.begin(), u.end(), u.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return u;
}

std::string lower(std::string_view s) {
  std::string l(s);
  std::transform(l.begin(), l.end(), l.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return l;
}

int stripe_digits(std::string_view currency) {
  if (is_zero_decimal(currency)) return 0;
  auto c = Currency::of(upper(currency));
  return c ? c->minor_units() : 2;
}

Decimal pow10(int digits) {
  Decimal p(1);
  for (int i = 0; i < digits; ++i) p *= Decimal(10);
  return p;
}

Unexpected<ProviderError> local_error(std::string code, std::string message) {
  return {ProviderError{.http_status = 0,
                        .type = "invalid_request_error",
                        .code = std::move(code),
                        .decline_code = "",
                        .message = std::move(message),
                        .request_id = "",
                        .retryable = false}};
}

// A 2xx answer whose body does not read: Stripe's side, worth a retry.
Unexpected<ProviderError> invalid_json(std::string message) {
  return {ProviderError{.http_status = 200,
                        .type = "api_error",
                        .code = "invalid_json",
                        .decline_code = "",
                        .message = std::move(message),
                        .request_id = "",
                        .retryable = true}};
}

ProviderError error_from(const HttpResponse& r) {
  ProviderError e;
  e.http_status = r.status;
  e.request_id = r.header("Request-Id").value_or("");
  boost::system::error_code ec;
  json::value body = json::parse(r.body, ec);
  const json::object* err = nullptr;
  if (!ec && body.is_object())
    if (const json::value* v = body.get_object().if_contains("error"); v && v->is_object())
      err = &v->get_object();
  auto field = [&](const char* name) -> std::string {
    if (!err) return {};
    const json::value* v = err->if_contains(name);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  e.type = err ? field("type") : "api_error";
  e.code = field("code");
  e.decline_code = field("decline_code");
  e.message =
      err ? field("message") : "HTTP " + std::to_string(r.status) + " without a Stripe error body";
  // 429 is not retried at once (see should_retry) but a later try may succeed.
  e.retryable = r.status == 409 || r.status == 429 || r.status >= 500 ||
                r.header("Stripe-Should-Retry") == "true";
  if (r.header("Stripe-Should-Retry") == "false") e.retryable = false;
  return e;
}

// Whether a response should be retried, by Stripe's rules.
bool should_retry(const HttpResponse& r) {
  auto hint = r.header("Stripe-Should-Retry");
  if (hint == "false") return false;
  if (hint == "true") return true;
  return r.status == 409 || r.status >= 500;
}

Result<json::object> parse_object(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object())
    return make_error(errors::stripe_response,
                      "Stripe answered 2xx with a body that is not a JSON object");
  return std::move(v.get_object());
}

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v && v->is_string()) return std::string(v->get_string());
  if (v && v->is_object())  // an expanded object: its id
    if (const json::value* id = v->get_object().if_contains("id"); id && id->is_string())
      return std::string(id->get_string());
  return {};
}

// Runs a call and parses the 2xx body as an object.
template <class F>
auto with_object(ProviderResult<std::string> body, F f)
    -> decltype(f(std::declval<const json::object&>())) {
  if (!body) return unexpected(std::move(body).error());
  auto object = parse_object(*body);
  if (!object) return invalid_json(object.error().message);
  return f(*object);
}

// splitmix64: the retry jitter needs spread, not secrecy.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Form metadata_form(const ProviderMetadata& m) {
  Form f;
  for (const auto& [k, v] : m) f.set(k, v);
  return f;
}

// Stripe's recurring interval for a billing period.
Form recurring_interval(BillingPeriod p) {
  Form f;
  PeriodLength len = length_of(p);
  if (len.months % 12 == 0 && len.months > 0) {
    f.set("interval", "year").set("interval_count", len.months / 12);
  } else if (len.months > 0) {
    f.set("interval", "month").set("interval_count", len.months);
  } else if (len.days % 7 == 0) {
    f.set("interval", "week").set("interval_count", len.days / 7);
  } else {
    f.set("interval", "day").set("interval_count", len.days);
  }
  return f;
}

}  // namespace

bool is_zero_decimal(std::string_view currency) {
  std::string u = upper(currency);
  return std::find(kZeroDecimal.begin(), kZeroDecimal.end(), u) != kZeroDecimal.end();
}

Result<std::int64_t> to_minor_units(const Money& money) {
  Decimal minor = money.amount() * pow10(stripe_digits(money.currency().code()));
  auto whole = minor.to_int64();
  if (!whole)
    return make_error(errors::stripe_amount,
                      money.to_string() + " is not a whole number of the currency's smallest unit");
  return *whole;
}

Decimal from_minor_units(std::int64_t amount, std::string_view currency) {
  return Decimal(amount) / pow10(stripe_digits(currency));
}

std::string minor_unit_decimal(const Decimal& price, std::string_view currency) {
  return (price * pow10(stripe_digits(currency))).to_string();
}

StripeProvider::StripeProvider(StripeConfig config, HttpTransport& transport)
    : config_(std::move(config)), transport_(transport), jitter_state_(std::random_device{}()) {
  if (!config_.sleep)
    config_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

Result<std::unique_ptr<StripeProvider>> StripeProvider::create(StripeConfig config,
                                                               HttpTransport& transport) {
  const std::string& key = config.secret_key;
  bool live = key.rfind("sk_live_", 0) == 0 || key.rfind("rk_live_", 0) == 0;
  if (key.rfind("sk_", 0) != 0 && key.rfind("rk_", 0) != 0)
    return make_error(errors::stripe_config,
                      "the Stripe key must be a secret (sk_...) or restricted (rk_...) key");
  if (live && config.api_base.rfind("https://", 0) != 0)
    return make_error(errors::stripe_config, "a live key is only ever sent over HTTPS");
  const std::string& merchant = config.connected_account;
  if (!merchant.empty() &&
      (merchant.rfind("acct_", 0) != 0 || merchant.find_first_of(" \r\n") != std::string::npos))
    return make_error(errors::stripe_config,
                      "connected_account: a Stripe account id (acct_...) is expected");
  bool fee = !config.platform_fee_percent.is_zero() || !config.platform_fee_fixed.is_zero();
  if (config.platform_fee_percent.sign() < 0 || config.platform_fee_fixed.sign() < 0 ||
      Decimal(100) < config.platform_fee_percent)
    return make_error(errors::stripe_config,
                      "platform_fee_percent and platform_fee_fixed: between 0 and 100 percent, "
                      "and not negative");
  if (fee && merchant.empty())
    return make_error(errors::stripe_config,
                      "a platform fee is taken on a connected account's charges: set "
                      "connected_account");
  return std::unique_ptr<StripeProvider>(new StripeProvider(std::move(config), transport));
}

std::chrono::milliseconds StripeProvider::backoff(int retry) {
  // 0.5 s doubling to the 5 s cap, times a jitter in [0.5, 1), never below the initial delay.
  auto base = std::min<long long>(config_.initial_backoff.count() << std::min(retry - 1, 20),
                                  config_.max_backoff.count());
  double jitter = 0.5 + 0.5 * static_cast<double>(next_random(jitter_state_) >> 11) /
                            9007199254740992.0;  // [0.5, 1)
  auto delay = static_cast<long long>(static_cast<double>(base) * jitter);
  return std::chrono::milliseconds(std::max<long long>(delay, config_.initial_backoff.count()));
}

ProviderResult<std::string> StripeProvider::call(const std::string& method, const std::string& path,
                                                 const Form& form, std::string idempotency_key) {
  return send(method, path, form, std::move(idempotency_key), false);
}

ProviderResult<std::string> StripeProvider::send(const std::string& method, const std::string& path,
                                                 const Form& form, std::string idempotency_key,
                                                 bool as_platform) {
  HttpRequest request;
  request.method = method;
  request.url = config_.api_base + path;
  request.timeout = config_.timeout;
  std::string encoded = form.encode();
  if (method == "GET") {
    if (!encoded.empty()) request.url += "?" + encoded;
  } else {
    request.body = std::move(encoded);
    request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  }
  request.headers.push_back({"Authorization", "Bearer " + config_.secret_key});
  request.headers.push_back({"Stripe-Version", config_.api_version});
  request.headers.push_back({"User-Agent", "tollgate"});
  if (!as_platform && !config_.connected_account.empty())
    request.headers.push_back({"Stripe-Account", config_.connected_account});
  if (method == "POST") {
    // One key for the logical request, reused by every retry: Stripe replays the first outcome.
    if (idempotency_key.empty()) idempotency_key = "tollgate-" + tollgate::detail::random_hex(16);
    request.headers.push_back({"Idempotency-Key", idempotency_key});
  }
  for (int attempt = 0;; ++attempt) {
    auto response = transport_.send(request);
    bool retry;
    ProviderError failure;
    if (!response) {
      const TransportError& t = response.error();
      retry = t.kind == TransportErrorKind::connect || t.kind == TransportErrorKind::timeout ||
              t.kind == TransportErrorKind::io;
      const char* code = t.kind == TransportErrorKind::timeout   ? "timeout"
                         : t.kind == TransportErrorKind::tls     ? "tls"
                         : t.kind == TransportErrorKind::refused ? "refused"
                                                                 : "connection";
      failure = ProviderError{.http_status = 0,
                              .type = "transport",
                              .code = code,
                              .decline_code = "",
                              .message = t.message,
                              .request_id = "",
                              .retryable = retry};
    } else if (response->status >= 200 && response->status < 300) {
      return std::move(response->body);
    } else {
      retry = should_retry(*response);
      failure = error_from(*response);
    }
    if (!retry || attempt >= config_.max_retries) return unexpected(std::move(failure));
    config_.sleep(backoff(attempt + 1));
  }
}

// A customer's fields; the host's account id always goes into the metadata.
static Form customer_form(const CustomerInfo& info) {
  Form f;
  if (!info.email.empty()) f.set("email", info.email);
  if (!info.name.empty()) f.set("name", info.name);
  ProviderMetadata m = info.metadata;
  m["tollgate_account"] = info.account_id;
  return f.set("metadata", metadata_form(m));
}

ProviderResult<ProviderCustomer> StripeProvider::create_customer(const CustomerInfo& info) {
  return with_object(
      call("POST", "/v1/customers", customer_form(info), "tollgate-customer-" + info.account_id),
      [&](const json::object& o) -> ProviderResult<ProviderCustomer> {
        return ProviderCustomer{str(o, "id"), info.account_id};
      });
}

ProviderResult<ProviderCustomer> StripeProvider::update_customer(const std::string& customer_id,
                                                                 const CustomerInfo& info) {
  return with_object(
      call("POST", "/v1/customers/" + percent_encode(customer_id), customer_form(info)),
      [&](const json::object& o) -> ProviderResult<ProviderCustomer> {
        return ProviderCustomer{str(o, "id"), info.account_id};
      });
}

ProviderResult<SetupSession> StripeProvider::start_payment_method_setup(const SetupRequest& r) {
  Form f;
  f.set("mode", "setup").set("customer", r.customer_id).set("currency", lower(r.currency));
  f.set("success_url", r.success_url).set("cancel_url", r.cancel_url);
  f.set("client_reference_id", r.account_id);
  f.set("metadata", Form().set("tollgate_account", r.account_id));
  f.set("setup_intent_data", Form().set("metadata", Form().set("tollgate_account", r.account_id)));
  return with_object(call("POST", "/v1/checkout/sessions", f),
                     [](const json::object& o) -> ProviderResult<SetupSession> {
                       return SetupSession{str(o, "id"), str(o, "url")};
                     });
}

ProviderResult<SetupOutcome> StripeProvider::payment_method_setup_result(
    const std::string& session_id) {
  Form f;
  f.append("expand", "setup_intent");
  return with_object(call("GET", "/v1/checkout/sessions/" + percent_encode(session_id), f),
                     [](const json::object& o) -> ProviderResult<SetupOutcome> {
                       SetupOutcome out;
                       const json::value* si = o.if_contains("setup_intent");
                       std::string status =
                           si && si->is_object() ? str(si->get_object(), "status") : "";
                       if (status == "succeeded") {
                         out.status = SetupStatus::succeeded;
                         out.payment_method_id = str(si->get_object(), "payment_method");
                       } else if (status == "canceled" || str(o, "status") == "expired") {
                         out.status = SetupStatus::failed;
                       }
                       return out;
                     });
}

namespace {

// Stripe's price must charge what the catalog's package costs: a price id
// set in configuration that has drifted would sell credits at the wrong price.
ProviderResult<Ok> check_package_price(const json::object& price, std::int64_t amount,
                                       const std::string& currency, const std::string& price_id) {
  const json::value* unit = price.if_contains("unit_amount");
  bool same =
      unit && unit->is_int64() && unit->get_int64() == amount && str(price, "currency") == currency;
  if (!same)
    return local_error("price_mismatch", "Stripe price " + price_id + " does not charge " +
                                             std::to_string(amount) + " " + currency +
                                             " (the credit package's price in minor units)");
  return Ok{};
}

}  // namespace

ProviderResult<CheckoutSession> StripeProvider::start_credit_purchase(
    const CreditPurchaseRequest& r) {
  auto amount = to_minor_units(r.price);
  if (!amount) return local_error("amount", amount.error().message);
  std::string currency = lower(r.price.currency().code());
  if (r.ui == CheckoutUi::embedded_page && r.return_url.empty())
    return local_error("return_url", "an embedded Checkout page needs a return_url");
  Form item;
  item.set("quantity", 1);
  if (auto configured = config_.credit_package_prices.find(r.package);
      configured != config_.credit_package_prices.end()) {
    auto checked =
        with_object(call("GET", "/v1/prices/" + percent_encode(configured->second), Form()),
                    [&](const json::object& o) {
                      return check_package_price(o, *amount, currency, configured->second);
                    });
    if (!checked) return unexpected(std::move(checked).error());
    item.set("price", configured->second);
  } else {
    Form product;
    product.set("name", r.package);
    if (!r.description.empty()) product.set("description", r.description);
    Form price;
    price.set("currency", currency).set("unit_amount", *amount).set("product_data", product);
    item.set("price_data", price);
  }
  Form meta;
  meta.set("tollgate_account", r.account_id)
      .set("tollgate_package", r.package)
      .set("credits", r.credits.to_string());
  Form f;
  f.set("mode", "payment");
  if (!r.customer_id.empty()) f.set("customer", r.customer_id);
  f.append("line_items", item);
  if (r.ui == CheckoutUi::embedded_page)
    f.set("ui_mode", "embedded_page").set("return_url", r.return_url);
  else
    f.set("success_url", r.success_url).set("cancel_url", r.cancel_url);
  if (r.automatic_tax) {
    f.set("automatic_tax", Form().set("enabled", "true"));
    // Stripe Tax needs the customer's address: keep the one entered on the page.
    if (!r.customer_id.empty()) f.set("customer_update", Form().set("address", "auto"));
  }
  f.set("client_reference_id", r.account_id).set("metadata", meta);
  f.set("payment_intent_data", Form().set("metadata", meta));
  return with_object(call("POST", "/v1/checkout/sessions", f),
                     [](const json::object& o) -> ProviderResult<CheckoutSession> {
                       return CheckoutSession{str(o, "id"), str(o, "url"), str(o, "client_secret")};
                     });
}

ProviderResult<PortalSession> StripeProvider::start_customer_portal(const PortalRequest& r) {
  if (r.customer_id.empty()) return local_error("customer", "a portal session needs a customer");
  Form f;
  f.set("customer", r.customer_id);
  if (!r.return_url.empty()) f.set("return_url", r.return_url);
  return with_object(call("POST", "/v1/billing_portal/sessions", f),
                     [](const json::object& o) -> ProviderResult<PortalSession> {
                       return PortalSession{str(o, "id"), str(o, "url")};
                     });
}

namespace {

// A host's page with each `slot` ("{PAYMENT_INTENT}") standing for `id`.
std::string page_for(std::string url, const std::string& slot, const std::string& id) {
  for (auto at = url.find(slot); at != std::string::npos; at = url.find(slot, at + id.size()))
    url.replace(at, slot.size(), id);
  return url;
}

// Where the customer confirms intent `id`: the host's page when configured,
// else the page Stripe names for it in the intent, when it names one.
std::string confirmation_url(const std::string& page, const std::string& id,
                             const json::object* intent) {
  if (!page.empty()) return page_for(page, "{PAYMENT_INTENT}", id);
  if (!intent) return {};
  const json::value* next = intent->if_contains("next_action");
  if (!next || !next->is_object()) return {};
  const json::value* redirect = next->get_object().if_contains("redirect_to_url");
  return redirect && redirect->is_object() ? str(redirect->get_object(), "url") : std::string();
}

ChargeOutcome outcome_of(const json::object& o) {
  std::string status = str(o, "status");
  ChargeStatus s = status == "succeeded"         ? ChargeStatus::succeeded
                   : status == "requires_action" ? ChargeStatus::requires_action
                   : status == "canceled" || status == "requires_payment_method"
                       ? ChargeStatus::failed
                       : ChargeStatus::pending;
  std::string failure, code;
  if (const json::value* e = o.if_contains("last_payment_error"); e && e->is_object()) {
    failure = code = str(e->get_object(), "code");
    if (std::string decline = str(e->get_object(), "decline_code"); !decline.empty())
      failure += ": " + decline;
  }
  // Declined off-session for want of 3-D Secure (Stripe often sets the decline
  // code to the same word): the customer can still confirm it.
  if (status == "requires_payment_method" && code == "authentication_required")
    s = ChargeStatus::requires_action;
  return ChargeOutcome{str(o, "id"), s, failure, ""};
}

}  // namespace

ProviderResult<std::optional<ChargeOutcome>> StripeProvider::find_charge(const ChargeRequest& r) {
  const std::string attempt = std::to_string(r.attempt);
  std::string after;
  // Attempts are recent: a few pages of the customer's newest intents hold them.
  for (int page = 0; page < 10; ++page) {
    Form f;
    f.set("customer", r.customer_id).set("limit", 100);
    if (!after.empty()) f.set("starting_after", after);
    TOLLGATE_ASSIGN_OR_RETURN(auto body, call("GET", "/v1/payment_intents", f));
    auto list = parse_object(body);
    if (!list) return invalid_json(list.error().message);
    const json::value* data = list->if_contains("data");
    if (!data || !data->is_array() || data->get_array().empty()) break;
    for (const auto& pi : data->get_array()) {
      if (!pi.is_object()) continue;
      const json::value* m = pi.get_object().if_contains("metadata");
      if (m && m->is_object() && str(m->get_object(), "tollgate_invoice") == r.invoice_id &&
          str(m->get_object(), "tollgate_attempt") == attempt)
        return std::optional(outcome_of(pi.get_object()));
    }
    const json::value* more = list->if_contains("has_more");
    if (!more || !more->is_bool() || !more->get_bool()) break;
    after = str(data->get_array().back().get_object(), "id");
  }
  return std::optional<ChargeOutcome>();
}

ProviderResult<ChargeOutcome> StripeProvider::charge(const ChargeRequest& r) {
  // No card left on file (removed, never set up): declined here, as Stripe
  // would, so that dunning and its notices follow instead of a request error.
  if (r.payment_method_id.empty())
    return unexpected(ProviderError{.http_status = 402,
                                    .type = "card_error",
                                    .code = "payment_method_missing",
                                    .decline_code = "",
                                    .message = "the customer has no card on file",
                                    .request_id = "",
                                    .retryable = false});
  auto amount = to_minor_units(r.amount);
  if (!amount) return local_error("amount", amount.error().message);
  Form f;
  f.set("amount", *amount).set("currency", lower(r.amount.currency().code()));
  f.set("customer", r.customer_id).set("payment_method", r.payment_method_id);
  f.set("off_session", true).set("confirm", true);
  if (!r.description.empty()) f.set("description", r.description);
  auto fee = platform_fee(r.amount);
  if (!fee) return local_error("amount", fee.error().message);
  if (*fee > 0) f.set("application_fee_amount", *fee);
  f.set("metadata",
        Form().set("tollgate_invoice", r.invoice_id).set("tollgate_attempt", r.attempt));
  auto answered = with_object(call("POST", "/v1/payment_intents", f, charge_idempotency_key(r)),
                              [this](const json::object& o) -> ProviderResult<ChargeOutcome> {
                                ChargeOutcome out = outcome_of(o);
                                if (out.status == ChargeStatus::requires_action)
                                  out.action_url =
                                      confirmation_url(config_.confirmation_url, out.id, &o);
                                return out;
                              });
  // Off-session, Stripe declines a card that needs 3-D Secure instead of
  // asking: the intent stays, waiting for the customer to confirm it on-session.
  if (answered || answered.error().code != "authentication_required") return answered;
  TOLLGATE_ASSIGN_OR_RETURN(auto intent, find_charge(r));
  if (!intent) return answered;
  intent->status = ChargeStatus::requires_action;
  intent->failure = "authentication_required";
  intent->action_url = confirmation_url(config_.confirmation_url, intent->id, nullptr);
  return *intent;
}

ProviderResult<ChargeOutcome> StripeProvider::cancel_charge(const std::string& charge_id) {
  if (charge_id.empty()) return local_error("charge_id", "no PaymentIntent to cancel");
  const std::string path = "/v1/payment_intents/" + charge_id;
  // Only succeeded and canceled are final: an intent Stripe declined for
  // authentication (requires_payment_method) can still be confirmed.
  auto read = [](const json::object& o) -> ProviderResult<std::optional<ChargeOutcome>> {
    std::string status = str(o, "status");
    if (status != "succeeded" && status != "canceled") return std::optional<ChargeOutcome>();
    ChargeOutcome out = outcome_of(o);
    if (status == "canceled") out.failure = "authentication_required";
    return std::optional(out);
  };
  TOLLGATE_ASSIGN_OR_RETURN(auto before, with_object(call("GET", path, Form()), read));
  if (before) return *before;
  Form f;
  f.set("cancellation_reason", "abandoned");
  auto canceled =
      with_object(call("POST", path + "/cancel", f, "tollgate-cancel-" + charge_id), read);
  if (canceled && *canceled) return **canceled;
  // Confirmed between the two calls (Stripe refuses to cancel it): read how it ended.
  TOLLGATE_ASSIGN_OR_RETURN(auto after, with_object(call("GET", path, Form()), read));
  if (after) return *after;
  if (!canceled) return unexpected(canceled.error());
  return unexpected(ProviderError{.http_status = 0,
                                  .type = "api_error",
                                  .code = "cancel",
                                  .decline_code = "",
                                  .message = "PaymentIntent " + charge_id + " was not canceled",
                                  .request_id = "",
                                  .retryable = true});
}

ProviderResult<RefundOutcome> StripeProvider::refund(const RefundRequest& r) {
  Form f;
  f.set("payment_intent", r.charge_id);
  if (r.amount) {
    auto amount = to_minor_units(*r.amount);
    if (!amount) return local_error("amount", amount.error().message);
    f.set("amount", *amount);
  }
  return with_object(call("POST", "/v1/refunds", f, r.idempotency_key),
                     [](const json::object& o) -> ProviderResult<RefundOutcome> {
                       return RefundOutcome{str(o, "id"), str(o, "status")};
                     });
}

ProviderResult<Ok> StripeProvider::report_usage(const UsageReport& r) {
  Form payload;
  payload.set("stripe_customer_id", r.customer_id).set("value", r.quantity.to_string());
  Form f;
  f.set("event_name", r.metric).set("payload", payload).set("identifier", r.identifier);
  if (r.timestamp) f.set("timestamp", r.timestamp);
  TOLLGATE_RETURN_IF_ERROR(
      call("POST", "/v1/billing/meter_events", f, "tollgate-usage-" + r.identifier));
  return Ok{};
}

ProviderResult<std::vector<ProviderCustomer>> StripeProvider::list_customers(int page_size) {
  std::vector<ProviderCustomer> all;
  std::string after;
  for (;;) {
    Form f;
    f.set("limit", page_size);
    if (!after.empty()) f.set("starting_after", after);
    TOLLGATE_ASSIGN_OR_RETURN(auto body, call("GET", "/v1/customers", f));
    auto page = parse_object(body);
    if (!page) return invalid_json(page.error().message);
    const json::value* data = page->if_contains("data");
    if (!data || !data->is_array()) break;
    for (const auto& c : data->get_array()) {
      if (!c.is_object()) continue;
      std::string account;
      if (const json::value* m = c.get_object().if_contains("metadata"); m && m->is_object())
        account = str(m->get_object(), "tollgate_account");
      all.push_back({str(c.get_object(), "id"), account});
    }
    const json::value* more = page->if_contains("has_more");
    if (!more || !more->is_bool() || !more->get_bool() || data->get_array().empty()) break;
    after = all.back().id;
  }
  return all;
}

namespace {

// A Stripe meter's aggregation formula for a usage price's aggregation.
const char* meter_formula(Aggregation a) {
  switch (a) {
    case Aggregation::count:
      return "count";
    case Aggregation::latest:
      return "last";
    default:
      return "sum";
  }
}

// Adds a metered price's amounts for one usage price, in `currency`'s minor
// unit: per unit, per package, by tier, or an allowance then a unit price.
void add_usage_amounts(Form& f, const UsagePrice& usage, std::string_view currency) {
  auto amount = [&](const PriceByCurrency& p) {
    auto it = p.find(currency);
    return minor_unit_decimal(it == p.end() ? Decimal(0) : it->second, currency);
  };
  switch (usage.model) {
    case UsageModel::per_unit:
      f.set("unit_amount_decimal", amount(usage.unit_price));
      break;
    case UsageModel::package:
      f.set("unit_amount_decimal", amount(usage.package_price));
      f.set("transform_quantity",
            Form()
                .set("divide_by", usage.package_size.to_string())
                .set("round", usage.package_rounding == PackageRounding::up ? "up" : "down"));
      break;
    case UsageModel::graduated:
    case UsageModel::volume:
      f.set("billing_scheme", "tiered")
          .set("tiers_mode", usage.model == UsageModel::volume ? "volume" : "graduated");
      for (const auto& t : usage.tiers) {
        Form tier;
        tier.set("up_to", t.up_to ? t.up_to->to_string() : "inf");
        tier.set("unit_amount_decimal", amount(t.unit_price))
            .set("flat_amount_decimal", amount(t.flat_price));
        f.append("tiers", tier);
      }
      break;
    case UsageModel::overage:
      // The allowance is a free first tier (Stripe has no prorated allowance: the
      // engine's invoice stays the reference for partial periods).
      f.set("billing_scheme", "tiered").set("tiers_mode", "graduated");
      f.append("tiers",
               Form().set("up_to", usage.included.to_string()).set("unit_amount_decimal", "0"));
      f.append("tiers",
               Form().set("up_to", "inf").set("unit_amount_decimal", amount(usage.unit_price)));
      break;
  }
}

}  // namespace

Result<std::int64_t> StripeProvider::platform_fee(const Money& amount) const {
  if (config_.connected_account.empty()) return std::int64_t{0};
  Decimal fee =
      amount.amount() * config_.platform_fee_percent / Decimal(100) + config_.platform_fee_fixed;
  fee = amount.currency().round(fee, RoundingMode::half_up);
  if (amount.amount() < fee) fee = amount.amount();
  if (fee.sign() <= 0) return std::int64_t{0};
  return to_minor_units(Money(fee, amount.currency()));
}

ProviderResult<ConnectedAccount> StripeProvider::connected_account_status() {
  const std::string& id = config_.connected_account;
  if (id.empty()) return local_error("connected_account", "no connected account is configured");
  auto body = send("GET", "/v1/accounts/" + id, Form(), {}, true);
  if (!body && (body.error().http_status == 404 || body.error().code == "resource_missing" ||
                body.error().code == "account_invalid"))
    return unexpected(ProviderError{
        .http_status = body.error().http_status,
        .type = "invalid_request_error",
        .code = "account_missing",
        .decline_code = "",
        .message = "no Stripe account " + id +
                   " is connected to the platform: connect one before selling a paid tier",
        .request_id = body.error().request_id,
        .retryable = false});
  return with_object(
      std::move(body), [&](const json::object& o) -> ProviderResult<ConnectedAccount> {
        ConnectedAccount a;
        a.id = str(o, "id");
        auto flag = [&](const char* key) {
          const json::value* v = o.if_contains(key);
          return v && v->is_bool() && v->get_bool();
        };
        a.charges_enabled = flag("charges_enabled");
        a.details_submitted = flag("details_submitted");
        if (const json::value* req = o.if_contains("requirements"); req && req->is_object()) {
          a.disabled_reason = str(req->get_object(), "disabled_reason");
          if (const json::value* due = req->get_object().if_contains("currently_due");
              due && due->is_array())
            for (const auto& item : due->get_array())
              if (item.is_string()) a.currently_due.emplace_back(item.get_string());
        }
        return a;
      });
}

std::string StripeProvider::merchant_onboarding_url() const {
  if (config_.onboarding_url.empty()) return {};
  return page_for(config_.onboarding_url, "{ACCOUNT}", config_.connected_account);
}

ProviderResult<std::string> StripeProvider::onboarding_link(const std::string& refresh_url,
                                                            const std::string& return_url) {
  const std::string& id = config_.connected_account;
  if (id.empty()) return local_error("connected_account", "no connected account is configured");
  Form f;
  f.set("account", id)
      .set("type", "account_onboarding")
      .set("refresh_url", refresh_url)
      .set("return_url", return_url);
  // Single use and short-lived: each visit asks for a new one, so no idempotency key is reused.
  auto body = send("POST", "/v1/account_links", f, {}, true);
  return with_object(std::move(body), [](const json::object& o) -> ProviderResult<std::string> {
    return str(o, "url");
  });
}

ProviderResult<CatalogMapping> StripeProvider::publish_catalog(const Catalog& catalog,
                                                               std::string_view currency) {
  // A merchant's paid tier is sold on its own account: it must take charges first.
  if (!config_.connected_account.empty()) {
    TOLLGATE_ASSIGN_OR_RETURN(auto merchant, connected_account_status());
    if (!merchant.charges_enabled) {
      std::string why =
          merchant.disabled_reason.empty() ? "" : " (" + merchant.disabled_reason + ")";
      std::string due;
      for (const auto& item : merchant.currently_due) due += (due.empty() ? "" : ", ") + item;
      return unexpected(ProviderError{
          .http_status = 0,
          .type = "invalid_request_error",
          .code = "account_restricted",
          .decline_code = "",
          .message = "the Stripe account " + merchant.id + " cannot take charges yet" + why +
                     (due.empty() ? "" : "; Stripe still needs: " + due) +
                     ". Finish its onboarding at Stripe before selling a paid tier",
          .request_id = "",
          .retryable = false});
    }
  }
  CatalogMapping mapping;
  std::string cur = lower(currency), prefix = "tollgate-publish-" + catalog.name + "-";
  auto created_id = [](ProviderResult<std::string> body) -> ProviderResult<std::string> {
    return with_object(std::move(body), [](const json::object& o) -> ProviderResult<std::string> {
      return str(o, "id");
    });
  };
  for (const auto& product : catalog.products) {
    Form f;
    f.set("name", product.name).set("metadata", Form().set("tollgate_product", product.name));
    TOLLGATE_ASSIGN_OR_RETURN(
        auto id, created_id(call("POST", "/v1/products", f, prefix + "product-" + product.name)));
    mapping.products[product.name] = id;
  }
  for (const auto& plan : catalog.plans) {
    const std::string& product_id = mapping.products[plan.product];
    for (std::size_t i = 0; i < plan.phases.size(); ++i) {
      const Phase& phase = plan.phases[i];
      std::string key = plan.name + "/" + std::to_string(i);
      if (phase.recurring && phase.recurring->price.contains(currency)) {
        Form f;
        f.set("product", product_id).set("currency", cur);
        f.set("unit_amount_decimal",
              minor_unit_decimal(phase.recurring->price.find(currency)->second, currency));
        f.set("recurring", recurring_interval(phase.recurring->billing_period));
        f.set("metadata", Form()
                              .set("tollgate_plan", plan.name)
                              .set("tollgate_phase", std::string(to_string(phase.type))));
        TOLLGATE_ASSIGN_OR_RETURN(
            auto id, created_id(call(
                         "POST", "/v1/prices", f,
                         std::string(prefix).append("price-").append(key).append("/recurring"))));
        mapping.prices[key + "/recurring"] = id;
      }
      for (const auto& usage : phase.usages) {
        if (!mapping.meters.contains(usage.metric)) {
          Form m;
          m.set("display_name", usage.metric).set("event_name", usage.metric);
          m.set("default_aggregation", Form().set("formula", meter_formula(usage.aggregation)));
          TOLLGATE_ASSIGN_OR_RETURN(auto meter, created_id(call("POST", "/v1/billing/meters", m,
                                                                prefix + "meter-" + usage.metric)));
          mapping.meters[usage.metric] = meter;
        }
        Form recurring = recurring_interval(usage.billing_period);
        recurring.set("usage_type", "metered").set("meter", mapping.meters[usage.metric]);
        Form f;
        f.set("product", product_id).set("currency", cur).set("recurring", recurring);
        add_usage_amounts(f, usage, currency);
        f.set("metadata", Form().set("tollgate_plan", plan.name).set("tollgate_usage", usage.name));
        TOLLGATE_ASSIGN_OR_RETURN(
            auto id,
            created_id(call(
                "POST", "/v1/prices", f,
                std::string(prefix).append("price-").append(key).append("/").append(usage.name))));
        mapping.prices[key + "/" + usage.name] = id;
      }
    }
  }
  return mapping;
}

}  // namespace tollgate::stripe

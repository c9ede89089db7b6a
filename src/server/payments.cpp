// Payments, refunds and credits: Kill Bill's invoice payments (external ones:
// provider charges are made by the daily run), refunds of them, and account
// credits, over the core's Collections (balance.md).

#include "api.hpp"
#include "credentials.hpp"
#include "tollgate/collections.hpp"

namespace tollgate::server::detail {
namespace {

json::object transaction_json(const Payment& m, std::string_view currency) {
  std::string type = m.kind == PaymentKind::payment  ? "PURCHASE"
                     : m.kind == PaymentKind::refund ? "REFUND"
                                                     : "CHARGEBACK";
  // A won dispute gives the money back: a chargeback the other way.
  Decimal amount = m.kind == PaymentKind::chargeback_reversal ? -m.amount : m.amount;
  return json::object{{"transactionId", m.id},
                      {"transactionExternalKey", m.reference},
                      {"paymentId", m.kind == PaymentKind::payment ? m.id : m.payment_id},
                      {"paymentExternalKey", text_or_null(m.reference)},
                      {"transactionType", type},
                      {"amount", amount_json(amount)},
                      {"currency", currency},
                      {"effectiveDate", to_string(m.on) + "T00:00:00.000Z"},
                      {"processedAmount", amount_json(amount)},
                      {"processedCurrency", currency},
                      {"status", "SUCCESS"},
                      {"gatewayErrorCode", nullptr},
                      {"gatewayErrorMsg", nullptr},
                      {"firstPaymentReferenceId", text_or_null(m.reference)},
                      {"secondPaymentReferenceId", nullptr},
                      {"properties", nullptr},
                      {"auditLogs", json::array{}}};
}

// Kill Bill's InvoicePayment: one payment with its refunds and chargebacks as transactions.
json::object invoice_payment_json(const Payment& p, const std::vector<Payment>& movements,
                                  std::string_view currency) {
  json::array transactions{transaction_json(p, currency)};
  Decimal refunded;
  for (const auto& m : movements)
    if (m.kind != PaymentKind::payment && m.payment_id == p.id) {
      transactions.push_back(transaction_json(m, currency));
      if (m.kind == PaymentKind::refund) refunded += m.amount;
    }
  return json::object{{"targetInvoiceId", p.invoice_id},
                      {"accountId", p.account_id},
                      {"paymentId", p.id},
                      {"paymentNumber", nullptr},
                      {"paymentExternalKey", text_or_null(p.reference)},
                      {"authAmount", 0},
                      {"capturedAmount", 0},
                      {"purchasedAmount", amount_json(p.amount)},
                      {"refundedAmount", amount_json(refunded)},
                      {"creditedAmount", 0},
                      {"currency", currency},
                      {"paymentMethodId", p.method == kExternalPayment ? "EXTERNAL" : p.method},
                      {"transactions", std::move(transactions)},
                      {"paymentAttempts", nullptr},
                      {"auditLogs", json::array{}}};
}

// The payments of an account's invoices, as Kill Bill lists them.
Response payments_response(Server& s, const Ctx& ctx, const std::string& account_id,
                           const std::optional<std::string>& only_invoice) {
  auto account = shown_account(s, ctx, account_id);
  if (!account) return std::move(account).error();
  auto movements = s.billing.account_payments(account_id);
  if (!movements) return failure(movements.error());
  json::array out;
  for (const auto& p : *movements)
    if (p.kind == PaymentKind::payment && (!only_invoice || p.invoice_id == *only_invoice))
      out.push_back(invoice_payment_json(p, *movements, account->account.currency));
  return json_response(200, out);
}

// The tenant's invoice, or 404 (also when another tenant's account has it).
Result<StoredInvoice, Response> owned_invoice(Server& s, const Ctx& ctx, const std::string& id) {
  auto inv = s.billing.invoice(id);
  if (!inv || !s.tenants.object(ctx.tenant.id, ObjectType::account, inv->account_id))
    return unexpected(not_found("Invoice does not exist for id " + id));
  return std::move(inv).value();
}

Result<Payment, Response> owned_payment(Server& s, const Ctx& ctx, const std::string& id) {
  auto p = s.billing.payment(id);
  if (!p || !s.tenants.object(ctx.tenant.id, ObjectType::account, p->account_id))
    return unexpected(not_found("Payment does not exist for id " + id));
  return std::move(p).value();
}

// The account's date for a money movement: today, never before its last operation.
Result<Date, Response> money_date(Server& s, const Ctx& ctx, const std::string& account_id) {
  TOLLGATE_ASSIGN_OR_RETURN(auto view, account_view(s, ctx, account_id));
  return today_for(view);
}

}  // namespace

Response create_instant_payment(Server& s, Ctx& ctx) {
  auto invoice = owned_invoice(s, ctx, ctx.param("invoiceId"));
  if (!invoice) return std::move(invoice).error();
  if (ctx.query.get("externalPayment") != "true")
    return bad_request(
        "externalPayment: only external payments are recorded here; the daily run (tollgate run) "
        "charges invoices through the account's payment provider");
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  ObjectReader r(*body, "$", problems);
  auto account_id = r.string("accountId");
  const json::value* amount_field = r.field("purchasedAmount", true);
  auto target = r.string("targetInvoiceId");
  auto key = r.text("paymentExternalKey");
  accept_fields(r, {"paymentId", "paymentNumber", "authAmount", "capturedAmount", "refundedAmount",
                    "creditedAmount", "currency", "paymentMethodId", "transactions",
                    "paymentAttempts", "auditLogs"});
  r.reject_unknown_fields();
  std::optional<Decimal> amount;
  if (amount_field) amount = read_amount(*amount_field, "purchasedAmount", problems);
  if (account_id && *account_id != invoice->account_id)
    r.problem("accountId", "is not the account of invoice " + invoice->id);
  if (target && *target != invoice->id)
    r.problem("targetInvoiceId", "is not the invoice of the path");
  if (auto bad = problems_response(problems)) return *bad;
  auto on = money_date(s, ctx, invoice->account_id);
  if (!on) return std::move(on).error();
  Collections money(s.service);
  auto paid = money.pay({invoice->id, *amount, key.value_or(uuid4()), *on});
  if (!paid) return failure(paid.error());
  if (auto au = s.tenants.append_audit(
          ctx.tenant.id, ctx.audit(ObjectType::account, invoice->account_id, "INSERT"));
      !au)
    return failure(au.error());
  return created(ctx, "/1.0/kb/invoicePayments/" + paid->id);
}

Response invoice_payments(Server& s, Ctx& ctx) {
  auto invoice = owned_invoice(s, ctx, ctx.param("invoiceId"));
  if (!invoice) return std::move(invoice).error();
  return payments_response(s, ctx, invoice->account_id, invoice->id);
}

Response account_payments(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  return payments_response(s, ctx, owner->id, std::nullopt);
}

Response get_payment(Server& s, Ctx& ctx) {
  auto p = owned_payment(s, ctx, ctx.param("paymentId"));
  if (!p) return std::move(p).error();
  auto movements = s.billing.payments_of(p->invoice_id);
  if (!movements) return failure(movements.error());
  auto account = s.billing.account(p->account_id);
  if (!account) return failure(account.error());
  return json_response(200, invoice_payment_json(*p, *movements, account->account.currency));
}

Response refund_payment(Server& s, Ctx& ctx) {
  auto p = owned_payment(s, ctx, ctx.param("paymentId"));
  if (!p) return std::move(p).error();
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  ObjectReader r(*body, "$", problems);
  const json::value* amount_field = r.field("amount", true);
  auto key = r.text("transactionExternalKey");
  accept_fields(
      r, {"transactionId", "paymentId", "paymentExternalKey", "transactionType", "currency",
          "effectiveDate", "processedAmount", "processedCurrency", "status", "gatewayErrorCode",
          "gatewayErrorMsg", "firstPaymentReferenceId", "secondPaymentReferenceId", "properties",
          "isAdjusted", "adjustments", "auditLogs"});
  r.reject_unknown_fields();
  std::optional<Decimal> amount;
  if (amount_field) amount = read_amount(*amount_field, "amount", problems);
  if (auto bad = problems_response(problems)) return *bad;
  auto on = money_date(s, ctx, p->account_id);
  if (!on) return std::move(on).error();
  Collections money(s.service);
  // No provider here: a provider's payment is refunded with `tollgate refund --provider`.
  auto back = money.refund({p->id, *amount, *on, key.value_or("")});
  if (!back) return failure(back.error());
  return created(ctx, "/1.0/kb/invoicePayments/" + p->id);
}

Response create_credits(Server& s, Ctx& ctx) {
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  if (!body->is_array()) return bad_request("$: must be an array of invoice items");
  json::array out;
  for (std::size_t i = 0; i < body->as_array().size(); ++i) {
    Problems problems;
    ObjectReader r(body->as_array()[i], tollgate::detail::path_index("$", i), problems);
    auto account_id = r.string("accountId", true);
    const json::value* amount_field = r.field("amount", true);
    auto description = r.text("description");
    accept_fields(r, {"invoiceItemId",
                      "invoiceId",
                      "linkedInvoiceItemId",
                      "childAccountId",
                      "bundleId",
                      "subscriptionId",
                      "productName",
                      "planName",
                      "phaseName",
                      "usageName",
                      "prettyProductName",
                      "prettyPlanName",
                      "prettyPhaseName",
                      "prettyUsageName",
                      "itemType",
                      "startDate",
                      "endDate",
                      "rate",
                      "currency",
                      "quantity",
                      "itemDetails",
                      "catalogEffectiveDate",
                      "childItems",
                      "auditLogs"});
    r.reject_unknown_fields();
    std::optional<Decimal> amount;
    if (amount_field) amount = read_amount(*amount_field, r.path_of("amount"), problems);
    if (auto bad = problems_response(problems)) return *bad;
    auto owner = owned(s, ctx, ObjectType::account, *account_id);
    if (!owner) return std::move(owner).error();
    auto on = money_date(s, ctx, owner->id);
    if (!on) return std::move(on).error();
    Collections money(s.service);
    auto issued = money.credit(owner->id, *amount, description.value_or("credit"), *on, ctx.now);
    if (!issued) return failure(issued.error());
    json::object invoice =
        invoice_json(s, ctx, issued->invoice, owner->id, issued->id, "COMMITTED");
    for (auto& item : invoice.at("items").as_array())
      if (item.at("itemType") == "CREDIT_ADJ") out.push_back(item);
  }
  return json_response(201, out);
}

Response get_credit(Server& s, Ctx& ctx) {
  // A credit's id is its invoice item's: "<invoice id>-<position>".
  const std::string& id = ctx.param("creditId");
  auto dash = id.rfind('-');
  if (dash == std::string::npos) return not_found("Credit does not exist for id " + id);
  auto invoice = owned_invoice(s, ctx, id.substr(0, dash));
  if (!invoice) return not_found("Credit does not exist for id " + id);
  json::object j =
      invoice_json(s, ctx, invoice->invoice, invoice->account_id, invoice->id, "COMMITTED");
  for (auto& item : j.at("items").as_array())
    if (item.at("invoiceItemId") == json::value(id) && item.at("itemType") == "CREDIT_ADJ")
      return json_response(200, item);
  return not_found("Credit does not exist for id " + id);
}

namespace {

constexpr std::string_view kExternalPlugin = "__EXTERNAL_PAYMENT__";
constexpr std::string_view kStripePlugin = "killbill-stripe";

// A payment method as Kill Bill shows it; its card, when the provider
// described it, as the plugin properties Kill Bill's card plugins use, masked.
json::object method_json(const PaymentMethod& m, const std::optional<Card>& card) {
  json::array properties;
  if (!m.customer_id.empty())
    properties.push_back(
        json::object{{"key", "customerId"}, {"value", m.customer_id}, {"isUpdatable", false}});
  if (!m.method_id.empty())
    properties.push_back(
        json::object{{"key", "paymentMethodId"}, {"value", m.method_id}, {"isUpdatable", false}});
  if (card) {
    auto property = [&](const char* key, std::string value) {
      properties.push_back(
          json::object{{"key", key}, {"value", std::move(value)}, {"isUpdatable", false}});
    };
    property("ccType", card->brand);
    property("ccLast4", card->last4);
    property("ccExpirationMonth", std::to_string(card->exp_month));
    property("ccExpirationYear", std::to_string(card->exp_year));
    property("card", masked(*card));
  }
  return json::object{
      {"paymentMethodId", m.id},
      {"externalKey", text_or_null(m.external_key)},
      {"accountId", m.account_id},
      {"isDefault", m.is_default},
      {"pluginName", m.plugin},
      {"pluginInfo", json::object{{"externalPaymentMethodId", text_or_null(m.method_id)},
                                  {"isDefaultPaymentMethod", m.is_default},
                                  {"properties", std::move(properties)}}},
      {"auditLogs", json::array{}}};
}

Result<std::optional<Card>> card_of(Server& s, const PaymentMethod& m) {
  if (m.method_id.empty()) return std::optional<Card>();
  return s.billing.card_of(m.method_id);
}

Result<PaymentMethod, Response> owned_method(Server& s, const Ctx& ctx, const std::string& id) {
  auto m = s.billing.payment_method(id);
  if (!m || !s.tenants.object(ctx.tenant.id, ObjectType::account, m->account_id))
    return unexpected(not_found("PaymentMethod does not exist for id " + id));
  return std::move(m).value();
}

}  // namespace

Response add_payment_method(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  ObjectReader r(*body, "$", problems);
  auto plugin = r.string("pluginName", true);
  auto external_key = r.text("externalKey");
  auto account_id = r.string("accountId");
  auto is_default = r.boolean("isDefault");
  PaymentMethod m;
  m.id = uuid4();
  m.account_id = owner->id;
  m.external_key = external_key.value_or("");
  if (const json::value* info = r.field("pluginInfo")) {
    ObjectReader i(*info, r.path_of("pluginInfo"), problems);
    if (auto pm = i.string("externalPaymentMethodId")) m.method_id = *pm;
    accept_fields(i, {"isDefaultPaymentMethod"});
    if (const json::array* props = i.array("properties")) {
      for (std::size_t k = 0; k < props->size(); ++k) {
        ObjectReader p((*props)[k], tollgate::detail::path_index(i.path_of("properties"), k),
                       problems);
        auto key = p.string("key", true);
        auto value = p.text("value", true);
        accept_fields(p, {"isUpdatable"});
        p.reject_unknown_fields();
        if (!key || !value) continue;
        // The Stripe plugin's names for the customer and the payment method (a token).
        if (*key == "customerId" || *key == "stripeCustomerId" || *key == "customer")
          m.customer_id = *value;
        else if (*key == "paymentMethodId" || *key == "token" || *key == "sourceId")
          m.method_id = *value;
      }
    }
    i.reject_unknown_fields();
  }
  accept_fields(r, {"paymentMethodId", "auditLogs"});
  r.reject_unknown_fields();
  if (plugin && *plugin != kExternalPlugin && *plugin != kStripePlugin)
    r.problem("pluginName", "\"" + *plugin + "\" is not a payment plugin here (" +
                                std::string(kExternalPlugin) + " or " + std::string(kStripePlugin) +
                                ")");
  if (account_id && *account_id != owner->id)
    r.problem("accountId", "is not the account of the path");
  if (plugin && *plugin == kStripePlugin) {
    if (m.method_id.rfind("pm_", 0) != 0)
      r.problem("pluginInfo.properties",
                "a Stripe payment method needs its paymentMethodId (\"pm_...\")");
    auto stored = s.billing.account(owner->id);
    if (m.customer_id.empty() && (!stored || stored->customer_id.empty()))
      r.problem("pluginInfo.properties",
                "a Stripe payment method needs its customerId (\"cus_...\")");
  }
  if (auto bad = problems_response(problems)) return *bad;
  m.plugin = *plugin;
  auto on = money_date(s, ctx, owner->id);
  if (!on) return std::move(on).error();
  bool make_default = is_default.value_or(false) || ctx.query.get("isDefault") == "true";
  if (auto added = s.service.add_payment_method(m, make_default, *on, ctx.now); !added)
    return failure(added.error());
  return audit_and(s, ctx, *owner, created(ctx, "/1.0/kb/paymentMethods/" + m.id));
}

Response account_payment_methods(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  auto methods = s.billing.payment_methods(owner->id);
  if (!methods) return failure(methods.error());
  json::array out;
  for (const auto& m : *methods) {
    auto card = card_of(s, m);
    if (!card) return failure(card.error());
    out.push_back(method_json(m, *card));
  }
  return json_response(200, out);
}

Response get_payment_method(Server& s, Ctx& ctx) {
  auto m = owned_method(s, ctx, ctx.param("paymentMethodId"));
  if (!m) return std::move(m).error();
  auto card = card_of(s, *m);
  if (!card) return failure(card.error());
  return json_response(200, method_json(*m, *card));
}

// Kill Bill's DELETE /paymentMethods/{id}. The account's default goes only
// when asked for as such: deleteDefaultPmWithAutoPayOff also tags the account
// AUTO_PAY_OFF (its invoices wait for a payment), forceDefaultPmDeletion does
// not. Either way the account has nothing to charge until another is set.
Response delete_payment_method(Server& s, Ctx& ctx) {
  auto m = owned_method(s, ctx, ctx.param("paymentMethodId"));
  if (!m) return std::move(m).error();
  auto owner = owned(s, ctx, ObjectType::account, m->account_id);
  if (!owner) return std::move(owner).error();
  bool auto_pay_off = ctx.query.get("deleteDefaultPmWithAutoPayOff") == "true";
  bool force = ctx.query.get("forceDefaultPmDeletion") == "true";
  if (auto r = s.service.remove_payment_method(owner->id, m->id, auto_pay_off || force, ctx.now);
      !r)
    return failure(r.error());  // a default not asked for as such: 400
  if (m->is_default && auto_pay_off) {
    static constexpr char kAutoPayOff[] = "00000000-0000-0000-0000-000000000001";
    if (auto tagged = s.tenants.add_tag(ctx.tenant.id,
                                        Tag{uuid4(), owner->id, ObjectType::account, kAutoPayOff});
        !tagged)
      return failure(tagged.error());
    if (auto synced = sync_account_controls(s, ctx, owner->id); !synced)
      return std::move(synced).error();
  }
  return audit_and(s, ctx, *owner, no_content());
}

Response set_default_payment_method(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  auto m = owned_method(s, ctx, ctx.param("paymentMethodId"));
  if (!m) return std::move(m).error();
  if (m->account_id != owner->id)
    return not_found("PaymentMethod does not exist for id " + ctx.param("paymentMethodId"));
  auto on = money_date(s, ctx, owner->id);
  if (!on) return std::move(on).error();
  if (auto r = s.service.set_default_payment_method(owner->id, m->id, *on, ctx.now); !r)
    return failure(r.error());
  return no_content();
}

}  // namespace tollgate::server::detail

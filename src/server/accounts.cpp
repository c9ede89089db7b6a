// Accounts, their invoices, and dry runs.

#include <cctype>
#include <map>

#include "api.hpp"
#include "credentials.hpp"
#include "tollgate/collections.hpp"

namespace tollgate::server::detail {
namespace {

// Kill Bill's fields of Account that Tollgate keeps no value for: accepted, not stored.
constexpr std::string_view kIgnoredAccountFields[] = {"accountId",
                                                      "firstNameLength",
                                                      "parentAccountId",
                                                      "isPaymentDelegatedToParent",
                                                      "paymentMethodId",
                                                      "referenceTime",
                                                      "address1",
                                                      "address2",
                                                      "postalCode",
                                                      "company",
                                                      "city",
                                                      "state",
                                                      "country",
                                                      "locale",
                                                      "phone",
                                                      "notes",
                                                      "isMigrated",
                                                      "accountBalance",
                                                      "accountCBA",
                                                      "auditLogs"};

struct AccountFields {
  std::optional<std::string> name, external_key, email, currency, time_zone;
  std::optional<std::int64_t> bill_cycle_day;
};

Result<AccountFields, Response> read_account(const Ctx& ctx) {
  TOLLGATE_ASSIGN_OR_RETURN(auto body, parse_body(ctx));
  Problems problems;
  ObjectReader r(body, "$", problems);
  AccountFields f;
  f.name = r.text("name");
  f.external_key = r.text("externalKey");
  f.email = r.text("email");
  f.currency = r.string("currency");
  f.time_zone = r.string("timeZone");
  f.bill_cycle_day = r.integer("billCycleDayLocal", false, 0, 31);
  for (auto name : kIgnoredAccountFields) r.field(name);
  r.reject_unknown_fields();
  if (f.currency && !Currency(*f.currency).ok())
    problems.push_back({"currency", "unknown ISO 4217 currency \"" + *f.currency + "\""});
  if (f.time_zone && !TimeZone::locate(*f.time_zone))
    problems.push_back({"timeZone", "unknown time zone \"" + *f.time_zone + "\""});
  if (auto bad = problems_response(problems)) return unexpected(*bad);
  return f;
}

Response account_response(Server& s, const Ctx& ctx, const OwnedObject& owner) {
  auto stored = shown_account(s, ctx, owner.id);
  if (!stored) return std::move(stored).error();
  StoredAccount shown = std::move(stored).value();
  bool bound = !shown.catalog.empty();  // an unbound account has billed nothing yet
  if (bound) {
    // The engine's: a first subscription sets it, a BCD change moves it.
    auto bcd = s.service.bill_cycle_day(owner.id);
    if (!bcd) return failure(bcd.error());
    shown.account.bill_cycle_day = *bcd;
  }
  json::object j = account_json(shown, owner);
  auto methods = s.billing.payment_methods(owner.id);
  if (!methods) return failure(methods.error());
  for (const auto& m : *methods)
    if (m.is_default) j["paymentMethodId"] = m.id;
  bool with_cba = ctx.query.get("accountWithBalanceAndCBA") == "true";
  if (with_cba || ctx.query.get("accountWithBalance") == "true") {
    AccountStatement statement;
    if (bound) {
      auto read = Collections(s.service).statement(owner.id);
      if (!read) return failure(read.error());
      statement = std::move(read).value();
    }
    j["accountBalance"] = amount_json(statement.balance);
    if (with_cba) j["accountCBA"] = amount_json(statement.credit);
  }
  return json_response(200, j);
}

}  // namespace

json::object account_json(const StoredAccount& stored, const OwnedObject& owner) {
  return json::object{{"accountId", owner.id},
                      {"name", text_or_null(owner.name)},
                      {"externalKey", owner.external_key},
                      {"email", text_or_null(owner.email)},
                      {"billCycleDayLocal", stored.account.bill_cycle_day.value_or(0)},
                      {"currency", text_or_null(std::string(stored.account.currency.code()))},
                      {"parentAccountId", nullptr},
                      {"isPaymentDelegatedToParent", false},
                      {"paymentMethodId", nullptr},
                      {"referenceTime", iso_instant(owner.created_at)},
                      {"timeZone", stored.account.time_zone},
                      {"isMigrated", false},
                      {"auditLogs", json::array{}}};
}

Response create_account(Server& s, Ctx& ctx) {
  auto fields = read_account(ctx);
  if (!fields) return std::move(fields).error();
  UnboundAccount a;
  a.id = uuid4();
  a.tenant_id = ctx.tenant.id;
  a.currency = fields->currency.value_or("");
  a.time_zone = fields->time_zone.value_or("UTC");
  if (fields->bill_cycle_day > 0) a.bill_cycle_day = static_cast<int>(*fields->bill_cycle_day);
  // Whose billing rules judge this account: Tollgate's header (Kill Bill has no such notion).
  std::string organization = ctx.request.header("x-tollgate-organization");
  a.organization_id = organization.empty() ? kDefaultOrganization : organization;

  // Kill Bill makes an account before its tenant has a catalog, and its
  // currency may come later: such an account waits, unbound, for the catalog.
  if (ctx.tenant.catalog_version.empty()) {
    if (auto put = s.tenants.put_unbound_account(a); !put) return failure(put.error());
  } else if (auto bound = bind_account(s, ctx, a); !bound) {
    return std::move(bound).error();
  }
  OwnedObject owner{a.id,
                    ctx.tenant.id,
                    ObjectType::account,
                    a.id,
                    "",
                    fields->external_key.value_or(""),
                    fields->name.value_or(""),
                    fields->email.value_or(""),
                    ctx.now};
  if (auto put = s.tenants.put_object(owner); !put) return failure(put.error());
  if (auto au =
          s.tenants.append_audit(ctx.tenant.id, ctx.audit(ObjectType::account, owner.id, "INSERT"));
      !au)
    return failure(au.error());
  return created(ctx, "/1.0/kb/accounts/" + owner.id);
}

Result<StoredAccount, Response> bind_account(Server& s, const Ctx& ctx, const UnboundAccount& u) {
  if (ctx.tenant.catalog_version.empty())
    return unexpected(bad_request("account " + u.id +
                                  " has no catalog yet, and neither has its tenant: upload one "
                                  "(POST /1.0/tollgate/catalog)"));
  auto catalog = s.service.catalog(ctx.tenant.catalog_version);
  if (!catalog) return unexpected(failure(catalog.error()));
  StoredAccount a;
  a.account.id = u.id;
  a.account.currency = u.currency.empty() ? Currency((*catalog)->currencies.front()) : u.currency;
  a.account.time_zone = u.time_zone;
  a.account.bill_cycle_day = u.bill_cycle_day;
  a.catalog = ctx.tenant.catalog_version;
  a.organization = {u.organization_id, u.tenant_id};
  if (auto opened = s.service.open_account(a); !opened) {
    if (opened.error().code == errors::engine_currency)
      return unexpected(bad_request("currency: " + opened.error().message,
                                    {{"currency", opened.error().message}}));
    // Another worker bound it first: its row is the account.
    if (opened.error().code == errors::store_conflict)
      if (auto theirs = s.billing.account(u.id)) return std::move(theirs).value();
    return unexpected(failure(opened.error()));
  }
  if (auto gone = s.tenants.remove_unbound_account(u.tenant_id, u.id); !gone)
    return unexpected(failure(gone.error()));
  return a;
}

namespace {

// The account's unbound record, when the billing store has no row for it
// (`missing` is why); otherwise that error, as the store gave it.
Result<UnboundAccount, Response> unbound_of(Server& s, const Ctx& ctx, const std::string& id,
                                            const Error& missing) {
  if (missing.code == errors::store_not_found)
    if (auto u = s.tenants.unbound_account(ctx.tenant.id, id)) return std::move(u).value();
  return unexpected(failure(missing));
}

}  // namespace

Result<StoredAccount, Response> billing_account(Server& s, const Ctx& ctx, const std::string& id) {
  auto stored = s.billing.account(id);
  if (stored) return std::move(stored).value();
  TOLLGATE_ASSIGN_OR_RETURN(auto waiting, unbound_of(s, ctx, id, stored.error()));
  TOLLGATE_ASSIGN_OR_RETURN(auto bound, bind_account(s, ctx, waiting));
  // Tags put on it while it waited take effect now.
  TOLLGATE_RETURN_IF_ERROR(sync_account_controls(s, ctx, id));
  if (bound.controls == AccountControls{}) return bound;
  auto reread = s.billing.account(id);
  if (!reread) return unexpected(failure(reread.error()));
  return std::move(reread).value();
}

Result<StoredAccount, Response> shown_account(Server& s, const Ctx& ctx, const std::string& id) {
  auto stored = s.billing.account(id);
  if (stored) return std::move(stored).value();
  TOLLGATE_ASSIGN_OR_RETURN(auto waiting, unbound_of(s, ctx, id, stored.error()));
  StoredAccount shown;
  shown.account.id = id;
  shown.account.currency = waiting.currency;
  shown.account.time_zone = waiting.time_zone;
  shown.account.bill_cycle_day = waiting.bill_cycle_day;
  shown.organization = {waiting.organization_id, waiting.tenant_id};
  return shown;
}

Response get_account(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  return account_response(s, ctx, *owner);
}

// Kill Bill's AccountTimelineJson: the account, its bundles (with their
// subscriptions' events), invoices and payments, each exactly as its own
// endpoint answers it. The answers are joined as JSON text, so amounts stay
// the exact decimals they were written as.
Response account_timeline(Server& s, Ctx& ctx) {
  std::string body = "{";
  for (auto [name, part] :
       {std::pair{"account", &get_account}, std::pair{"bundles", &account_bundles},
        std::pair{"invoices", &account_invoices}, std::pair{"payments", &account_payments}}) {
    Response r = part(s, ctx);
    if (r.status != 200) return r;
    body += (body.size() > 1 ? ",\"" : "\"") + std::string(name) + "\":" + r.body;
  }
  return Response{200, {{"Content-Type", "application/json"}}, body + "}"};
}

// Kill Bill's OverdueStateJson. Tollgate's dunning has one state past clear:
// the account is overdue once its retries ran out, until it pays.
Response account_overdue(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  auto account = shown_account(s, ctx, owner->id);
  if (!account) return std::move(account).error();
  bool overdue = account->overdue;
  bool blocked = overdue && s.service.overdue_access() == OverdueAccess::block &&
                 !account->controls.overdue_enforcement_off;
  return json_response(
      200, json::object{{"name", overdue ? "OVERDUE" : "__KILLBILL__CLEAR__OVERDUE_STATE__"},
                        {"externalMessage", overdue ? "a payment is overdue" : ""},
                        {"isDisableEntitlementAndChangesBlocked", blocked},
                        {"isBlockChanges", blocked},
                        {"isClearState", !overdue},
                        {"reevaluationIntervalDays", nullptr}});
}

namespace {

json::array emails_json(const std::string& account_id, const std::vector<std::string>& emails) {
  json::array out;
  for (const auto& e : emails)
    out.push_back(
        json::object{{"accountId", account_id}, {"email", e}, {"auditLogs", json::array{}}});
  return out;
}

}  // namespace

// An account's contact emails (Kill Bill's AccountEmailJson).
Response account_emails(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  auto emails = s.tenants.account_emails(ctx.tenant.id, owner->id);
  if (!emails) return failure(emails.error());
  return json_response(200, emails_json(owner->id, *emails));
}

Response add_account_email(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  ObjectReader r(*body, "$", problems);
  auto email = r.text("email", true);
  auto account_id = r.text("accountId");
  accept_fields(r, {"auditLogs"});
  r.reject_unknown_fields();
  if (account_id && *account_id != owner->id)
    r.problem("accountId", "names another account than the path");
  // Light on purpose (Kill Bill takes any text): a name, an @, a domain.
  if (email &&
      (email->find('@') == std::string::npos || email->front() == '@' || email->back() == '@'))
    r.problem("email", "\"" + *email + "\" is not an email address (name@domain)");
  if (auto bad = problems_response(problems)) return *bad;
  if (auto added = s.tenants.add_account_email(ctx.tenant.id, owner->id, *email); !added)
    return failure(added.error());
  return audit_and(s, ctx, *owner, created(ctx, "/1.0/kb/accounts/" + owner->id + "/emails"));
}

Response remove_account_email(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  if (auto gone = s.tenants.remove_account_email(ctx.tenant.id, owner->id, ctx.param("email"));
      !gone)
    return failure(gone.error());
  return audit_and(s, ctx, *owner, no_content());
}

namespace {

// A page of the tenant's accounts, or of those `search` finds.
Response account_list(Server& s, Ctx& ctx, const std::optional<std::string>& search) {
  return object_list(s, ctx, ObjectType::account, search,
                     [&](const OwnedObject& owner) -> Result<json::value, Response> {
                       TOLLGATE_ASSIGN_OR_RETURN(auto stored, shown_account(s, ctx, owner.id));
                       return json::value(account_json(stored, owner));
                     });
}

}  // namespace

Response accounts_page(Server& s, Ctx& ctx) {
  return account_list(s, ctx, std::nullopt);
}

Response search_accounts(Server& s, Ctx& ctx) {
  return account_list(s, ctx, ctx.param("searchKey"));
}

Response get_account_by_key(Server& s, Ctx& ctx) {
  auto key = ctx.query.get("externalKey");
  if (!key || key->empty()) return bad_request("externalKey: required query parameter is missing");
  auto owner = s.tenants.object_by_key(ctx.tenant.id, ObjectType::account, *key);
  if (!owner)
    return owner.error().code == errors::store_not_found
               ? not_found("Account does not exist for key " + *key)
               : failure(owner.error());
  return account_response(s, ctx, *owner);
}

namespace {

// A PUT's name and email, and its audit entry.
Response update_owner(Server& s, const Ctx& ctx, const OwnedObject& owner,
                      const AccountFields& fields) {
  OwnedObject updated = owner;
  if (fields.name) updated.name = *fields.name;
  if (fields.email) updated.email = *fields.email;
  if (auto p = s.tenants.put_object(updated); !p) return failure(p.error());
  return audit_and(s, ctx, owner, no_content());
}

// A PUT on an account that waits for its tenant's catalog: nothing was billed,
// so currency, zone and bill cycle day all may change. Once the tenant has a
// catalog, the account is bound with them.
Result<Ok, Response> update_unbound(Server& s, const Ctx& ctx, UnboundAccount waiting,
                                    const AccountFields& fields) {
  if (fields.currency) waiting.currency = *fields.currency;
  if (fields.time_zone) waiting.time_zone = *fields.time_zone;
  if (fields.bill_cycle_day > 0) waiting.bill_cycle_day = static_cast<int>(*fields.bill_cycle_day);
  if (auto put = s.tenants.put_unbound_account(waiting); !put)
    return unexpected(failure(put.error()));
  if (ctx.tenant.catalog_version.empty()) return Ok{};
  TOLLGATE_RETURN_IF_ERROR(billing_account(s, ctx, waiting.id));
  return Ok{};
}

}  // namespace

Response update_account(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  auto fields = read_account(ctx);
  if (!fields) return std::move(fields).error();
  if (fields->external_key && *fields->external_key != owner->external_key)
    return bad_request("externalKey: an account's external key cannot change",
                       {{"externalKey", "cannot change"}});
  auto billed = s.billing.account(owner->id);
  if (!billed) {
    auto waiting = unbound_of(s, ctx, owner->id, billed.error());
    if (!waiting) return std::move(waiting).error();
    if (auto r = update_unbound(s, ctx, *waiting, *fields); !r) return std::move(r).error();
    return update_owner(s, ctx, *owner, *fields);
  }
  auto view = account_view(s, ctx, owner->id);
  if (!view) return std::move(view).error();
  StoredAccount stored = view->stored;
  bool has_history = view->last_operation.has_value();

  // The journal is replayed in the account's currency and zone: once it holds
  // anything, changing them would rewrite history.
  Problems problems;
  if (fields->currency && *fields->currency != stored.account.currency) {
    if (has_history)
      problems.push_back({"currency", "cannot change once the account has subscriptions"});
    stored.account.currency = *fields->currency;
  }
  if (fields->time_zone && *fields->time_zone != stored.account.time_zone) {
    if (has_history)
      problems.push_back({"timeZone", "cannot change once the account has subscriptions"});
    stored.account.time_zone = *fields->time_zone;
  }
  if (auto bad = problems_response(problems)) return *bad;

  std::optional<int> bcd;
  if (fields->bill_cycle_day && *fields->bill_cycle_day > 0 &&
      *fields->bill_cycle_day != view->engine.account().bill_cycle_day.value_or(0))
    bcd = static_cast<int>(*fields->bill_cycle_day);
  if (bcd && !has_history) stored.account.bill_cycle_day = bcd;
  if (auto u = s.billing.update_account(stored); !u) return failure(u.error());
  if (bcd && has_history) {
    // A running account moves its bill cycle day from the end of the period already billed.
    Operation op;
    op.date = view->today;
    op.type = OperationType::bill_cycle_day;
    op.day = *bcd;
    if (auto a = apply(s, ctx, owner->id, op, ObjectType::account, owner->id, "UPDATE"); !a)
      return std::move(a).error();
  }
  return update_owner(s, ctx, *owner, *fields);
}

Response account_bundles(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  auto bundles = s.tenants.objects(ctx.tenant.id, ObjectType::bundle,
                                   TenantStore::Query::of_account(owner->id));
  if (!bundles) return failure(bundles.error());
  auto key = ctx.query.get("externalKey");
  auto filter = ctx.query.all("bundlesFilter");
  json::array out;
  AccountViews views;  // the account is replayed once, not once a bundle
  for (const auto& b : *bundles) {
    if (key && b.external_key != *key) continue;
    if (!filter.empty() && std::find(filter.begin(), filter.end(), b.id) == filter.end()) continue;
    auto j = bundle_json(s, ctx, b, &views);
    if (!j) return std::move(j).error();
    out.push_back(std::move(j).value());
  }
  return json_response(200, out);
}

// One item as Kill Bill's client reads it; the fields an item kind leaves out are null.
struct KbItem {
  std::string id;
  json::value bundle_id = nullptr, subscription_id = nullptr, product = nullptr, plan = nullptr,
              phase = nullptr, usage = nullptr;
  std::string type;
  std::string description;
  Date start;
  json::value end = nullptr;
  Decimal amount;
  json::value quantity = nullptr;
};

json::object kb_item_json(const KbItem& item, const Invoice& invoice, const std::string& account_id,
                          const std::string& invoice_id) {
  return json::object{{"invoiceItemId", item.id},
                      {"invoiceId", text_or_null(invoice_id)},
                      {"linkedInvoiceItemId", nullptr},
                      {"accountId", account_id},
                      {"bundleId", item.bundle_id},
                      {"subscriptionId", item.subscription_id},
                      {"productName", item.product},
                      {"planName", item.plan},
                      {"phaseName", item.phase},
                      {"usageName", item.usage},
                      {"itemType", item.type},
                      {"description", item.description},
                      {"startDate", to_string(item.start)},
                      {"endDate", item.end},
                      {"amount", amount_json(item.amount)},
                      {"rate", nullptr},
                      {"currency", invoice.currency.code()},
                      {"quantity", item.quantity},
                      {"itemDetails", nullptr},
                      {"childItems", json::array{}},
                      {"auditLogs", json::array{}}};
}

// An invoice's items, then the account credit it moved as Kill Bill shows it:
// a CBA_ADJ item (positive when it added credit, negative when it used some).
json::array kb_items_json(Server& s, const Ctx& ctx, const Invoice& invoice,
                          const std::string& account_id, const std::string& invoice_id) {
  auto account = s.billing.account(account_id);
  std::shared_ptr<const Catalog> catalog;
  if (account)
    if (auto c = s.service.catalog(account->catalog)) catalog = *c;
  std::map<std::string, std::string> bundle_of;  // an invoice names few subscriptions, often
  auto bundle_id_of = [&](const std::string& subscription) -> const std::string& {
    auto [it, fresh] = bundle_of.try_emplace(subscription);
    if (fresh && !subscription.empty())
      if (auto sub = s.tenants.object(ctx.tenant.id, ObjectType::subscription, subscription))
        it->second = sub->bundle_id;
    return it->second;
  };
  json::array items;
  std::size_t position = 0;
  for (const auto& item : invoice.items) {
    ++position;
    KbItem kb{.id = invoice_id.empty() ? uuid4() : invoice_id + "-" + std::to_string(position),
              .bundle_id = text_or_null(bundle_id_of(item.subscription)),
              .subscription_id = text_or_null(item.subscription),
              .plan = text_or_null(item.plan),
              .usage = text_or_null(item.usage),
              .type = item.type == InvoiceItemType::credit ? "CREDIT_ADJ"
                                                           : std::string(to_string(item.type)),
              .description = item.usage.empty() ? item.plan : item.usage,
              .start = item.start,
              .end = date_or_null(item.end),
              .amount = item.amount};
    if (catalog)
      if (auto [version, plan] = find_plan_in_versions(*catalog, item.plan); plan)
        kb.product = text_or_null(version->product_of(*plan).name);
    if (item.phase) kb.phase = json::value(phase_name(item.plan, *item.phase));
    if (item.quantity) kb.quantity = amount_json(*item.quantity);
    items.push_back(kb_item_json(kb, invoice, account_id, invoice_id));
  }
  if (!invoice.credit_adj.is_zero()) {
    KbItem cba{.id = invoice_id.empty() ? uuid4() : invoice_id + "-cba",
               .type = "CBA_ADJ",
               .description = invoice.credit_adj.sign() > 0 ? "Adjustment (account credit)"
                                                            : "Adjustment (use of account credit)",
               .start = invoice.date,
               .end = json::value(to_string(invoice.date)),
               .amount = invoice.credit_adj};
    items.push_back(kb_item_json(cba, invoice, account_id, invoice_id));
  }
  return items;
}

json::object invoice_json(Server& s, const Ctx& ctx, const Invoice& invoice,
                          const std::string& account_id, const std::string& invoice_id,
                          std::string_view status) {
  Decimal total = invoice.total(), credited;
  for (const auto& item : invoice.items)
    if (item.type == InvoiceItemType::credit_adj) credited += item.amount;
  return json::object{{"amount", amount_json(total)},
                      {"currency", invoice.currency.code()},
                      {"status", status},
                      {"creditAdj", amount_json(credited)},
                      {"refundAdj", 0},
                      {"invoiceId", text_or_null(invoice_id)},
                      {"invoiceDate", to_string(invoice.date)},
                      {"targetDate", to_string(invoice.date)},
                      {"invoiceNumber", nullptr},
                      {"balance", amount_json(invoice.amount_due())},
                      {"accountId", account_id},
                      {"credits", json::array{}},
                      {"items", kb_items_json(s, ctx, invoice, account_id, invoice_id)},
                      {"trackingIds", json::array{}},
                      {"isParentInvoice", false},
                      {"auditLogs", json::array{}}};
}

namespace {

/// A recorded invoice: COMMITTED, with its number, what it still asks, and its refunds.
json::object stored_invoice_json(Server& s, const Ctx& ctx, const StoredInvoice& inv,
                                 const std::vector<Payment>& movements) {
  json::object j = invoice_json(s, ctx, inv.invoice, inv.account_id, inv.id, "COMMITTED");
  Decimal refunded;
  for (const auto& m : movements)
    if (m.invoice_id == inv.id &&
        (m.kind == PaymentKind::refund || m.kind == PaymentKind::chargeback))
      refunded -= m.amount;
  j["balance"] = amount_json(balance_shown(inv, movements));
  j["refundAdj"] = amount_json(refunded);
  j["invoiceNumber"] = std::to_string(inv.number);
  return j;
}

}  // namespace

Response account_invoices(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  auto invoices = s.billing.invoices_of(owner->id);
  if (!invoices) return failure(invoices.error());
  auto movements = s.billing.account_payments(owner->id);
  if (!movements) return failure(movements.error());
  json::array out;
  for (const auto& inv : *invoices) out.push_back(stored_invoice_json(s, ctx, inv, *movements));
  return json_response(200, out);
}

namespace {

// A page of the tenant's invoices, or of those `search` finds.
Response invoice_list(Server& s, const Ctx& ctx, const std::optional<std::string>& search) {
  auto page = page_request(ctx);
  if (!page) return std::move(page).error();
  auto found = search ? s.tenants.search_invoices(ctx.tenant.id, *search, page->offset, page->limit)
                      : s.tenants.invoice_page(ctx.tenant.id, page->offset, page->limit);
  if (!found) return failure(found.error());
  json::array out;
  for (const auto& id : found->ids) {
    auto inv = s.billing.invoice(id);
    if (!inv) return failure(inv.error());
    auto movements = s.billing.payments_of(id);
    if (!movements) return failure(movements.error());
    out.push_back(stored_invoice_json(s, ctx, *inv, *movements));
  }
  return paged_response(std::move(out), *page, found->total);
}

}  // namespace

Response invoices_page(Server& s, Ctx& ctx) {
  return invoice_list(s, ctx, std::nullopt);
}

Response search_invoices(Server& s, Ctx& ctx) {
  return invoice_list(s, ctx, ctx.param("searchKey"));
}

Response get_invoice(Server& s, Ctx& ctx) {
  auto inv = s.billing.invoice(ctx.param("invoiceId"));
  // An invoice of another tenant's account is as unknown as a missing one.
  if (!inv || !s.tenants.object(ctx.tenant.id, ObjectType::account, inv->account_id))
    return not_found("Invoice does not exist for id " + ctx.param("invoiceId"));
  auto movements = s.billing.payments_of(inv->id);
  if (!movements) return failure(movements.error());
  return json_response(200, stored_invoice_json(s, ctx, *inv, *movements));
}

Response create_invoice(Server& s, Ctx& ctx) {
  auto account_id = ctx.query.get("accountId");
  if (!account_id) return bad_request("accountId: required query parameter is missing");
  auto owner = owned(s, ctx, ObjectType::account, *account_id);
  if (!owner) return std::move(owner).error();
  auto view = account_view(s, ctx, owner->id);
  if (!view) return std::move(view).error();
  auto on = requested(ctx, "targetDate", *view);
  if (!on) return std::move(on).error();
  Result<Invoice> invoice = Invoice{};
  auto engine = s.service.engine(view->stored, [&](BillingEngine& e) -> Result<Ok> {
    invoice = e.invoice(*on);
    return Ok{};
  });
  if (!engine) return failure(engine.error());
  if (!invoice) return failure(invoice.error());
  if (invoice->empty()) return not_found("No invoice to generate for account " + owner->id);
  // As the billing run does, with the first payment attempt scheduled for the
  // run's provider to collect.
  auto issued = s.service.issue(view->stored, std::move(invoice).value(), *on, ctx.now,
                                AttemptStatus::scheduled, &*engine);
  if (!issued) return failure(issued.error());
  StoredAccount account = view->stored;
  account.next_run = engine->next_billing_date(*on);
  if (auto r = s.billing.update_account(account); !r) return failure(r.error());
  return created(ctx, "/1.0/kb/invoices/" + (*issued)->invoice.id);
}

Response dry_run(Server& s, Ctx& ctx) {
  auto account_id = ctx.query.get("accountId");
  if (!account_id) return bad_request("accountId: required query parameter is missing");
  auto owner = owned(s, ctx, ObjectType::account, *account_id);
  if (!owner) return std::move(owner).error();
  auto body = parse_body(ctx);
  if (!body) return std::move(body).error();
  Problems problems;
  ObjectReader r(*body, "$", problems);
  auto type = r.string("dryRunType");
  accept_fields(r, {"dryRunAction", "phaseType", "productName", "productCategory", "billingPeriod",
                    "priceListName", "subscriptionId", "bundleId", "effectiveDate", "billingPolicy",
                    "priceOverrides", "planName"});
  r.reject_unknown_fields();
  if (type && *type != "TARGET_DATE" && *type != "UPCOMING_INVOICE") {
    if (*type == "SUBSCRIPTION_ACTION")
      problems.push_back({"dryRunType",
                          "SUBSCRIPTION_ACTION is not supported: apply the action "
                          "to a test account and dry-run TARGET_DATE"});
    else
      problems.push_back({"dryRunType", "unknown value \"" + *type +
                                            "\" (expected TARGET_DATE or UPCOMING_INVOICE)"});
  }
  if (auto bad = problems_response(problems)) return *bad;
  auto view = account_view(s, ctx, owner->id);
  if (!view) return std::move(view).error();

  Date on = view->today;
  if (type == "UPCOMING_INVOICE") {
    auto next = view->engine.next_billing_date(add_days(view->today, -1));
    if (!next) return no_content();
    on = *next;
  } else {
    auto target = date_param(ctx, "targetDate", view->zone);
    if (!target) return std::move(target).error();
    on = *target;
  }
  auto invoice = view->engine.preview(on);
  if (view->engine.needs_history()) {  // a dry run reaching back before the snapshot
    auto whole = s.service.engine(view->stored, [&](BillingEngine& e) -> Result<Ok> {
      invoice = e.preview(on);
      return Ok{};
    });
    if (!whole) return failure(whole.error());
  }
  if (!invoice) return failure(invoice.error());
  if (invoice->empty()) return no_content();
  return json_response(200, invoice_json(s, ctx, *invoice, owner->id, "", "DRAFT"));
}

Response account_blocking_states(Server& s, Ctx& ctx) {
  auto owner = owned(s, ctx, ObjectType::account, ctx.param("accountId"));
  if (!owner) return std::move(owner).error();
  std::vector<std::pair<std::string, ObjectType>> ids{{owner->id, ObjectType::account}};
  for (auto type : {ObjectType::bundle, ObjectType::subscription}) {
    auto objects =
        s.tenants.objects(ctx.tenant.id, type, TenantStore::Query::of_account(owner->id));
    if (!objects) return failure(objects.error());
    for (const auto& o : *objects) ids.emplace_back(o.id, type);
  }
  json::array out;
  for (const auto& [id, type] : ids) {
    auto states = s.tenants.blocking_states_of(ctx.tenant.id, id);
    if (!states) return failure(states.error());
    for (const auto& b : *states)
      out.push_back(
          json::object{{"blockedId", b.object_id},
                       {"stateName", b.state_name},
                       {"service", b.service},
                       {"isBlockChange", b.block_change},
                       {"isBlockEntitlement", b.block_entitlement},
                       {"isBlockBilling", b.block_billing},
                       {"effectiveDate", to_string(b.effective) + "T00:00:00.000Z"},
                       {"type", type == ObjectType::bundle ? "SUBSCRIPTION_BUNDLE"
                                                           : std::string(to_string(type))},
                       {"auditLogs", json::array{}}});
  }
  return json_response(200, out);
}

}  // namespace tollgate::server::detail

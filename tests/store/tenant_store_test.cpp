// The REST server's tables (TenantStore) on each back end, the server on each,
// and two servers sharing one PostgreSQL database.

#include "tollgate/server/tenant_store.hpp"

#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "tollgate/server/rest_api.hpp"

#include "../support/rest_client.hpp"
#include "../support/store_backends.hpp"

using namespace tollgate;
using namespace tollgate::server;  // TenantStore and its vocabulary
namespace json = boost::json;

namespace {

Instant at(std::int64_t seconds) {
  return Instant{std::chrono::seconds(seconds)};
}

const char* kCatalog = R"({"name": "tenants", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}},
    "usages": [{"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY",
      "model": "GRADUATED", "tiers": [{"up_to": null, "unit_price": {"USD": "0.01"}}]}]}]}]})";

// One server over a store and its tenant tables, with the clock at 2024-03-15.
struct Server {
  std::unique_ptr<BillingStore> store;
  std::unique_ptr<TenantStore> tenants;
  std::unique_ptr<server::RestApi> api;
  test::Client client;

  server::Response call(const std::string& method, const std::string& target,
                        const std::string& body = "") {
    return api->handle(client.request(method, target, body));
  }
};

template <class Backend>
Server server_on(std::unique_ptr<BillingStore> store) {
  Server s;
  s.store = std::move(store);
  s.tenants = Backend::tenants(*s.store);
  server::ApiOptions options;
  options.clock = [] { return Instant{date::sys_days{date::year{2024} / 3 / 15}}; };
  s.api = std::make_unique<server::RestApi>(*s.store, *s.tenants, options);
  return s;
}

// A server on a fresh store, tenant "acme" signed in as its admin.
template <class Backend>
Server acme_server() {
  Server s = server_on<Backend>(Backend::fresh());
  s.client.tenant = *server::create_tenant(*s.tenants, "acme");
  s.client.password = *server::put_user(*s.tenants, "admin");
  return s;
}

std::string usage_record(const std::string& subscription, const std::string& tracking_id) {
  return R"({"subscriptionId": ")" + subscription + R"(", "trackingId": ")" + tracking_id +
         R"(", "unitUsageRecords": [{"unitType": "api_calls", "usageRecords": [
           {"recordDate": "2024-03-10", "amount": 100}]}]})";
}

// The units of api_calls recorded in March, as GET /1.0/kb/usages answers.
std::string rolled_up(Server& s, const std::string& subscription) {
  auto r = s.call("GET", "/1.0/kb/usages/" + subscription +
                             "/api_calls?startDate=2024-03-01&endDate=2024-04-01");
  REQUIRE(r.status == 200);
  return json::serialize(json::parse(r.body).at("rolledUpUnits"));
}

}  // namespace

TEMPLATE_TEST_CASE("pages of a tenant's objects by their place, and searches by id or prefix",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  auto t = TestType::tenants(*store);
  REQUIRE(t->create_tenant({"t1", "acme", "key-1", "salt", "hash", ""}));
  REQUIRE(t->create_tenant({"t2", "globex", "key-2", "salt", "hash", ""}));
  // Five accounts of t1 and one of t2, made in turns: t1's places are 1..5 all the same.
  auto make = [&](const char* tenant, const char* id, const char* key, const char* name,
                  const char* email) {
    REQUIRE(t->put_object({id, tenant, ObjectType::account, id, "", key, name, email, at(1)}));
  };
  make("t1", "a1", "k-alpha", "Alice", "alice@x.example");
  make("t2", "g1", "k-alpha", "Alice", "alice@x.example");
  make("t1", "a2", "k-beta", "Bob", "bob@y.example");
  make("t1", "a3", "alpha-3", "Carol", "carol@x.example");
  make("t1", "a4", "k-gamma", "Alicia", "al@z.example");
  make("t1", "a5", "", "Dan", "");
  REQUIRE(t->put_object({"a2", "t1", ObjectType::account, "a2", "", "k-beta", "Robert",
                         "bob@y.example", at(1)}));  // an update keeps its place

  auto ids = [](const Result<TenantStore::Page>& r) {
    std::vector<std::string> out;
    for (const auto& o : r->objects) out.push_back(o.id);
    return out;
  };
  using Ids = std::vector<std::string>;
  auto first = t->page("t1", ObjectType::account, 0, 2);
  CHECK(ids(first) == Ids{"a1", "a2"});
  CHECK(first->total == 5);
  CHECK(ids(t->page("t1", ObjectType::account, 2, 2)) == Ids{"a3", "a4"});
  CHECK(ids(t->page("t1", ObjectType::account, 4, 2)) == Ids{"a5"});
  auto past = t->page("t1", ObjectType::account, 9, 2);
  CHECK(past->objects.empty());
  CHECK(past->total == 5);
  CHECK(t->page("t2", ObjectType::account, 0, 10)->total == 1);
  CHECK(t->page("t1", ObjectType::bundle, 0, 10)->total == 0);

  // By id exactly; by the start of an external key, a name or an email.
  CHECK(ids(t->search("t1", ObjectType::account, "a3", 0, 10)) == Ids{"a3"});
  auto al = t->search("t1", ObjectType::account, "Al", 0, 10);
  CHECK(ids(al) == Ids{"a1", "a4"});  // Alice, Alicia (not t2's Alice)
  CHECK(al->total == 2);
  // Case as given: "al" starts alice@x.example, alpha-3 and al@z.example, not Alice or Alicia.
  CHECK(ids(t->search("t1", ObjectType::account, "al", 0, 10)) == Ids{"a1", "a3", "a4"});
  CHECK(ids(t->search("t1", ObjectType::account, "k-", 1, 1)) == Ids{"a2"});
  CHECK(t->search("t1", ObjectType::account, "k-", 1, 1)->total == 3);
  CHECK(ids(t->search("t1", ObjectType::account, "alpha", 0, 10)) == Ids{"a3"});  // a prefix only
  CHECK(t->search("t1", ObjectType::account, "Robert", 0, 10)->total == 1);
  CHECK(t->search("t1", ObjectType::account, "Bob", 0, 10)->total == 0);  // renamed
  CHECK(t->search("t1", ObjectType::account, "zzz", 3, 10)->total == 0);
}

TEMPLATE_TEST_CASE("a tenant's own tag definitions (unique names, kept while in use), emails",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  auto t = TestType::tenants(*store);
  REQUIRE(t->create_tenant({"t1", "acme", "key-1", "salt", "hash", ""}));
  REQUIRE(t->create_tenant({"t2", "globex", "key-2", "salt", "hash", ""}));

  REQUIRE(t->create_tag_definition("t1", {"d1", "VIP", "pays on time", {"ACCOUNT", "INVOICE"}}));
  REQUIRE(t->create_tag_definition("t1", {"d2", "BETA", "", {"SUBSCRIPTION"}}));
  CHECK(t->create_tag_definition("t1", {"d3", "VIP", "", {"ACCOUNT"}}).error().code ==
        errors::store_conflict);                                            // the name is taken
  REQUIRE(t->create_tag_definition("t2", {"d4", "VIP", "", {"ACCOUNT"}}));  // another tenant's
  auto own = t->tag_definitions("t1");
  REQUIRE(own->size() == 2);
  CHECK(own->at(0).name == "VIP");
  CHECK(own->at(0).description == "pays on time");
  CHECK(own->at(0).applicable_object_types == std::vector<std::string>{"ACCOUNT", "INVOICE"});
  CHECK(own->at(1).applicable_object_types == std::vector<std::string>{"SUBSCRIPTION"});

  REQUIRE(t->add_account_email("t1", "a1", "billing@a.example"));
  REQUIRE(t->add_account_email("t1", "a1", "cto@a.example"));
  REQUIRE(t->add_account_email("t1", "a1", "billing@a.example"));  // already there
  CHECK(*t->account_emails("t1", "a1") ==
        std::vector<std::string>{"billing@a.example", "cto@a.example"});
  CHECK(t->account_emails("t2", "a1")->empty());  // another tenant's view
  REQUIRE(t->remove_account_email("t1", "a1", "billing@a.example"));
  CHECK(t->remove_account_email("t1", "a1", "billing@a.example").error().code ==
        errors::store_not_found);
  CHECK(*t->account_emails("t1", "a1") == std::vector<std::string>{"cto@a.example"});

  REQUIRE(t->add_tag("t1", {"tag-1", "a1", ObjectType::account, "d1"}));
  CHECK(t->delete_tag_definition("t1", "d1").error().code == errors::store_conflict);
  REQUIRE(t->remove_tags("t1", "a1", {"d1"}));
  REQUIRE(t->delete_tag_definition("t1", "d1"));
  CHECK(t->delete_tag_definition("t1", "d1").error().code == errors::store_not_found);
  CHECK(t->delete_tag_definition("t1", "d4").error().code == errors::store_not_found);  // t2's
  CHECK(t->tag_definitions("t1")->size() == 1);
  CHECK(t->tag_definitions("t2")->size() == 1);
}

TEMPLATE_TEST_CASE("tags and custom fields once removed are kept, in the order they went",
                   "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  auto t = TestType::tenants(*store);
  REQUIRE(t->create_tenant({"t1", "acme", "key-1", "salt", "hash", ""}));
  REQUIRE(t->add_tag("t1", {"tag-1", "a1", ObjectType::account, "d1"}));
  REQUIRE(t->add_tag("t1", {"tag-2", "a1", ObjectType::account, "d2"}));
  CHECK(t->removed_tags_of("t1", "a1")->empty());
  REQUIRE(t->remove_tags("t1", "a1", {"d1"}));
  REQUIRE(t->add_tag("t1", {"tag-3", "a1", ObjectType::account, "d1"}));  // again, a new tag
  REQUIRE(t->remove_tags("t1", "a1", {"d1"}));
  auto removed = t->removed_tags_of("t1", "a1");
  REQUIRE(removed->size() == 2);
  CHECK(removed->at(0).id == "tag-1");
  CHECK(removed->at(1).id == "tag-3");
  CHECK(removed->at(1).definition_id == "d1");
  CHECK(removed->at(1).object_type == ObjectType::account);
  REQUIRE(t->tags_of("t1", "a1")->size() == 1);    // tag-2 stays
  CHECK(t->removed_tags_of("t2", "a1")->empty());  // another tenant's view

  REQUIRE(t->add_custom_field("t1", {"f1", "a1", ObjectType::account, "tier", "gold"}));
  REQUIRE(t->add_custom_field("t1", {"f2", "a1", ObjectType::account, "region", "eu"}));
  REQUIRE(t->remove_custom_fields("t1", "a1", {"f1"}));
  REQUIRE(t->remove_custom_fields("t1", "a1", {}));  // all that are left
  auto fields = t->removed_custom_fields_of("t1", "a1");
  REQUIRE(fields->size() == 2);
  CHECK(fields->at(0).name == "tier");
  CHECK(fields->at(0).value == "gold");
  CHECK(fields->at(1).id == "f2");
  CHECK(t->custom_fields_of("t1", "a1")->empty());
}

TEMPLATE_TEST_CASE(
    "the server's tables keep tenants, users, objects, tags, fields, states, "
    "tracking ids and audit entries",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  auto store = TestType::fresh();
  auto t = TestType::tenants(*store);

  REQUIRE(t->create_tenant({"t1", "acme", "key-1", "salt", "hash", ""}));
  CHECK(t->create_tenant({"t2", "acme", "key-2", "s", "h", ""}).error().code ==
        errors::store_conflict);  // the external key is taken
  CHECK(t->tenant_by_api_key("key-1")->external_key == "acme");
  CHECK(t->tenant_by_api_key("key-2").error().code == errors::store_not_found);
  REQUIRE(t->set_tenant_secret("key-1", "salt-2", "hash-2"));
  CHECK(t->tenant_by_api_key("key-1")->secret_hash == "hash-2");
  CHECK(t->set_tenant_secret("key-9", "s", "h").error().code == errors::store_not_found);
  REQUIRE(t->set_catalog_version("t1", "v2"));
  CHECK(t->tenant_by_api_key("key-1")->catalog_version == "v2");

  CHECK(*t->user_count() == 0);
  REQUIRE(t->put_user({"admin", "s1", "h1"}));
  REQUIRE(t->put_user({"admin", "s2", "h2"}));  // replaced
  CHECK(*t->user_count() == 1);
  CHECK(t->user("admin")->hash == "h2");
  CHECK(t->user("nobody").error().code == errors::store_not_found);

  OwnedObject account{"a1", "t1", ObjectType::account, "a1", "", "ext-1", "Ann", "a@x", at(100)};
  REQUIRE(t->put_object(account));
  OwnedObject bundle{"b1", "t1", ObjectType::bundle, "a1", "b1", "bundle-1", "", "", at(101)};
  REQUIRE(t->put_object(bundle));
  OwnedObject other{"a2", "t1", ObjectType::account, "a2", "", "ext-1", "", "", at(102)};
  CHECK(t->put_object(other).error().code == errors::store_conflict);  // ext-1 is a1's
  other.external_key = "ext-2";
  REQUIRE(t->put_object(other));
  account.name = "Anne";
  REQUIRE(t->put_object(account));  // an update keeps its place
  CHECK(t->object("t1", ObjectType::account, "a1")->name == "Anne");
  CHECK(t->object("t1", ObjectType::account, "a1")->created_at == at(100));
  CHECK(t->object("t2", ObjectType::account, "a1").error().code == errors::store_not_found);
  CHECK(t->object_by_key("t1", ObjectType::bundle, "bundle-1")->id == "b1");
  CHECK(t->object_by_key("t1", ObjectType::account, "").error().code == errors::store_not_found);
  auto ids = [](const Result<std::vector<OwnedObject>>& r) {
    std::vector<std::string> out;
    for (const auto& o : *r) out.push_back(o.id);
    return out;
  };
  using Ids = std::vector<std::string>;
  CHECK(ids(t->objects("t1", ObjectType::account, {})) == Ids{"a1", "a2"});
  CHECK(ids(t->objects("t1", ObjectType::bundle, TenantStore::Query::of_account("a1"))) ==
        Ids{"b1"});
  TenantStore::Query page;
  page.offset = 1;
  page.limit = 1;
  CHECK(ids(t->objects("t1", ObjectType::account, page)) == Ids{"a2"});

  REQUIRE(t->add_tag("t1", {"tag-1", "a1", ObjectType::account, "def-1"}));
  REQUIRE(t->add_tag("t1", {"tag-2", "a1", ObjectType::account, "def-1"}));  // already there
  REQUIRE(t->add_tag("t1", {"tag-3", "a1", ObjectType::account, "def-2"}));
  REQUIRE(t->tags_of("t1", "a1")->size() == 2);
  CHECK(t->tags_of("t1", "a1")->at(0).id == "tag-1");
  REQUIRE(t->remove_tags("t1", "a1", {"def-1", "def-9"}));
  REQUIRE(t->tags_of("t1", "a1")->size() == 1);
  CHECK(t->tags_of("t1", "a1")->at(0).definition_id == "def-2");

  REQUIRE(t->add_custom_field("t1", {"cf-1", "a1", ObjectType::account, "tier", "gold"}));
  REQUIRE(t->add_custom_field("t1", {"cf-2", "a1", ObjectType::account, "region", "eu"}));
  REQUIRE(t->add_custom_field("t1", {"cf-3", "a1", ObjectType::account, "seats", "5"}));
  REQUIRE(t->set_custom_field_value("t1", "a1", "cf-1", "platinum"));
  CHECK(t->set_custom_field_value("t1", "a1", "cf-9", "x").error().code == errors::store_not_found);
  CHECK(t->custom_fields_of("t1", "a1")->at(0).value == "platinum");
  REQUIRE(t->remove_custom_fields("t1", "a1", {"cf-2"}));
  REQUIRE(t->custom_fields_of("t1", "a1")->size() == 2);
  CHECK(t->custom_fields_of("t1", "a1")->at(1).name == "seats");
  REQUIRE(t->remove_custom_fields("t1", "a1", {}));  // all of them
  CHECK(t->custom_fields_of("t1", "a1")->empty());

  using namespace date::literals;
  REQUIRE(t->add_blocking_state(
      "t1", {"b1", ObjectType::bundle, "STOP", "svc", false, true, true, 2024_y / 3 / 1}));
  auto states = t->blocking_states_of("t1", "b1");
  REQUIRE(states->size() == 1);
  CHECK(states->at(0).state_name == "STOP");
  CHECK_FALSE(states->at(0).block_change);
  CHECK(states->at(0).block_entitlement);
  CHECK(states->at(0).block_billing);
  CHECK(states->at(0).effective == 2024_y / 3 / 1);

  CHECK(*t->record_tracking_id("t1", "batch-1", "s1"));
  CHECK_FALSE(*t->record_tracking_id("t1", "batch-1", "s1"));
  CHECK(*t->record_tracking_id("t2", "batch-1", "s1"));  // another tenant's ids are its own

  REQUIRE(t->append_audit("t1", {"a1", ObjectType::account, "INSERT", "me", "why", "note", at(7)}));
  auto audit = t->audit_of("t1", "a1");
  REQUIRE(audit->size() == 1);
  CHECK(audit->at(0).change_type == "INSERT");
  CHECK(audit->at(0).at == at(7));
}

TEMPLATE_TEST_CASE(
    "the REST server on each back end: a refused request changes nothing, a "
    "repeated trackingId counts once",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Server s = acme_server<TestType>();
  REQUIRE(s.call("POST", "/1.0/tollgate/catalog", kCatalog).status == 201);
  const std::string account = R"({"name": "A", "externalKey": "k", "currency": "USD"})";
  REQUIRE(s.call("POST", "/1.0/kb/accounts", account).status == 201);
  CHECK(s.call("POST", "/1.0/kb/accounts", account).status == 409);
  CHECK(s.tenants->objects(s.client.tenant.tenant_id, ObjectType::account, {})->size() == 1);
  auto id = json::parse(s.call("GET", "/1.0/kb/accounts?externalKey=k").body).at("accountId");
  std::string account_id(id.as_string());
  REQUIRE(s.call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-01",
                 R"({"accountId": ")" + account_id +
                     R"(", "planName": "api-monthly", "bundleExternalKey": "b"})")
              .status == 201);
  auto bundle = json::parse(s.call("GET", "/1.0/kb/bundles?externalKey=b").body);
  std::string subscription(bundle.at("subscriptions").at(0).at("subscriptionId").as_string());
  CHECK(s.call("POST", "/1.0/kb/usages", usage_record(subscription, "t-1")).status == 201);
  CHECK(s.call("POST", "/1.0/kb/usages", usage_record(subscription, "t-1")).status == 200);
  CHECK(rolled_up(s, subscription) == R"([{"unitType":"api_calls","amount":100}])");
}

const char* kTwoCurrencies = R"({"name": "two", "currencies": ["USD", "EUR"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00", "EUR": "9.00"}}}]}]})";

std::string id_of(Server& s, const std::string& key) {
  auto r = s.call("GET", "/1.0/kb/accounts?externalKey=" + key);
  REQUIRE(r.status == 200);
  return std::string(json::parse(r.body).at("accountId").as_string());
}

std::string subscribe(const std::string& account) {
  return R"({"accountId": ")" + account + R"(", "planName": "api-monthly"})";
}

TEMPLATE_TEST_CASE(
    "an account made before its tenant's catalog waits without a currency, and its first "
    "subscription binds it to the catalog in the currency a PUT gave it",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Server s = acme_server<TestType>();
  // No catalog yet: Kill Bill still makes the account, its currency unset.
  REQUIRE(s.call("POST", "/1.0/kb/accounts", R"({"name": "A", "externalKey": "a"})").status == 201);
  std::string a = id_of(s, "a");
  auto shown = json::parse(s.call("GET", "/1.0/kb/accounts/" + a).body);
  CHECK(shown.at("currency").is_null());
  CHECK(shown.at("timeZone") == "UTC");
  CHECK(shown.at("billCycleDayLocal") == 0);
  CHECK(s.call("GET", "/1.0/kb/accounts/" + a + "/invoices").body == "[]");
  CHECK(s.call("GET", "/1.0/kb/accounts/" + a + "/bundles").body == "[]");
  CHECK(s.call("GET", "/1.0/kb/accounts/" + a + "/payments").body == "[]");
  auto balance =
      json::parse(s.call("GET", "/1.0/kb/accounts/" + a + "?accountWithBalanceAndCBA=true").body);
  CHECK(balance.at("accountBalance") == 0);
  CHECK(balance.at("accountCBA") == 0);
  CHECK(json::parse(s.call("GET", "/1.0/kb/accounts/" + a + "/overdue").body).at("isClearState") ==
        true);
  CHECK(s.call("GET", "/1.0/kb/accounts/" + a + "/timeline").status == 200);

  // A PUT sets what it waits with; an unknown code is refused by name.
  auto bad = s.call("PUT", "/1.0/kb/accounts/" + a, R"({"currency": "XYZ"})");
  CHECK(bad.status == 400);
  CHECK_THAT(bad.body, Catch::Contains("currency"));
  REQUIRE(s.call("PUT", "/1.0/kb/accounts/" + a,
                 R"({"currency": "EUR", "timeZone": "Europe/Paris", "name": "A2"})")
              .status == 204);
  shown = json::parse(s.call("GET", "/1.0/kb/accounts/" + a).body);
  CHECK(shown.at("currency") == "EUR");
  CHECK(shown.at("timeZone") == "Europe/Paris");
  CHECK(shown.at("name") == "A2");
  auto found = json::parse(s.call("GET", "/1.0/kb/accounts/search/A2").body);
  REQUIRE(found.as_array().size() == 1);
  CHECK(found.at(0).at("currency") == "EUR");
  // A control tag put on it while it waits holds once it is bound.
  REQUIRE(
      s.call("POST", "/1.0/kb/accounts/" + a + "/tags?tagList=00000000-0000-0000-0000-000000000001")
          .status == 201);

  // Nothing can be billed before the catalog: refused, and nothing made.
  auto early = s.call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-01", subscribe(a));
  CHECK(early.status == 400);
  CHECK_THAT(early.body, Catch::Contains("catalog"));
  CHECK(s.call("GET", "/1.0/kb/accounts/" + a + "/bundles").body == "[]");
  CHECK_FALSE(s.store->account(a).has_value());

  // B waits in GBP, which the catalog will not price.
  REQUIRE(
      s.call("POST", "/1.0/kb/accounts", R"({"name": "B", "externalKey": "b", "currency": "GBP"})")
          .status == 201);
  std::string b = id_of(s, "b");

  REQUIRE(s.call("POST", "/1.0/tollgate/catalog", kTwoCurrencies).status == 201);
  // The first subscription binds A in EUR: [Mar 1, Apr 1) at the EUR price, 9.00.
  REQUIRE(s.call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-01", subscribe(a)).status ==
          201);
  auto bound = s.store->account(a);
  REQUIRE(bound.has_value());
  CHECK(bound->account.currency == "EUR");
  CHECK(bound->account.time_zone == "Europe/Paris");
  CHECK(bound->controls.auto_pay_off);
  REQUIRE(s.call("POST", "/1.0/kb/invoices?accountId=" + a + "&targetDate=2024-03-01").status ==
          201);
  auto invoices = json::parse(s.call("GET", "/1.0/kb/accounts/" + a + "/invoices").body);
  REQUIRE(invoices.as_array().size() == 1);
  CHECK(invoices.at(0).at("currency") == "EUR");
  CHECK(invoices.at(0).at("amount").to_number<double>() == 9.0);
  // Once it has subscriptions, its currency stays.
  auto late = s.call("PUT", "/1.0/kb/accounts/" + a, R"({"currency": "USD"})");
  CHECK(late.status == 400);
  CHECK_THAT(late.body, Catch::Contains("cannot change"));

  // B cannot be bound in GBP: refused by its currency, and it keeps waiting.
  auto gbp = s.call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-01", subscribe(b));
  CHECK(gbp.status == 400);
  CHECK_THAT(gbp.body, Catch::Contains("currency"));
  CHECK_FALSE(s.store->account(b).has_value());
  CHECK(json::parse(s.call("GET", "/1.0/kb/accounts/" + b).body).at("currency") == "GBP");
  // A PUT to a currency the catalog prices binds it at once: [Mar 1, Apr 1) at 10.00 USD.
  REQUIRE(s.call("PUT", "/1.0/kb/accounts/" + b, R"({"currency": "USD"})").status == 204);
  CHECK(s.store->account(b)->account.currency == "USD");
  REQUIRE(s.call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-01", subscribe(b)).status ==
          201);
  REQUIRE(s.call("POST", "/1.0/kb/invoices?accountId=" + b + "&targetDate=2024-03-01").status ==
          201);
  invoices = json::parse(s.call("GET", "/1.0/kb/accounts/" + b + "/invoices").body);
  CHECK(invoices.at(0).at("amount").to_number<double>() == 10.0);

  // An account made once the tenant has a catalog is bound at once, in the catalog's first.
  REQUIRE(s.call("POST", "/1.0/kb/accounts", R"({"name": "C", "externalKey": "c"})").status == 201);
  CHECK(s.store->account(id_of(s, "c"))->account.currency == "USD");
}

namespace {

std::string pagination_total(const server::Response& r) {
  for (const auto& [k, v] : r.headers)
    if (k == "X-Killbill-Pagination-TotalNbRecords") return v;
  return "";
}

// The invoices' ids a page or a search answered, in its order.
std::vector<std::string> invoice_ids(const server::Response& r) {
  REQUIRE(r.status == 200);
  std::vector<std::string> ids;
  json::value answered = json::parse(r.body);
  for (const auto& inv : answered.as_array()) ids.emplace_back(inv.at("invoiceId").as_string());
  return ids;
}

// Opens an account in `currency` with api-monthly from Mar 1, bills it now,
// and answers its invoice's id and number.
std::pair<std::string, std::string> billed(Server& s, const std::string& key,
                                           const std::string& currency) {
  REQUIRE(
      s.call("POST", "/1.0/kb/accounts",
             R"({"name": "N", "externalKey": ")" + key + R"(", "currency": ")" + currency + R"("})")
          .status == 201);
  std::string a = id_of(s, key);
  REQUIRE(s.call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-01", subscribe(a)).status ==
          201);
  REQUIRE(s.call("POST", "/1.0/kb/invoices?accountId=" + a + "&targetDate=2024-03-01").status ==
          201);
  auto inv = json::parse(s.call("GET", "/1.0/kb/accounts/" + a + "/invoices").body).at(0);
  return {std::string(inv.at("invoiceId").as_string()),
          std::string(inv.at("invoiceNumber").as_string())};
}

}  // namespace

TEMPLATE_TEST_CASE(
    "a tenant's invoices page by page and searched by id, number, account and currency, "
    "whoever saved them",
    "[store]", test::SqliteBackend, test::PostgresBackend) {
  TOLLGATE_NEEDS_BACKEND(TestType);
  Server s = server_on<TestType>(TestType::fresh());
  auto acme = *server::create_tenant(*s.tenants, "acme");
  auto globex = *server::create_tenant(*s.tenants, "globex");
  s.client.password = *server::put_user(*s.tenants, "admin");

  s.client.tenant = globex;
  REQUIRE(s.call("POST", "/1.0/tollgate/catalog", kTwoCurrencies).status == 201);
  auto [theirs, their_number] = billed(s, "g", "USD");

  s.client.tenant = acme;
  REQUIRE(s.call("POST", "/1.0/tollgate/catalog", kTwoCurrencies).status == 201);
  CHECK(invoice_ids(s.call("GET", "/1.0/kb/invoices/pagination")).empty());
  auto [first, first_number] = billed(s, "a", "USD");
  auto [second, second_number] = billed(s, "b", "EUR");
  // An invoice saved straight through the billing store (as the daily run
  // does) has its place too.
  std::string a = id_of(s, "a");
  StoredInvoice direct{"direct-1", a, Invoice{date::year{2024} / 3 / 15, "USD", {}, {}}};
  REQUIRE(s.store->save_invoice(direct));

  auto page = s.call("GET", "/1.0/kb/invoices/pagination?offset=0&limit=2");
  CHECK(invoice_ids(page) == std::vector<std::string>{first, second});
  CHECK(pagination_total(page) == "3");  // globex's is not acme's
  CHECK(invoice_ids(s.call("GET", "/1.0/kb/invoices/pagination?offset=2&limit=2")) ==
        std::vector<std::string>{"direct-1"});
  CHECK(invoice_ids(s.call("GET", "/1.0/kb/invoices/pagination?offset=3")).empty());

  auto search = [&](const std::string& key) {
    return invoice_ids(s.call("GET", "/1.0/kb/invoices/search/" + key));
  };
  CHECK(search(second) == std::vector<std::string>{second});
  CHECK(search(first_number) == std::vector<std::string>{first});
  CHECK(search(a) == std::vector<std::string>{first, "direct-1"});
  CHECK(search("EUR") == std::vector<std::string>{second});
  CHECK(search("USD") == std::vector<std::string>{first, "direct-1"});
  auto later = s.call("GET", "/1.0/kb/invoices/search/USD?offset=1&limit=1");
  CHECK(invoice_ids(later) == std::vector<std::string>{"direct-1"});
  CHECK(pagination_total(later) == "2");
  // Another tenant's invoice is not found, by id or by number.
  CHECK(search(theirs).empty());
  CHECK(search(their_number).empty());
  CHECK(search("nothing").empty());
  CHECK(search("99999999999999999999").empty());  // a number out of range matches none
}

TEST_CASE(
    "two servers on one PostgreSQL database: an external key is taken for both, and "
    "usage posted to both counts once") {
  TOLLGATE_NEEDS_BACKEND(test::PostgresBackend);
  using PG = test::PostgresBackend;
  std::string location;
  Server one = server_on<PG>(PG::fresh(&location));
  Server two = server_on<PG>(test::open_location(location));
  one.client.tenant = *server::create_tenant(*one.tenants, "acme");
  one.client.password = *server::put_user(*one.tenants, "admin");
  two.client = one.client;  // the same tenant and user, through the other server
  REQUIRE(one.call("POST", "/1.0/tollgate/catalog", kCatalog).status == 201);

  const std::string account = R"({"name": "A", "externalKey": "shared", "currency": "USD"})";
  REQUIRE(one.call("POST", "/1.0/kb/accounts", account).status == 201);
  CHECK(two.call("POST", "/1.0/kb/accounts", account).status == 409);
  CHECK(two.tenants->objects(one.client.tenant.tenant_id, ObjectType::account, {})->size() == 1);
  auto found = two.call("GET", "/1.0/kb/accounts?externalKey=shared");
  REQUIRE(found.status == 200);
  std::string account_id(json::parse(found.body).at("accountId").as_string());

  REQUIRE(two.call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-01",
                   R"({"accountId": ")" + account_id +
                       R"(", "planName": "api-monthly", "bundleExternalKey": "b"})")
              .status == 201);
  auto bundle = json::parse(one.call("GET", "/1.0/kb/bundles?externalKey=b").body);
  std::string subscription(bundle.at("subscriptions").at(0).at("subscriptionId").as_string());
  CHECK(one.call("POST", "/1.0/kb/usages", usage_record(subscription, "t-1")).status == 201);
  CHECK(two.call("POST", "/1.0/kb/usages", usage_record(subscription, "t-1")).status == 200);
  CHECK(two.call("POST", "/1.0/kb/usages", usage_record(subscription, "t-2")).status == 201);
  // 100 units from t-1 (once) and 100 from t-2, read through either server.
  CHECK(rolled_up(one, subscription) == R"([{"unitType":"api_calls","amount":200}])");
  CHECK(rolled_up(two, subscription) == rolled_up(one, subscription));
}

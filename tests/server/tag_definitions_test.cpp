// Tag definitions over REST: Kill Bill's system ones by their fixed ids, a
// tenant's own made, used and deleted, and tags added the way Kill Bill's
// clients add them (a JSON array, or tagList with an empty body).

#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "../support/served_store.hpp"

using namespace tollgate;
namespace json = boost::json;

namespace {

const char* kCatalog = R"({"name": "tags", "currencies": ["USD"],
  "products": [{"name": "Api", "category": "BASE"}],
  "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
    "recurring": {"billing_period": "MONTHLY", "price": {"USD": "10.00"}}}]}]})";

// The catalog uploaded and account "a" opened; its id.
std::string catalog_and_account(test::ServedStore& served) {
  REQUIRE(served.call("POST", "/1.0/tollgate/catalog", kCatalog).status == 201);
  REQUIRE(served
              .call("POST", "/1.0/kb/accounts",
                    R"({"name": "A", "externalKey": "a", "currency": "USD"})")
              .status == 201);
  return std::string(
      json::parse(served.read("/1.0/kb/accounts?externalKey=a")).at("accountId").as_string());
}

const std::string kTest = "00000000-0000-0000-0000-000000000006";
const std::string kPartner = "00000000-0000-0000-0000-000000000007";

}  // namespace

TEST_CASE("Kill Bill's nine system tag definitions, by their fixed ids") {
  test::ServedStore served;
  auto all = json::parse(served.read("/1.0/kb/tagDefinitions")).as_array();
  REQUIRE(all.size() == 9);
  const char* names[] = {"AUTO_PAY_OFF", "AUTO_INVOICING_OFF",   "OVERDUE_ENFORCEMENT_OFF",
                         "WRITTEN_OFF",  "MANUAL_PAY",           "TEST",
                         "PARTNER",      "AUTO_INVOICING_DRAFT", "AUTO_INVOICING_REUSE_DRAFT"};
  for (std::size_t i = 0; i < 9; ++i) {
    INFO(names[i]);
    CHECK(all[i].at("name") == names[i]);
    CHECK(all[i].at("id").as_string() ==
          "00000000-0000-0000-0000-00000000000" + std::to_string(i + 1));
    CHECK(all[i].at("isControlTag") == true);
  }
  auto written_off =
      json::parse(served.read("/1.0/kb/tagDefinitions/00000000-0000-0000-0000-000000000004"));
  CHECK(written_off.at("applicableObjectTypes") == json::array{"INVOICE"});
  // They cannot be deleted, nor their names taken.
  CHECK(served.call("DELETE", "/1.0/kb/tagDefinitions/" + kTest).status == 400);
  CHECK(served
            .call("POST", "/1.0/kb/tagDefinitions",
                  R"({"name": "TEST", "applicableObjectTypes": ["ACCOUNT"]})")
            .status == 409);
}

TEST_CASE("a tenant's own tag definition is made, tagged with, and deleted once unused") {
  test::ServedStore served;
  std::string a = catalog_and_account(served);

  auto made = served.call("POST", "/1.0/kb/tagDefinitions",
                          R"({"name": "VIP", "description": "pays on time",
                              "applicableObjectTypes": ["ACCOUNT"], "isControlTag": false})");
  REQUIRE(made.status == 201);
  std::string location;
  for (const auto& [k, v] : made.headers)
    if (k == "Location") location = v;
  std::string vip = location.substr(location.rfind('/') + 1);
  auto read = json::parse(served.read("/1.0/kb/tagDefinitions/" + vip));
  CHECK(read.at("name") == "VIP");
  CHECK(read.at("description") == "pays on time");
  CHECK(read.at("isControlTag") == false);
  CHECK(json::parse(served.read("/1.0/kb/tagDefinitions")).as_array().size() == 10);
  CHECK(served
            .call("POST", "/1.0/kb/tagDefinitions",
                  R"({"name": "VIP", "applicableObjectTypes": ["ACCOUNT"]})")
            .status == 409);

  // Tags as the older clients send them: ids in tagList, the body empty.
  REQUIRE(served.call("POST", "/1.0/kb/accounts/" + a + "/tags?tagList=" + vip + "," + kPartner)
              .status == 201);
  auto tags = json::parse(served.read("/1.0/kb/accounts/" + a + "/tags")).as_array();
  REQUIRE(tags.size() == 2);
  CHECK(tags[0].at("tagDefinitionName") == "VIP");
  CHECK(tags[1].at("tagDefinitionName") == "PARTNER");
  // And as a JSON array.
  REQUIRE(served.call("POST", "/1.0/kb/accounts/" + a + "/tags", "[\"" + kTest + "\"]").status ==
          201);
  CHECK(json::parse(served.read("/1.0/kb/accounts/" + a + "/tags")).as_array().size() == 3);

  // In use: not deleted. Untagged: deleted, and gone.
  CHECK(served.call("DELETE", "/1.0/kb/tagDefinitions/" + vip).status == 409);
  REQUIRE(served.call("DELETE", "/1.0/kb/accounts/" + a + "/tags?tagDef=" + vip).status == 204);
  CHECK(served.call("DELETE", "/1.0/kb/tagDefinitions/" + vip).status == 204);
  CHECK(served.call("GET", "/1.0/kb/tagDefinitions/" + vip).status == 404);

  // Kill Bill's includedDeleted: the removed VIP tag is listed after the
  // current two; its definition is gone, so its name is null.
  CHECK(json::parse(served.read("/1.0/kb/accounts/" + a + "/tags")).as_array().size() == 2);
  auto all = json::parse(served.read("/1.0/kb/accounts/" + a + "/tags?includedDeleted=true"));
  REQUIRE(all.as_array().size() == 3);
  CHECK(all.at(2).at("tagDefinitionId") == vip.c_str());
  CHECK(all.at(2).at("tagDefinitionName").is_null());
}

TEST_CASE("custom fields once removed are listed with includedDeleted") {
  test::ServedStore served;
  std::string a = catalog_and_account(served);
  const std::string fields = "/1.0/kb/accounts/" + a + "/customFields";
  REQUIRE(served.call("POST", fields, R"([{"name": "tier", "value": "gold"}])").status == 201);
  std::string id(json::parse(served.read(fields)).at(0).at("customFieldId").as_string());
  REQUIRE(served.call("DELETE", fields + "?customField=" + id).status == 204);
  CHECK(served.read(fields) == "[]");
  auto removed = json::parse(served.read(fields + "?includedDeleted=true"));
  REQUIRE(removed.as_array().size() == 1);
  CHECK(removed.at(0).at("customFieldId") == id.c_str());
  CHECK(removed.at(0).at("value") == "gold");
}

TEST_CASE("tags and tag definitions refuse what they cannot take, and change nothing") {
  test::ServedStore served;
  std::string a = catalog_and_account(served);
  auto tags_of_a = [&] { return served.read("/1.0/kb/accounts/" + a + "/tags"); };

  // An unknown definition: 404, and the known one before it is not added either.
  auto unknown = served.call("POST", "/1.0/kb/accounts/" + a + "/tags",
                             "[\"" + kTest + "\", \"11111111-2222-3333-4444-555555555555\"]");
  CHECK(unknown.status == 404);
  CHECK(tags_of_a() == "[]");
  CHECK(served.call("POST", "/1.0/kb/accounts/" + a + "/tags?tagList=not-an-id").status == 400);
  CHECK(served.call("POST", "/1.0/kb/accounts/" + a + "/tags").status == 400);  // nothing named

  // A definition for subscriptions does not go on an account.
  auto made = served.call("POST", "/1.0/kb/tagDefinitions",
                          R"({"name": "BETA", "applicableObjectTypes": ["SUBSCRIPTION"]})");
  REQUIRE(made.status == 201);
  auto beta = json::parse(served.read("/1.0/kb/tagDefinitions")).as_array().back();
  auto misplaced = served.call(
      "POST", "/1.0/kb/accounts/" + a + "/tags?tagList=" + std::string(beta.at("id").as_string()));
  CHECK(misplaced.status == 400);
  CHECK_THAT(misplaced.body, Catch::Contains("does not apply to ACCOUNT"));
  CHECK(tags_of_a() == "[]");

  // Definitions: a name, known object types, never a control tag.
  auto bad =
      served.call("POST", "/1.0/kb/tagDefinitions",
                  R"({"applicableObjectTypes": ["ACCOUNT", "WIDGET"], "isControlTag": true})");
  CHECK(bad.status == 400);
  CHECK_THAT(bad.body, Catch::Contains("name") && Catch::Contains("applicableObjectTypes[1]") &&
                           Catch::Contains("isControlTag"));
  CHECK(
      served.call("POST", "/1.0/kb/tagDefinitions", R"({"name": "X", "applicableObjectTypes": []})")
          .status == 400);
  CHECK(
      served.call("DELETE", "/1.0/kb/tagDefinitions/11111111-2222-3333-4444-555555555555").status ==
      404);
  CHECK(json::parse(served.read("/1.0/kb/tagDefinitions")).as_array().size() == 10);
}

TEST_CASE("control tags on an account reach billing, and leave with the tag") {
  server::ApiOptions options;
  options.clock = test::clock_at(date::year{2024} / 3 / 15);
  test::ServedStore served(options);
  std::string a = catalog_and_account(served);
  const std::string auto_pay_off = "00000000-0000-0000-0000-000000000001";
  REQUIRE(served
              .call("POST", "/1.0/kb/accounts/" + a + "/tags?tagList=" + auto_pay_off + "," +
                                kTest + "," + kPartner)
              .status == 201);
  AccountControls expected;
  expected.auto_pay_off = true;
  expected.test = true;  // PARTNER controls nothing
  CHECK(served.store->account(a)->controls == expected);

  // Billed now (10.00 for [Mar 15, Apr 15)): with AUTO_PAY_OFF, no attempt to charge it.
  REQUIRE(served
              .call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-15",
                    R"({"accountId": ")" + a + R"(", "planName": "api-monthly"})")
              .status == 201);
  REQUIRE(
      served.call("POST", "/1.0/kb/invoices?accountId=" + a + "&targetDate=2024-03-15").status ==
      201);
  auto invoices = served.store->invoices_of(a);
  REQUIRE(invoices->size() == 1);
  CHECK(invoices->at(0).invoice.total() == Decimal(10));
  CHECK(served.store->attempts_of(invoices->at(0).id)->empty());

  // The tag removed: the invoice gets its first attempt, scheduled today (Mar 15).
  REQUIRE(served.call("DELETE", "/1.0/kb/accounts/" + a + "/tags?tagDef=" + auto_pay_off).status ==
          204);
  expected.auto_pay_off = false;
  CHECK(served.store->account(a)->controls == expected);
  auto attempts = served.store->attempts_of(invoices->at(0).id);
  REQUIRE(attempts->size() == 1);
  CHECK(attempts->at(0).status == AttemptStatus::scheduled);
  CHECK(attempts->at(0).scheduled_on == date::year{2024} / 3 / 15);
  CHECK(attempts->at(0).amount == Decimal(10));
}

TEST_CASE("WRITTEN_OFF on an invoice: its balance stops counting toward the account's") {
  server::ApiOptions options;
  options.clock = test::clock_at(date::year{2024} / 3 / 15);
  test::ServedStore served(options);
  std::string a = catalog_and_account(served);
  const std::string written_off = "00000000-0000-0000-0000-000000000004";
  // Billed now: 10.00 for [Mar 15, Apr 15), owed.
  REQUIRE(served
              .call("POST", "/1.0/kb/subscriptions?entitlementDate=2024-03-15",
                    R"({"accountId": ")" + a + R"(", "planName": "api-monthly"})")
              .status == 201);
  REQUIRE(
      served.call("POST", "/1.0/kb/invoices?accountId=" + a + "&targetDate=2024-03-15").status ==
      201);
  std::string invoice = served.store->invoices_of(a)->at(0).id;
  auto balances = [&] {
    auto account = json::parse(served.read("/1.0/kb/accounts/" + a + "?accountWithBalance=true"));
    auto inv = json::parse(served.read("/1.0/kb/invoices/" + invoice));
    return std::pair{account.at("accountBalance").to_number<double>(),
                     inv.at("balance").to_number<double>()};
  };
  CHECK(balances() == std::pair{10.0, 10.0});

  REQUIRE(
      served.call("POST", "/1.0/kb/invoices/" + invoice + "/tags?tagList=" + written_off).status ==
      201);
  CHECK(balances() == std::pair{0.0, 0.0});
  CHECK(served.store->invoice(invoice)->written_off);
  auto tags = json::parse(served.read("/1.0/kb/invoices/" + invoice + "/tags"));
  CHECK(tags.at(0).at("objectType") == "INVOICE");
  CHECK(tags.at(0).at("tagDefinitionName") == "WRITTEN_OFF");
  // Its scheduled attempt is cancelled: the run will not charge it.
  auto attempts = served.store->attempts_of(invoice);
  REQUIRE(attempts->size() == 1);
  CHECK(attempts->at(0).status == AttemptStatus::cancelled);

  // The tag removed: owed again, and a new attempt scheduled today.
  REQUIRE(
      served.call("DELETE", "/1.0/kb/invoices/" + invoice + "/tags?tagDef=" + written_off).status ==
      204);
  CHECK(balances() == std::pair{10.0, 10.0});
  attempts = served.store->attempts_of(invoice);
  REQUIRE(attempts->size() == 2);
  CHECK(attempts->at(1).status == AttemptStatus::scheduled);
  CHECK(attempts->at(1).scheduled_on == date::year{2024} / 3 / 15);

  // An invoice that is not there, or not the tenant's, cannot be tagged.
  CHECK(served
            .call("POST", "/1.0/kb/invoices/11111111-2222-3333-4444-555555555555/tags?tagList=" +
                              written_off)
            .status == 404);
}

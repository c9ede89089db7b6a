#include "tollgate/rule_book.hpp"

#include <catch2/catch.hpp>

using namespace tollgate;
using namespace date::literals;
using namespace std::chrono_literals;

namespace {

Instant at(Date d, std::chrono::seconds t = 0s) { return Instant{date::sys_days(d)} + t; }

RuleSet cancel_with(BillingActionPolicy p) {
  RuleSet r;
  r.cancel_policy_rules.push_back({{}, p});
  return r;
}

BillingActionPolicy cancel_under(const RuleSet& r) { return r.cancel_policy({}).value; }

}  // namespace

TEST_CASE("a newer registration replaces the older one from its instant on") {
  RuleBook book;
  OrganizationKey acme{"org-1", "tenant-a"};
  book.register_rules(acme, at(2024_y / 1 / 1), cancel_with(BillingActionPolicy::immediate));
  book.register_rules(acme, at(2024_y / 3 / 1, 12h), cancel_with(BillingActionPolicy::start_of_term));

  CHECK(cancel_under(book.in_force(acme, at(2023_y / 12 / 31))) == BillingActionPolicy::end_of_term);  // default
  CHECK(cancel_under(book.in_force(acme, at(2024_y / 1 / 1))) == BillingActionPolicy::immediate);
  CHECK(cancel_under(book.in_force(acme, at(2024_y / 3 / 1, 11h + 59min))) == BillingActionPolicy::immediate);
  CHECK(cancel_under(book.in_force(acme, at(2024_y / 3 / 1, 12h))) == BillingActionPolicy::start_of_term);
  CHECK(book.version_count(acme) == 2);
}

TEST_CASE("registrations out of order are kept in time order") {
  RuleBook book;
  OrganizationKey org{"org-1", "t"};
  book.register_rules(org, at(2024_y / 6 / 1), cancel_with(BillingActionPolicy::start_of_term));
  book.register_rules(org, at(2024_y / 1 / 1), cancel_with(BillingActionPolicy::immediate));
  CHECK(cancel_under(book.in_force(org, at(2024_y / 2 / 1))) == BillingActionPolicy::immediate);
  CHECK(cancel_under(book.in_force(org, at(2024_y / 7 / 1))) == BillingActionPolicy::start_of_term);
}

TEST_CASE("the same instant registered twice keeps the later registration") {
  RuleBook book;
  OrganizationKey org{"org-1", "t"};
  book.register_rules(org, at(2024_y / 1 / 1), cancel_with(BillingActionPolicy::immediate));
  book.register_rules(org, at(2024_y / 1 / 1), cancel_with(BillingActionPolicy::start_of_term));
  CHECK(book.version_count(org) == 1);
  CHECK(cancel_under(book.in_force(org, at(2024_y / 1 / 2))) == BillingActionPolicy::start_of_term);
}

TEST_CASE("organizations and tenants are kept apart") {
  RuleBook book;
  book.register_rules({"org-1", "tenant-a"}, at(2024_y / 1 / 1), cancel_with(BillingActionPolicy::immediate));
  CHECK(cancel_under(book.in_force({"org-1", "tenant-b"}, at(2024_y / 2 / 1))) == BillingActionPolicy::end_of_term);
  CHECK(cancel_under(book.in_force({"org-2", "tenant-a"}, at(2024_y / 2 / 1))) == BillingActionPolicy::end_of_term);
  CHECK(cancel_under(book.in_force({"org-1", "tenant-a"}, at(2024_y / 2 / 1))) == BillingActionPolicy::immediate);
}

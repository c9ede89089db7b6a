#pragma once
// Private: the store commands' "--flag value" options and their --db store.

#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "cli.hpp"
#include "tollgate/http_transport.hpp"
#include "tollgate/payment_provider.hpp"
#include "tollgate/server/tenant_store.hpp"
#include "tollgate/sqlite/sqlite_store.hpp"

namespace tollgate::cli {

using Flags = std::map<std::string_view, std::string_view>;

/// Reads "--flag value" pairs (and the value-less `switches`); only the flags in
/// `allowed`. Reports the first bad option on io.err and returns nullopt.
std::optional<Flags> parse_flags(std::string_view command, std::span<const std::string_view> args,
                                 std::initializer_list<std::string_view> allowed, Streams io,
                                 std::initializer_list<std::string_view> switches = {});

/// The payment provider `name` ("manual", or "stripe" with STRIPE_SECRET_KEY and
/// optional STRIPE_API_BASE); reports why on io.err and returns null when it cannot.
std::unique_ptr<PaymentProvider> make_provider(std::string_view command, std::string_view name,
                                               std::unique_ptr<HttpTransport>& transport,
                                               Streams io);

/// `tollgate export --balance ACCOUNT`: credit, balance, invoices with their balances, payments.
int export_balance(BillingStore& store, const std::string& account_id, Streams io);

/// Opens the --db store: a SQLite file, or a PostgreSQL database named by a
/// postgresql:// (or postgres://) URI. Reports why on io.err and returns null
/// when it cannot.
std::unique_ptr<BillingStore> open_db(std::string_view command, const Flags& flags, Streams io);
/// The REST server's tables in the same database as `store` (one open_db made).
std::unique_ptr<server::TenantStore> open_tenants(std::string_view command, BillingStore& store,
                                                  Streams io);

}  // namespace tollgate::cli

#pragma once
// SqliteStore: the embedded default store, in one SQLite file.
//
// The schema is created and upgraded by numbered migrations recorded in the
// tollgate_migration table, each in its own transaction; the database runs in
// WAL mode; every multi-row change is one transaction; SQL only ever sees
// bound parameters; SQLITE_BUSY waits up to a timeout and then is reported as
// "store.busy" (worth retrying). <sqlite3.h> stays out of this header.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tollgate/event_inbox.hpp"
#include "tollgate/store.hpp"

namespace tollgate::sqlite {

struct SqliteOptions {
  int busy_timeout_ms = 5000;
  bool create = true;  ///< create the file when missing
  bool read_only = false;  ///< open for reading only: every write fails with "store.readonly"
  /// Stop migrating at this schema version (0: the latest). For upgrade tests.
  int migrate_to = 0;
  /// Cap the database's size in pages (tests simulate a full disk with it).
  std::optional<std::int64_t> max_page_count = std::nullopt;
};

class SqliteStore final : public UsageStore, public RuleStore, public EventInbox {
 public:
  static constexpr int latest_schema_version = 2;

  /// Opens or creates a store and brings its schema up to date.
  /// Errors: "store.unavailable" (cannot open), "store.corrupt" (not a database),
  /// "store.foreign" (a SQLite database of another application), "store.newer"
  /// (made by a newer Tollgate), "store.readonly", or a migration's failure.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, const SqliteOptions& options = {});
  ~SqliteStore() override;

  int schema_version() const;

  Result<IngestResult> record_usage(std::span<const UsageEvent> events) override;
  Result<std::vector<UsageEvent>> usage_of(const std::string& subscription) override;

  Result<std::string> register_rules(const OrganizationKey& organization, std::string_view rule_json,
                                     Instant registered_at) override;
  Result<std::vector<StoredRuleSet>> rule_sets() override;
  Result<RuleBook> rule_book() override;

  /// Records the event id and runs `effect` in one transaction; store calls the
  /// effect makes on this store join that transaction.
  Result<Delivery> apply_once(std::string_view event_id, const std::function<Result<Ok>()>& effect) override;

 private:
  struct Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::sqlite

#pragma once
// PostgresTenantStore: the REST server's tables (TenantStore) in a
// PostgresStore's database, on the same connection, so that
// PostgresStore::atomically() covers a request's billing and server changes
// in one transaction. Several `tollgate serve` processes on one database share
// them: an external key taken through one is taken for all, and a usage
// record's trackingId counts once whichever server received it.
//
// The tables have a migration track of their own (tollgate_server_migration):
// a host that uses only the billing store gets none of them.

#include <memory>

#include "tollgate/postgres/postgres_store.hpp"
#include "tollgate/server/tenant_store.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::postgres {

class PostgresTenantStore final : public server::TenantStore {
 public:
  static constexpr int latest_schema_version = 7;

  /// Uses `store`'s connection (`store` must outlive the result) and brings
  /// the server's tables up to date. Errors: "store.newer" (made by a newer
  /// Tollgate), or a migration's failure.
  static Result<std::unique_ptr<PostgresTenantStore>> open(PostgresStore& store);

  Result<Ok> create_tenant(const server::Tenant& tenant) override;
  Result<server::Tenant> tenant_by_api_key(const std::string& api_key) override;
  Result<Ok> set_tenant_secret(const std::string& api_key, const std::string& salt,
                               const std::string& hash) override;
  Result<Ok> set_catalog_version(const std::string& tenant_id, const std::string& version) override;
  Result<Ok> put_user(const server::ApiUser& user) override;
  Result<server::ApiUser> user(const std::string& name) override;
  Result<std::size_t> user_count() override;

  Result<Ok> put_object(const server::OwnedObject& object) override;
  Result<server::OwnedObject> object(const std::string& tenant_id, server::ObjectType type,
                                     const std::string& id) override;
  Result<server::OwnedObject> object_by_key(const std::string& tenant_id, server::ObjectType type,
                                            const std::string& external_key) override;
  Result<std::vector<server::OwnedObject>> objects(const std::string& tenant_id,
                                                   server::ObjectType type,
                                                   const Query& query) override;

  Result<Page> page(const std::string& tenant_id, server::ObjectType type, std::int64_t offset,

                    std::int64_t limit) override;

  Result<Page> search(const std::string& tenant_id, server::ObjectType type, const std::string& key,

                      std::int64_t offset, std::int64_t limit) override;

  Result<Ok> add_tag(const std::string& tenant_id, const server::Tag& tag) override;
  Result<std::vector<server::Tag>> tags_of(const std::string& tenant_id,
                                           const std::string& object_id) override;
  Result<Ok> remove_tags(const std::string& tenant_id, const std::string& object_id,
                         const std::vector<std::string>& definition_ids) override;

  Result<Ok> create_tag_definition(const std::string& tenant_id,

                                   const server::TagDefinition& definition) override;

  Result<std::vector<server::TagDefinition>> tag_definitions(

      const std::string& tenant_id) override;

  Result<Ok> delete_tag_definition(const std::string& tenant_id, const std::string& id) override;

  Result<IdPage> invoice_page(const std::string& tenant_id, std::int64_t offset,
                              std::int64_t limit) override;
  Result<IdPage> search_invoices(const std::string& tenant_id, const std::string& key,
                                 std::int64_t offset, std::int64_t limit) override;
  Result<std::vector<server::Tag>> removed_tags_of(const std::string& tenant_id,
                                                   const std::string& object_id) override;
  Result<std::vector<server::CustomField>> removed_custom_fields_of(
      const std::string& tenant_id, const std::string& object_id) override;
  Result<Ok> put_unbound_account(const server::UnboundAccount& account) override;
  Result<server::UnboundAccount> unbound_account(const std::string& tenant_id,
                                                 const std::string& id) override;
  Result<Ok> remove_unbound_account(const std::string& tenant_id, const std::string& id) override;
  Result<Ok> add_account_email(const std::string& tenant_id, const std::string& account_id,

                               const std::string& email) override;

  Result<std::vector<std::string>> account_emails(const std::string& tenant_id,

                                                  const std::string& account_id) override;

  Result<Ok> remove_account_email(const std::string& tenant_id, const std::string& account_id,

                                  const std::string& email) override;

  Result<Ok> add_custom_field(const std::string& tenant_id,
                              const server::CustomField& field) override;
  Result<std::vector<server::CustomField>> custom_fields_of(const std::string& tenant_id,
                                                            const std::string& object_id) override;
  Result<Ok> set_custom_field_value(const std::string& tenant_id, const std::string& object_id,
                                    const std::string& id, const std::string& value) override;
  Result<Ok> remove_custom_fields(const std::string& tenant_id, const std::string& object_id,
                                  const std::vector<std::string>& ids) override;

  Result<Ok> add_blocking_state(const std::string& tenant_id,
                                const server::BlockingState& s) override;
  Result<std::vector<server::BlockingState>> blocking_states_of(
      const std::string& tenant_id, const std::string& object_id) override;

  Result<bool> record_tracking_id(const std::string& tenant_id, const std::string& tracking_id,
                                  const std::string& subscription_id) override;

  Result<Ok> append_audit(const std::string& tenant_id, const server::AuditEntry& entry) override;
  Result<std::vector<server::AuditEntry>> audit_of(const std::string& tenant_id,
                                                   const std::string& object_id) override;

 private:
  explicit PostgresTenantStore(PostgresStore& store) noexcept : store_(store) {}
  PostgresStore& store_;
};

}  // namespace tollgate::postgres
TOLLGATE_API_END

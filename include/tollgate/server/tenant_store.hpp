#pragma once
// TenantStore: what the REST server (tollgate::server) keeps beside the
// billing store: tenants and API users, which tenant owns each account, bundle
// and subscription (with Kill Bill's external keys), tags, custom fields,
// blocking states, usage tracking ids and the audit log.
//
// It belongs to the server, not to the billing core, which never reads it. A
// store that implements both BillingStore and TenantStore on one database
// (tollgate::sqlite::SqliteTenantStore and tollgate::postgres::
// PostgresTenantStore share their billing store's connection) lets
// BillingStore::atomically() cover both, so a request changes the billing
// journal and the server's tables together or not at all. Errors are values
// whose code starts with "store.". Header only: a store implementing it links
// nothing of the server.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/calendar.hpp"
#include "tollgate/result.hpp"
#include "tollgate/time_zone.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::server {

/// Kill Bill's tenant: its api key is public, its secret is kept only as a salted hash.
struct Tenant {
  std::string id;
  std::string external_key;
  std::string api_key;
  std::string secret_salt;      ///< hex
  std::string secret_hash;      ///< hex, PBKDF2-HMAC-SHA256 of the secret
  std::string catalog_version;  ///< the billing store's catalog version new accounts get ("" before
                                ///< an upload)
};

/// A user of the API (HTTP basic auth); the password kept as a salted hash.
struct ApiUser {
  std::string name;
  std::string salt;
  std::string hash;
};

// The core's to_string overloads (dates among them, which argument-dependent
// lookup would not find) stay visible beside the one below.
using tollgate::to_string;

/// What tags, custom fields and audit entries are on. Invoices live in the
/// billing store only: they are never OwnedObjects (their account is).
enum class ObjectType { account, bundle, subscription, invoice };
/// Kill Bill's names: "ACCOUNT", "BUNDLE", "SUBSCRIPTION", "INVOICE".
constexpr std::string_view to_string(ObjectType t) noexcept {
  switch (t) {
    case ObjectType::account:
      return "ACCOUNT";
    case ObjectType::bundle:
      return "BUNDLE";
    case ObjectType::subscription:
      return "SUBSCRIPTION";
    case ObjectType::invoice:
      return "INVOICE";
  }
  return "ACCOUNT";
}
/// The ObjectType Kill Bill names `text` ("ACCOUNT", ...); nullopt for any other.
constexpr std::optional<ObjectType> object_type_named(std::string_view text) noexcept {
  for (auto t :
       {ObjectType::account, ObjectType::bundle, ObjectType::subscription, ObjectType::invoice})
    if (to_string(t) == text) return t;
  return std::nullopt;
}

/// An object a tenant owns. Its id is the billing store's id (account id,
/// subscription id) or the server's own (bundle id).
struct OwnedObject {
  std::string id;
  std::string tenant_id;
  ObjectType type = ObjectType::account;
  std::string account_id;    ///< the owning account (itself for an account)
  std::string bundle_id;     ///< subscriptions: their bundle
  std::string external_key;  ///< Kill Bill's external key (unique per tenant and type when set)
  std::string name;   ///< accounts: name; bundles: their BASE subscription; subscriptions: unused
  std::string email;  ///< accounts
  Instant created_at{};
};

/// An account made before its tenant had a catalog: Kill Bill lets an account
/// wait for its currency. The billing store has no row for it yet (its row
/// names a catalog); what it was made with waits here until the first call
/// that bills it binds it to the tenant's catalog.
struct UnboundAccount {
  std::string id;
  std::string tenant_id;
  std::string currency;  ///< "" until a PUT sets it
  std::string time_zone = "UTC";
  std::optional<int> bill_cycle_day;
  std::string organization_id;  ///< whose billing rules will judge it
};

/// A tag (by tag definition id) or a custom field on an object.
struct Tag {
  std::string id;
  std::string object_id;
  ObjectType object_type = ObjectType::account;
  std::string definition_id;
};
/// A tag definition a tenant made (Kill Bill's system ones are built into the
/// server, with their fixed ids). Its name is unique within the tenant.
struct TagDefinition {
  std::string id;
  std::string name;
  std::string description;
  /// Kill Bill's names of the object types its tags may go on ("ACCOUNT", "INVOICE").
  std::vector<std::string> applicable_object_types;
};
struct CustomField {
  std::string id;
  std::string object_id;
  ObjectType object_type = ObjectType::account;
  std::string name;
  std::string value;
};

/// Kill Bill's blocking state on an account, bundle or subscription.
struct BlockingState {
  std::string object_id;
  ObjectType object_type = ObjectType::subscription;
  std::string state_name;
  std::string service;
  bool block_change = false;
  bool block_entitlement = false;
  bool block_billing = false;
  Date effective;
};

/// One change made through the API: who (X-Killbill-CreatedBy), why, and when.
struct AuditEntry {
  std::string object_id;
  ObjectType object_type = ObjectType::account;
  std::string change_type;  ///< "INSERT", "UPDATE", "DELETE"
  std::string created_by;
  std::string reason;
  std::string comment;
  Instant at{};
};

class TenantStore {
 public:
  virtual ~TenantStore() = default;

  /// Errors: "store.conflict" (the api key or external key is taken).
  virtual Result<Ok> create_tenant(const Tenant& tenant) = 0;
  /// Errors: "store.not_found".
  virtual Result<Tenant> tenant_by_api_key(const std::string& api_key) = 0;
  /// Replaces the tenant's secret (its salt and hash): the old secret stops
  /// working. Errors: "store.not_found" (no tenant has that api key).
  virtual Result<Ok> set_tenant_secret(const std::string& api_key, const std::string& salt,
                                       const std::string& hash) = 0;
  /// Makes `version` (a catalog stored in the billing store) the one new accounts get.
  virtual Result<Ok> set_catalog_version(const std::string& tenant_id,
                                         const std::string& version) = 0;
  /// Creates or replaces a user.
  virtual Result<Ok> put_user(const ApiUser& user) = 0;
  /// Errors: "store.not_found".
  virtual Result<ApiUser> user(const std::string& name) = 0;
  virtual Result<std::size_t> user_count() = 0;

  /// Inserts or replaces an object. Errors: "store.conflict" when another
  /// object of the tenant and type has the same external key.
  virtual Result<Ok> put_object(const OwnedObject& object) = 0;
  /// The tenant's object of that type. Errors: "store.not_found" (also when
  /// another tenant owns it: a tenant never learns of another's objects).
  virtual Result<OwnedObject> object(const std::string& tenant_id, ObjectType type,
                                     const std::string& id) = 0;
  /// Errors: "store.not_found".
  virtual Result<OwnedObject> object_by_key(const std::string& tenant_id, ObjectType type,
                                            const std::string& external_key) = 0;
  /// The tenant's objects of a type, by creation, optionally only those of an
  /// account or a bundle.
  struct Query {
    std::string account_id;
    std::string bundle_id;
    std::int64_t offset = 0;
    std::int64_t limit = -1;  ///< -1: all

    static Query of_account(std::string id) {
      Query q;
      q.account_id = std::move(id);
      return q;
    }
    static Query of_bundle(std::string id) {
      Query q;
      q.bundle_id = std::move(id);
      return q;
    }
  };
  virtual Result<std::vector<OwnedObject>> objects(const std::string& tenant_id, ObjectType type,
                                                   const Query& query) = 0;
  /// The tenant's objects of a type from the `offset`th on (0: the first made),
  /// at most `limit`, in creation order, and how many it has in all: an
  /// index range read, whatever the number of objects (Kill Bill's pagination).
  struct Page {
    std::vector<OwnedObject> objects;
    std::int64_t total = 0;
  };
  virtual Result<Page> page(const std::string& tenant_id, ObjectType type, std::int64_t offset,
                            std::int64_t limit) = 0;
  /// The objects whose id is `key`, or whose external key, name or email
  /// starts with it (case as given), in creation order: `offset` and `limit`
  /// among them, and how many match. Index range reads: O(log n + matches).
  virtual Result<Page> search(const std::string& tenant_id, ObjectType type, const std::string& key,
                              std::int64_t offset, std::int64_t limit) = 0;

  /// Inserts or replaces an account that waits for its tenant's catalog.
  virtual Result<Ok> put_unbound_account(const UnboundAccount& account) = 0;
  /// Errors: "store.not_found" (there is none, or it was bound).
  virtual Result<UnboundAccount> unbound_account(const std::string& tenant_id,
                                                 const std::string& id) = 0;
  /// Forgets an unbound account once the billing store has its row; one that
  /// is not there changes nothing.
  virtual Result<Ok> remove_unbound_account(const std::string& tenant_id,
                                            const std::string& id) = 0;

  /// Ids of objects the billing store holds (invoices), a page of them, and
  /// how many there are in all.
  struct IdPage {
    std::vector<std::string> ids;
    std::int64_t total = 0;
  };
  /// The tenant's invoices in the order they were saved, from the `offset`th
  /// on (0: the first), at most `limit`: an index range read. Every invoice has
  /// its place, whoever saved it (the server, the daily run, a host through
  /// the billing store): a trigger on the billing store's invoice table puts
  /// it there, under its account's tenant.
  virtual Result<IdPage> invoice_page(const std::string& tenant_id, std::int64_t offset,
                                      std::int64_t limit) = 0;
  /// The tenant's invoices whose id, account id or currency is `key`, or whose
  /// number it is (as Kill Bill searches them), in the order they were saved:
  /// `offset` and `limit` among them, and how many match. Index reads:
  /// O(log n + matches).
  virtual Result<IdPage> search_invoices(const std::string& tenant_id, const std::string& key,
                                         std::int64_t offset, std::int64_t limit) = 0;

  virtual Result<Ok> add_tag(const std::string& tenant_id, const Tag& tag) = 0;
  virtual Result<std::vector<Tag>> tags_of(const std::string& tenant_id,
                                           const std::string& object_id) = 0;
  /// The object's tags since removed, in the order they were removed (Kill
  /// Bill's `includedDeleted`). A trigger keeps them as rows are deleted.
  virtual Result<std::vector<Tag>> removed_tags_of(const std::string& tenant_id,
                                                   const std::string& object_id) = 0;
  /// Removes the object's tags of these definitions.
  virtual Result<Ok> remove_tags(const std::string& tenant_id, const std::string& object_id,
                                 const std::vector<std::string>& definition_ids) = 0;

  /// Errors: "store.conflict" (the tenant has a definition of that name).
  virtual Result<Ok> create_tag_definition(const std::string& tenant_id,
                                           const TagDefinition& definition) = 0;
  /// The tenant's own definitions, in the order they were made.
  virtual Result<std::vector<TagDefinition>> tag_definitions(const std::string& tenant_id) = 0;
  /// Errors: "store.not_found"; "store.conflict" while an object has a tag of it.
  virtual Result<Ok> delete_tag_definition(const std::string& tenant_id, const std::string& id) = 0;

  /// Adds a contact email to an account (Kill Bill's account emails); one it
  /// has already changes nothing.
  virtual Result<Ok> add_account_email(const std::string& tenant_id, const std::string& account_id,
                                       const std::string& email) = 0;
  /// The account's contact emails, in the order they were added.
  virtual Result<std::vector<std::string>> account_emails(const std::string& tenant_id,
                                                          const std::string& account_id) = 0;
  /// Errors: "store.not_found" (the account has no such email).
  virtual Result<Ok> remove_account_email(const std::string& tenant_id,
                                          const std::string& account_id,
                                          const std::string& email) = 0;

  virtual Result<Ok> add_custom_field(const std::string& tenant_id, const CustomField& field) = 0;
  virtual Result<std::vector<CustomField>> custom_fields_of(const std::string& tenant_id,
                                                            const std::string& object_id) = 0;
  /// The object's custom fields since removed, in the order they were removed.
  virtual Result<std::vector<CustomField>> removed_custom_fields_of(
      const std::string& tenant_id, const std::string& object_id) = 0;
  /// Changes the value of the object's field `id`. Errors: "store.not_found".
  virtual Result<Ok> set_custom_field_value(const std::string& tenant_id,
                                            const std::string& object_id, const std::string& id,
                                            const std::string& value) = 0;
  /// Removes the object's fields with these ids (all of them when empty).
  virtual Result<Ok> remove_custom_fields(const std::string& tenant_id,
                                          const std::string& object_id,
                                          const std::vector<std::string>& ids) = 0;

  virtual Result<Ok> add_blocking_state(const std::string& tenant_id, const BlockingState& s) = 0;
  virtual Result<std::vector<BlockingState>> blocking_states_of(const std::string& tenant_id,
                                                                const std::string& object_id) = 0;

  /// Records that a usage tracking id was used; false (nothing stored) when
  /// the tenant already used it.
  virtual Result<bool> record_tracking_id(const std::string& tenant_id,
                                          const std::string& tracking_id,
                                          const std::string& subscription_id) = 0;

  virtual Result<Ok> append_audit(const std::string& tenant_id, const AuditEntry& entry) = 0;
  virtual Result<std::vector<AuditEntry>> audit_of(const std::string& tenant_id,
                                                   const std::string& object_id) = 0;
};

}  // namespace tollgate::server
TOLLGATE_API_END

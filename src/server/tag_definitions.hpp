#pragma once
// Tag definitions as the server sees them: Kill Bill's system ones and the
// tenant's own (tag_definitions.cpp).

#include "api.hpp"

namespace tollgate::server::detail {

struct TagDefinitionView {
  TagDefinition definition;
  bool control = false;  ///< one of Kill Bill's system (control) definitions
};

/// Kill Bill's system definition `id`, or nullptr (no store read).
const TagDefinitionView* system_tag_definition(std::string_view id);

/// The system definitions, then the tenant's own. Errors: the store's, as a response.
Result<std::vector<TagDefinitionView>, Response> all_definitions(Server& s, const Ctx& ctx);

/// The system or tenant definition `id`. Errors: a 404 response.
Result<TagDefinitionView, Response> find_tag_definition(Server& s, const Ctx& ctx,
                                                        const std::string& id);

}  // namespace tollgate::server::detail

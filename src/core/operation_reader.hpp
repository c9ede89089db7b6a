#pragma once
// Private: reads an operation's fields from a JSON object, for parse_operation
// and for the scenario loader (which adds its own checks against the catalog).

#include "json_reader.hpp"
#include "tollgate/operation.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::detail {

/// Reads "date", "type" and the type's fields into `op`, collecting problems in
/// the reader. Returns false when the type is missing or unknown (then the
/// other fields were not read). Does not reject unknown fields: the caller does.
/// `date_read` (optional) tells whether a valid date was read.
bool read_operation(ObjectReader& r, Operation& op, bool* date_read = nullptr);

}  // namespace tollgate::detail
TOLLGATE_API_END

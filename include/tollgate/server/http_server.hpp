#pragma once
// serve(): RestApi on HTTP/1.1 with Boost.Beast, one thread, keep-alive,
// until SIGINT or SIGTERM. Beast stays in src/server/http_server.cpp.

#include <cstdint>
#include <functional>
#include <string>

#include "tollgate/result.hpp"
#include "tollgate/server/rest_api.hpp"
#include "tollgate/visibility.hpp"

TOLLGATE_API_BEGIN
namespace tollgate::server {

struct ListenOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  ///< 0: any free port (on_listening tells which)
};

/// Serves until SIGINT/SIGTERM; `on_listening(port)` is called once the socket listens.
/// Errors: "server.listen" (address in use, bad address).
Result<Ok> serve(RestApi& api, const ListenOptions& listen,
                 const std::function<void(std::uint16_t)>& on_listening = {});

}  // namespace tollgate::server
TOLLGATE_API_END

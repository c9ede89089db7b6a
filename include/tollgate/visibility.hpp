#pragma once
// What a shared build of Tollgate exports: the declarations of its public
// headers, and nothing from src/.
//
// Each library is compiled with hidden visibility (CMake's
// CXX_VISIBILITY_PRESET), so a symbol is exported only when declared between
// TOLLGATE_API_BEGIN and TOLLGATE_API_END, as every header of include/tollgate
// wraps its namespace. A host then links to the API it reads in the headers,
// and Tollgate's internals (the engine's model, the SQLite wrapper, the
// server's handlers) can change in a patch release without breaking it.

//
// GCC does not apply the pragma to a friend function declared in its class
// and defined in a source: such a declaration carries TOLLGATE_API itself.
#if defined(__GNUC__) || defined(__clang__)
#define TOLLGATE_API_BEGIN _Pragma("GCC visibility push(default)")
#define TOLLGATE_API_END _Pragma("GCC visibility pop")
#define TOLLGATE_API __attribute__((visibility("default")))
#else
#define TOLLGATE_API_BEGIN
#define TOLLGATE_API_END
#define TOLLGATE_API
#endif

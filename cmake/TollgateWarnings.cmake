# Strict warnings for Tollgate's own targets only: a host that adds Tollgate with
# add_subdirectory must not inherit -Werror.
function(tollgate_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor)
  # GCC 12 reports false -Wrestrict overlaps inside std::string's operator+ at
  # -O2/-O3 (GCC bug 105329); the warning says nothing about our code there.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(TOLLGATE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

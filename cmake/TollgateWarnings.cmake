# Strict warnings for Tollgate's own targets only: a host that adds Tollgate with
# add_subdirectory must not inherit -Werror.
function(tollgate_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor)
  if(TOLLGATE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

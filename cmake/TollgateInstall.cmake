# Install rules: headers, libraries, the CMake package and a pkg-config file.
include(CMakePackageConfigHelpers)

set(TOLLGATE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/tollgate")

set(TOLLGATE_INSTALLED_TARGETS tollgate_core tollgate_all)
if(TOLLGATE_WITH_SQLITE)
  list(APPEND TOLLGATE_INSTALLED_TARGETS tollgate_sqlite)
endif()
if(TOLLGATE_WITH_POSTGRES)
  list(APPEND TOLLGATE_INSTALLED_TARGETS tollgate_postgres)
endif()
if(TOLLGATE_WITH_STRIPE)
  list(APPEND TOLLGATE_INSTALLED_TARGETS tollgate_stripe tollgate_stripe_beast)
endif()
if(TOLLGATE_WITH_SERVER)
  list(APPEND TOLLGATE_INSTALLED_TARGETS tollgate_server tollgate_server_beast)
endif()
if(TOLLGATE_WITH_KILL_BILL_XML)
  list(APPEND TOLLGATE_INSTALLED_TARGETS tollgate_kill_bill)
endif()
# Installed libraries find each other beside themselves, wherever the prefix
# is: a host that links tollgate::sqlite alone still loads libtollgate_core.
if(APPLE)
  set(tollgate_origin "@loader_path")
else()
  set(tollgate_origin "$ORIGIN")
endif()
foreach(target IN LISTS TOLLGATE_INSTALLED_TARGETS)
  get_target_property(type ${target} TYPE)
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "${tollgate_origin}")
  endif()
endforeach()

install(TARGETS ${TOLLGATE_INSTALLED_TARGETS}
  EXPORT tollgateTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/tollgate" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(FILES "${PROJECT_BINARY_DIR}/generated/include/tollgate/version.hpp"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/tollgate")
if(TARGET tollgate)
  install(TARGETS tollgate RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
endif()

install(EXPORT tollgateTargets NAMESPACE tollgate:: DESTINATION "${TOLLGATE_CMAKE_DIR}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/tollgateConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/tollgateConfig.cmake" INSTALL_DESTINATION "${TOLLGATE_CMAKE_DIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/tollgateConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/tollgateConfig.cmake" "${PROJECT_BINARY_DIR}/tollgateConfigVersion.cmake"
  DESTINATION "${TOLLGATE_CMAKE_DIR}")

# pkg-config: the libraries this build has, most dependent first.
set(TOLLGATE_PC_LIBS "")
set(TOLLGATE_PC_REQUIRES "")
if(TOLLGATE_WITH_SERVER)
  string(APPEND TOLLGATE_PC_LIBS " -ltollgate_server_beast -ltollgate_server")
endif()
if(TOLLGATE_WITH_STRIPE)
  string(APPEND TOLLGATE_PC_LIBS " -ltollgate_stripe_beast -ltollgate_stripe")
  string(APPEND TOLLGATE_PC_REQUIRES " openssl")
endif()
if(TOLLGATE_WITH_SQLITE)
  string(APPEND TOLLGATE_PC_LIBS " -ltollgate_sqlite")
  string(APPEND TOLLGATE_PC_REQUIRES " sqlite3")
endif()
if(TOLLGATE_WITH_KILL_BILL_XML)
  string(APPEND TOLLGATE_PC_LIBS " -ltollgate_kill_bill")
  string(APPEND TOLLGATE_PC_REQUIRES " pugixml")
endif()
if(TOLLGATE_WITH_POSTGRES)
  string(APPEND TOLLGATE_PC_LIBS " -ltollgate_postgres")
  string(APPEND TOLLGATE_PC_REQUIRES " libpq")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/tollgate.pc.in" "${PROJECT_BINARY_DIR}/tollgate.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/tollgate.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

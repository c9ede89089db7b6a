# vcpkg overlay port: vcpkg install tollgate --overlay-ports=ports
vcpkg_from_git(
  OUT_SOURCE_PATH SOURCE_PATH
  URL "${TOLLGATE_GIT_URL}"
  REF "${TOLLGATE_GIT_REF}"
)

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
  FEATURES
    stripe   TOLLGATE_WITH_STRIPE
    sqlite   TOLLGATE_WITH_SQLITE
    postgres TOLLGATE_WITH_POSTGRES
    server   TOLLGATE_WITH_SERVER
    kill-bill-xml TOLLGATE_WITH_KILL_BILL_XML
)

# The same options Tollgate's own consumer test builds with (tests/CMakeLists.txt).
vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    -DTOLLGATE_BUILD_TESTS=OFF
    -DTOLLGATE_BUILD_CLI=OFF
    -DTOLLGATE_INSTALL=ON
    -DTOLLGATE_WERROR=OFF
    ${FEATURE_OPTIONS}
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH lib/cmake/tollgate)
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")

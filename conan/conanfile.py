from conan import ConanFile
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy


class TollgateConan(ConanFile):
    name = "tollgate"
    version = "0.1.0"
    license = "MIT"
    description = "Embeddable C++20 billing library: catalogs, subscriptions, proration, usage, credits, Stripe"
    topics = ("billing", "subscriptions", "stripe", "invoicing")
    settings = "os", "compiler", "build_type", "arch"
    options = {"shared": [True, False], "fPIC": [True, False], "with_stripe": [True, False], "with_sqlite": [True, False], "with_postgres": [True, False], "with_server": [True, False], "with_kill_bill_xml": [True, False]}
    default_options = {"shared": False, "fPIC": True, "with_stripe": True, "with_sqlite": True, "with_postgres": False, "with_server": False, "with_kill_bill_xml": False}
    exports_sources = "../CMakeLists.txt", "../cmake/*", "../include/*", "../src/*", "../LICENSE"

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def requirements(self):
        self.requires("boost/1.81.0", transitive_headers=True)
        self.requires("date/3.0.1", transitive_headers=True)
        if self.options.with_stripe or self.options.with_server:
            self.requires("openssl/[>=3 <4]")
        if self.options.with_sqlite:
            self.requires("sqlite3/[>=3.31]")
        if self.options.with_postgres:
            self.requires("libpq/[>=12]")
        if self.options.with_kill_bill_xml:
            self.requires("pugixml/[>=1.11]")

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        # The same options Tollgate's own consumer test builds with (tests/CMakeLists.txt).
        tc.variables["TOLLGATE_BUILD_TESTS"] = False
        tc.variables["TOLLGATE_BUILD_CLI"] = False
        tc.variables["TOLLGATE_INSTALL"] = True
        tc.variables["TOLLGATE_WERROR"] = False
        tc.variables["TOLLGATE_WITH_STRIPE"] = bool(self.options.with_stripe)
        tc.variables["TOLLGATE_WITH_SQLITE"] = bool(self.options.with_sqlite)
        tc.variables["TOLLGATE_WITH_POSTGRES"] = bool(self.options.with_postgres)
        tc.variables["TOLLGATE_WITH_SERVER"] = bool(self.options.with_server)
        tc.variables["TOLLGATE_WITH_KILL_BILL_XML"] = bool(self.options.with_kill_bill_xml)
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        copy(self, "LICENSE", self.source_folder, f"{self.package_folder}/licenses")
        CMake(self).install()

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "tollgate")
        self.cpp_info.set_property("cmake_target_name", "tollgate::tollgate")
        core = self.cpp_info.components["core"]
        core.libs = ["tollgate_core"]
        core.requires = ["boost::json", "date::date-tz"]
        core.set_property("cmake_target_name", "tollgate::core")
        if self.options.with_sqlite:
            store = self.cpp_info.components["sqlite"]
            store.libs = ["tollgate_sqlite"]
            store.requires = ["core", "sqlite3::sqlite3"]
            store.set_property("cmake_target_name", "tollgate::sqlite")
        if self.options.with_postgres:
            pg = self.cpp_info.components["postgres"]
            pg.libs = ["tollgate_postgres"]
            pg.requires = ["core", "libpq::libpq"]
            pg.set_property("cmake_target_name", "tollgate::postgres")
        if self.options.with_kill_bill_xml:
            kill_bill = self.cpp_info.components["kill_bill"]
            kill_bill.libs = ["tollgate_kill_bill"]
            kill_bill.requires = ["core", "pugixml::pugixml", "boost::json"]
            kill_bill.set_property("cmake_target_name", "tollgate::kill_bill")
        if self.options.with_stripe:
            stripe = self.cpp_info.components["stripe"]
            stripe.libs = ["tollgate_stripe_beast", "tollgate_stripe"]
            stripe.requires = ["core", "openssl::openssl", "boost::headers"]
            stripe.set_property("cmake_target_name", "tollgate::stripe")
        if self.options.with_server:
            server = self.cpp_info.components["server"]
            server.libs = ["tollgate_server"]
            server.requires = ["core", "boost::json", "openssl::openssl"]
            server.set_property("cmake_target_name", "tollgate::server")
            beast = self.cpp_info.components["server_beast"]
            beast.libs = ["tollgate_server_beast"]
            beast.requires = ["server", "openssl::openssl", "boost::headers"]
            beast.set_property("cmake_target_name", "tollgate::server_beast")

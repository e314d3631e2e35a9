// The kernel tables a C++ test run must cover: named by --require NAME,NAME...
// or by the environment variable FASTPIL_REQUIRE_KERNELS (which `meson test`
// passes through), so that a CPU or build lacking one is reported rather
// than silently skipped.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace fastpil_tests {

// The names required, from the command line or the environment; exits with
// status 2 on any other argument.
inline std::vector<std::string> required_tables(int argc, char **argv) {
    const char *list = std::getenv("FASTPIL_REQUIRE_KERNELS");
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--require") == 0 && i + 1 < argc) {
            list = argv[++i];
        } else {
            std::fprintf(stderr, "usage: %s [--require NAME,NAME...]\n", argv[0]);
            std::exit(2);
        }
    }
    std::vector<std::string> names;
    std::string current;
    for (const char *c = list != nullptr ? list : ""; ; ++c) {
        if (*c == ',' || *c == '\0') {
            if (!current.empty()) {
                names.push_back(current);
            }
            current.clear();
            if (*c == '\0') {
                break;
            }
        } else {
            current += *c;
        }
    }
    return names;
}

// How many of `required` are not among `tested`, each reported.
inline std::size_t missing_tables(const std::vector<std::string> &required,
                                  const std::vector<std::string> &tested) {
    std::size_t missing = 0;
    for (const std::string &name : required) {
        bool found = false;
        for (const std::string &t : tested) {
            found = found || t == name;
        }
        if (!found) {
            std::printf("FAIL kernel table %s was required but this build or CPU lacks it\n",
                        name.c_str());
            ++missing;
        }
    }
    return missing;
}

}  // namespace fastpil_tests

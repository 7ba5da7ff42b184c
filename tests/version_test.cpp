// SPDX-License-Identifier: MIT
// The version has one source, tinymem/version.hpp; this checks that everything derived from it
// agrees: the macros, the constants (from the module in a module build), and the project
// version meson.build gives the .pc file (passed in as TINYMEM_MESON_VERSION).
#include <cstdio>
#include <cstring>

#include <tinymem/version.hpp> // the macros: preprocessor only, so also next to `import tinymem;`
#include "tinymem_under_test.hpp"

#ifndef TINYMEM_MESON_VERSION
#error "TINYMEM_MESON_VERSION must name meson.build's project version"
#endif

static_assert(tinymem::version_major == TINYMEM_VERSION_MAJOR);
static_assert(tinymem::version_minor == TINYMEM_VERSION_MINOR);
static_assert(tinymem::version_patch == TINYMEM_VERSION_PATCH);
static_assert(tinymem::version == TINYMEM_VERSION);
static_assert(TINYMEM_VERSION ==
              TINYMEM_VERSION_MAJOR * 10000 + TINYMEM_VERSION_MINOR * 100 + TINYMEM_VERSION_PATCH);

int main() {
    char expected[32];
    std::snprintf(expected, sizeof expected, "%u.%u.%u", tinymem::version_major,
                  tinymem::version_minor, tinymem::version_patch);
    const bool ok = std::strcmp(tinymem::version_string, expected) == 0 &&
                    std::strcmp(tinymem::version_string, TINYMEM_MESON_VERSION) == 0;
    std::printf("version: header %s, constants %s, meson.build %s: %s\n", expected,
                tinymem::version_string, TINYMEM_MESON_VERSION, ok ? "agree" : "DIFFER");
    return ok ? 0 : 1;
}

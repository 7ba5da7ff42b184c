// SPDX-License-Identifier: MIT
// Helpers for the adapter tests: the reproducible seed (env TINYMEM_SEED).
#ifndef TINYMEM_ADAPTER_TEST_SUPPORT_HPP
#define TINYMEM_ADAPTER_TEST_SUPPORT_HPP

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

// Operations of the randomised tests, scaled by the meson option random_ops.
#ifndef TINYMEM_RANDOM_OPS
#define TINYMEM_RANDOM_OPS 1200000
#endif

namespace adapter_test {

inline std::uint64_t seed(const char* test_name) {
    std::uint64_t s = 20261126;
    if (const char* env = std::getenv("TINYMEM_SEED")) s = std::strtoull(env, nullptr, 0);
    std::printf("%s: seed %llu (rerun with TINYMEM_SEED=%llu)\n", test_name, (unsigned long long)s,
                (unsigned long long)s);
    return s;
}

} // namespace adapter_test

#endif

// SPDX-License-Identifier: MIT
// tinymem-gen-trace: writes a seeded churn trace (format of bench/TRACES.md).
// Usage: tinymem-gen-trace OUT.trace [--seed N] [--ops N] [--live BYTES] [--big PERCENT]
//                          [--align PERCENT]   (that % of allocations with an alignment field)
// The seed defaults to $TINYMEM_SEED, else 1; it is printed so a run can be repeated.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "trace.hpp"

int main(int argc, char** argv) {
    const char* out = nullptr;
    std::uint64_t seed = 1;
    if (const char* env = std::getenv("TINYMEM_SEED")) seed = std::strtoull(env, nullptr, 10);
    std::size_t ops = 20000, live = 6000;
    unsigned big = 3, align = 0;
    for (int i = 1; i < argc; ++i) {
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "missing value after %s\n", argv[i]);
                std::exit(2);
            }
            return argv[++i];
        };
        if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(value(), nullptr, 10);
        else if (!std::strcmp(argv[i], "--ops")) ops = std::strtoull(value(), nullptr, 10);
        else if (!std::strcmp(argv[i], "--live")) live = std::strtoull(value(), nullptr, 10);
        else if (!std::strcmp(argv[i], "--big")) big = unsigned(std::strtoul(value(), nullptr, 10));
        else if (!std::strcmp(argv[i], "--align")) align = unsigned(std::strtoul(value(), nullptr, 10));
        else if (argv[i][0] != '-' && !out) out = argv[i];
        else {
            std::fprintf(stderr, "usage: %s OUT.trace [--seed N] [--ops N] [--live BYTES] [--big PERCENT] [--align PERCENT]\n", argv[0]);
            return 2;
        }
    }
    if (!out) {
        std::fprintf(stderr, "usage: %s OUT.trace [--seed N] [--ops N] [--live BYTES] [--big PERCENT] [--align PERCENT]\n", argv[0]);
        return 2;
    }
    std::ofstream f(out, std::ios::binary);
    f << tinymem_bench::generate_churn(seed, ops, live, big, align);
    if (!f) {
        std::fprintf(stderr, "cannot write %s\n", out);
        return 1;
    }
    std::printf("wrote %s: churn, seed %llu (TINYMEM_SEED), %zu ops, live target %zu bytes\n", out,
                static_cast<unsigned long long>(seed), ops, live);
    return 0;
}

// SPDX-License-Identifier: MIT
// Soak: N random operations at about 95 % utilisation, in a 64 KiB pool (config16), a 1 MiB
// pool (config17) and a 4 MiB pool (config32). Blocks of 8 B .. 1 KiB (log-uniform), default alignment; a bounded
// defrag_step every 64 operations. Every block holds one byte value derived from its id; all
// contents are verified (and check() run) every 2^18 operations and at the end.
// A failed allocation is "unexpected" when the free bytes sufficed (a free slot existed and the
// request, rounded, was no larger than the free bytes): that count must be zero.
//
// Usage: soak [OPS_PER_POOL [64k|1m|4m|all]] (default 10^8, all). Seed: TINYMEM_SEED. Not run by `meson test`:
// scripts/soak.sh or `meson test --benchmark`.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <span>
#include <vector>

#include "tinymem_under_test.hpp"

namespace {

template <class Config, std::size_t Bytes>
bool soak(const char* name, std::uint64_t ops, std::uint64_t seed) {
    using pool_t = tinymem::basic_pool<Config>;
    constexpr std::size_t g = Config::granule, hdr = sizeof(typename Config::word_type);
    auto storage = std::make_unique<std::byte[]>(Bytes);
    pool_t pool(std::span<std::byte>(storage.get(), Bytes));
    std::mt19937_64 rng(seed);
    struct blk {
        typename pool_t::handle h;
        std::size_t n;
        unsigned char v;
    };
    std::vector<blk> live;
    std::uint64_t allocs = 0, frees = 0, expected_fail = 0, unexpected_fail = 0, checks = 0, max_live = 0;
    double util_sum = 0;
    std::uint64_t util_samples = 0;
    const std::size_t target = pool.capacity() * 95 / 100;
    auto verify_all = [&]() {
        const auto r = pool.check();
        if (!r.ok()) {
            std::printf("%s: check() failed: %s\n", name, r.problem);
            return false;
        }
        for (const auto& b : live) {
            const auto* d = static_cast<const unsigned char*>(pool.data(b.h));
            std::uint64_t hash = 1469598103934665603ull, want = hash;
            for (std::size_t i = 0; i < b.n; ++i) {
                hash = (hash ^ d[i]) * 1099511628211ull;
                want = (want ^ b.v) * 1099511628211ull;
            }
            if (hash != want) {
                std::printf("%s: block contents changed\n", name);
                return false;
            }
        }
        ++checks;
        return true;
    };
    std::size_t used = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t k = 0; k < ops; ++k) {
        // Our own count of used bytes (stats() walks the pool: too slow for every operation).
        const bool grow = live.empty() || (used < target ? rng() % 10 < 7 : rng() % 10 < 3);
        if (grow) {
            const unsigned lg = 3 + unsigned(rng() % 8);
            const std::size_t n = (std::size_t(1) << lg) + rng() % (std::size_t(1) << lg);
            // Default alignment: over-aligned blocks keep holes compaction cannot close, which
            // would blur the "free bytes sufficed" criterion.
            const std::size_t align = g;
            const auto h = pool.allocate(n < 1024 ? n : 1024, align);
            const std::size_t nn = n < 1024 ? n : 1024;
            if (!h) {
                const auto before = pool.stats(); // a failed call leaves the pool unchanged
                std::size_t need = (nn + hdr + g - 1) / g * g + (align > g ? align : 0);
                if (before.free_handles == 0) need += g;
                if (need <= before.free_bytes) {
                    ++unexpected_fail;
                    if (unexpected_fail < 5)
                        std::printf("%s: op %llu: %zu B (align %zu) failed (%s) with %zu B free\n", name,
                                    static_cast<unsigned long long>(k), nn, align,
                                    tinymem::to_string(pool.last_error()), before.free_bytes);
                } else {
                    ++expected_fail;
                }
            } else {
                const unsigned char v = static_cast<unsigned char>(rng());
                std::memset(pool.data(h), v, nn);
                live.push_back({h, nn, v});
                used += pool.size(h) + hdr;
                ++allocs;
                if (live.size() > max_live) max_live = live.size();
            }
        } else {
            const std::size_t j = rng() % live.size();
            const auto* d = static_cast<const unsigned char*>(pool.data(live[j].h));
            if (d[0] != live[j].v || d[live[j].n - 1] != live[j].v) {
                std::printf("%s: block contents changed at free\n", name);
                return false;
            }
            const std::size_t freed = pool.size(live[j].h) + hdr;
            if (!pool.deallocate(live[j].h)) {
                std::printf("%s: deallocate failed\n", name);
                return false;
            }
            used -= freed;
            live[j] = live.back();
            live.pop_back();
            ++frees;
        }
        if (k % 64 == 63) pool.defrag_step(512);
        if (k % 1024 == 0) {
            util_sum += double(pool.stats().used_bytes) / double(pool.capacity());
            ++util_samples;
        }
        if ((k & ((1u << 18) - 1)) == 0 && !verify_all()) return false;
    }
    if (!verify_all()) return false;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto st = pool.stats();
    std::printf("%s: %llu ops in %.1f s (%.2f Mops/s): %llu allocations, %llu frees, mean utilisation %.1f %%, "
                "max live %llu, %llu full verifications, bytes moved %llu, failed allocations: %llu with too few "
                "free bytes, %llu UNEXPECTED (free bytes sufficed)\n",
                name, static_cast<unsigned long long>(ops), secs, double(ops) / secs / 1e6,
                static_cast<unsigned long long>(allocs), static_cast<unsigned long long>(frees),
                100.0 * util_sum / double(util_samples), static_cast<unsigned long long>(max_live),
                static_cast<unsigned long long>(checks), static_cast<unsigned long long>(st.bytes_moved),
                static_cast<unsigned long long>(expected_fail), static_cast<unsigned long long>(unexpected_fail));
    return unexpected_fail == 0;
}

} // namespace

int main(int argc, char** argv) {
    const std::uint64_t ops = argc > 1 ? std::strtoull(argv[1], nullptr, 0) : 100000000ull;
    std::uint64_t seed = 7;
    if (const char* s = std::getenv("TINYMEM_SEED")) seed = std::strtoull(s, nullptr, 0);
    std::printf("TINYMEM_SEED=%llu ops per pool %llu\n", static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(ops));
    std::fflush(stdout);
    const std::string which = argc > 2 ? argv[2] : "all";
    if (which != "64k" && which != "1m" && which != "4m" && which != "all") {
        std::fprintf(stderr, "usage: soak [OPS_PER_POOL [64k|1m|4m|all]]\n");
        return 2;
    }
    auto wanted = [&](const char* name) { return which == "all" || which == name; };
    bool ok = true;
    if (wanted("64k")) ok = soak<tinymem::config16, 65536>("64 KiB config16", ops, seed) && ok;
    std::fflush(stdout);
    if (wanted("1m")) ok = soak<tinymem::config17, (1u << 20) - 8>("1 MiB config17", ops, seed + 2) && ok;
    std::fflush(stdout);
    if (wanted("4m")) ok = soak<tinymem::config32, 4u << 20>("4 MiB config32", ops, seed + 1) && ok;
    return ok ? 0 : 1;
}

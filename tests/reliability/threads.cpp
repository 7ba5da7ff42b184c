// SPDX-License-Identifier: MIT
// tinymem::synchronized_pool<pool, std::mutex> from several threads: allocate, deallocate,
// reallocate, pin (and write/verify through the pinned pointer outside the lock), defrag_step;
// then the same under a compaction limit, where each allocation moves at most three times it.
// Run under ThreadSanitizer by scripts/ci-reliability.sh (-Db_sanitize=thread). Seed: TINYMEM_SEED.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "tinymem/synchronized.hpp"
#include "tinymem_under_test.hpp"

namespace {

using pool_t = tinymem::pool<65536, tinymem::config16>;
using sync_pool = tinymem::synchronized_pool<pool_t, std::mutex>;

unsigned char pattern(std::uint32_t id, std::size_t i) {
    return static_cast<unsigned char>((id * 2654435761u + i * 40503u) >> 11);
}

std::atomic<unsigned> failures{0};
std::atomic<unsigned> deferrals{0}; // allocations refused with compaction_deferred
#define EXPECT(c)                                                                   \
    do {                                                                            \
        if (!(c)) {                                                                 \
            std::fprintf(stderr, "threads: failed: %s (line %d)\n", #c, __LINE__); \
            failures.fetch_add(1);                                                  \
        }                                                                           \
    } while (0)

struct owned {
    sync_pool::handle h;
    std::uint32_t id;
    std::size_t n;
};

constexpr std::size_t limit = 256; // the second phase's compaction limit

void worker(sync_pool& pool, unsigned index, std::uint64_t seed, unsigned ops, std::atomic<std::uint64_t>& done) {
    const bool limited = pool.compaction_limit() == limit;
    std::mt19937_64 rng(seed + index * 7919);
    std::vector<owned> mine;
    std::uint32_t next = index << 24;
    auto verify = [&](const owned& o) {
        auto pin = pool.pin(o.h);
        EXPECT(bool(pin));
        if (!pin) return;
        const auto* d = pin.get<const unsigned char>();
        for (std::size_t i = 0; i < o.n; ++i)
            if (d[i] != pattern(o.id, i)) {
                EXPECT(d[i] == pattern(o.id, i));
                return;
            }
    };
    for (unsigned k = 0; k < ops; ++k) {
        const unsigned op = unsigned(rng() % 10);
        if (op < 4 || mine.empty()) {
            const std::size_t n = 1 + rng() % 200;
            // The call and what it moved, read together under the lock.
            const auto [h, moved, deferred] = pool.with_lock([&](pool_t& p) {
                const std::uint64_t before = p.bytes_moved();
                const auto got = p.allocate(n);
                return std::tuple{got, p.bytes_moved() - before,
                                  p.last_error() == tinymem::error::compaction_deferred};
            });
            EXPECT(limited || !deferred);
            if (limited) EXPECT(moved <= 3 * limit);
            if (deferred) deferrals.fetch_add(1);
            if (!h) continue; // the pool is shared: full (or, under the limit, deferred) is allowed
            owned o{h, ++next, n};
            auto pin = pool.pin(h);
            EXPECT(bool(pin));
            auto* d = pin.get<unsigned char>();
            for (std::size_t i = 0; i < n; ++i) d[i] = pattern(o.id, i); // outside the lock
            mine.push_back(o);
        } else if (op < 6) {
            const std::size_t j = rng() % mine.size();
            verify(mine[j]);
            EXPECT(pool.deallocate(mine[j].h));
            mine[j] = mine.back();
            mine.pop_back();
        } else if (op < 7) {
            auto& o = mine[rng() % mine.size()];
            const std::size_t n = 1 + rng() % 300;
            if (pool.reallocate(o.h, n)) {
                auto pin = pool.pin(o.h);
                auto* d = pin.get<unsigned char>();
                for (std::size_t i = 0; i < o.n && i < n; ++i)
                    if (d[i] != pattern(o.id, i)) {
                        EXPECT(d[i] == pattern(o.id, i));
                        break;
                    }
                for (std::size_t i = 0; i < n; ++i) d[i] = pattern(o.id, i);
                o.n = n;
            }
        } else if (op < 9) {
            verify(mine[rng() % mine.size()]);
        } else {
            pool.defrag_step(256);
        }
    }
    for (const auto& o : mine) {
        verify(o);
        EXPECT(pool.deallocate(o.h));
    }
    done.fetch_add(ops);
}

} // namespace

int main(int argc, char** argv) {
    std::uint64_t seed = 2024;
    if (const char* s = std::getenv("TINYMEM_SEED")) seed = std::strtoull(s, nullptr, 0);
    const unsigned ops = argc > 1 ? unsigned(std::strtoul(argv[1], nullptr, 0)) : 20000;
    std::printf("TINYMEM_SEED=%llu, 4 threads x %u ops, without a compaction limit then with one of %zu B\n",
                static_cast<unsigned long long>(seed), ops / 2, limit);
    static sync_pool pool;
    std::atomic<std::uint64_t> done{0};
    for (const std::size_t phase_limit : {~std::size_t{0}, limit}) {
        pool.set_compaction_limit(phase_limit);
        EXPECT(pool.compaction_limit() == phase_limit);
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < 3; ++t)
            threads.emplace_back(worker, std::ref(pool), t, seed + (phase_limit == limit), ops / 2, std::ref(done));
        // The fourth thread compacts in bounded steps and checks the pool meanwhile.
        threads.emplace_back([&] {
            for (unsigned k = 0; k < ops / 8; ++k) {
                pool.defrag_steps(128, 8);
                if (k % 64 == 0) EXPECT(pool.check().ok());
            }
            done.fetch_add(ops / 8);
        });
        for (auto& t : threads) t.join();
    }
    EXPECT(pool.check().ok());
    const auto st = pool.stats();
    EXPECT(st.live_blocks == 0);
    EXPECT(pool.bytes_moved() == st.bytes_moved && pool.compactions() == st.compactions);
    std::printf("%llu operations, %llu bytes moved, %u allocations deferred under the limit, %u failures\n",
                static_cast<unsigned long long>(done.load()), static_cast<unsigned long long>(st.bytes_moved),
                deferrals.load(), failures.load());
    return failures.load() == 0 ? 0 : 1;
}

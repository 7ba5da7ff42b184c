// SPDX-License-Identifier: MIT
// tinymem-opcount: instruction counts of single allocate, deallocate and defrag_step(256) calls,
// at pools of 4 KiB, 64 KiB and 1 MiB with 100 and 10,000 live blocks.
//
// Run under callgrind (scripts/bench.sh does):
//   valgrind --tool=callgrind --collect-atstart=no --combine-dumps=yes
//            --callgrind-out-file=OUT tinymem-opcount
//   python3 scripts/bench_opcount.py OUT
// Each measured call is bracketed by CALLGRIND_TOGGLE_COLLECT and dumped on its own
// (CALLGRIND_DUMP_STATS_AT "scenario|op|flags"), so OUT holds one instruction total per call and
// the script takes the maximum per scenario and operation. Outside valgrind (or with --quick) it
// runs the same workload natively and only checks the pool, as the quick meson test.
//
// Workload per scenario: fill the pool with `live` blocks whose sizes are random (mean sized to
// about 85 % of the pool), then rounds of: free a random block, defrag_step(256), allocate a
// random size. Allocations that ran a compaction are labelled so (their cost is O(pool)). Then
// the same under a compaction limit of 256 bytes (set_compaction_limit: each allocate runs one
// bounded step at most), where the allocations served without moving bytes, those whose step
// moved bytes, and the refused ones are three paths. Last, freeing the lowest allocate_pinned
// block under every movable block of a full pool (lowest_pinned_scenario).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#ifdef TINYMEM_HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(x) ((void)(x))
#endif

#include "../tests/tinymem_under_test.hpp"

namespace {

bool g_measure = false;

template <class F>
auto measured(F&& f) {
    if (g_measure) CALLGRIND_TOGGLE_COLLECT;
    auto r = f();
    if (g_measure) CALLGRIND_TOGGLE_COLLECT;
    return r;
}
void dump(const std::string& label) {
    if (g_measure) CALLGRIND_DUMP_STATS_AT(label.c_str());
}

template <class Config>
int scenario(const char* cfg, std::size_t pool_bytes, std::size_t live, std::size_t rounds, std::uint64_t seed,
             std::size_t limit) {
    using pool_t = tinymem::basic_pool<Config>;
    using handle = typename pool_t::handle;
    std::vector<std::byte> buf(pool_bytes);
    auto pool = std::make_unique<pool_t>(std::span<std::byte>(buf));
    const bool limited = limit != ~std::size_t{0};
    const std::string name = std::string(cfg) + " " + std::to_string(pool_bytes / 1024) + "KiB " +
                             std::to_string(live) + "blocks" + (limited ? " limit" + std::to_string(limit) : "");
    // Mean request so that live blocks take about 85 % of the pool, bookkeeping included.
    const double per_block = 0.85 * double(pool_bytes) / double(live) - double(pool_t::overhead_per_block);
    if (!pool->usable() || per_block < 1.0) {
        std::printf("skip %s: %zu blocks cannot fit in %zu bytes with %zu bytes of bookkeeping each%s\n", name.c_str(),
                    live, pool_bytes, std::size_t(pool_t::overhead_per_block),
                    pool->usable() ? "" : " (or the pool is unusable for this config)");
        return 0;
    }
    std::mt19937_64 rng(seed);
    const std::size_t hi = std::max<std::size_t>(1, std::size_t(2 * per_block) - 1);
    auto rand_size = [&] { return std::uniform_int_distribution<std::size_t>(1, hi)(rng); };
    std::vector<handle> hs;
    for (std::size_t i = 0; i < live; ++i) {
        const handle h = pool->allocate(rand_size());
        if (!h) {
            std::printf("skip %s: the fill failed at block %zu (%s)\n", name.c_str(), i,
                        tinymem::to_string(pool->last_error()));
            return 0;
        }
        hs.push_back(h);
    }
    // Under a compaction limit from here on (the fill above may compact as it needs).
    pool->set_compaction_limit(limit);
    std::size_t failed = 0;
    for (std::size_t r = 0; r < rounds; ++r) {
        const std::size_t k = std::uniform_int_distribution<std::size_t>(0, hs.size() - 1)(rng);
        const handle victim = hs[k];
        const auto cached_before = pool->stats().cached_bytes;
        const bool freed = measured([&] { return pool->deallocate(victim); });
        // Two paths: kept whole in a quick list, or merged with its neighbours.
        dump(name + "|deallocate|" + (pool->stats().cached_bytes > cached_before ? "cached" : ""));
        if (!freed) {
            std::printf("WRONG: deallocate failed in %s\n", name.c_str());
            return 1;
        }
        measured([&] { return pool->defrag_step(256); });
        dump(name + "|defrag_step(256)|");
        const std::size_t n = rand_size();
        const auto before = pool->stats();
        const handle h = measured([&] { return pool->allocate(n); });
        const auto after = pool->stats();
        const bool compacted = after.compactions != before.compactions;
        const bool from_cache = !compacted && after.cached_bytes < before.cached_bytes;
        // Under a limit: served without moving bytes, served after a step moved some, or refused
        // (compaction_deferred or compaction_limited) after the step.
        const bool stepped = after.bytes_moved != before.bytes_moved;
        dump(name + "|allocate|" +
             (limited ? std::string(stepped ? "limited stepped" : "limited")
                      : compacted ? "compacting" : from_cache ? "cached" : "") +
             (h ? "" : " failed"));
        if (h) hs[k] = h;
        else {
            ++failed;
            hs[k] = hs.back();
            hs.pop_back();
            if (hs.empty()) break;
        }
    }
    if (!pool->check().ok()) {
        std::printf("WRONG: %s: check() says %s\n", name.c_str(), pool->check().problem);
        return 1;
    }
    std::printf("ran %s: %zu rounds, %zu failed allocations, %u compactions\n", name.c_str(), rounds, failed,
                unsigned(pool->stats().compactions));
    return 0;
}

// Freeing the lowest allocate_pinned block when every movable block sits between it and the next
// one (the pmr adapter's blocks can end up so after churn): a pool filled with 16-byte movable
// blocks under one pinned block at the top, the only hole at the bottom; each round puts a
// pinned block in that hole and frees it ("deallocate (lowest pinned)"). Bounded work: the same
// count whatever the number of blocks above it.
template <class Config>
int lowest_pinned_scenario(const char* cfg, std::size_t pool_bytes, std::size_t rounds) {
    using pool_t = tinymem::basic_pool<Config>;
    std::vector<std::byte> buf(pool_bytes);
    auto pool = std::make_unique<pool_t>(std::span<std::byte>(buf));
    // Table words for every block the pool can hold, so the fill never moves blocks for the table.
    const std::size_t blocks = pool_bytes / (pool_t::granule * ((16 + pool_t::overhead_per_block / 2 + pool_t::granule - 1) / pool_t::granule) + pool_t::overhead_per_block / 2);
    if (!pool->usable() || !pool->reserve_handles(blocks + 2) || !pool->allocate_pinned(64)) {
        std::printf("skip %s %zuKiB lowest pinned: the pool cannot be set up\n", cfg, pool_bytes / 1024);
        return 0;
    }
    std::vector<typename pool_t::handle> movable;
    for (const std::size_t size : {std::size_t(16), std::size_t(1)})
        while (auto h = pool->allocate(size)) movable.push_back(h);
    const std::string name = std::string(cfg) + " " + std::to_string(pool_bytes / 1024) + "KiB " +
                             std::to_string(movable.size()) + "blocks above the lowest pinned";
    if (movable.empty() || !pool->deallocate(movable.front())) {
        std::printf("WRONG: %s: set-up failed\n", name.c_str());
        return 1;
    }
    for (std::size_t r = 0; r < rounds; ++r) {
        const auto low = pool->allocate_pinned(16);
        if (!low) {
            std::printf("WRONG: %s: allocate_pinned failed (%s)\n", name.c_str(), tinymem::to_string(pool->last_error()));
            return 1;
        }
        const bool freed = measured([&] { return pool->deallocate(low); });
        dump(name + "|deallocate|lowest pinned");
        if (!freed) {
            std::printf("WRONG: %s: deallocate failed\n", name.c_str());
            return 1;
        }
    }
    if (!pool->check().ok()) {
        std::printf("WRONG: %s: check() says %s\n", name.c_str(), pool->check().problem);
        return 1;
    }
    std::printf("ran %s: %zu rounds\n", name.c_str(), rounds);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    std::size_t rounds = 400;
    if (argc > 2) rounds = std::strtoull(argv[2], nullptr, 10);
    g_measure = !quick && RUNNING_ON_VALGRIND;
    if (quick) rounds = 200;
    std::uint64_t seed = 1;
    if (const char* env = std::getenv("TINYMEM_SEED")) seed = std::strtoull(env, nullptr, 10);
    std::printf("opcount: seed %llu (TINYMEM_SEED), %zu rounds per scenario, %s\n",
                static_cast<unsigned long long>(seed), rounds,
                g_measure ? "measuring under callgrind" : "not under callgrind: workload and checks only");
    int bad = 0;
    // Without a compaction limit, then with one of 256 bytes (set_compaction_limit).
    for (std::size_t limit : {~std::size_t{0}, std::size_t(256)})
        for (std::size_t live : {std::size_t(100), std::size_t(10000)}) {
            bad += scenario<tinymem::config16>("config16", 4096, live, rounds, seed, limit);
            bad += scenario<tinymem::config16>("config16", 65536, live, rounds, seed, limit);
            bad += scenario<tinymem::config32>("config32", 4096, live, rounds, seed, limit);
            bad += scenario<tinymem::config32>("config32", 65536, live, rounds, seed, limit);
            bad += scenario<tinymem::config32>("config32", 1 << 20, live, rounds, seed, limit);
        }
    bad += lowest_pinned_scenario<tinymem::config16>("config16", 4096, rounds);
    bad += lowest_pinned_scenario<tinymem::config16>("config16", 65536, rounds);
    bad += lowest_pinned_scenario<tinymem::config32>("config32", 65536, rounds);
    bad += lowest_pinned_scenario<tinymem::config32>("config32", 1 << 20, rounds);
    return bad == 0 ? 0 : 1;
}

// SPDX-License-Identifier: MIT
// defrag_step() and stats(), on both engines (typed cases): a step moves at most its budget, the
// pool stays usable between steps, steps of any budget finish a pass, a finished pass leaves
// nothing for a further step, and stats() adds up with largest_allocatable exact. How each engine
// walks its blocks (which block a step picks, where it lands) is tested in its own file.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "engines.hpp"

using namespace tinymem;

BOOST_AUTO_TEST_SUITE(steps)

using test::engines;

using test::engines_16_32;

// The engines on the configurations the stats cases vary.
using engines_16_g8_32 = boost::mpl::list<basic_pool<config16>, basic_pool<config16_g8>, basic_pool<config32>,
                                          basic_bump_pool<config16>, basic_bump_pool<config16_g8>,
                                          basic_bump_pool<config32>>;

// ---- defrag_step ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(defrag_step_is_bounded_and_resumable, Pool, engines) {
    alignas(64) std::byte buffer[1024];
    Pool p{buffer};
    std::vector<typename Pool::handle> hs;
    for (int i = 0; i < 24; ++i) {
        hs.push_back(p.allocate(16));
        BOOST_REQUIRE(hs.back());
        test::fill(p, hs.back(), std::uint32_t(i), 16);
    }
    for (int i = 0; i < 24; i += 3) BOOST_REQUIRE(p.deallocate(hs[std::size_t(i)]));
    int steps = 0;
    std::uint64_t moved = p.stats().bytes_moved;
    for (;;) {
        const bool done = p.defrag_step(32);
        const std::uint64_t now = p.stats().bytes_moved;
        BOOST_TEST(now - moved <= 32u); // never more than the budget
        moved = now;
        test::require_ok(p);
        for (int i = 0; i < 24; ++i)
            if (i % 3 != 0) BOOST_TEST(test::holds(p, hs[std::size_t(i)], std::uint32_t(i), 16));
        ++steps;
        if (done) break;
        BOOST_REQUIRE(steps < 1000);
        if (steps == 2) { // the pool stays usable between steps
            const auto extra = p.allocate(8);
            BOOST_REQUIRE(extra);
            BOOST_REQUIRE(p.deallocate(extra));
        }
    }
    BOOST_TEST(steps > 2);
    BOOST_TEST(p.defrag_step(32)); // compact: nothing more to do
    if constexpr (!test::is_lean<Pool>) { // basic_pool's map(): compact means one hole, at the end
        const std::string m = test::map_of(p);
        BOOST_TEST(m.find('-') == m.rfind("|-") + 1);
    }
    BOOST_TEST(p.stats().largest_free_bytes == p.stats().free_bytes);
}

// Steps of any budget, 0 included, finish a pass (a main loop may wait for true): with no
// budget they move nothing and say done once they have walked the pool.
BOOST_AUTO_TEST_CASE_TEMPLATE(steps_of_budget_zero_finish_and_move_nothing, Pool, engines) {
    alignas(64) std::byte buffer[1024];
    Pool p{buffer};
    if constexpr (requires { p.reserve_handles(1); }) BOOST_REQUIRE(p.reserve_handles(8));
    typename Pool::handle hs[8];
    for (int i = 0; i < 8; ++i) {
        hs[i] = p.allocate(24);
        BOOST_REQUIRE(hs[i]);
        test::fill(p, hs[i], i, 24);
    }
    for (int i = 0; i < 8; i += 2) BOOST_REQUIRE(p.deallocate(hs[i]));
    const std::uint64_t moved = p.stats().bytes_moved;
    int steps = 1;
    while (!p.defrag_step(0)) {
        BOOST_REQUIRE(++steps < 100);
        test::require_ok(p);
    }
    BOOST_TEST(p.stats().bytes_moved == moved);
    BOOST_TEST(p.defrag_step(0)); // and stays done
    BOOST_TEST(!p.defrag_step(64)); // a budget that moves a block goes again
    while (!p.defrag_step(64)) BOOST_REQUIRE(++steps < 200);
    BOOST_TEST(p.stats().bytes_moved > moved);
    for (int i = 1; i < 8; i += 2) BOOST_TEST(test::holds(p, hs[i], i, 24));
    BOOST_TEST(p.stats().largest_free_bytes == p.stats().free_bytes);
    test::require_ok(p);
}

// Fragmented by blocks of at most 64 bytes, which a step may each move: every step within its
// budget, and the steps end with the free space in one piece and every block intact.
BOOST_AUTO_TEST_CASE_TEMPLATE(defrag_step_keeps_to_its_budget, Pool, engines) {
    std::mt19937 rng(4242);
    for (std::size_t budget : {std::size_t(192), std::size_t(256), std::size_t(1000), std::size_t(5000)}) {
        alignas(16) std::byte buf[16384];
        Pool p{buf};
        std::vector<std::size_t> sizes;
        auto hs = test::fragment(p, rng, 60, sizes);
        const auto start = p.stats();
        BOOST_REQUIRE(start.largest_free_bytes < start.free_bytes);
        bool done = false;
        int calls = 0;
        while (!done && calls < 100000) {
            const auto before = p.stats().bytes_moved;
            done = p.defrag_step(budget);
            ++calls;
            BOOST_TEST_REQUIRE(p.stats().bytes_moved - before <= budget);
            test::require_ok(p);
        }
        BOOST_TEST_MESSAGE(test::engine_name<Pool>() << ", budget " << budget << ": " << calls << " steps");
        BOOST_TEST(done);
        const auto s = p.stats();
        BOOST_TEST(s.largest_free_bytes == s.free_bytes);
        BOOST_TEST(s.fragmentation_percent == 0u);
        BOOST_TEST(s.bytes_moved > 0u);
        // A step costs at least a visit per block: small budgets take many steps.
        if (budget <= 256) BOOST_TEST(calls > 10);
        for (std::size_t i = 0; i < hs.size(); ++i)
            if (hs[i]) BOOST_TEST_REQUIRE(test::holds(p, hs[i], std::uint32_t(i), sizes[i]));
        // Done: a further step moves nothing, and neither does defrag().
        BOOST_TEST(p.defrag_step(budget));
        p.defrag();
        BOOST_TEST(p.stats().bytes_moved == s.bytes_moved);
    }
}

// A step that says the pass is finished leaves nothing for the next step of the same budget,
// also when smaller steps of the same pass skipped a block this budget moves (issue 18, item 5:
// basic_pool said true, and the next step moved the skipped block).
BOOST_AUTO_TEST_CASE_TEMPLATE(a_finished_step_leaves_nothing_to_move, Pool, engines_16_32) {
    alignas(16) std::byte buffer[8192];
    Pool p{buffer};
    if constexpr (requires { p.reserve_handles(1); }) BOOST_REQUIRE(p.reserve_handles(200));
    const auto first = p.allocate(40);
    const auto large = p.allocate(1000);
    BOOST_REQUIRE(first && large);
    test::fill(p, large, 1, 1000);
    std::vector<typename Pool::handle> small;
    while (auto h = p.allocate(40)) small.push_back(h);
    BOOST_REQUIRE(p.deallocate(first));
    for (std::size_t i = 0; i < small.size(); i += 2) BOOST_REQUIRE(p.deallocate(small[i]));
    // A small step skips the large block and stops on its budget, mid-pass.
    BOOST_TEST(!p.defrag_step(100));
    bool done = false;
    for (int i = 0; i < 10000 && !done; ++i) done = p.defrag_step(2000);
    BOOST_REQUIRE(done);
    const auto before = p.bytes_moved();
    BOOST_TEST(p.defrag_step(2000));
    BOOST_TEST(p.bytes_moved() == before);
    BOOST_TEST(test::holds(p, large, 1, 1000));
    test::require_ok(p);
}

// Whatever the sizes, repeated steps of one budget finish: every block either fits the budget
// (and is moved, in one step or the next) or does not (and is left).
template <class Pool>
void steps_converge(std::size_t budget, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<std::byte> buf(8192);
    Pool p{buf};
    std::vector<std::size_t> sizes;
    auto hs = test::fragment(p, rng, std::max<std::size_t>(2 * budget, 64), sizes);
    bool done = false;
    int calls = 0;
    while (!done && calls < 20000) {
        const auto before = p.stats().bytes_moved;
        done = p.defrag_step(budget);
        ++calls;
        BOOST_TEST_REQUIRE(p.stats().bytes_moved - before <= budget);
    }
    BOOST_REQUIRE_MESSAGE(done, test::engine_name<Pool>() << ": defrag_step(" << budget << ") still false after "
                                                          << calls << " calls (seed " << seed << ")");
    test::require_ok(p);
    // Compact but for holes before blocks larger than the budget: blocks in address order,
    // each starting where the previous one ended unless it is too large for a step.
    std::vector<typename Pool::handle> live;
    for (std::size_t i = 0; i < hs.size(); ++i) {
        if (!hs[i]) continue;
        BOOST_TEST_REQUIRE(test::holds(p, hs[i], std::uint32_t(i), sizes[i]));
        live.push_back(hs[i]);
    }
    auto at = [&](typename Pool::handle h) { return static_cast<const std::byte*>(p.data(h)); };
    std::sort(live.begin(), live.end(), [&](auto x, auto y) { return at(x) < at(y); });
    const std::size_t hb = sizeof(typename Pool::word_type); // a block's header
    for (std::size_t i = 1; i < live.size(); ++i) {
        const std::byte* end = at(live[i - 1]) + p.size(live[i - 1]) + hb;
        const std::size_t bytes = p.size(live[i]) + hb;
        BOOST_TEST_REQUIRE((at(live[i]) == end || bytes > budget),
                           "budget " << budget << ": a hole before a block of " << bytes << " B");
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(defrag_step_converges_for_every_budget, Pool, engines_16_32) {
    const std::uint32_t wide = sizeof(typename Pool::word_type) > 4; // config32 (64-bit words): seeds one apart
    for (std::size_t budget : {0, 1, 8, 63}) steps_converge<Pool>(budget, std::uint32_t(budget + 7 + wide));
    for (std::size_t budget = 64; budget <= 1024; budget += 20)
        steps_converge<Pool>(budget, std::uint32_t(budget + wide));
}

// ---- stats ---------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(stats_add_up, Pool, engines) {
    alignas(64) std::byte buffer[1024];
    Pool p{buffer};
    if constexpr (requires { p.reserve_handles(1); })
        BOOST_REQUIRE(p.reserve_handles(3)); // so the table does not move blocks
    const auto a = p.allocate(30), b = p.allocate(50);
    const auto s = p.stats();
    BOOST_TEST(s.live_blocks == 2u);
    BOOST_TEST(s.used_bytes >= 80u);
    BOOST_TEST(s.used_bytes + s.free_bytes + s.table_bytes <= s.capacity_bytes);
    BOOST_TEST(s.capacity_bytes - (s.used_bytes + s.free_bytes + s.table_bytes) <= 2 * Pool::granule);
    BOOST_TEST(s.fragmentation_percent == 0u);
    BOOST_REQUIRE(p.deallocate(a));
    const auto t = p.allocate(8);
    BOOST_REQUIRE(t);
    BOOST_TEST(p.stats().fragmentation_percent > 0u); // two holes now
    BOOST_TEST(!p.allocate(0));
    BOOST_TEST(p.stats().failed[std::size_t(error::zero_size)] == 1u);
    (void)b;
}

// With nothing pinned, stats().largest_allocatable is what allocate() serves, and a granule more
// fails: in an empty pool, and with a hole and no free handle.
BOOST_AUTO_TEST_CASE_TEMPLATE(stats_largest_allocatable_is_allocatable, Pool, engines_16_g8_32) {
    for (const bool with_blocks : {false, true}) {
        std::vector<std::byte> buf(2048);
        Pool p{buf};
        if (with_blocks) {
            const auto x = p.allocate(40), y = p.allocate(100), z = p.allocate(30);
            BOOST_REQUIRE(x && y && z);
            BOOST_REQUIRE(p.deallocate(y)); // a hole, and a free handle
            const auto w = p.allocate(8);  // takes the free handle: none is left
            BOOST_REQUIRE(w);
        }
        const auto s = p.stats();
        BOOST_TEST_MESSAGE(test::engine_name<Pool>() << ": capacity " << s.capacity_bytes << ", free " << s.free_bytes
                                                     << ", free handles " << s.free_handles << ", largest_allocatable "
                                                     << s.largest_allocatable);
        BOOST_REQUIRE(s.largest_allocatable > 0u);
        const auto h = p.allocate(s.largest_allocatable);
        BOOST_CHECK_MESSAGE(bool(h), test::engine_name<Pool>() << ": allocate(stats().largest_allocatable = "
                                                               << s.largest_allocatable
                                                               << ") failed: " << to_string(p.last_error()));
        if (h) {
            BOOST_REQUIRE(p.deallocate(h));
            const auto s2 = p.stats(); // now with a free handle
            BOOST_TEST(!p.allocate(s2.largest_allocatable + Pool::granule)); // exact: a granule more fails
        }
        test::require_ok(p);
    }
}

// stats().largest_allocatable is exact, with a free handle or without one (issue 18, item 9: it
// was a few bytes short without one): allocate(largest) succeeds and allocate(largest + 1) fails.
// Two pools built by the same random calls: one probes each (a failed allocate may compact or
// grow the table, so it cannot probe both). No pinned or over-aligned blocks (the documented rule).
template <class Pool>
constexpr std::size_t exact_pool_bytes = 4096;
template <>
constexpr std::size_t exact_pool_bytes<basic_pool<config16>> = 2048;
template <>
constexpr std::size_t exact_pool_bytes<basic_bump_pool<config16>> = 2048;

BOOST_AUTO_TEST_CASE_TEMPLATE(largest_allocatable_is_exact_with_or_without_a_free_handle, Pool,
                              test::engines_by_configuration) {
    const std::string name = test::engine_name<Pool>();
    const std::size_t bytes = exact_pool_bytes<Pool>;
    const std::uint64_t seed = test::seed_for(name.c_str());
    std::mt19937_64 rng(seed);
    unsigned probed_without_handle = 0;
    for (int round = 0; round < 60; ++round) {
        std::vector<std::byte> buffer_a(bytes), buffer_b(bytes);
        Pool a{std::span<std::byte>(buffer_a)}, b{std::span<std::byte>(buffer_b)};
        std::vector<typename Pool::handle> ha, hb;
        const std::uint64_t round_seed = rng();
        std::mt19937_64 r(round_seed);
        auto below = [&](std::size_t n) { return std::size_t(r() % n); };
        const std::size_t ops = 10 + below(400);
        for (std::size_t op = 0; op < ops; ++op) {
            if (!ha.empty() && below(3) == 0) {
                const std::size_t i = below(ha.size());
                BOOST_REQUIRE(a.deallocate(ha[i]));
                BOOST_REQUIRE(b.deallocate(hb[i]));
                ha[i] = ha.back(), ha.pop_back();
                hb[i] = hb.back(), hb.pop_back();
            } else {
                const std::size_t size = 1 + below(below(4) == 0 ? 400 : 40);
                const auto x = a.allocate(size), y = b.allocate(size);
                BOOST_REQUIRE(bool(x) == bool(y));
                if (x) ha.push_back(x), hb.push_back(y);
            }
        }
        // Half the rounds use up the free handles with small blocks.
        if (round % 2 == 0)
            while (a.stats().free_handles != 0) {
                const auto x = a.allocate(1), y = b.allocate(1);
                BOOST_REQUIRE(bool(x) == bool(y));
                if (!x) break;
                ha.push_back(x), hb.push_back(y);
            }
        const auto s = a.stats();
        BOOST_REQUIRE(b.stats().largest_allocatable == s.largest_allocatable);
        if (s.free_handles == 0) ++probed_without_handle;
        const std::size_t largest = s.largest_allocatable;
        BOOST_TEST_CONTEXT(name << ", seed " << seed << ", round " << round << ": largest_allocatable " << largest
                                << ", free " << s.free_bytes << ", free handles " << s.free_handles) {
            BOOST_TEST(!a.allocate(largest + 1));
            if (largest != 0) BOOST_TEST(bool(b.allocate(largest)));
        }
        test::require_ok(a);
        test::require_ok(b);
    }
    BOOST_TEST(probed_without_handle > 10u);
}

BOOST_AUTO_TEST_SUITE_END()

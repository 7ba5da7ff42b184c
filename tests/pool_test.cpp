// SPDX-License-Identifier: MIT
// basic_pool's own behaviour, on small pools where the layout can be checked cell by cell. What both
// engines promise is in the typed cases of errors_test, handles_test, pins_test, steps_test and
// compaction_limit_test.
#include <algorithm>
#include <chrono>
#include <random>
#include <utility>
#include <vector>

#include "test_support.hpp"

using namespace tinymem;

BOOST_AUTO_TEST_SUITE(pool)

using small_pool = basic_pool<config16>;

struct fixture {
    alignas(64) std::byte buffer[1024];
    small_pool p{buffer};
};

BOOST_AUTO_TEST_CASE(footprint_is_the_template_argument) {
    BOOST_TEST(sizeof(tinymem::pool<4096>) == 4096u);
    BOOST_TEST(sizeof(tinymem::pool<65536>) == 65536u);
    BOOST_TEST(sizeof(tinymem::pool<1 << 20, config32>) == std::size_t(1) << 20);
    static tinymem::pool<65536> in_bss;
    BOOST_TEST(in_bss.usable());
    BOOST_TEST(in_bss.capacity() > 65536u - sizeof(basic_pool<config16>) - 64);
}

BOOST_FIXTURE_TEST_CASE(allocate_write_read_free, fixture) {
    const auto h = p.allocate(100);
    BOOST_REQUIRE(h);
    BOOST_TEST(p.valid(h));
    BOOST_TEST(p.size(h) >= 100u);
    BOOST_TEST(p.size(h) < 100u + 2 * small_pool::granule);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(p.data(h)) % small_pool::granule == 0u);
    BOOST_TEST(p.get<unsigned char>(h) == p.data(h));
    test::fill(p, h, 1, 100);
    BOOST_TEST(test::holds(p, h, 1, 100));
    BOOST_TEST(p.stats().live_blocks == 1u);
    BOOST_TEST(p.deallocate(h));
    BOOST_TEST(!p.valid(h));
    BOOST_TEST(p.data(h) == nullptr);
    BOOST_TEST(p.stats().live_blocks == 0u);
    test::require_ok(p);
}

// The seed's story: A, B, C; B freed; compaction moves C over B's hole; C's bytes survive.
BOOST_FIXTURE_TEST_CASE(compaction_closes_the_hole, fixture) {
    BOOST_REQUIRE(p.reserve_handles(3));
    const auto a = p.allocate(12), b = p.allocate(12), c = p.allocate(12);
    BOOST_REQUIRE(a && b && c);
    test::fill(p, a, 'a', 12);
    test::fill(p, c, 'c', 12);
    const char A = small_pool::symbol_of(a), B = small_pool::symbol_of(b), C = small_pool::symbol_of(c);
    auto cells = [](char s, int n) {
        std::string r = "|";
        for (int i = 0; i < n; ++i) r += (i ? " " : "") + std::string(1, s);
        return r;
    };
    const std::string free_tail = test::map_of(p).substr(cells(A, 4).size() * 3);
    BOOST_TEST(test::map_of(p) == cells(A, 4) + cells(B, 4) + cells(C, 4) + free_tail);
    BOOST_TEST_MESSAGE("before: " << test::map_of(p, 16));
    const void* c_before = p.data(c);
    BOOST_REQUIRE(p.deallocate(b));
    BOOST_TEST(test::map_of(p).substr(0, 3 * cells(A, 4).size()) == cells(A, 4) + cells('-', 4) + cells(C, 4));
    p.defrag();
    BOOST_TEST_MESSAGE("after:  " << test::map_of(p, 16));
    BOOST_TEST(test::map_of(p).substr(0, 2 * cells(A, 4).size()) == cells(A, 4) + cells(C, 4));
    BOOST_TEST(p.data(c) != c_before);
    BOOST_TEST(test::holds(p, a, 'a', 12));
    BOOST_TEST(test::holds(p, c, 'c', 12));
    BOOST_TEST(p.stats().bytes_moved >= 12u);
    BOOST_TEST(p.stats().compactions == 1u);
    test::require_ok(p);
}

BOOST_FIXTURE_TEST_CASE(allocate_compacts_when_only_the_sum_of_holes_suffices, fixture) {
    std::vector<small_pool::handle> hs;
    for (;;) {
        const auto h = p.allocate(20);
        if (!h) break;
        test::fill(p, h, std::uint32_t(hs.size()), 20);
        hs.push_back(h);
    }
    BOOST_TEST(p.last_error() == error::out_of_memory);
    for (std::size_t i = 0; i < hs.size(); i += 2) BOOST_REQUIRE(p.deallocate(hs[i]));
    const auto before = p.stats();
    BOOST_TEST(before.largest_free_bytes < 100u); // holes of 24 bytes, none big enough
    BOOST_TEST(before.largest_allocatable >= 100u);
    const auto big = p.allocate(100);
    BOOST_REQUIRE_MESSAGE(big, "allocate after fragmentation: " << to_string(p.last_error()));
    BOOST_TEST(p.stats().compactions == before.compactions + 1);
    for (std::size_t i = 1; i < hs.size(); i += 2) BOOST_TEST(test::holds(p, hs[i], std::uint32_t(i), 20));
    test::require_ok(p);
}

// Deferred coalescing: a freed small block is cached whole, and the next request of exactly its
// size takes it back in place; its neighbours see a used block and do not merge with it.
BOOST_FIXTURE_TEST_CASE(a_freed_small_block_is_reused_for_its_size, fixture) {
    BOOST_REQUIRE(p.reserve_handles(6));
    const auto a = p.allocate(24), b = p.allocate(24), c = p.allocate(24);
    BOOST_REQUIRE(a && b && c);
    test::fill(p, a, 'a', 24);
    test::fill(p, c, 'c', 24);
    void* const where = p.data(b);
    const auto before = p.stats();
    BOOST_REQUIRE(p.deallocate(b));
    test::require_ok(p);
    const auto after = p.stats();
    BOOST_TEST(after.free_bytes == before.free_bytes + (p.size(a) + sizeof(small_pool::word_type)));
    BOOST_TEST(after.live_blocks == 2u);
    // Freed memory is not a block: handle_of refuses it.
    BOOST_TEST(!p.handle_of(where));
    BOOST_TEST(p.last_error() == error::invalid_pointer);
    // Another size goes elsewhere; the same size comes back to the same bytes.
    const auto d = p.allocate(40);
    BOOST_REQUIRE(d);
    BOOST_TEST(p.data(d) != where);
    const auto e = p.allocate(24);
    BOOST_REQUIRE(e);
    BOOST_TEST(p.data(e) == where);
    BOOST_TEST(!p.valid(b)); // the old handle stays stale
    BOOST_TEST(test::holds(p, a, 'a', 24));
    BOOST_TEST(test::holds(p, c, 'c', 24));
    test::require_ok(p);
}

BOOST_FIXTURE_TEST_CASE(cached_neighbours_count_as_one_hole_and_grow_in_place, fixture) {
    BOOST_REQUIRE(p.reserve_handles(6));
    const auto a = p.allocate(16), b = p.allocate(16), c = p.allocate(16), d = p.allocate(16);
    BOOST_REQUIRE(a && b && c && d);
    test::fill(p, a, 'a', 16);
    BOOST_REQUIRE(p.deallocate(b));
    BOOST_REQUIRE(p.deallocate(c));
    test::require_ok(p);
    // b and c are cached side by side: stats and map see one hole of both.
    const std::size_t both = 2 * (p.size(a) + sizeof(small_pool::word_type));
    BOOST_TEST(p.stats().largest_free_bytes >= both);
    const std::string m = test::map_of(p);
    BOOST_TEST(m.find("|- - - - - - - - - -|") != std::string::npos, m); // 2 x 5 cells of 4 B
    // a grows into them without moving.
    void* const where = p.data(a);
    BOOST_REQUIRE(p.reallocate(a, 16 + both - 8));
    BOOST_TEST(p.data(a) == where);
    BOOST_TEST(test::holds(p, a, 'a', 16));
    test::require_ok(p);
}

BOOST_FIXTURE_TEST_CASE(defrag_step_counts_every_cached_block_it_swallows, fixture) {
    std::vector<small_pool::handle> hs;
    for (int i = 0; i < 60; ++i) {
        hs.push_back(p.allocate(4));
        BOOST_REQUIRE(hs.back());
    }
    const auto last = p.allocate(8);
    BOOST_REQUIRE(last);
    test::fill(p, last, 'z', 8);
    for (int i = 0; i < 60; ++i) BOOST_REQUIRE(p.deallocate(hs[std::size_t(i)])); // 60 cached in a row
    test::require_ok(p);
    // Each step may visit only a few blocks, so 60 cached blocks take several steps.
    int steps = 0;
    while (!p.defrag_step(16)) {
        test::require_ok(p);
        BOOST_REQUIRE(++steps < 1000);
    }
    BOOST_TEST(steps >= 10);
    BOOST_TEST(test::holds(p, last, 'z', 8));
    BOOST_TEST(p.stats().largest_free_bytes == p.stats().free_bytes);
    test::require_ok(p);
}

// A step's time is bounded by its budget alone: a block larger than the budget stays (with the
// hole before it) until defrag() or an allocation moves it.
BOOST_FIXTURE_TEST_CASE(defrag_step_never_moves_a_block_larger_than_its_budget, fixture) {
    BOOST_REQUIRE(p.reserve_handles(4));
    const auto a = p.allocate(40), big = p.allocate(300), c = p.allocate(40);
    BOOST_REQUIRE(a && big && c);
    test::fill(p, big, 'b', 300);
    test::fill(p, c, 'c', 40);
    BOOST_REQUIRE(p.deallocate(a));
    p.defrag_step(0); // nothing moves with no budget
    const void* big_at = p.data(big);
    const std::uint64_t moved = p.stats().bytes_moved;
    int steps = 0;
    while (!p.defrag_step(64)) {
        BOOST_REQUIRE(++steps < 100);
        test::require_ok(p);
    }
    BOOST_TEST(p.data(big) == big_at);            // 300 bytes > 64: left in place
    BOOST_TEST(p.stats().bytes_moved == moved);   // and c behind it did not move either
    BOOST_TEST(p.defrag_step(64));                // a further step has nothing to do
    // A budget that covers it moves it, and c after it.
    while (!p.defrag_step(512)) BOOST_REQUIRE(++steps < 200);
    BOOST_TEST(p.data(big) != big_at);
    BOOST_TEST(test::holds(p, big, 'b', 300));
    BOOST_TEST(test::holds(p, c, 'c', 40));
    BOOST_TEST(p.stats().largest_free_bytes == p.stats().free_bytes);
    test::require_ok(p);
}

// Walking past blocks it will not move costs a step too, so a step stays short however many
// such blocks there are.
BOOST_AUTO_TEST_CASE(defrag_step_pays_for_the_blocks_it_walks_past) {
    std::vector<std::byte> buf(64 * 1024);
    small_pool big_pool{buf};
    std::vector<small_pool::handle> hs;
    for (int i = 0; i < 150; ++i) {
        hs.push_back(big_pool.allocate(300));
        BOOST_REQUIRE(hs.back());
    }
    for (int i = 0; i < 150; i += 2) BOOST_REQUIRE(big_pool.deallocate(hs[std::size_t(i)]));
    const std::uint64_t moved = big_pool.stats().bytes_moved; // the table's growth moved some
    int steps = 1;
    while (!big_pool.defrag_step(64)) BOOST_REQUIRE(++steps < 10000);
    // 64 bytes buy one visit of 64: the pass over 150 blocks needs about one step per block.
    BOOST_TEST(steps >= 150 / 2);
    BOOST_TEST(big_pool.stats().bytes_moved == moved);
    test::require_ok(big_pool);
}

BOOST_FIXTURE_TEST_CASE(reallocate_grows_in_place_moves_and_shrinks, fixture) {
    BOOST_REQUIRE(p.reserve_handles(4));
    const auto a = p.allocate(40);
    test::fill(p, a, 7, 40);
    const void* where = p.data(a);
    BOOST_REQUIRE(p.reallocate(a, 120)); // the space after a is free: in place
    BOOST_TEST(p.data(a) == where);
    BOOST_TEST(p.size(a) >= 120u);
    BOOST_TEST(test::holds(p, a, 7, 40));
    const auto wall = p.allocate(8); // now a cannot grow in place
    BOOST_REQUIRE(wall);
    test::fill(p, a, 8, 120);
    BOOST_REQUIRE(p.reallocate(a, 300));
    BOOST_TEST(p.data(a) != where);
    BOOST_TEST(test::holds(p, a, 8, 120));
    BOOST_REQUIRE(p.reallocate(a, 10));
    BOOST_TEST(p.size(a) < 20u);
    BOOST_TEST(test::holds(p, a, 8, 10));
    test::require_ok(p);
    // Pinned: grow in place only.
    const auto b = p.allocate(16);
    const auto after_b = p.allocate(16);
    BOOST_REQUIRE(b && after_b);
    auto pin = p.pin(b);
    BOOST_TEST(!p.reallocate(b, 400));
    BOOST_TEST(p.last_error() == error::pinned);
    BOOST_TEST(p.size(b) < 400u);
    test::require_ok(p);
}

// Growing needs more than any hole, even compacted, but not more than all free bytes: the
// blocks after it move up to make room.
BOOST_FIXTURE_TEST_CASE(reallocate_shifts_its_neighbours_when_no_hole_is_large_enough, fixture) {
    BOOST_REQUIRE(p.reserve_handles(8));
    const auto a = p.allocate(200), b = p.allocate(200), c = p.allocate(200), d = p.allocate(200);
    BOOST_REQUIRE(a && b && c && d);
    test::fill(p, a, 'a', 200);
    test::fill(p, b, 'b', 200);
    test::fill(p, d, 'd', 200);
    BOOST_REQUIRE(p.deallocate(c));
    const auto before = p.stats();
    BOOST_TEST(before.free_bytes >= 300u); // the 200 more bytes a needs, and then some
    BOOST_TEST(before.largest_allocatable < 400u); // no single place holds 400 bytes
    BOOST_REQUIRE_MESSAGE(p.reallocate(a, 400), to_string(p.last_error()));
    BOOST_TEST(p.size(a) >= 400u);
    BOOST_TEST(test::holds(p, a, 'a', 200));
    BOOST_TEST(test::holds(p, b, 'b', 200));
    BOOST_TEST(test::holds(p, d, 'd', 200));
    test::require_ok(p);
    // More than all free bytes still fails, and changes nothing.
    BOOST_TEST(!p.reallocate(a, 800));
    BOOST_TEST(p.last_error() == error::out_of_memory);
    BOOST_TEST(test::holds(p, a, 'a', 200));
    test::require_ok(p);
}

BOOST_FIXTURE_TEST_CASE(reallocate_keeps_over_alignment, fixture) {
    const auto a = p.allocate(24, 64);
    BOOST_REQUIRE(a);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(p.data(a)) % 64 == 0u);
    const auto wall = p.allocate(8);
    BOOST_REQUIRE(wall);
    test::fill(p, a, 3, 24);
    BOOST_REQUIRE(p.reallocate(a, 200));
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(p.data(a)) % 64 == 0u);
    BOOST_TEST(test::holds(p, a, 3, 24));
    BOOST_REQUIRE(p.deallocate(wall));
    p.defrag();
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(p.data(a)) % 64 == 0u);
    BOOST_TEST(test::holds(p, a, 3, 24));
    test::require_ok(p);
}

BOOST_FIXTURE_TEST_CASE(pinned_allocations_stack_at_the_top, fixture) {
    BOOST_REQUIRE(p.reserve_handles(8));
    const auto m1 = p.allocate(32);
    const auto f1 = p.allocate_pinned(32);
    const auto m2 = p.allocate(32);
    const auto f2 = p.allocate_pinned(32);
    BOOST_REQUIRE(m1 && f1 && m2 && f2);
    BOOST_TEST(p.pin_count(f1) == small_pool::max_pins + 1);
    // Movable blocks low, pinned blocks high, one hole between.
    BOOST_TEST(p.data(m1) < p.data(m2));
    BOOST_TEST(p.data(m2) < p.data(f2));
    BOOST_TEST(p.data(f2) < p.data(f1));
    const std::string m = test::map_of(p);
    BOOST_TEST(m.substr(m.size() - 2) == "#|");
    BOOST_TEST(p.stats().largest_free_bytes == p.stats().free_bytes);
    BOOST_TEST(p.stats().pinned_bytes >= 64u);
    BOOST_TEST(p.handle_of(p.data(f1)) == f1);
    BOOST_TEST(p.deallocate(f1)); // pinned for life, but freeable
    BOOST_TEST(p.deallocate(f2));
    BOOST_TEST(p.stats().pinned_bytes == 0u);
    test::require_ok(p);
}

BOOST_AUTO_TEST_CASE(every_configuration_round_trips) {
    auto run = [](auto tag, std::size_t bytes) {
        using Config = decltype(tag);
        std::vector<std::byte> buf(bytes);
        basic_pool<Config> p{buf};
        BOOST_REQUIRE(p.usable());
        std::vector<typename basic_pool<Config>::handle> hs;
        for (std::uint32_t i = 0; i < 40; ++i) {
            hs.push_back(p.allocate(1 + i * 7, std::size_t(1) << (i % 8)));
            BOOST_REQUIRE_MESSAGE(hs.back(), to_string(p.last_error()));
            BOOST_TEST(reinterpret_cast<std::uintptr_t>(p.data(hs.back())) % (std::size_t(1) << (i % 8)) == 0u);
            test::fill(p, hs.back(), i, 1 + i * 7);
        }
        for (std::size_t i = 0; i < hs.size(); i += 2) BOOST_REQUIRE(p.deallocate(hs[i]));
        p.defrag();
        test::require_ok(p);
        for (std::size_t i = 1; i < hs.size(); i += 2)
            BOOST_TEST(test::holds(p, hs[i], std::uint32_t(i), 1 + i * 7));
    };
    run(config16{}, 16384);
    run(config16_g8{}, 16384);
    run(basic_config<std::uint16_t, 16>{}, 16384);
    run(config17{}, 16384);
    run(config32{}, 16384);
    run(config32_g16{}, 16384);
}

BOOST_AUTO_TEST_CASE(largest_pools_of_each_width) {
    std::vector<std::byte> big((std::size_t(1) << 18) - 8); // 16-bit, 4-byte granules: just under 256 KiB
    basic_pool<config16> p16{big};
    BOOST_TEST(p16.usable());
    const auto h = p16.allocate(200000);
    BOOST_REQUIRE(h);
    BOOST_TEST(p16.size(h) >= 200000u);
    test::require_ok(p16);
    std::vector<std::byte> mib((std::size_t(1) << 20) - 8); // 17-bit, 8-byte granules: just under 1 MiB
    basic_pool<config17> p17{mib};
    BOOST_TEST(p17.usable());
    const auto m = p17.allocate(900000);
    BOOST_REQUIRE(m);
    test::fill(p17, m, 5, 900000);
    BOOST_TEST(test::holds(p17, m, 5, 900000));
    test::require_ok(p17);
    std::vector<std::byte> huge(std::size_t(8) << 20);
    basic_pool<config32> p32{huge};
    const auto g = p32.allocate(7u << 20);
    BOOST_REQUIRE(g);
    test::fill(p32, g, 9, 7u << 20);
    BOOST_TEST(test::holds(p32, g, 9, 7u << 20));
    test::require_ok(p32);
}

// ---- issue 18 ----------------------------------------------------------------------------------

// Freeing the lowest allocate_pinned block does bounded work, whatever the number of movable
// blocks between it and the next one (issue 18, item 4: deallocate walked them all). Timed
// against freeing a movable block, the minimum of many runs; the old walk over 40,000 blocks was
// thousands of times slower.
BOOST_AUTO_TEST_CASE(freeing_the_lowest_pinned_block_is_bounded) {
    using pool_type = basic_pool<config32>;
    // About 40,000 blocks of 16 bytes (24 with the header, 8 more for the table word).
    std::vector<std::byte> buffer(40000 * 32 + 256);
    pool_type p{std::span<std::byte>(buffer)};
    BOOST_REQUIRE(p.reserve_handles(40010));
    const auto top = p.allocate_pinned(64);
    BOOST_REQUIRE(top);
    // Movable blocks fill the pool; then the lowest is freed, so the only hole is at the bottom.
    std::vector<pool_type::handle> movable;
    for (const std::size_t size : {16u, 1u})
        while (auto h = p.allocate(size)) movable.push_back(h);
    BOOST_REQUIRE(movable.size() > 39000u);
    BOOST_REQUIRE(p.stats().free_bytes == 0u);
    BOOST_REQUIRE(p.deallocate(movable.front()));
    using clock = std::chrono::steady_clock;
    auto fastest_pinned = clock::duration::max(), fastest_movable = clock::duration::max();
    for (int run = 0; run < 30; ++run) {
        // The only hole is at the bottom: the pinned block goes there, under every movable block,
        // as the pmr adapter's blocks can after churn; then a movable block takes the same hole.
        const auto low = p.allocate_pinned(16);
        BOOST_REQUIRE(low);
        const auto t0 = clock::now();
        BOOST_REQUIRE(p.deallocate(low));
        const auto t1 = clock::now();
        const auto hole = p.allocate(16);
        BOOST_REQUIRE(hole);
        const auto t2 = clock::now();
        BOOST_REQUIRE(p.deallocate(hole));
        const auto t3 = clock::now();
        fastest_pinned = std::min(fastest_pinned, t1 - t0);
        fastest_movable = std::min(fastest_movable, t3 - t2);
    }
    test::require_ok(p);
    using ns = std::chrono::nanoseconds;
    const auto pinned_ns = std::chrono::duration_cast<ns>(fastest_pinned).count();
    const auto movable_ns = std::chrono::duration_cast<ns>(fastest_movable).count();
    BOOST_TEST_MESSAGE("free the lowest pinned block: " << pinned_ns << " ns, a movable block: " << movable_ns << " ns");
    BOOST_TEST(fastest_pinned < 50 * fastest_movable + std::chrono::microseconds(2));
}

// allocate_pinned reuses the holes that freed pinned blocks leave among the others before it
// takes from the free block below them: otherwise pinned blocks with churn (a pmr container's)
// march down until one sits right after the handle table, and the table, which grows into the
// block after it, can no longer grow (out_of_handles with most of the pool free).
BOOST_AUTO_TEST_CASE(pinned_churn_keeps_the_table_free_to_grow) {
    const std::uint64_t seed = test::seed_for("pool/pinned_churn_keeps_the_table_free_to_grow");
    std::mt19937_64 rng(seed);
    static std::byte buffer[16384];
    small_pool p{std::span<std::byte>(buffer)};
    std::vector<small_pool::handle> pinned;
    std::size_t live_bytes = 0;
    std::vector<std::size_t> sizes;
    for (int step = 0; step < 200000; ++step) {
        // About a third of the pool live: churn of 8 to 400-byte pinned blocks.
        if (live_bytes < p.capacity() / 3 || pinned.empty()) {
            const std::size_t n = 8 + rng() % 393;
            const auto h = p.allocate_pinned(n);
            if (!h) {
                const auto st = p.stats();
                BOOST_FAIL("allocate_pinned(" << n << ") failed at step " << step << ": "
                                              << to_string(p.last_error()) << ", " << st.free_bytes << " of "
                                              << st.capacity_bytes << " bytes free, " << st.live_blocks
                                              << " live blocks, table " << st.table_bytes << " bytes");
            }
            pinned.push_back(h);
            sizes.push_back(n);
            live_bytes += n;
        } else {
            const std::size_t i = rng() % pinned.size();
            BOOST_REQUIRE(p.deallocate(pinned[i]));
            live_bytes -= sizes[i];
            pinned[i] = pinned.back();
            sizes[i] = sizes.back();
            pinned.pop_back();
            sizes.pop_back();
        }
        // Live blocks come and go in numbers too: the table must grow now and then.
        if (step % 1000 == 0) test::require_ok(p);
    }
    BOOST_TEST_MESSAGE("pinned churn: 200000 steps, " << pinned.size() << " live pinned blocks, table "
                                                      << p.stats().table_bytes << " bytes (seed " << seed << ")");
}

BOOST_AUTO_TEST_SUITE_END()

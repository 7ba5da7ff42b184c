// SPDX-License-Identifier: MIT
// Pins, on both engines (typed cases over test::engines): a pinned block stays where it is through
// allocation, steps and defrag(), pins nest, and pin_guard is a move-only RAII owner of one pin.
// The errors of pins (pinned, not_pinned, pin_overflow, fragmented_by_pins) are in errors_test.cpp.
#include <type_traits>
#include <utility>
#include <vector>

#include "engines.hpp"

using namespace tinymem;

BOOST_AUTO_TEST_SUITE(pins)

BOOST_AUTO_TEST_CASE_TEMPLATE(pinned_blocks_do_not_move, Pool, test::engines) {
    alignas(64) std::byte buffer[1024];
    Pool p{buffer};
    if constexpr (requires { p.reserve_handles(1); }) BOOST_REQUIRE(p.reserve_handles(4));
    const auto a = p.allocate(16), b = p.allocate(16), c = p.allocate(16);
    BOOST_REQUIRE(p.deallocate(a));
    test::fill(p, b, 2, 16);
    {
        auto pin = p.pin(b);
        BOOST_REQUIRE(pin);
        BOOST_TEST(p.pin_count(b) == 1u);
        auto inner = p.pin(b); // nests
        BOOST_TEST(p.pin_count(b) == 2u);
        void* where = pin.data();
        p.defrag();
        BOOST_TEST(p.data(b) == where);
        BOOST_TEST(test::holds(p, b, 2, 16));
        BOOST_TEST(p.stats().pinned_bytes >= 16u);
        BOOST_TEST(!p.deallocate(b));
        BOOST_TEST(p.last_error() == error::pinned);
    }
    BOOST_TEST(p.pin_count(b) == 0u);
    BOOST_TEST(p.stats().pinned_bytes == 0u);
    const void* before = p.data(b);
    p.defrag();
    BOOST_TEST(p.data(b) != before); // unpinned, it slides into a's hole
    BOOST_TEST(test::holds(p, b, 2, 16));
    BOOST_TEST(p.valid(c));
    test::require_ok(p);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(pinned_blocks_stay_through_everything, Pool, test::engines) {
    test::three_blocks<Pool> f;
    auto& p = f.p;
    const auto b = f.b;
    auto pin = p.pin(b);
    BOOST_REQUIRE(pin);
    const void* where = pin.data();
    BOOST_TEST(where == p.data(b));
    BOOST_TEST(pin.template get<unsigned char>() == static_cast<unsigned char*>(p.data(b)));
    BOOST_TEST(pin.get_handle() == b);
    BOOST_REQUIRE(p.deallocate(f.a));
    std::vector<typename Pool::handle> hs;
    for (std::uint32_t i = 0; i < 100; ++i) {
        const auto h = p.allocate(8 + i % 50);
        if (h) hs.push_back(h);
        if (i % 3 == 0 && !hs.empty()) {
            BOOST_REQUIRE(p.deallocate(hs.front()));
            hs.erase(hs.begin());
        }
        p.defrag_step(i * 10);
        if (i % 10 == 0) p.defrag();
        BOOST_TEST_REQUIRE(p.data(b) == where);
    }
    BOOST_TEST(p.stats().compactions > 0u);
    BOOST_TEST(test::holds(p, b, 'b', 56));
    BOOST_TEST(test::holds(p, f.c, 'c', 24));
    test::require_ok(p);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(pin_guard_is_raii_and_move_only, Pool, test::engines) {
    using pin_guard = typename Pool::pin_guard;
    static_assert(!std::is_copy_constructible_v<pin_guard>);
    static_assert(!std::is_copy_assignable_v<pin_guard>);
    static_assert(std::is_nothrow_move_constructible_v<pin_guard>);
    static_assert(std::is_nothrow_move_assignable_v<pin_guard>);
    static_assert(!std::is_copy_constructible_v<Pool>);
    static_assert(!std::is_move_constructible_v<Pool>);
    test::three_blocks<Pool> f;
    auto& p = f.p;
    const auto a = f.a, b = f.b, c = f.c;
    {
        auto g = p.pin(b);
        BOOST_TEST(bool(g));
        BOOST_TEST(p.pin_count(b) == 1u);
        {
            auto g2 = p.pin(b); // nested
            BOOST_TEST(p.pin_count(b) == 2u);
        }
        BOOST_TEST(p.pin_count(b) == 1u);
        auto moved = std::move(g);
        BOOST_TEST(!bool(g)); // NOLINT(bugprone-use-after-move): the moved-from guard is empty
        BOOST_TEST(g.data() == nullptr);
        BOOST_TEST(bool(moved));
        BOOST_TEST(p.pin_count(b) == 1u);
        BOOST_TEST(moved.data() == p.data(b));
        // Move assignment releases what the target held.
        auto other = p.pin(c);
        BOOST_TEST(p.pin_count(c) == 1u);
        other = std::move(moved);
        BOOST_TEST(p.pin_count(c) == 0u);
        BOOST_TEST(p.pin_count(b) == 1u);
        BOOST_TEST(other.get_handle() == b);
        // release(): unpinned now, the guard empty, and its destructor does nothing more.
        other.release();
        BOOST_TEST(!bool(other));
        BOOST_TEST(p.pin_count(b) == 0u);
        other.release();
        BOOST_TEST(p.pin_count(b) == 0u);
        BOOST_TEST(p.deallocate(c)); // c is free to go
    }
    BOOST_TEST(p.pin_count(b) == 0u);
    BOOST_TEST(p.stats().pinned_bytes == 0u);
    // A failed pin gives an empty guard that unpins nothing.
    BOOST_REQUIRE(p.acquire_pin(a));
    {
        auto bad = p.pin(c); // c is freed
        BOOST_TEST(!bool(bad));
        BOOST_TEST(p.last_error() == error::stale_handle);
        BOOST_TEST(bad.data() == nullptr);
        BOOST_TEST(bad.template get<int>() == nullptr);
        pin_guard empty;
        BOOST_TEST(!bool(empty));
    }
    BOOST_TEST(p.pin_count(a) == 1u);
    BOOST_REQUIRE(p.unpin(a));
    test::require_ok(p);
    BOOST_TEST(test::holds(p, a, 'a', 40));
    BOOST_TEST(test::holds(p, b, 'b', 56));
    // A guard of a fresh block, moved and released: the block is free to go.
    const auto d = p.allocate(8);
    BOOST_REQUIRE(d);
    auto g1 = p.pin(d);
    auto g2 = std::move(g1);
    BOOST_TEST(!bool(g1)); // NOLINT(bugprone-use-after-move)
    BOOST_TEST(bool(g2));
    BOOST_TEST(p.pin_count(d) == 1u);
    g2.release();
    BOOST_TEST(p.pin_count(d) == 0u);
    BOOST_TEST(p.deallocate(d));
}

BOOST_AUTO_TEST_SUITE_END()

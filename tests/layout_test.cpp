// SPDX-License-Identifier: MIT
// What the two engines share through detail/layout.hpp and detail/engine_base.hpp, seen from the
// public API of both: the control block's size, stats().fragmentation_percent (one integer
// computation, the documented formula rounded to the nearest integer), pinned_for_life() and
// Pool::pin_guard (usable although detail::pin_guard is not exported from the module).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "test_support.hpp"

using namespace tinymem;

namespace {

// The shared accessors live in a data-less base: the control blocks are as large as before it
// (measured on main, x86-64 and other 64-bit hosts).
#if UINTPTR_MAX == UINT64_MAX
static_assert(sizeof(basic_pool<config16>) == 296);
static_assert(sizeof(basic_bump_pool<config16>) == 136);
static_assert(sizeof(basic_pool<config32>) == 552);
static_assert(sizeof(basic_bump_pool<config32>) == 152);
#endif

// 100 - 100 * sqrt(sum h^2) / sum h over the hole sizes, rounded to the nearest integer (the
// formula pool_stats documents), in floating point here where the core has none.
unsigned documented_percent(const std::vector<std::size_t>& holes) {
    double sum = 0, squares = 0;
    for (const std::size_t h : holes) {
        sum += double(h);
        squares += double(h) * double(h);
    }
    return unsigned(std::lround(100.0 - 100.0 * std::sqrt(squares) / sum));
}

// Blocks a, b, c, d, then free space; a and c freed: holes of a's, c's and the free space's
// granules (the lean engine's top, basic_pool's last free block). Sizes chosen so the figure is
// far from a rounding tie.
template <class Pool>
void check_fragmentation(Pool& p, std::size_t a_bytes, std::size_t c_bytes) {
    using word = typename Pool::word_type;
    BOOST_REQUIRE(p.usable());
    if constexpr (requires { p.reserve_handles(4); }) BOOST_REQUIRE(p.reserve_handles(4));
    const auto a = p.allocate(a_bytes), b = p.allocate(40), c = p.allocate(c_bytes), d = p.allocate(40);
    BOOST_REQUIRE(a && b && c && d);
    const std::size_t ga = (p.size(a) + sizeof(word)) / Pool::granule;
    const std::size_t gc = (p.size(c) + sizeof(word)) / Pool::granule;
    const std::size_t rest = p.stats().free_bytes / Pool::granule;
    BOOST_REQUIRE(rest != 0);
    BOOST_TEST(p.stats().fragmentation_percent == 0u); // one hole
    BOOST_REQUIRE(p.deallocate(a));
    BOOST_REQUIRE(p.deallocate(c));
    const pool_stats s = p.stats();
    BOOST_REQUIRE(s.free_bytes == (ga + gc + rest) * Pool::granule);
    const unsigned want = documented_percent({ga, gc, rest});
    BOOST_TEST_MESSAGE("holes " << ga << ", " << gc << ", " << rest << " granules: " << s.fragmentation_percent << " %");
    BOOST_TEST(s.fragmentation_percent == want);
    BOOST_TEST(s.fragmentation_percent > 0u);
    p.defrag();
    BOOST_TEST(p.stats().fragmentation_percent == 0u);
    BOOST_TEST(p.check().ok());
}

template <class Pool>
void check_pin_guard(Pool& p) {
    const auto h = p.allocate(24);
    BOOST_REQUIRE(h);
    {
        typename Pool::pin_guard g = p.pin(h);
        BOOST_TEST(bool(g));
        BOOST_TEST(g.data() == p.data(h));
        BOOST_TEST(p.pin_count(h) == 1u);
        BOOST_TEST(!p.pinned_for_life(h)); // pinned, but not for life
        typename Pool::pin_guard moved = std::move(g);
        BOOST_TEST(!bool(g));
        BOOST_TEST(p.pin_count(h) == 1u);
    }
    BOOST_TEST(p.pin_count(h) == 0u);
    for (unsigned i = 0; i < Pool::max_pins; ++i) BOOST_REQUIRE(p.acquire_pin(h));
    BOOST_TEST(p.pin_count(h) == Pool::max_pins);
    BOOST_TEST(!p.pinned_for_life(h)); // as many pins as a block holds: still not for life
    for (unsigned i = 0; i < Pool::max_pins; ++i) BOOST_REQUIRE(p.unpin(h));
    BOOST_TEST(p.deallocate(h));
    BOOST_TEST(!p.pinned_for_life(h)); // stale
    BOOST_TEST(!p.pinned_for_life(typename Pool::handle{}));
}

} // namespace

BOOST_AUTO_TEST_SUITE(layout)

BOOST_AUTO_TEST_CASE(fragmentation_percent_is_the_documented_formula) {
    std::vector<std::byte> buf(4096);
    {
        basic_pool<config16> p{std::span<std::byte>(buf)};
        check_fragmentation(p, 100, 300);
    }
    {
        basic_bump_pool<config16> p{std::span<std::byte>(buf)};
        check_fragmentation(p, 100, 300);
    }
    {   // Two holes of one size and a large rest: basic_pool's figure used to be rounded up.
        basic_pool<config16> p{std::span<std::byte>(buf)};
        check_fragmentation(p, 500, 500);
    }
    {
        basic_bump_pool<config16> p{std::span<std::byte>(buf)};
        check_fragmentation(p, 500, 500);
    }
    std::vector<std::byte> big(1 << 20);
    {
        basic_pool<config32> p{std::span<std::byte>(big)};
        check_fragmentation(p, 200000, 70000);
    }
    {
        basic_bump_pool<config32> p{std::span<std::byte>(big)};
        check_fragmentation(p, 200000, 70000);
    }
}

BOOST_AUTO_TEST_CASE(pinned_for_life_names_allocate_pinned_blocks_only) {
    std::vector<std::byte> buf(4096);
    basic_pool<config16> p{std::span<std::byte>(buf)};
    const auto fixed = p.allocate_pinned(64);
    BOOST_REQUIRE(fixed);
    BOOST_TEST(p.pinned_for_life(fixed));
    BOOST_TEST(p.acquire_pin(fixed)); // a no-op on a block pinned for life
    BOOST_TEST(p.pinned_for_life(fixed));
    BOOST_TEST(p.deallocate(fixed));
    BOOST_TEST(!p.pinned_for_life(fixed));
    check_pin_guard(p);
    basic_bump_pool<config16> q{std::span<std::byte>(buf)};
    check_pin_guard(q);
}

BOOST_AUTO_TEST_SUITE_END()

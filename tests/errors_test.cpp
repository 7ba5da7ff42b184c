// SPDX-License-Identifier: MIT
// Bad input: each mistake is a clear error, the pool stays intact and no other block changes.
// The cases of the contract both engines share are typed (BOOST_AUTO_TEST_CASE_TEMPLATE over
// test::engines: basic_pool and the lean engine basic_bump_pool); where the engines differ by
// design a case asks test::is_lean and says why. Calls only basic_pool has (allocate_pinned,
// handle_of, reserve_handles) and its buffer limits are tested for it alone, at the end.
#include <algorithm>
#include <iterator>
#include <type_traits>

#include "engines.hpp"

using namespace tinymem;

BOOST_AUTO_TEST_SUITE(errors)

using test::failed_of;
using test::same_blocks;

// ---- both engines ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(zero_size, Pool, test::engines) {
    test::three_blocks<Pool> f;
    auto& p = f.p;
    const auto before = p.stats();
    BOOST_TEST(!p.allocate(0));
    f.expect(error::zero_size);
    BOOST_TEST(!p.reallocate(f.b, 0));
    f.expect(error::zero_size);
    BOOST_TEST(failed_of(p.stats(), error::zero_size) == 2u);
    BOOST_TEST(same_blocks(before, p.stats()));
    BOOST_TEST(p.stats().live_blocks == before.live_blocks);
    BOOST_TEST(p.stats().free_bytes == before.free_bytes);
    f.intact();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(too_large, Pool, test::engines) {
    test::three_blocks<Pool> f;
    auto& p = f.p;
    const auto before = p.stats();
    const std::size_t cap = p.capacity();
    std::size_t refused = 0;
    for (std::size_t huge : {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 3, SIZE_MAX - 7, SIZE_MAX / 2 + 1, SIZE_MAX - 2047,
                             cap + 1, cap, cap - 1, sizeof f.buffer + 1}) {
        BOOST_TEST(!p.allocate(huge));
        f.expect(error::too_large);
        BOOST_TEST(!p.reallocate(f.b, huge));
        f.expect(error::too_large);
        refused += 2;
        if constexpr (!test::is_lean<Pool>) { // the lean engine has no allocate_pinned
            BOOST_TEST(!p.allocate_pinned(huge));
            f.expect(error::too_large);
            ++refused;
        }
    }
    const auto after = p.stats();
    BOOST_TEST(same_blocks(before, after));
    BOOST_TEST(after.live_blocks == before.live_blocks);
    BOOST_TEST(after.free_bytes == before.free_bytes);
    BOOST_TEST(after.bytes_moved == before.bytes_moved);
    BOOST_TEST(failed_of(after, error::too_large) == refused);
    f.intact();
}

// Alignments that are no power of two, or above what the engine serves, are refused before
// anything changes. The lean engine serves only its granule's alignment (max_alignment ==
// granule, 4 here) by design; basic_pool serves powers of two up to its max_alignment and the
// pool's size.
BOOST_AUTO_TEST_CASE_TEMPLATE(bad_alignment, Pool, test::engines) {
    test::three_blocks<Pool> f;
    auto& p = f.p;
    const auto before = p.stats();
    unsigned refused = 0;
    std::vector<std::size_t> bad{0, 3, 6, 24, 100, 4096, std::size_t(1) << 20, SIZE_MAX, SIZE_MAX / 2 + 1};
    if constexpr (test::is_lean<Pool>) {
        bad.push_back(8);
        bad.push_back(16);
    }
    for (std::size_t align : bad) {
        BOOST_TEST_INFO("align " << align);
        BOOST_TEST(!p.allocate(8, align));
        f.expect(error::bad_alignment);
        ++refused;
    }
    // A bad alignment is refused before the size is even looked at.
    BOOST_TEST(!p.allocate(SIZE_MAX, 3));
    f.expect(error::bad_alignment);
    ++refused;
    if constexpr (test::is_lean<Pool>) { // above the granule: refused, whatever the size
        BOOST_TEST(!p.allocate(0, 8));
        f.expect(error::bad_alignment);
        ++refused;
    }
    BOOST_TEST(failed_of(p.stats(), error::bad_alignment) == refused);
    BOOST_TEST(same_blocks(before, p.stats()));
    // Powers of two up to what the engine serves are fine (rounded up to the granule).
    for (std::size_t align : {1, 2, 4, 8, 16, 32, 64, 128, 256}) {
        if (align > Pool::max_alignment) break;
        const auto h = p.allocate(8, align);
        BOOST_REQUIRE(h);
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(p.data(h)) % align == 0u);
        BOOST_REQUIRE(p.deallocate(h));
    }
    f.intact();
}

// An unusable pool: every call fails (or does nothing) and touches nothing.
template <class Pool>
void unusable(std::span<std::byte> buf) {
    Pool p{buf};
    BOOST_TEST(!p.usable());
    BOOST_TEST(p.unusable_reason() == error::bad_buffer);
    BOOST_TEST(p.capacity() == 0u);
    BOOST_TEST(!p.check().ok());
    for (std::size_t n : {std::size_t(1), std::size_t(8), std::size_t(0), SIZE_MAX}) {
        BOOST_TEST(!p.allocate(n));
        BOOST_TEST(p.last_error() == error::bad_buffer);
    }
    BOOST_TEST(!p.allocate(8, 3)); // every allocation: bad_buffer
    BOOST_TEST(p.last_error() == error::bad_buffer);
    // Its handles: none is valid here; a handle from a usable pool neither.
    alignas(16) std::byte other_buf[256];
    Pool other{other_buf};
    const auto foreign = other.allocate(8);
    BOOST_REQUIRE(foreign);
    for (const auto h : {typename Pool::handle{}, foreign}) {
        BOOST_TEST(!p.valid(h));
        BOOST_TEST(p.data(h) == nullptr);
        BOOST_TEST(p.size(h) == 0u);
        BOOST_TEST(p.pin_count(h) == 0u);
        BOOST_TEST(!p.deallocate(h));
        BOOST_TEST((p.last_error() == error::invalid_handle || p.last_error() == error::bad_buffer));
        BOOST_TEST(!p.reallocate(h, 8));
        BOOST_TEST((p.last_error() == error::invalid_handle || p.last_error() == error::bad_buffer));
        BOOST_TEST(!p.acquire_pin(h));
        BOOST_TEST(!p.unpin(h));
        BOOST_TEST(!bool(p.pin(h)));
    }
    p.defrag();
    BOOST_TEST(p.defrag_step(1000));
    const auto s = p.stats();
    BOOST_TEST(s.capacity_bytes == 0u);
    BOOST_TEST(s.free_bytes == 0u);
    BOOST_TEST(s.largest_allocatable == 0u);
    BOOST_TEST(s.live_blocks == 0u);
    BOOST_TEST(other.valid(foreign));
    test::require_ok(other);
}

// Buffers too small, empty, or with more granules than the configuration addresses.
BOOST_AUTO_TEST_CASE_TEMPLATE(bad_buffer, Pool, test::engines) {
    using P16 = Pool;
    using P32 = std::conditional_t<test::is_lean<Pool>, basic_bump_pool<config32>, basic_pool<config32>>;
    using P17 = std::conditional_t<test::is_lean<Pool>, basic_bump_pool<config17>, basic_pool<config17>>;
    alignas(16) std::byte raw[64] = {};
    unusable<P16>(std::span<std::byte>(raw, 8));           // 2 granules
    unusable<P16>(std::span<std::byte>(raw, 12));          // 3 granules
    unusable<P16>(std::span<std::byte>(raw + 1, 15));      // 16 bytes, but 3 granules once aligned
    unusable<P16>(std::span<std::byte>{});                 // empty
    unusable<P16>(std::span<std::byte>(raw, std::size_t(0)));
    unusable<P32>(std::span<std::byte>(raw, 31));          // 3 granules of 8
    BOOST_TEST(std::all_of(std::begin(raw), std::end(raw), [](std::byte x) { return x == std::byte{0}; }));
    // Too many granules for the configuration: max_granules or more. The lean engine's largest
    // buffer is one granule smaller than basic_pool's (its end of heap is an offset too), so it
    // refuses max_granules - 1 as well; basic_pool serves those (bad_buffers below).
    std::vector<std::byte> big(std::size_t(1) << 18);      // 65,536 granules of 4
    unusable<P16>(big);
    std::vector<std::byte> mib(std::size_t(1) << 20);      // 131,072 granules of 8
    unusable<P17>(mib);
    if constexpr (test::is_lean<Pool>) {
        unusable<P16>(std::span<std::byte>(big).first(big.size() - 4)); // 65,535
        unusable<P17>(std::span<std::byte>(mib).first(mib.size() - 8)); // 131,071
    }
    std::vector<std::byte> too_big(std::size_t(1) << 19);  // 512 KiB: beyond 16-bit offsets of 4 bytes
    unusable<P16>(too_big);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(invalid_handle, Pool, test::engines) {
    using handle = typename Pool::handle;
    using V = typename handle::value_type;
    test::three_blocks<Pool> f;
    auto& p = f.p;
    const auto a = f.a, b = f.b, c = f.c;
    const auto before = p.stats();
    // Null.
    BOOST_TEST(!p.valid(handle{}));
    BOOST_TEST(p.data(handle{}) == nullptr);
    BOOST_TEST(p.size(handle{}) == 0u);
    BOOST_TEST(p.pin_count(handle{}) == 0u);
    BOOST_TEST(!p.deallocate(handle{}));
    f.expect(error::invalid_handle);
    BOOST_TEST(!p.reallocate(handle{}, 8));
    f.expect(error::invalid_handle);
    BOOST_TEST(!p.acquire_pin(handle{}));
    f.expect(error::invalid_handle);
    BOOST_TEST(!p.unpin(handle{}));
    f.expect(error::invalid_handle);
    BOOST_TEST(!bool(p.pin(handle{})));
    f.expect(error::invalid_handle);
    // A slot past the table, with a live handle's tag and generation.
    const V slot_mask = (V(1) << config16::slot_bits) - 1;
    std::vector<V> past{V(0x3000), V(100), slot_mask - 1, slot_mask};
    if constexpr (test::is_lean<Pool>) { // its table holds exactly the 3 slots in use
        past.push_back(V(3));
        past.push_back(V(4));
    }
    for (V slot : past) {
        const handle forged{V((b.value() & ~slot_mask) | slot)};
        BOOST_TEST_INFO("slot " << slot);
        BOOST_TEST(!p.valid(forged));
        BOOST_TEST(p.data(forged) == nullptr);
        BOOST_TEST(!p.deallocate(forged));
        f.expect(error::invalid_handle);
        BOOST_TEST(!p.reallocate(forged, 8));
        f.expect(error::invalid_handle);
        BOOST_TEST(!p.acquire_pin(forged));
        f.expect(error::invalid_handle);
    }
    // A live slot with another generation: stale.
    const handle wrong_generation{V(b.value() ^ (V(1) << config16::slot_bits))};
    BOOST_TEST(!p.deallocate(wrong_generation));
    f.expect(error::stale_handle);
    // Another pool's handles, the same slots included.
    alignas(16) std::byte other_buffer[1024];
    Pool other{other_buffer};
    const auto oa = other.allocate(40), ob = other.allocate(56);
    BOOST_REQUIRE(oa && ob);
    for (const auto h : {oa, ob}) {
        BOOST_TEST(!p.valid(h));
        BOOST_TEST(p.data(h) == nullptr);
        BOOST_TEST(!p.deallocate(h));
        f.expect(error::invalid_handle);
        BOOST_TEST(!p.reallocate(h, 10));
        f.expect(error::invalid_handle);
        BOOST_TEST(!p.acquire_pin(h));
        f.expect(error::invalid_handle);
        BOOST_TEST(!p.unpin(h));
        f.expect(error::invalid_handle);
    }
    BOOST_TEST(other.valid(oa));
    BOOST_TEST(other.valid(ob));
    // Random forgeries: never a success, never a change.
    std::mt19937 rng(12345);
    for (int i = 0; i < 20000; ++i) {
        const handle forged{V(rng())};
        if (forged == a || forged == b || forged == c) continue;
        BOOST_TEST_REQUIRE(!p.deallocate(forged));
        BOOST_TEST_REQUIRE((p.last_error() == error::invalid_handle || p.last_error() == error::stale_handle));
        BOOST_TEST_REQUIRE(!p.reallocate(forged, 1 + rng() % 64));
        BOOST_TEST_REQUIRE(p.data(forged) == nullptr);
    }
    const auto after = p.stats();
    BOOST_TEST(same_blocks(before, after));
    BOOST_TEST(after.bytes_moved == before.bytes_moved);
    BOOST_TEST(failed_of(after, error::invalid_handle) >= 5u + 3 * past.size() + 8u);
    f.intact();
}

// Double free, use after free, every other call on the freed handle, and its slot reused.
BOOST_AUTO_TEST_CASE_TEMPLATE(stale_handle, Pool, test::engines) {
    using handle = typename Pool::handle;
    test::three_blocks<Pool> f;
    auto& p = f.p;
    const auto b = f.b;
    BOOST_REQUIRE(p.deallocate(b));
    const auto before = p.stats();
    BOOST_TEST(!p.deallocate(b));
    f.expect(error::stale_handle);
    BOOST_TEST(!p.valid(b));
    BOOST_TEST(p.data(b) == nullptr);
    BOOST_TEST(p.template get<int>(b) == nullptr);
    BOOST_TEST(p.size(b) == 0u);
    BOOST_TEST(p.pin_count(b) == 0u);
    BOOST_TEST(!p.reallocate(b, 100));
    f.expect(error::stale_handle);
    BOOST_TEST(!p.reallocate(b, 8));
    f.expect(error::stale_handle);
    BOOST_TEST(!p.acquire_pin(b));
    f.expect(error::stale_handle);
    BOOST_TEST(!bool(p.pin(b)));
    f.expect(error::stale_handle);
    BOOST_TEST(!p.unpin(b));
    f.expect(error::stale_handle);
    const auto after = p.stats();
    BOOST_TEST(same_blocks(before, after));
    BOOST_TEST(failed_of(after, error::stale_handle) == failed_of(before, error::stale_handle) + 6);
    f.intact(false);
    // Its slot reused: a new generation, the old handle stays stale.
    const auto d = p.allocate(56);
    BOOST_REQUIRE(d);
    using V = typename handle::value_type;
    const V slot_mask = (V(1) << config16::slot_bits) - 1;
    BOOST_TEST((d.value() & slot_mask) == (b.value() & slot_mask)); // the only free slot
    if constexpr (!test::is_lean<Pool>) BOOST_TEST(Pool::symbol_of(d) == Pool::symbol_of(b));
    BOOST_TEST(d != b);
    test::fill(p, d, 'd', 56);
    BOOST_TEST(!p.valid(b));
    BOOST_TEST(p.data(b) == nullptr);
    BOOST_TEST(p.size(b) == 0u);
    BOOST_TEST(!p.deallocate(b));
    f.expect(error::stale_handle);
    BOOST_TEST(!p.reallocate(b, 8));
    f.expect(error::stale_handle);
    BOOST_TEST(!bool(p.pin(b)));
    f.expect(error::stale_handle);
    BOOST_TEST(test::holds(p, d, 'd', 56));
    // Many generations later, still stale (the one free slot reused each time).
    handle last = d;
    for (int i = 0; i < 100; ++i) {
        BOOST_REQUIRE(p.deallocate(last));
        const auto e = p.allocate(56);
        BOOST_REQUIRE(e);
        BOOST_TEST_REQUIRE((e.value() & slot_mask) == (b.value() & slot_mask));
        BOOST_TEST_REQUIRE(!p.valid(b));
        BOOST_TEST_REQUIRE(!p.valid(last));
        BOOST_TEST_REQUIRE(!p.valid(d));
        last = e;
    }
    f.intact(false);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(reallocate_of_a_freed_handle, Pool, test::engines) {
    test::three_blocks<Pool> f;
    auto& p = f.p;
    BOOST_REQUIRE(p.deallocate(f.c)); // the last block
    BOOST_TEST(!p.reallocate(f.c, 100));
    f.expect(error::stale_handle);
    test::require_ok(p);
    BOOST_TEST(test::holds(p, f.a, 'a', 40));
    BOOST_TEST(test::holds(p, f.b, 'b', 56));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(pinned, Pool, test::engines) {
    test::three_blocks<Pool> f;
    auto& p = f.p;
    const auto b = f.b;
    {
        auto pin = p.pin(b);
        BOOST_REQUIRE(pin);
        const auto before = p.stats();
        BOOST_TEST(!p.deallocate(b));
        f.expect(error::pinned);
        // b sits between a and c, with nothing free after it. The lean engine grows a pinned
        // block only when it is the topmost one: refused. basic_pool shifts c up (below).
        if constexpr (test::is_lean<Pool>) {
            BOOST_TEST(!p.reallocate(b, 200));
            f.expect(error::pinned);
        }
        BOOST_TEST(p.data(b) == pin.data());
        BOOST_TEST(failed_of(p.stats(), error::pinned) == (test::is_lean<Pool> ? 2u : 1u));
        BOOST_TEST(same_blocks(before, p.stats()));
        BOOST_TEST(p.stats().bytes_moved == before.bytes_moved);
        f.intact();
        if constexpr (!test::is_lean<Pool>) { // grows in place, its pointer kept: c moves
            BOOST_TEST(p.reallocate(b, 200));
            BOOST_TEST(p.data(b) == pin.data());
            BOOST_TEST(p.size(b) >= 200u);
            f.intact();
        }
        // Shrinking a pinned block is fine, in place.
        const void* where = p.data(b);
        BOOST_TEST(p.reallocate(b, 56));
        BOOST_TEST(p.data(b) == where);
    }
    BOOST_TEST(p.reallocate(b, 200)); // unpinned: it moves
    BOOST_TEST(test::holds(p, b, 'b', 56));
    BOOST_TEST(p.deallocate(b));
    f.intact(false);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(not_pinned_and_pin_overflow, Pool, test::engines) {
    test::three_blocks<Pool> f;
    auto& p = f.p;
    const auto b = f.b;
    BOOST_TEST(!p.unpin(b));
    f.expect(error::not_pinned);
    BOOST_TEST(Pool::max_pins == 13u);
    for (unsigned i = 0; i < Pool::max_pins; ++i) {
        BOOST_TEST_REQUIRE(p.acquire_pin(b));
        BOOST_TEST_REQUIRE(p.pin_count(b) == i + 1);
    }
    const auto before = p.stats();
    BOOST_TEST(!p.acquire_pin(b));
    f.expect(error::pin_overflow);
    BOOST_TEST(!bool(p.pin(b)));
    f.expect(error::pin_overflow);
    BOOST_TEST(p.pin_count(b) == Pool::max_pins);
    BOOST_TEST(failed_of(p.stats(), error::pin_overflow) == 2u);
    BOOST_TEST(same_blocks(before, p.stats()));
    BOOST_TEST(p.stats().pinned_bytes == p.size(b) + 4);
    for (unsigned i = 0; i < Pool::max_pins; ++i) BOOST_TEST_REQUIRE(p.unpin(b));
    BOOST_TEST(p.stats().pinned_bytes == 0u);
    BOOST_TEST(!p.unpin(b));
    f.expect(error::not_pinned);
    BOOST_TEST(failed_of(p.stats(), error::not_pinned) == 2u);
    BOOST_TEST(p.acquire_pin(b)); // usable again after the overflow
    BOOST_TEST(p.unpin(b));
    f.intact();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(out_of_memory, Pool, test::engines) {
    test::three_blocks<Pool> f;
    auto& p = f.p;
    const auto a = f.a, c = f.c;
    std::vector<typename Pool::handle> fill;
    while (const auto h = p.allocate(64)) {
        test::fill(p, h, std::uint32_t(1000 + fill.size()), 64);
        fill.push_back(h);
    }
    f.expect(error::out_of_memory);
    const auto before = p.stats();
    BOOST_TEST(before.free_bytes < 64u + 4u + 4u); // a block and a table word do not fit
    BOOST_TEST(!p.allocate(64));
    f.expect(error::out_of_memory);
    BOOST_TEST(!p.reallocate(a, 40 + before.free_bytes + 1)); // one byte more than the free bytes give
    f.expect(error::out_of_memory);
    BOOST_TEST(!p.reallocate(c, 1000));
    f.expect(error::out_of_memory);
    const auto after = p.stats();
    BOOST_TEST(same_blocks(before, after));
    BOOST_TEST(after.free_bytes == before.free_bytes);
    BOOST_TEST(failed_of(after, error::out_of_memory) == failed_of(before, error::out_of_memory) + 3);
    for (std::size_t i = 0; i < fill.size(); ++i) BOOST_TEST(test::holds(p, fill[i], std::uint32_t(1000 + i), 64));
    f.intact();
    // Free bytes in holes are no out_of_memory: allocate compacts.
    BOOST_REQUIRE(p.deallocate(fill[0]));
    BOOST_REQUIRE(p.deallocate(fill[2]));
    const auto h = p.allocate(100);
    BOOST_TEST(bool(h));
    BOOST_TEST(p.last_error() == error::none);
    f.intact();
}

// Past the last handle-table slot an allocation fails with out_of_handles, though bytes remain;
// the pool and every block stay intact, and a freed slot serves the next request.
template <class Config>
constexpr std::size_t slot_limit_bytes = 16382 * 12 + 4096; // 8-byte blocks and 4-byte table words
template <>
constexpr std::size_t slot_limit_bytes<config17> = 8190 * 12 + 4096; // 8-byte granules, 4-byte words

using slot_limit_engines = boost::mpl::list<basic_pool<config16>, basic_pool<config17>, basic_bump_pool<config16>,
                                            basic_bump_pool<config17>>;

BOOST_AUTO_TEST_CASE_TEMPLATE(out_of_handles_at_the_slot_limit, Pool, slot_limit_engines) {
    using Config = typename Pool::config_type;
    std::vector<std::byte> buf(slot_limit_bytes<Config>);
    Pool p{buf};
    BOOST_REQUIRE(p.usable());
    std::vector<typename Pool::handle> hs;
    for (;;) {
        const auto h = p.allocate(2);
        if (!h) break;
        test::fill(p, h, std::uint32_t(hs.size()), 2);
        hs.push_back(h);
    }
    BOOST_TEST(p.last_error() == error::out_of_handles);
    BOOST_TEST(hs.size() == std::size_t(Config::max_slots));
    const auto before = p.stats();
    BOOST_TEST(before.free_bytes >= 64u); // bytes were left: the slot limit stopped it
    BOOST_TEST(!p.allocate(2));
    BOOST_TEST(p.last_error() == error::out_of_handles);
    BOOST_TEST(failed_of(p.stats(), error::out_of_handles) == 2u);
    BOOST_TEST(same_blocks(before, p.stats()));
    test::require_ok(p);
    for (std::size_t i = 0; i < hs.size(); i += 97) BOOST_TEST(test::holds(p, hs[i], std::uint32_t(i), 2));
    BOOST_REQUIRE(p.deallocate(hs[5]));
    const auto again = p.allocate(2);
    BOOST_TEST(bool(again));
    BOOST_TEST(!p.valid(hs[5]));
    test::require_ok(p);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(fragmented_by_pins, Pool, test::engines) {
    test::three_blocks<Pool> f;
    auto& p = f.p;
    const auto c = f.c;
    // Fill the pool, pin every other block and free the rest: the free bytes suffice, but not in
    // one piece, and the holes sit before pins.
    std::vector<typename Pool::handle> hs;
    while (const auto h = p.allocate(40)) hs.push_back(h);
    BOOST_REQUIRE(hs.size() > 10u);
    std::vector<typename Pool::pin_guard> pins;
    for (std::size_t i = 0; i < hs.size(); i += 2) pins.push_back(p.pin(hs[i]));
    for (std::size_t i = 0; i < hs.size(); i += 2) test::fill(p, hs[i], std::uint32_t(i), 40);
    for (std::size_t i = 1; i < hs.size(); i += 2) BOOST_REQUIRE(p.deallocate(hs[i]));
    const auto before = p.stats();
    BOOST_TEST(before.free_bytes >= 200u + 8u);
    BOOST_TEST(!p.allocate(200));
    f.expect(error::fragmented_by_pins);
    BOOST_TEST(!p.reallocate(c, 200)); // c is not pinned; no gap after compaction holds it
    f.expect(error::fragmented_by_pins);
    BOOST_TEST(failed_of(p.stats(), error::fragmented_by_pins) == 2u);
    BOOST_TEST(same_blocks(before, p.stats()));
    for (std::size_t i = 0; i < hs.size(); i += 2) BOOST_TEST(test::holds(p, hs[i], std::uint32_t(i), 40));
    f.intact();
    pins.clear();
    BOOST_TEST(bool(p.allocate(200))); // unpinned, the pool compacts
    BOOST_TEST(p.reallocate(c, 100));
    for (std::size_t i = 0; i < hs.size(); i += 2) BOOST_TEST(test::holds(p, hs[i], std::uint32_t(i), 40));
    f.intact();
}

BOOST_AUTO_TEST_CASE_TEMPLATE(last_error_and_counts, Pool, test::engines) {
    test::three_blocks<Pool> f;
    auto& p = f.p;
    const auto a = f.a;
    BOOST_TEST(p.last_error() == error::none);
    BOOST_TEST(!p.allocate(0));
    f.expect(error::zero_size);
    BOOST_TEST(bool(p.allocate(4)));
    f.expect(error::none);
    BOOST_TEST(!p.deallocate(typename Pool::handle{}));
    BOOST_TEST(p.reallocate(a, 44));
    f.expect(error::none);
    BOOST_TEST(!p.unpin(a));
    BOOST_TEST(p.acquire_pin(a));
    f.expect(error::none);
    BOOST_TEST(!p.deallocate(a));
    BOOST_TEST(p.unpin(a));
    f.expect(error::none);
    const auto s = p.stats();
    BOOST_TEST(failed_of(s, error::zero_size) == 1u);
    BOOST_TEST(failed_of(s, error::invalid_handle) == 1u);
    BOOST_TEST(failed_of(s, error::not_pinned) == 1u);
    BOOST_TEST(failed_of(s, error::pinned) == 1u);
    BOOST_TEST(failed_of(s, error::none) == 0u);
    std::uint32_t total = 0;
    for (auto n : s.failed) total += n;
    BOOST_TEST(total == 4u);
    f.intact();
}

// ---- basic_pool alone: calls the lean engine does not have, and its buffer limits ---------------

using small_pool = basic_pool<config16>;

using fixture = test::three_blocks<small_pool>;

BOOST_FIXTURE_TEST_CASE(pointers_that_are_not_blocks, fixture) {
    auto* pb = static_cast<std::byte*>(p.data(b));
    BOOST_TEST(p.handle_of(pb) == b);
    BOOST_TEST(!p.handle_of(pb + 4));
    expect(error::invalid_pointer);
    BOOST_TEST(!p.handle_of(pb + 1));
    int local = 0;
    BOOST_TEST(!p.handle_of(&local));
    BOOST_TEST(!p.handle_of(nullptr));
    BOOST_TEST(!p.handle_of(buffer)); // the table, not a block
    BOOST_REQUIRE(p.deallocate(b));
    BOOST_TEST(!p.handle_of(pb));
    expect(error::invalid_pointer);
    intact(false);
}

// The largest buffers of 8-byte granules basic_pool takes, one granule under what the
// configuration addresses (the refused ones, too small or too large: bad_buffer above).
BOOST_AUTO_TEST_CASE(bad_buffers) {
    std::vector<std::byte> too_big(std::size_t(1) << 19); // 512 KiB
    basic_pool<config16_g8> fits{too_big};
    BOOST_TEST(!fits.usable()); // 65,536 granules: one more than 16 bits address
    std::vector<std::byte> just(too_big.size() - 8);
    basic_pool<config16_g8> ok{just};
    BOOST_TEST(ok.usable());
    std::vector<std::byte> mib(std::size_t(1) << 20); // 131,072 granules of 8: one more than 17 bits
    basic_pool<config17> under17{std::span<std::byte>(mib).first(mib.size() - 8)};
    BOOST_TEST(under17.usable());
    // A misaligned buffer is rounded up to the granule.
    alignas(16) std::byte raw[512];
    basic_pool<config16> skewed{std::span<std::byte>(raw + 1, 500)};
    BOOST_TEST(skewed.usable());
    const auto h = skewed.allocate(16);
    BOOST_REQUIRE(h);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(skewed.data(h)) % 4 == 0u);
    test::require_ok(skewed);
}

// A reserve_handles() that cannot be met is refused before it changes anything: more handles than
// the configuration has slots is out_of_handles, more table words than the free bytes hold is
// out_of_memory, and in both cases the table keeps its size and the pool serves what it served
// before (issue 18: a refused reservation used to grow the table over the whole heap).
template <class Config>
void refused_reservation_changes_nothing(std::size_t bytes) {
    using pool_type = basic_pool<Config>;
    std::vector<std::byte> buffer(bytes);
    pool_type p{std::span<std::byte>(buffer)};
    const auto a = p.allocate(100);
    BOOST_REQUIRE(a);
    test::fill(p, a, 1, 100);
    const auto before = p.stats();
    auto unchanged = [&](const char* what) {
        const auto now = p.stats();
        BOOST_TEST_CONTEXT(what) {
            BOOST_TEST(now.table_bytes == before.table_bytes);
            BOOST_TEST(now.free_bytes == before.free_bytes);
            BOOST_TEST(now.free_handles == before.free_handles);
            BOOST_TEST(now.largest_allocatable == before.largest_allocatable);
            BOOST_TEST(now.bytes_moved == before.bytes_moved);
        }
        test::require_ok(p);
        BOOST_TEST(test::holds(p, a, 1, 100));
    };
    BOOST_TEST(!p.reserve_handles(std::size_t(Config::max_slots) + 1));
    BOOST_TEST(to_string(p.last_error()) == to_string(error::out_of_handles));
    unchanged("more handles than slots");
    BOOST_TEST(!p.reserve_handles(20000 + std::size_t(Config::max_slots)));
    BOOST_TEST(to_string(p.last_error()) == to_string(error::out_of_handles));
    unchanged("far more handles than slots");
    // Slots the configuration has, but more table words than the free bytes hold.
    const std::size_t words = before.free_bytes / sizeof(typename Config::word_type);
    if (before.free_handles + words + 1 <= Config::max_slots) {
        BOOST_TEST(!p.reserve_handles(before.free_handles + words + 1));
        BOOST_TEST(to_string(p.last_error()) == to_string(error::out_of_memory));
        unchanged("more table words than free bytes");
    }
    // The pool serves as before, and a reservation it can meet succeeds.
    const auto b = p.allocate(before.largest_allocatable / 2);
    BOOST_TEST(bool(b));
    BOOST_TEST(p.reserve_handles(before.free_handles + 8));
    BOOST_TEST(p.stats().free_handles >= before.free_handles + 8);
    test::require_ok(p);
    BOOST_TEST(test::holds(p, a, 1, 100));
}

BOOST_AUTO_TEST_CASE(a_refused_reservation_changes_nothing) {
    refused_reservation_changes_nothing<config16>(65536); // issue 18: reserve_handles(20000)
    refused_reservation_changes_nothing<config16>(4096);
    refused_reservation_changes_nothing<config16_g8>(65536);
    refused_reservation_changes_nothing<config17>(65536);
    refused_reservation_changes_nothing<config32>(65536);
}

// Every error below error_count has its own name (error_count and to_string() follow the enum).
BOOST_AUTO_TEST_CASE(every_error_has_a_name) {
    std::vector<std::string> names;
    for (std::size_t e = 0; e < error_count; ++e) {
        const std::string name = to_string(error(e));
        BOOST_TEST(name != "unknown");
        for (const auto& other : names) BOOST_TEST(name != other);
        names.push_back(name);
    }
    BOOST_TEST(std::string(to_string(error::compaction_limited)) == "compaction_limited");
    BOOST_TEST(std::string(to_string(error::too_many_pools)) == "too_many_pools");
    BOOST_TEST(std::size_t(error::too_many_pools) + 1 == error_count);
    BOOST_TEST(std::string(to_string(error(error_count))) == "unknown");
}

BOOST_AUTO_TEST_SUITE_END()

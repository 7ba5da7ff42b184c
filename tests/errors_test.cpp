// SPDX-License-Identifier: MIT
// Bad input: each mistake is a clear error, the pool stays intact and no other block changes.
#include "test_support.hpp"

using namespace tinymem;

BOOST_AUTO_TEST_SUITE(errors)

using small_pool = basic_pool<config16>;

using fixture = test::three_blocks<small_pool>;

BOOST_FIXTURE_TEST_CASE(double_free, fixture) {
    BOOST_REQUIRE(p.deallocate(b));
    const auto failed_before = p.stats().failed[std::size_t(error::stale_handle)];
    BOOST_TEST(!p.deallocate(b));
    expect(error::stale_handle);
    BOOST_TEST(p.stats().failed[std::size_t(error::stale_handle)] == failed_before + 1);
    intact(false);
}

BOOST_FIXTURE_TEST_CASE(stale_handle_after_its_slot_is_reused, fixture) {
    BOOST_REQUIRE(p.deallocate(b));
    const auto d = p.allocate(56); // takes b's slot (the only free one) with a new generation
    BOOST_REQUIRE(d);
    BOOST_TEST(small_pool::symbol_of(d) == small_pool::symbol_of(b)); // same slot
    BOOST_TEST(d != b);
    test::fill(p, d, 'd', 56);
    BOOST_TEST(!p.valid(b));
    BOOST_TEST(p.data(b) == nullptr);
    BOOST_TEST(p.size(b) == 0u);
    BOOST_TEST(!p.deallocate(b));
    expect(error::stale_handle);
    BOOST_TEST(!p.reallocate(b, 8));
    expect(error::stale_handle);
    BOOST_TEST(!bool(p.pin(b)));
    expect(error::stale_handle);
    BOOST_TEST(test::holds(p, d, 'd', 56));
    intact(false);
}

BOOST_FIXTURE_TEST_CASE(handle_from_another_pool, fixture) {
    alignas(16) std::byte other_buffer[1024];
    small_pool other{other_buffer};
    const auto foreign = other.allocate(40);
    BOOST_REQUIRE(foreign);
    BOOST_TEST(!p.valid(foreign));
    BOOST_TEST(p.data(foreign) == nullptr);
    BOOST_TEST(!p.deallocate(foreign));
    expect(error::invalid_handle);
    BOOST_TEST(!p.reallocate(foreign, 10));
    expect(error::invalid_handle);
    BOOST_TEST(other.valid(foreign));
    intact();
}

BOOST_FIXTURE_TEST_CASE(forged_and_out_of_range_handles, fixture) {
    using V = small_pool::handle::value_type;
    const V tag_and_gen = b.value() & ~V(0x3fff);
    const small_pool::handle out_of_range{V(tag_and_gen | 0x3000)};
    BOOST_TEST(!p.deallocate(out_of_range));
    expect(error::invalid_handle);
    BOOST_TEST(p.data(out_of_range) == nullptr);
    const small_pool::handle wrong_generation{V(b.value() ^ (V(1) << 14))};
    BOOST_TEST(!p.deallocate(wrong_generation));
    expect(error::stale_handle);
    std::mt19937 rng(12345);
    for (int i = 0; i < 10000; ++i) {
        const small_pool::handle forged{V(rng())};
        if (forged == a || forged == b || forged == c) continue;
        BOOST_TEST_REQUIRE(!p.deallocate(forged));
        BOOST_TEST_REQUIRE(p.data(forged) == nullptr);
    }
    BOOST_TEST(!p.deallocate(small_pool::handle{}));
    expect(error::invalid_handle);
    BOOST_TEST(p.data(small_pool::handle{}) == nullptr);
    intact();
}

BOOST_FIXTURE_TEST_CASE(free_while_pinned, fixture) {
    {
        auto pin = p.pin(b);
        BOOST_TEST(!p.deallocate(b));
        expect(error::pinned);
        intact();
    }
    BOOST_TEST(p.deallocate(b));
}

BOOST_FIXTURE_TEST_CASE(unpin_without_pin_and_pin_overflow, fixture) {
    BOOST_TEST(!p.unpin(b));
    expect(error::not_pinned);
    for (unsigned i = 0; i < small_pool::max_pins; ++i) BOOST_TEST_REQUIRE(p.acquire_pin(b));
    BOOST_TEST(!p.acquire_pin(b));
    expect(error::pin_overflow);
    BOOST_TEST(p.pin_count(b) == small_pool::max_pins);
    for (unsigned i = 0; i < small_pool::max_pins; ++i) BOOST_TEST_REQUIRE(p.unpin(b));
    BOOST_TEST(!p.unpin(b));
    expect(error::not_pinned);
    intact();
}

BOOST_FIXTURE_TEST_CASE(bad_sizes, fixture) {
    const auto before = p.stats();
    BOOST_TEST(!p.allocate(0));
    expect(error::zero_size);
    BOOST_TEST(!p.allocate(sizeof buffer + 1));
    expect(error::too_large);
    for (std::size_t huge : {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 3, SIZE_MAX - 7, SIZE_MAX / 2 + 1, SIZE_MAX - 2047}) {
        BOOST_TEST(!p.allocate(huge));
        expect(error::too_large);
        BOOST_TEST(!p.allocate_pinned(huge));
        expect(error::too_large);
        BOOST_TEST(!p.reallocate(b, huge));
        expect(error::too_large);
    }
    BOOST_TEST(!p.reallocate(b, 0));
    expect(error::zero_size);
    const auto after = p.stats();
    BOOST_TEST(after.live_blocks == before.live_blocks);
    BOOST_TEST(after.free_bytes == before.free_bytes);
    intact();
}

BOOST_FIXTURE_TEST_CASE(bad_alignments, fixture) {
    for (std::size_t align : {std::size_t(0), std::size_t(3), std::size_t(6), std::size_t(24), std::size_t(100),
                              std::size_t(4096), std::size_t(1) << 20, SIZE_MAX}) {
        BOOST_TEST(!p.allocate(8, align));
        expect(error::bad_alignment);
    }
    // Small power-of-two alignments are fine (rounded up to the granule).
    for (std::size_t align : {1, 2, 4, 8, 16, 32, 64, 128, 256}) {
        const auto h = p.allocate(8, align);
        BOOST_REQUIRE(h);
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(p.data(h)) % align == 0u);
        BOOST_REQUIRE(p.deallocate(h));
    }
    intact();
}

BOOST_FIXTURE_TEST_CASE(reallocate_of_a_freed_handle, fixture) {
    BOOST_REQUIRE(p.deallocate(c));
    BOOST_TEST(!p.reallocate(c, 100));
    expect(error::stale_handle);
    test::require_ok(p);
    BOOST_TEST(test::holds(p, a, 'a', 40));
    BOOST_TEST(test::holds(p, b, 'b', 56));
}

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

BOOST_FIXTURE_TEST_CASE(out_of_memory_leaves_everything, fixture) {
    std::vector<small_pool::handle> fill;
    while (const auto h = p.allocate(64)) fill.push_back(h);
    expect(error::out_of_memory);
    const auto before = p.stats();
    BOOST_TEST(!p.allocate(64));
    BOOST_TEST(!p.reallocate(a, 1000));
    expect(error::out_of_memory);
    BOOST_TEST(p.stats().free_bytes == before.free_bytes);
    intact();
}

BOOST_FIXTURE_TEST_CASE(holes_between_pins, fixture) {
    // Pin every other block of a full pool: the free bytes suffice, but not in one piece.
    std::vector<small_pool::handle> hs;
    while (const auto h = p.allocate(40)) hs.push_back(h);
    std::vector<small_pool::pin_guard> pins;
    for (std::size_t i = 0; i < hs.size(); i += 2) pins.push_back(p.pin(hs[i]));
    for (std::size_t i = 1; i < hs.size(); i += 2) BOOST_REQUIRE(p.deallocate(hs[i]));
    BOOST_TEST(!p.allocate(200));
    expect(error::fragmented_by_pins);
    pins.clear();
    BOOST_TEST(p.allocate(200)); // unpinned, the pool compacts
    intact();
}

BOOST_AUTO_TEST_CASE(bad_buffers) {
    std::byte tiny[8];
    basic_pool<config16> p{tiny};
    BOOST_TEST(!p.usable());
    BOOST_TEST(!p.allocate(1));
    BOOST_TEST(p.last_error() == error::bad_buffer);
    BOOST_TEST(!p.check().ok());
    basic_pool<config16> null_pool{std::span<std::byte>{}};
    BOOST_TEST(!null_pool.usable());
    std::vector<std::byte> too_big(std::size_t(1) << 19); // 512 KiB: beyond 16-bit offsets of 4 bytes
    basic_pool<config16> big{too_big};
    BOOST_TEST(!big.usable());
    BOOST_TEST(!big.allocate(16));
    BOOST_TEST(big.last_error() == error::bad_buffer);
    basic_pool<config16_g8> fits{too_big};
    BOOST_TEST(!fits.usable()); // 65,536 granules: one more than 16 bits address
    std::vector<std::byte> just(too_big.size() - 8);
    basic_pool<config16_g8> ok{just};
    BOOST_TEST(ok.usable());
    std::vector<std::byte> mib(std::size_t(1) << 20); // 131,072 granules of 8: one more than 17 bits
    basic_pool<config17> over17{mib};
    BOOST_TEST(!over17.usable());
    BOOST_TEST(!over17.allocate(8));
    BOOST_TEST(over17.last_error() == error::bad_buffer);
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

// Past the last handle-table slot an allocation fails with out_of_handles, though bytes remain;
// the pool and every block stay intact, and a freed slot serves the next request.
template <class Config>
void slot_limit(std::size_t buffer_bytes) {
    std::vector<std::byte> buf(buffer_bytes);
    basic_pool<Config> p{buf};
    BOOST_REQUIRE(p.usable());
    std::vector<typename basic_pool<Config>::handle> hs;
    for (;;) {
        const auto h = p.allocate(2);
        if (!h) break;
        test::fill(p, h, std::uint32_t(hs.size()), 2);
        hs.push_back(h);
    }
    BOOST_TEST(to_string(p.last_error()) == to_string(error::out_of_handles));
    BOOST_TEST(hs.size() == std::size_t(Config::max_slots));
    BOOST_TEST(p.stats().free_bytes >= 64u); // bytes were left: the table was the limit
    test::require_ok(p);
    for (std::size_t i = 0; i < hs.size(); i += 997) BOOST_TEST(test::holds(p, hs[i], std::uint32_t(i), 2));
    BOOST_REQUIRE(p.deallocate(hs[5]));
    const auto again = p.allocate(2);
    BOOST_TEST(bool(again));
    BOOST_TEST(!p.valid(hs[5]));
    test::require_ok(p);
}

BOOST_AUTO_TEST_CASE(the_last_slot_then_out_of_handles) {
    slot_limit<config16>(16382 * 12 + 4096); // 8-byte blocks and 4-byte table words
    slot_limit<config17>(8190 * 12 + 4096);  // 8-byte granules, 4-byte words
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

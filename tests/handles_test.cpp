// SPDX-License-Identifier: MIT
// Handle safety and the pool's size limits, both engines: how long a stale handle is reported,
// foreign handles from other live pools, the configuration pool<Bytes> chooses at each size
// boundary, how many blocks fit at each size, and alignment up to the pool's size.
#include <algorithm>
#include <memory>
#include <type_traits>

#include "engines.hpp"

using namespace tinymem;

BOOST_AUTO_TEST_SUITE(handles)

namespace {

// A heap buffer of `bytes`, aligned for every granule.
struct buffer {
    explicit buffer(std::size_t bytes) : storage(new std::max_align_t[bytes / sizeof(std::max_align_t) + 1]), size(bytes) {}
    std::span<std::byte> span() { return {reinterpret_cast<std::byte*>(storage.get()), size}; }
    std::unique_ptr<std::max_align_t[]> storage;
    std::size_t size;
};

// Walks one slot through its whole generation cycle: `old` is freed, then the slot is reused
// (allocate + deallocate) again and again. The pool must report `old` as stale for
// 2^generation_bits - 1 reuses; the next reuse gives the slot the old generation back, and the
// test checks that this is where the bound lies (the documented, exact figure).
template <class Pool>
void generation_cycle() {
    using config = typename Pool::config_type;
    buffer buf(4096);
    Pool p{buf.span()};
    auto old = p.allocate(8);
    BOOST_REQUIRE(old);
    // Every other slot of the table busy, so each reuse takes old's slot.
    std::vector<typename Pool::handle> others;
    while (p.stats().free_handles != 0) others.push_back(p.allocate(8));
    BOOST_REQUIRE(p.deallocate(old));
    const std::uint64_t bound = (std::uint64_t{1} << config::generation_bits) - 1;
    for (std::uint64_t reuse = 1; reuse <= bound; ++reuse) {
        const auto h = p.allocate(8);
        BOOST_REQUIRE(h);
        if (h == old || p.valid(old)) {
            BOOST_FAIL("reuse " << reuse << " of " << bound << ": the stale handle names the new block");
        }
        BOOST_REQUIRE(p.deallocate(h));
    }
    BOOST_TEST(!p.deallocate(old));
    BOOST_TEST(p.last_error() == error::stale_handle);
    const auto wrapped = p.allocate(8);
    BOOST_TEST_MESSAGE("  " << config::generation_bits << " generation bits: stale for " << bound
                            << " reuses of its slot, aliased at reuse " << bound + 1);
    BOOST_TEST(wrapped == old); // the documented limit: reuse 2^generation_bits aliases
    for (auto h : others) BOOST_REQUIRE(p.deallocate(h));
    BOOST_REQUIRE(p.deallocate(wrapped));
    test::require_ok(p);
}

} // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(stale_handle_bound_per_configuration, Pool, test::engines_by_configuration) {
    generation_cycle<Pool>();
}

// With slot retirement on, a slot out of generations is never reused: the stale handle of its
// first block stays stale however many blocks follow, and each retired slot costs one table
// word (stats().retired_handles), as documented.
template <class Pool>
void retirement(std::uint64_t rounds) {
    using config = typename Pool::config_type;
    buffer buf(8192);
    Pool p{buf.span()};
    p.set_slot_retirement(true);
    BOOST_TEST(p.slot_retirement());
    const std::uint64_t per_slot = std::uint64_t{1} << config::generation_bits;
    const std::uint64_t slot_mask = (std::uint64_t{1} << config::slot_bits) - 1;
    std::vector<std::uint64_t> uses;                  // blocks each slot served
    std::vector<typename Pool::handle> first_of_slot; // the handle of each slot's first block
    for (std::uint64_t i = 0; i < rounds * per_slot; ++i) {
        const auto h = p.allocate(8);
        BOOST_REQUIRE(h);
        const auto slot = std::size_t(std::uint64_t(h.value()) & slot_mask);
        if (slot >= uses.size()) {
            uses.resize(slot + 1);
            first_of_slot.resize(slot + 1);
        }
        if (uses[slot]++ == 0) first_of_slot[slot] = h;
        else if (h == first_of_slot[slot]) BOOST_FAIL("block " << i << " aliases the first handle of slot " << slot);
        if (uses[slot] > per_slot) BOOST_FAIL("slot " << slot << " served more than 2^generation_bits blocks");
        BOOST_REQUIRE(p.deallocate(h));
    }
    std::uint64_t full = 0;
    for (auto u : uses) full += u == per_slot;
    const auto s = p.stats();
    BOOST_TEST_MESSAGE("  " << config::generation_bits << " generation bits: " << rounds * per_slot << " blocks, "
                            << s.retired_handles << " slots retired, table " << s.table_bytes << " B");
    BOOST_TEST(full >= 1u);
    BOOST_TEST(s.retired_handles == full);
    BOOST_TEST(s.live_blocks == 0u);
    for (const auto& first : first_of_slot) BOOST_TEST(!p.valid(first));
    test::require_ok(p);
    p.set_slot_retirement(false);
    BOOST_TEST(!p.slot_retirement());
}

// How many times each slot's generations are used up: fewer where generations are many.
template <class Pool>
constexpr std::uint64_t retirement_rounds = 5;
template <>
constexpr std::uint64_t retirement_rounds<basic_pool<config17>> = 3;
template <>
constexpr std::uint64_t retirement_rounds<basic_pool<config16_g8>> = 3;
template <>
constexpr std::uint64_t retirement_rounds<basic_pool<config32>> = 1;

using retirement_engines = boost::mpl::list<basic_pool<config16>, basic_pool<config17>, basic_pool<config16_g8>,
                                            basic_pool<config32>, basic_bump_pool<config16>>;

BOOST_AUTO_TEST_CASE_TEMPLATE(retired_slots_are_never_reused, Pool, retirement_engines) {
    retirement<Pool>(retirement_rounds<Pool>);
}

// A pool created while another lives never takes its tag: 100,000 pools created and destroyed
// one after the other while `a` holds a block in slot 0 with generation 0, each also holding
// a block in slot 0 with generation 0, never accept a's handle, nor does `a` accept theirs.
template <class First, class Other>
void foreign_handles() {
    buffer a_buf(512), b_buf(512);
    First a{a_buf.span()};
    const auto ha = a.allocate(16);
    BOOST_REQUIRE(ha);
    for (int i = 0; i < 100000; ++i) {
        Other b{b_buf.span()};
        BOOST_REQUIRE(b.usable());
        const auto hb = b.allocate(16);
        BOOST_REQUIRE(hb);
        if (b.valid(ha) || a.valid(hb) || b.data(ha) != nullptr) BOOST_FAIL("pool " << i << " shares a live pool's tag");
        BOOST_REQUIRE(!b.deallocate(ha));
        BOOST_REQUIRE(b.last_error() == error::invalid_handle);
    }
    BOOST_TEST(a.valid(ha));
}

BOOST_AUTO_TEST_CASE(handles_of_other_live_pools_are_rejected) {
    foreign_handles<basic_pool<config16>, basic_pool<config16>>();
    foreign_handles<basic_pool<config32>, basic_pool<config32>>();
    // Both engines share the handle type of a configuration, so they share its tags too.
    foreign_handles<basic_pool<config16>, basic_bump_pool<config16>>();
    foreign_handles<basic_bump_pool<config16>, basic_pool<config16>>();
}

// Past the most pools alive at once, a new pool is unusable and says why; once one is
// destroyed, the next pool works again.
template <class Pool>
void too_many_pools() {
    std::vector<std::unique_ptr<buffer>> buffers;
    std::vector<std::unique_ptr<Pool>> pools;
    for (;;) {
        buffers.push_back(std::make_unique<buffer>(256));
        pools.push_back(std::make_unique<Pool>(buffers.back()->span()));
        if (!pools.back()->usable()) break;
        BOOST_REQUIRE(pools.size() <= 5000);
    }
    const std::size_t live = pools.size() - 1;
    BOOST_TEST_MESSAGE("  " << live << " pools alive at once (tag width " << Pool::config_type::tag_bits << ")");
    // Tags 1 .. 2^tag_bits - 1, less those pools that other tests may keep alive.
    BOOST_TEST(live <= (std::size_t{1} << Pool::config_type::tag_bits) - 1);
    BOOST_TEST(live + 8 >= (std::size_t{1} << Pool::config_type::tag_bits) - 1);
    Pool& refused = *pools.back();
    BOOST_TEST(refused.unusable_reason() == error::too_many_pools);
    BOOST_TEST(!refused.allocate(8));
    BOOST_TEST(refused.last_error() == error::too_many_pools);
    BOOST_TEST(!refused.reallocate(typename Pool::handle{}, 8));
    pools.pop_back();
    pools.erase(pools.begin() + std::ptrdiff_t(live / 2)); // a pool in the middle goes
    auto again = std::make_unique<Pool>(buffers.back()->span());
    BOOST_TEST(again->usable());
    const auto h = again->allocate(8);
    BOOST_TEST(bool(h));
    for (const auto& other : pools) BOOST_REQUIRE(!other->valid(h));
}

using tag_engines = boost::mpl::list<basic_pool<config16>, basic_bump_pool<config32>>;

BOOST_AUTO_TEST_CASE_TEMPLATE(more_pools_than_tags, Pool, tag_engines) { too_many_pools<Pool>(); }

// pool<Bytes> and bump_pool<Bytes> take the densest configuration that addresses their heap:
// each boundary (the largest pool of a configuration, one byte more) by type, and the pool at
// both sides of it usable with the whole heap addressable.
template <template <std::size_t> class Pool, std::size_t Bytes, class Expected>
void boundary() {
    using P = Pool<Bytes>;
    static_assert(std::is_same_v<typename P::config_type, Expected>, "the pool chose another configuration");
    auto p = std::make_unique<P>();
    BOOST_TEST_REQUIRE(p->usable());
    // The whole heap is reachable: one block of all that is allocatable fits.
    const auto s = p->stats();
    const auto h = p->allocate(s.largest_allocatable);
    BOOST_TEST_REQUIRE(bool(h));
    BOOST_TEST(p->size(h) >= s.largest_allocatable);
    test::require_ok(*p);
}

template <std::size_t B> using basic_of = pool<B>;
template <std::size_t B> using bump_of = bump_pool<B>;

// The largest pool<Bytes> (Engine = basic_pool) or bump_pool<Bytes> given Config.
template <template <class> class Engine, class Config>
constexpr std::size_t largest_pool = std::size_t(config_max_bytes<Config>) + sizeof(Engine<Config>);

template <template <std::size_t> class Pool, template <class> class Engine>
void boundaries() {
    boundary<Pool, 256, config16_small>();
    boundary<Pool, 2047, config16_small>();
    boundary<Pool, 2048, config16>();
    boundary<Pool, 65536, config16>();
    boundary<Pool, largest_pool<Engine, config16>, config16>();
    boundary<Pool, largest_pool<Engine, config16> + 1, config16_g8>();
    boundary<Pool, largest_pool<Engine, config16_g8>, config16_g8>();
    boundary<Pool, largest_pool<Engine, config16_g8> + 1, config32>();
    boundary<Pool, (std::size_t{1} << 20), config32>();
}

BOOST_AUTO_TEST_CASE(pool_size_chooses_the_configuration) {
    boundaries<basic_of, basic_pool>();
    boundaries<bump_of, basic_bump_pool>();
    static_assert(std::is_same_v<config_for<4096>, config16>);
    static_assert(std::is_same_v<config_for<262136>, config16>);
    static_assert(std::is_same_v<config_for<262137>, config16_g8>);
    static_assert(std::is_same_v<config_for<524224>, config16_g8>);
    static_assert(std::is_same_v<config_for<524225>, config32>);
    static_assert(std::is_same_v<config_for<(std::uint64_t{32} << 30) - 64>, config32>);
    // A buffer-backed pool takes config_for its buffer's size and addresses all of it.
    buffer buf(524224);
    basic_pool<config_for<524224>> p{buf.span()};
    BOOST_TEST(p.usable());
    BOOST_TEST(p.capacity() >= 524224 - 16);
    basic_bump_pool<config_for<524224>> b{buf.span()};
    BOOST_TEST(b.usable());
}

// A buffer larger than its configuration addresses is refused with bad_buffer, and the pool
// stays inert: no block, every call fails cleanly.
BOOST_AUTO_TEST_CASE(buffer_too_large_for_its_configuration) {
    buffer buf(std::size_t(config16::max_granules + 8) * config16::granule);
    basic_pool<config16> p{buf.span()};
    BOOST_TEST(!p.usable());
    BOOST_TEST(p.unusable_reason() == error::bad_buffer);
    BOOST_TEST(!p.allocate(8));
    BOOST_TEST(p.last_error() == error::bad_buffer);
    basic_bump_pool<config16> b{buf.span()};
    BOOST_TEST(!b.usable());
    BOOST_TEST(!b.allocate(8));
    BOOST_TEST(b.last_error() == error::bad_buffer);
}

// No block-count cliff: at every pool size, blocks of the smallest size (1 byte) fill the pool
// to at least capacity / 32 of them. (config16 pools above 196 KiB and config16_g8 pools run out
// of handles, 16,382, before bytes with blocks under 32 bytes: printed, and above the bound.)
template <std::size_t Bytes, template <std::size_t> class Pool>
void smallest_blocks_fill() {
    auto p = std::make_unique<Pool<Bytes>>();
    std::size_t n = 0;
    while (p->allocate(1)) ++n;
    const auto why = p->last_error();
    BOOST_TEST_MESSAGE("  " << Bytes << " B: " << n << " blocks of 1 byte (" << to_string(why) << ")");
    BOOST_TEST((why == error::out_of_memory || why == error::out_of_handles));
    BOOST_TEST(n >= p->capacity() / 32);
}

BOOST_AUTO_TEST_CASE(block_count_is_limited_by_bytes_only) {
    smallest_blocks_fill<256, basic_of>();
    smallest_blocks_fill<4096, basic_of>();
    smallest_blocks_fill<65536, basic_of>();
    smallest_blocks_fill<262144, basic_of>();
    smallest_blocks_fill<524288, basic_of>();
    smallest_blocks_fill<(1u << 20), basic_of>();
    smallest_blocks_fill<(4u << 20), basic_of>();
    smallest_blocks_fill<256, bump_of>();
    smallest_blocks_fill<65536, bump_of>();
    smallest_blocks_fill<524288, bump_of>();
    smallest_blocks_fill<(1u << 20), bump_of>();
}

// 24-byte blocks: how much of each pool size they fill (the density table), against what the
// layout allows: a 24-byte block takes its header rounded up to whole granules plus one table
// word, and the pool object's own bytes count against it.
template <std::size_t Bytes, template <std::size_t> class Pool>
void density_24() {
    auto p = std::make_unique<Pool<Bytes>>();
    using P = Pool<Bytes>;
    using config = typename P::config_type;
    std::size_t n = 0;
    while (p->allocate(24)) ++n;
    const double density = double(n) * 24 / double(Bytes);
    const std::size_t word = sizeof(typename config::word_type);
    const std::size_t per_block = (24 + word + config::granule - 1) / config::granule * config::granule + word;
    const double layout = double(p->capacity() / per_block) * 24 / double(Bytes);
    BOOST_TEST_MESSAGE("  " << Bytes << " B (" << config::granule << "-byte granules, " << 2 * word
                            << " B per block): 24-byte blocks fill " << density << " (layout: " << layout << ")");
    // Within one block of the layout's figure (the table's granules and the last block's tail).
    BOOST_TEST(double(n + 2) * 24 / double(Bytes) >= layout);
    BOOST_TEST(density <= layout + 1e-9);
}

BOOST_AUTO_TEST_CASE(fill_density_of_24_byte_blocks) {
    density_24<4096, basic_of>();
    density_24<65536, basic_of>();
    density_24<262144, basic_of>();
    density_24<524288, basic_of>();
    density_24<(1u << 20), basic_of>();
    density_24<(4u << 20), basic_of>();
    density_24<65536, bump_of>();
    density_24<(1u << 20), bump_of>();
}

// Every power of two up to the pool's size is either served (aligned, valid, freeable, the
// pool intact) or refused with bad_alignment, never half made.
template <class Pool>
void alignments(std::size_t bytes) {
    buffer buf(bytes);
    Pool p{buf.span()};
    BOOST_REQUIRE(p.usable());
    std::size_t served = 0;
    for (std::size_t align = 1; align <= 2 * bytes; align *= 2) {
        const auto h = p.allocate(16, align);
        if (!h) {
            const auto e = p.last_error();
            BOOST_TEST_INFO("align " << align << ": " << to_string(e));
            // An empty pool serves every alignment up to half its size that its table word records.
            BOOST_TEST((align > p.capacity() / 2 || align > Pool::max_alignment));
            BOOST_TEST((e == error::bad_alignment || (e == error::out_of_memory && align <= p.capacity())));
            if (e == error::bad_alignment) BOOST_TEST((align > p.capacity() || align > Pool::max_alignment));
        } else {
            ++served;
            BOOST_TEST_INFO("align " << align);
            BOOST_TEST(reinterpret_cast<std::uintptr_t>(p.data(h)) % align == 0u);
            BOOST_TEST(p.valid(h));
            BOOST_TEST(p.deallocate(h));
        }
        test::require_ok(p);
        BOOST_TEST(p.stats().live_blocks == 0u);
    }
    BOOST_TEST(served > 0u);
}

BOOST_AUTO_TEST_CASE(alignment_up_to_the_pool_size) {
    alignments<basic_pool<config16>>(std::size_t(1) << 16);
    alignments<basic_pool<config16>>(std::size_t(config_max_bytes<config16>));
    alignments<basic_pool<config16_g8>>(std::size_t(config_max_bytes<config16_g8>));
    alignments<basic_pool<config17>>((std::size_t(1) << 20) - 64); // 512 KiB: above max_alignment
    alignments<basic_pool<config32>>(std::size_t(1) << 22);
    alignments<basic_bump_pool<config16>>(std::size_t(1) << 16);
    alignments<basic_bump_pool<config32>>(std::size_t(1) << 20);
    BOOST_TEST(basic_pool<config17>::max_alignment == 256u * 1024u);
    // A 512 KiB alignment in a 1 MiB config17 pool: refused before anything changes.
    buffer buf((std::size_t(1) << 20) - 64);
    basic_pool<config17> p{buf.span()};
    BOOST_REQUIRE(p.usable());
    const auto before = p.stats();
    BOOST_TEST(!p.allocate(16, std::size_t(512) * 1024));
    BOOST_TEST(p.last_error() == error::bad_alignment);
    BOOST_TEST(p.stats().free_bytes == before.free_bytes);
    BOOST_TEST(p.stats().live_blocks == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

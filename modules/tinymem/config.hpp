// SPDX-License-Identifier: MIT
// Configuration, error codes, handles and the statistics record of a tinymem pool.
// Touches nothing but its own types: no memory, no state.
#include "version.hpp" // first: the C++20 check (see tinymem/version.hpp)
#ifndef TINYMEM_CONFIG_HPP
#define TINYMEM_CONFIG_HPP

#include "export.hpp"

#ifndef TINYMEM_MODULE
#include <cstddef>
#include <cstdint>
#include <type_traits>
#endif

namespace tinymem {

// tinymem/version.hpp's numbers as constants: macros do not cross `import tinymem;`, these do.
// version_major, version_minor, version_patch: the release's three numbers.
// version: major * 10000 + minor * 100 + patch, as TINYMEM_VERSION.
// version_string: "major.minor.patch", as meson.build's project version and the .pc file's.
// Constants: no effect, no requirements, no errors.
TINYMEM_EXPORT inline constexpr unsigned version_major = TINYMEM_VERSION_MAJOR;
TINYMEM_EXPORT inline constexpr unsigned version_minor = TINYMEM_VERSION_MINOR;
TINYMEM_EXPORT inline constexpr unsigned version_patch = TINYMEM_VERSION_PATCH;
TINYMEM_EXPORT inline constexpr unsigned version = TINYMEM_VERSION;

#define TINYMEM_VERSION_STR2(x) #x
#define TINYMEM_VERSION_STR(x) TINYMEM_VERSION_STR2(x)
TINYMEM_EXPORT inline constexpr char version_string[] =
    TINYMEM_VERSION_STR(TINYMEM_VERSION_MAJOR) "." TINYMEM_VERSION_STR(TINYMEM_VERSION_MINOR) "." TINYMEM_VERSION_STR(TINYMEM_VERSION_PATCH);
#undef TINYMEM_VERSION_STR
#undef TINYMEM_VERSION_STR2

// A pool's widths. Every block costs one header word inside the pool and one handle-table word,
// so the word size is the bookkeeping per live block: 8 bytes with 32-bit words (the 16- and
// 17-bit configurations), 16 bytes with 64-bit words (the 32-bit ones).
//
// Offset  - type of block offsets and sizes, counted in granules (uint16_t or uint32_t).
// Granule - the allocation unit and the default alignment in bytes (4, 8 or 16).
// QuickClasses - freed blocks smaller than this many granules are kept whole in one list per
//   exact size, and the next request of that size takes one back without splitting or merging
//   (deferred coalescing). Costs QuickClasses offsets in the control block; 0 turns it off.
//   Compaction and any allocation that finds no hole merge them back, so the cache never makes
//   a request fail.
// OffsetBits - width of the offset and size fields in the header and table words: 16 with
//   uint16_t, 32 with uint32_t, or 17 with uint32_t for the compact 32-bit-word layout of pools
//   between 512 KiB and 1 MiB (2^17 granules of 8 bytes) at half the bookkeeping of config32.
//
// A 32-bit header word packs size:OffsetBits | slot | free:1 | prev_free:1, so a 16-bit pool
// holds at most 16,382 live blocks and 65,535 granules (256 KiB with 4-byte granules, 512 KiB
// with 8, 1 MiB with 16); a 17-bit pool 8,190 live blocks and 131,071 granules. The 64-bit words
// of the 32-bit configurations hold 2^30 - 2 blocks and 2^32 - 1 granules.
TINYMEM_EXPORT template <class Offset, std::size_t Granule, std::size_t QuickClasses = 64,
                         unsigned OffsetBits = unsigned(sizeof(Offset) * 8)>
struct basic_config {
    static_assert(std::is_same_v<Offset, std::uint16_t> || std::is_same_v<Offset, std::uint32_t>,
                  "tinymem: Offset must be std::uint16_t or std::uint32_t");
    static_assert(OffsetBits == sizeof(Offset) * 8 || (sizeof(Offset) == 4 && OffsetBits == 17),
                  "tinymem: OffsetBits must be the width of Offset, or 17 with std::uint32_t");
    static_assert(Granule == 4 || Granule == 8 || Granule == 16,
                  "tinymem: Granule must be 4, 8 or 16 bytes");

    static_assert(QuickClasses <= 256, "tinymem: at most 256 quick classes");
    using offset_type = Offset;
    static constexpr std::size_t quick_classes = QuickClasses;
    // Block header and handle-table entry.
    using word_type = std::conditional_t<(OffsetBits <= 17), std::uint32_t, std::uint64_t>;
    static_assert(sizeof(word_type) <= Granule,
                  "tinymem: the 32-bit configuration needs a granule of at least 8 bytes "
                  "(its block header is 8 bytes)");
    // What a handle holds: slot, generation and pool tag.
    using handle_value_type = word_type;

    static constexpr std::size_t granule = Granule;
    static constexpr unsigned offset_bits = OffsetBits;
    static constexpr unsigned word_bits = sizeof(word_type) * 8;
    // Header word: size | slot | free | prev_free.
    static constexpr unsigned slot_bits = word_bits - offset_bits - 2;
    // Table word: offset | pin | align | generation.
    static constexpr unsigned pin_bits = 4;
    static constexpr unsigned align_bits = sizeof(word_type) == 4 ? 4 : 5;
    static constexpr unsigned generation_bits = word_bits - offset_bits - pin_bits - align_bits;
    // Handle: slot | generation | tag; the tag tells pools apart.
    static constexpr unsigned tag_bits = word_bits - slot_bits - generation_bits;

    // Two slot values are reserved: "no slot" (free blocks, the end sentinel) and "cached" (a
    // freed block kept in a quick list).
    static constexpr std::uint64_t max_slots = (std::uint64_t{1} << slot_bits) - 2;
    static constexpr std::uint64_t max_granules = (std::uint64_t{1} << offset_bits) - 1;
};

// 64 KiB Cortex-M pools and anything up to 256 KiB: 4-byte granules, 8 bytes per live block.
TINYMEM_EXPORT using config16 = basic_config<std::uint16_t, 4>;
// Up to 512 KiB with 8-byte alignment by default.
TINYMEM_EXPORT using config16_g8 = basic_config<std::uint16_t, 8>;
// Up to 1 MiB (8,190 live blocks), 8-byte granules, 8 bytes per live block: a large Cortex-M
// or Cortex-A SRAM, or a hosted pool too large for config16_g8 and small enough to skip config32.
TINYMEM_EXPORT using config17 = basic_config<std::uint32_t, 8, 64, 17>;
// Hosted pools of several MiB (up to 32 GiB), 8-byte granules, 16 bytes per live block.
TINYMEM_EXPORT using config32 = basic_config<std::uint32_t, 8>;
// 16-byte default alignment, as malloc gives on 64-bit hosts.
TINYMEM_EXPORT using config32_g16 = basic_config<std::uint32_t, 16>;
TINYMEM_EXPORT using default_config = config16;
// config16 without quick lists, for pools under 2 KiB: their 64 list heads would take 128 bytes
// of control block, a large share of such a pool (pool<Bytes> picks it there).
TINYMEM_EXPORT using config16_small = basic_config<std::uint16_t, 4, 0>;

// The largest buffer (bytes) config_for gives a configuration: both engines address its
// granules (basic_bump_pool takes one fewer than basic_pool), and its handle table has a slot
// for every 32 bytes, so the number of live blocks is never the limit before the bytes are.
TINYMEM_EXPORT template <class Config>
inline constexpr std::uint64_t config_max_bytes =
    (Config::max_granules - 1) * Config::granule < Config::max_slots * 32
        ? (Config::max_granules - 1) * Config::granule
        : Config::max_slots * 32;

namespace detail {

// config32, the last choice, for a heap of Bytes.
template <std::uint64_t Bytes>
struct largest_config {
    static_assert(Bytes <= config_max_bytes<config32>,
                  "tinymem: no configuration addresses this many bytes (config32, the largest, addresses "
                  "2^32 - 1 granules of 8 bytes: 32 GiB)");
    using type = config32;
};

template <std::uint64_t Bytes>
struct choose_config {
    using type = std::conditional_t<
        (Bytes < 2048), config16_small,
        std::conditional_t<(Bytes <= config_max_bytes<config16>), config16,
                           std::conditional_t<(Bytes <= config_max_bytes<config16_g8>), config16_g8,
                                              typename largest_config<Bytes>::type>>>;
};
} // namespace detail

// The configuration for a buffer of `Bytes` bytes: the densest that addresses it with no
// block-count cliff (a handle slot for every 32 bytes). A compile-time error above 32 GiB.
//   < 2 KiB             config16_small (4-byte granules, no quick lists)
//   <= 262,136 B        config16       (4-byte granules, 8 bytes per live block)
//   <= 524,224 B        config16_g8    (8-byte granules, 8 bytes per live block)
//   <= 32 GiB           config32       (8-byte granules, 16 bytes per live block)
// config17 (8 bytes per block up to 1 MiB, but 8,190 live blocks at most) is never chosen: it
// runs out of handles before bytes once the average block is under 128 bytes; name it yourself
// where blocks are known to be large.
TINYMEM_EXPORT template <std::uint64_t Bytes>
using config_for = typename detail::choose_config<Bytes>::type;

// Why the last call failed. Every call that fails leaves the pool unchanged and records one.
TINYMEM_EXPORT enum class error : std::uint8_t {
    none = 0,
    out_of_memory,      // the free bytes, even compacted, are fewer than the request needs
    out_of_handles,     // the handle table cannot grow (slot limit, or no room to grow it)
    too_large,          // the request exceeds the pool, or its size arithmetic would overflow
    zero_size,          // a request for 0 bytes
    bad_alignment,      // alignment not a power of two, or larger than the pool
    fragmented_by_pins, // enough free bytes, but pinned blocks split them into smaller holes
    invalid_handle,     // null, forged, out of range, or from another pool
    stale_handle,       // the handle's block was freed (double free, use after free, reused slot)
    pinned,             // the block is pinned: it may not be freed, nor moved to grow it
    not_pinned,         // unpin of a block that is not pinned
    pin_overflow,       // too many nested pins on one block
    invalid_pointer,    // a pointer that is not the start of a live block of this pool
    bad_buffer,         // the buffer given to the constructor is too small or too large
    compaction_deferred, // under a compaction limit: the free bytes would hold the request, but
                         // gathering them takes more compaction than one call may run; the
                         // main loop's defrag_step() calls of the limit's budget can make room
    compaction_limited,  // under a compaction limit: the free bytes would hold the request, but
                         // only compaction beyond the limit can make room (moving a block larger
                         // than the limit, or shifting more bytes than it), which steps never do:
                         // call defrag() or lift the limit, then retry
    too_many_pools,     // the constructor found every pool tag of its configuration taken by
                        // live pools (see TINYMEM_MAX_LIVE_POOLS): the pool is unusable
};
TINYMEM_EXPORT inline constexpr std::size_t error_count = 17;

// A short English name for an error, for logs and test messages.
TINYMEM_EXPORT constexpr const char* to_string(error e) noexcept {
    switch (e) {
    case error::none: return "none";
    case error::out_of_memory: return "out_of_memory";
    case error::out_of_handles: return "out_of_handles";
    case error::too_large: return "too_large";
    case error::zero_size: return "zero_size";
    case error::bad_alignment: return "bad_alignment";
    case error::fragmented_by_pins: return "fragmented_by_pins";
    case error::invalid_handle: return "invalid_handle";
    case error::stale_handle: return "stale_handle";
    case error::pinned: return "pinned";
    case error::not_pinned: return "not_pinned";
    case error::pin_overflow: return "pin_overflow";
    case error::invalid_pointer: return "invalid_pointer";
    case error::bad_buffer: return "bad_buffer";
    case error::compaction_deferred: return "compaction_deferred";
    case error::compaction_limited: return "compaction_limited";
    case error::too_many_pools: return "too_many_pools";
    }
    return "unknown";
}

// A reference to a block. Copyable, comparable, false when null. Only the pool that issued it can
// resolve it; a handle kept after its block was freed is recognised as stale, not aliased.
TINYMEM_EXPORT template <class Config>
class basic_handle {
public:
    using value_type = typename Config::handle_value_type;

    constexpr basic_handle() noexcept = default;
    // Rebuilds a handle from value(), e.g. after storing it in a packed structure.
    constexpr explicit basic_handle(value_type raw) noexcept : value_(raw) {}

    constexpr explicit operator bool() const noexcept { return value_ != 0; }
    constexpr value_type value() const noexcept { return value_; }
    friend constexpr bool operator==(basic_handle, basic_handle) noexcept = default;

private:
    value_type value_ = 0;
};

// A snapshot of a pool, from pool.stats(). Byte counts include block headers; a block's usable
// bytes are its size minus one header word.
TINYMEM_EXPORT struct pool_stats {
    std::size_t capacity_bytes = 0;      // the heap: the buffer less the control header
    std::size_t used_bytes = 0;          // live blocks, headers and rounding included
    std::size_t free_bytes = 0;          // free blocks, cached ones included
    std::size_t cached_bytes = 0;        // freed blocks kept whole in the quick lists
    std::size_t table_bytes = 0;         // the handle table (grows to the live-block high water)
    std::size_t largest_free_bytes = 0;  // the largest single free block
    std::size_t largest_allocatable = 0; // the largest request allocate() can serve right now
    std::size_t live_blocks = 0;
    std::size_t free_handles = 0;        // slots in the table ready for reuse
    std::size_t retired_handles = 0;     // slots out of generations, never reused (set_slot_retirement)
    std::size_t pinned_bytes = 0;        // blocks pinned by pin() or allocate_pinned()
    unsigned fragmentation_percent = 0;  // 100 - 100 * sqrt(sum free_i^2) / sum free_i, rounded to the nearest
    std::uint64_t bytes_moved = 0;       // by compaction, table growth and reallocation
    std::uint32_t compactions = 0;       // completed full compactions (defrag or allocate)
    std::uint32_t failed[error_count] = {}; // failed calls, by error (index = error value)
};

// The first broken invariant found by pool.check(); ok() when none.
TINYMEM_EXPORT struct check_result {
    const char* problem = nullptr; // what is wrong, in words
    // Where it was found, the same in both engines: the byte offset, from the heap's start (the
    // buffer's first granule-aligned byte), of the word that shows it: a block's header word
    // for a block (or the end sentinel's, the cursor's, ...), a table word for a handle slot;
    // 0 for a counter or a list that has no one place.
    std::size_t offset = 0;
    constexpr bool ok() const noexcept { return problem == nullptr; }
    constexpr explicit operator bool() const noexcept { return ok(); }
};

} // namespace tinymem

#endif

// SPDX-License-Identifier: MIT
// What both engines (basic_pool, basic_bump_pool) do the same way, written once: the handle
// accessors of the public API (valid, size, data, get, pins, counters) with their documentation,
// and the helpers under them (raw loads and stores, handle checks, results, the start of set-up).
// A data-less CRTP base, as compaction_limit_api is: every value it reads lives in the engine's
// own control block, so a base with members would pad it.
// Included by pool.hpp only (after its macros: TINYMEM_SIZE_NOINLINE, TINYMEM_UNPOISON, ...).
#ifndef TINYMEM_DETAIL_ENGINE_BASE_HPP
#define TINYMEM_DETAIL_ENGINE_BASE_HPP

#include "../config.hpp"
#include "assert.hpp"
#include "layout.hpp"

#ifndef TINYMEM_MODULE
#include <cstddef>
#include <cstdint>
#include <cstring>
#endif

namespace tinymem {

namespace detail {

// An RAII pin on a block of `Pool` (basic_pool or basic_bump_pool: Pool::pin_guard, which pin()
// returns): the block does not move while the guard lives. Move-only. Not exported from the
// module: users name it Pool::pin_guard.
template <class Pool>
class pin_guard {
public:
    using handle = typename Pool::handle;

    pin_guard() noexcept = default;
    pin_guard(Pool& p, handle h) noexcept {
        if (p.acquire_pin(h)) {
            pool_ = &p;
            handle_ = h;
        }
    }
    pin_guard(pin_guard&& o) noexcept : pool_(o.pool_), handle_(o.handle_) { o.pool_ = nullptr; }
    pin_guard& operator=(pin_guard&& o) noexcept {
        if (this != &o) {
            release();
            pool_ = o.pool_;
            handle_ = o.handle_;
            o.pool_ = nullptr;
        }
        return *this;
    }
    pin_guard(const pin_guard&) = delete;
    pin_guard& operator=(const pin_guard&) = delete;
    ~pin_guard() { release(); }

    explicit operator bool() const noexcept { return pool_ != nullptr; }
    // The pinned block's data; nullptr for a failed guard. Valid while the guard lives.
    void* data() const noexcept { return pool_ ? pool_->data(handle_) : nullptr; }
    template <class T>
    T* get() const noexcept {
        return static_cast<T*>(data());
    }
    handle get_handle() const noexcept { return handle_; }
    // Effect: unpins now; the guard becomes empty.
    void release() noexcept {
        if (pool_) pool_->unpin(handle_);
        pool_ = nullptr;
    }

private:
    Pool* pool_ = nullptr;
    handle handle_{};
};

// floor(sqrt(x)), bit by bit: O(32) steps, no division.
constexpr std::uint64_t isqrt(std::uint64_t x) noexcept {
    std::uint64_t r = 0, bit = std::uint64_t{1} << 62;
    while (bit > x) bit >>= 2;
    while (bit != 0) {
        if (x >= r + bit) {
            x -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

// stats().fragmentation_percent of both engines: 100 - 100 * sqrt(squares) / free, rounded to
// the nearest integer (a half down), where `free` is the free granules and `squares` the sum of
// each hole's granules squared. In integers only (no floating point in the core), exact: with
// a = floor(sqrt(squares)), floor(200 sqrt(squares)) = 200 a + j for the largest j < 200 with
// (200 a + j)^2 <= 40000 squares, a comparison that fits 64 bits since squares < (a + 1)^2.
// Requires: 0 < free < 2^32 and squares <= free^2 (true of sizes that sum to free).
// Cost: O(1) (isqrt's 32 steps and 8 more).
constexpr unsigned fragmentation_percent(std::uint64_t squares, std::uint64_t free) noexcept {
    TINYMEM_ASSERT(free != 0 && free < (std::uint64_t{1} << 32) && squares / free <= free);
    const std::uint64_t a = isqrt(squares);
    const std::uint64_t rest = 40000 * (squares - a * a); // < 40000 (2 a + 1): below 2^50
    std::uint64_t j = 0;
    for (std::uint64_t bit = 128; bit != 0; bit >>= 1)
        if (const std::uint64_t t = j + bit; t < 200 && t * (400 * a + t) <= rest) j = t;
    // round(100 sqrt(squares) / free) = floor((200 sqrt(squares) + free) / (2 free)), and the
    // floor of the numerator may be taken first (the divisor is an integer).
    return unsigned(100 - (200 * a + j + free) / (2 * free));
}

// The accessors and helpers both engines share. `Pool` is the engine, which makes this class a
// friend: its control block holds base_, slots_, tag_, last_error_, retire_slots_, failed_,
// bytes_moved_ and compactions_, and it defines table_byte(slot) (where the table word of a slot
// sits in the buffer) and add_pins(h, delta).
template <class Pool, class Config>
class engine_base : protected layout<Config> {
    using L = layout<Config>;

public:
    using handle = basic_handle<Config>;
    using size_type = std::size_t;
    using word_type = typename Config::word_type;
    using offset_type = typename Config::offset_type;
    using slot_type = typename L::slot_type;

    static constexpr size_type granule = Config::granule;
    // Bookkeeping per live block: one header word plus one table word.
    static constexpr size_type overhead_per_block = 2 * sizeof(word_type);
    // Nested pins a block can hold.
    static constexpr unsigned max_pins = L::max_pins;

    // An RAII pin (see detail::pin_guard): pin() returns one.
    using pin_guard = detail::pin_guard<Pool>;

    // Result: whether the constructor accepted its buffer. O(1).
    bool usable() const noexcept { return self().base_ != nullptr; }
    // Result: why the pool is unusable (bad_buffer or too_many_pools), or none when usable. O(1).
    error unusable_reason() const noexcept {
        return usable() ? error::none : self().tag_ == 0 ? error::too_many_pools : error::bad_buffer;
    }

    // Effect: with `on`, from now on a slot whose generation would wrap when its block is freed
    //   is retired instead: never reused, so no handle of this pool is ever aliased by a later
    //   block. Cost: one table word kept for good per 2^generation_bits blocks that slot served
    //   (4 bytes per 256 allocations through it in the 16-bit configurations, 8 bytes per
    //   8,388,608 in config32): the table grows with the number of allocations, not only with the
    //   live blocks, and a pool that runs long enough ends with out_of_handles or out_of_memory.
    //   stats().retired_handles counts them. Off by default. O(1).
    void set_slot_retirement(bool on) noexcept { self().retire_slots_ = on; }
    // Result: whether slots are retired (set_slot_retirement()). O(1).
    bool slot_retirement() const noexcept { return self().retire_slots_; }

    // ---- access (O(1) each; none of them moves blocks) ----------------------------------------

    // Result: whether `h` names a live block of this pool.
    bool valid(handle h) const noexcept {
        slot_type slot;
        return check_handle(h, slot) == error::none;
    }

    // Result: the block's usable bytes (at least what was requested), or 0 for a bad handle.
    size_type size(handle h) const noexcept {
        slot_type slot;
        if (check_handle(h, slot) != error::none) return 0;
        return size_type(L::header_size(header_load(L::entry_offset(table_load(slot))))) * granule - L::header_bytes;
    }

    // Result: the block's data, or nullptr for a bad handle. Valid until the next call that may
    //   move blocks (see the engine's class comment), or while the block is pinned.
    // Cost: a bounds check, one table load and one comparison (bench/data_disasm.cpp).
    void* data(handle h) noexcept {
        const slot_type slot = L::handle_slot(h);
        if (slot >= self().slots_) return nullptr;
        const word_type entry = table_load(slot);
        if (!L::names_entry(h, entry, self().tag_)) return nullptr;
        return self().base_ + size_type(L::entry_offset(entry)) * granule;
    }
    const void* data(handle h) const noexcept { return const_cast<engine_base*>(this)->data(h); }

    // Result: data(h) as a T*. Requires: the block was allocated with at least alignof(T) (the
    //   lean engine: alignof(T) <= granule).
    template <class T>
    T* get(handle h) noexcept {
        return static_cast<T*>(data(h));
    }
    template <class T>
    const T* get(handle h) const noexcept {
        return static_cast<const T*>(data(h));
    }

    // ---- pinning (O(1); no block moves) --------------------------------------------------------

    // Effect: pins the block so it never moves until the guard is destroyed; pins nest.
    // Result: a guard, false on failure, giving the block's data while it lives.
    // Errors: invalid_handle, stale_handle, pin_overflow (more than max_pins).
    pin_guard pin(handle h) noexcept { return pin_guard(self(), h); }

    // Effect: adds one pin to the block, as pin() does without a guard. Pair with unpin().
    // Result: true on success. Errors: as pin().
    bool acquire_pin(handle h) noexcept { return self().add_pins(h, 1); }

    // Effect: removes one pin. Result: true on success.
    // Errors: invalid_handle, stale_handle, not_pinned.
    bool unpin(handle h) noexcept { return self().add_pins(h, -1); }

    // Result: the block's pin count (0 when unpinned or for a bad handle; a block pinned for
    //   life, from basic_pool::allocate_pinned, reports max_pins + 1: ask pinned_for_life()).
    unsigned pin_count(handle h) const noexcept {
        slot_type slot;
        if (check_handle(h, slot) != error::none) return 0;
        return L::entry_pins(table_load(slot));
    }

    // Result: whether `h` names a live block pinned for its whole life (basic_pool's
    //   allocate_pinned; never in the lean engine); false for a bad handle.
    bool pinned_for_life(handle h) const noexcept {
        slot_type slot;
        return check_handle(h, slot) == error::none && L::entry_pins(table_load(slot)) == L::fixed_pin;
    }

    // ---- diagnostics (O(1)) ------------------------------------------------------------------------

    // Result: the error of the last call that reports one (error::none after a success).
    error last_error() const noexcept { return self().last_error_; }
    // Result: the bytes moved so far by compaction, table growth and reallocation (as
    //   stats().bytes_moved).
    std::uint64_t bytes_moved() const noexcept { return self().bytes_moved_; }
    // Result: the full compactions completed so far (as stats().compactions).
    std::uint32_t compactions() const noexcept { return self().compactions_; }

protected:
    engine_base() noexcept = default;

    Pool& self() noexcept { return static_cast<Pool&>(*this); }
    const Pool& self() const noexcept { return static_cast<const Pool&>(*this); }

    // ---- raw access (memcpy: the buffer holds user objects and our words alike) ---------------
    word_type load_at(size_type byte) const noexcept {
        word_type w;
        std::memcpy(&w, self().base_ + byte, sizeof w);
        return w;
    }
    void store_at(size_type byte, word_type w) noexcept { std::memcpy(self().base_ + byte, &w, sizeof w); }
    // The header word of the block whose data starts at granule `pos` sits just before it.
    static size_type header_byte(offset_type pos) noexcept { return size_type(pos) * granule - L::header_bytes; }
    // Out of line in size-optimised builds: one copy and a call are smaller than a copy at each
    // of the many sites.
    TINYMEM_SIZE_NOINLINE word_type header_load(offset_type pos) const noexcept { return load_header(self(), pos); }
    TINYMEM_SIZE_NOINLINE void header_store(offset_type pos, word_type h) noexcept { store_header(self(), pos, h); }
    // Their bodies, given the engine: GCC then passes the out-of-line copy base_ alone (IPA-SRA),
    // which it does not through `this`, a pointer to this empty base.
    static word_type load_header(const Pool& p, offset_type pos) noexcept {
        word_type w;
        std::memcpy(&w, p.base_ + header_byte(pos), sizeof w);
        return w;
    }
    static void store_header(Pool& p, offset_type pos, word_type h) noexcept {
        std::memcpy(p.base_ + header_byte(pos), &h, sizeof h);
    }
    word_type table_load(slot_type slot) const noexcept { return load_at(self().table_byte(slot)); }
    void table_store(slot_type slot, word_type e) noexcept { store_at(self().table_byte(slot), e); }
    // Sets the offset field of the slot's table word, leaving the rest of it.
    void set_entry_offset(slot_type slot, offset_type pos) noexcept {
        L::store_entry_offset(self().base_ + self().table_byte(slot), pos);
    }

    // ---- results ------------------------------------------------------------------------------
    // Out of line in size-optimised builds: a call is smaller than the counter update at each
    // of the many failure sites. Elsewhere inline: a call would make the callers save registers
    // on their fast paths too (basic_pool's deallocate, 3 % more instructions).
    // Result: false, so that a failing call can `return fail(e);`.
    [[gnu::cold]] TINYMEM_SIZE_NOINLINE bool fail(error e) noexcept {
        self().last_error_ = e;
        ++self().failed_[static_cast<unsigned>(e)];
        return false;
    }
    bool succeed() noexcept {
        self().last_error_ = error::none;
        return true;
    }

    // ---- handles ------------------------------------------------------------------------------
    // Result: error::none when `h` names a live block (its slot in `slot`), else invalid_handle
    //   (not of this pool: a null handle has tag 0, which no pool has; an unusable pool has no
    //   slots) or stale_handle (its block was freed). O(1).
    error check_handle(handle h, slot_type& slot) const noexcept {
        slot = L::handle_slot(h);
        const Pool& p = self();
        if (slot < p.slots_ && L::names_entry(h, table_load(slot), p.tag_)) return error::none;
        if (L::handle_tag(h) != p.tag_ || slot >= p.slots_) return error::invalid_handle;
        return error::stale_handle;
    }
    // check_handle(), recording a failure. Result: the slot's table word (slot_of(h)), or 0 on
    //   failure: a live block's word is never 0, its offset being at least the first block's.
    word_type resolve(handle h) noexcept {
        slot_type slot;
        const error e = check_handle(h, slot);
        if (e != error::none) {
            fail(e);
            return 0;
        }
        const word_type entry = table_load(slot);
        if (entry == 0) __builtin_unreachable(); // (then callers test for 0 on failure paths only)
        return entry;
    }
    static slot_type slot_of(handle h) noexcept { return L::handle_slot(h); }
    // The handle of `slot` with generation `gen`, in this pool.
    handle make_handle(slot_type slot, word_type gen) const noexcept { return L::encode_handle(slot, gen, self().tag_); }

    // ---- set-up and diagnostics ----------------------------------------------------------------
    // The start of init(), which runs once, from a constructor: takes a tag (none left: the pool
    // stays unusable, with too_many_pools) and unpoisons the buffer (it may be reused from an
    // earlier pool). Result: whether init() goes on (a tag, and a buffer). O(1).
    TINYMEM_SIZE_INLINE bool claim_tag(std::byte* data, size_type bytes) noexcept {
        Pool& p = self();
        p.tag_ = std::uint16_t(L::tags::acquire());
        if (p.tag_ == 0 || data == nullptr) return false;
        TINYMEM_UNPOISON(data, bytes);
        return true;
    }
    // Copies the counters into a stats() snapshot (usable pool or not). O(error_count).
    void stats_counters(pool_stats& s) const noexcept {
        const Pool& p = self();
        s.bytes_moved = p.bytes_moved_;
        s.compactions = p.compactions_;
        for (unsigned i = 0; i < error_count; ++i) s.failed[i] = p.failed_[i];
    }
};

} // namespace detail

} // namespace tinymem

#endif

// SPDX-License-Identifier: MIT
// The set of live pool tags: every pool takes a tag no other live pool of its configuration
// holds, and gives it back when it is destroyed, so a handle from another live pool is always
// rejected (invalid_handle). Touches only its own static bitmap.
// Included by pool.hpp only.
#ifndef TINYMEM_POOL_TAGS_HPP
#define TINYMEM_POOL_TAGS_HPP

#ifndef TINYMEM_MODULE
#include <bit>
#include <cstdint>
#endif

// The most pools of one tag width alive at once. On a Cortex-M, 31 by default: the set is then
// one word of .bss per tag width in use (a micro:bit's 16 KiB of RAM has no room to spare).
// Elsewhere, every tag the handle can carry (2^tag_bits - 1: 1,023 for the 16-bit
// configurations, 4,095 for config17, 2,047 for config32), which costs a bitmap of that many
// bits in .bss per tag width in use (128, 512 and 256 bytes). Define it to choose.
#ifndef TINYMEM_MAX_LIVE_POOLS
#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
#define TINYMEM_MAX_LIVE_POOLS 31u
#else
#define TINYMEM_MAX_LIVE_POOLS 0xFFFFu
#endif
#endif

// Whether the tag set updates its bitmap with atomic read-modify-write (__atomic builtins):
// wherever a 32-bit atomic is lock-free (not on ARMv6-M, the Cortex-M0, which has no exclusive
// loads and stores). Without it, pools of one configuration must be created and destroyed by one
// thread at a time (or with interrupts masked). Define to 0 or 1 to choose.
#ifndef TINYMEM_ATOMIC_TAGS
#if defined(__GNUC__) && defined(__GCC_ATOMIC_INT_LOCK_FREE) && __GCC_ATOMIC_INT_LOCK_FREE == 2
#define TINYMEM_ATOMIC_TAGS 1
#else
#define TINYMEM_ATOMIC_TAGS 0
#endif
#endif

namespace tinymem::detail {

// Tags 1 .. capacity of handles with `TagBits` tag bits (0 is the null handle's). Taken round
// robin from the last one handed out, so the tag of a destroyed pool comes back as late as
// possible (a handle kept past its pool's life is undefined behaviour, but it is then most likely
// still rejected).
template <unsigned TagBits>
class pool_tag_set {
public:
    static constexpr std::uint32_t tag_space = (std::uint32_t{1} << TagBits) - 1u;
    // The most tags live at once.
    static constexpr std::uint32_t capacity =
        tag_space < std::uint32_t(TINYMEM_MAX_LIVE_POOLS) ? tag_space : std::uint32_t(TINYMEM_MAX_LIVE_POOLS);
    static_assert(capacity >= 1, "tinymem: TINYMEM_MAX_LIVE_POOLS must be at least 1");

    // Result: a tag no live pool holds, now held by the caller; 0 when `capacity` pools live.
    // Cost: one step per tag it passes: the held ones after the tag handed out last, up to the
    // first free one; O(capacity) at worst (31 by default on a Cortex-M; 1,023 to 4,095 for the
    // standard configurations elsewhere). Bit at a time: a word-at-a-time search (full words
    // skipped, the trailing ones of the first other counted) made scripts/codesize.sh's three
    // Cortex-M4 totals 40 to 48 bytes larger.
    static std::uint32_t acquire() noexcept {
        std::uint32_t tag = load(next_);
        for (std::uint32_t n = capacity; n != 0; --n) {
            tag = tag >= capacity ? 1u : tag + 1u;
            if (!test_and_set(used_[tag / 32u], std::uint32_t{1} << (tag % 32u))) {
                store(next_, tag);
                return tag;
            }
        }
        return 0;
    }

    // Effect: gives `tag` back. Requires: the caller holds it (acquire() returned it). O(1).
    static void release(std::uint32_t tag) noexcept {
        if (tag == 0 || tag > capacity) return;
        clear(used_[tag / 32u], std::uint32_t{1} << (tag % 32u));
    }

    // Result: how many tags are held now. O(capacity / 32); for tests and diagnostics.
    static std::uint32_t live() noexcept {
        std::uint32_t n = 0;
        for (const std::uint32_t& w : used_) n += std::uint32_t(std::popcount(load(w)));
        return n;
    }

private:
    // Bit t of the bitmap is tag t; bit 0 (the null tag) stays clear.
    static inline std::uint32_t used_[capacity / 32u + 1u] = {};
    static inline std::uint32_t next_ = 0; // the tag handed out last (the search starts after it)

#if TINYMEM_ATOMIC_TAGS
    static std::uint32_t load(const std::uint32_t& w) noexcept { return __atomic_load_n(&w, __ATOMIC_RELAXED); }
    static void store(std::uint32_t& w, std::uint32_t v) noexcept { __atomic_store_n(&w, v, __ATOMIC_RELAXED); }
    // Result: whether the bit was set already (then nothing changed).
    static bool test_and_set(std::uint32_t& w, std::uint32_t bit) noexcept {
        return (__atomic_fetch_or(&w, bit, __ATOMIC_ACQ_REL) & bit) != 0;
    }
    static void clear(std::uint32_t& w, std::uint32_t bit) noexcept { __atomic_fetch_and(&w, ~bit, __ATOMIC_ACQ_REL); }
#else
    static std::uint32_t load(const std::uint32_t& w) noexcept { return w; }
    static void store(std::uint32_t& w, std::uint32_t v) noexcept { w = v; }
    static bool test_and_set(std::uint32_t& w, std::uint32_t bit) noexcept {
        if ((w & bit) != 0) return true;
        w |= bit;
        return false;
    }
    static void clear(std::uint32_t& w, std::uint32_t bit) noexcept { w &= ~bit; }
#endif
};

} // namespace tinymem::detail

#endif

// SPDX-License-Identifier: MIT
// The bench's non-moving reference: an address-ordered best-fit allocator over a fixed arena,
// with an 8-byte header per block (TLSF-like bookkeeping: the block's size and two flags, and
// a footer in each free block so that a freed neighbour can be merged in O(1)).
//
// Why this one: best fit, ties broken by the lowest address, is the placement policy with the
// least fragmentation in the classic allocator studies (Wilson, Johnstone, Neely and Boles,
// "Dynamic Storage Allocation: A Survey and Critical Review", 1995; Johnstone and Wilson, "The
// Memory Fragmentation Problem: Solved?", 1998). Its smallest footprint on a trace is what the
// best non-moving allocator could do; tinymem's against it is what compaction gains.
//
// Layout: blocks tile the arena from offset 0; every block is a multiple of 8 bytes, at least 16.
// Header (8 bytes, just before the payload): size in bytes | prev_free << 1 | this_free. A free
// block repeats its size in its last 8 bytes (the footer), which the next block reads to merge
// backwards when its prev_free flag is set. The free blocks are indexed by (size, offset) in an
// ordered set kept outside the arena: an idealised index (16 bytes per free block would hold two
// 32-bit links and the header in the block itself, so the minimum block of 16 bytes leaves room
// for an in-arena index; the footprint counts only the arena and the allocator object). Speed is
// therefore not this reference's point: its efficiency is.
//
// Payloads are 8-byte aligned (the arena starts 16-aligned); a larger alignment is served from
// the best-fitting free block that can hold an aligned payload, the gap in front becoming a free
// block of its own (a gap under 16 bytes cannot: the payload goes to the next aligned address).
// Alignment is of addresses, so where an over-aligned block goes depends on the arena's address
// modulo that alignment: an arena aligned to the largest alignment asked for makes every
// placement, and the smallest arena a trace fits in, independent of where the arena lies.
#ifndef TINYMEM_BENCH_BESTFIT_HPP
#define TINYMEM_BENCH_BESTFIT_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <utility>

namespace tinymem_bench {

class best_fit {
public:
    static constexpr std::size_t header = 8, min_block = 16;

    // Effect: manages [base, base + bytes) (bytes rounded down to 8; base must be 16-aligned).
    best_fit(std::byte* base, std::size_t bytes) : base_(base), end_(bytes & ~std::size_t(7)) {
        if (end_ >= min_block) {
            put_free(0, end_, false);
            free_.insert({end_, 0});
        }
    }

    // Result: a payload of at least n bytes aligned to max(8, align), or nullptr when no free
    // block fits (the arena is never grown).
    void* allocate(std::size_t n, std::size_t align = 8) {
        const std::size_t need = block_for(n);
        if (align <= 8) {
            auto it = free_.lower_bound({need, 0});
            if (it == free_.end()) return nullptr;
            const std::size_t off = it->second, size = it->first;
            free_.erase(it);
            return payload(carve(off, size, need));
        }
        // Aligned: the smallest (then lowest) free block with room for an aligned payload.
        for (auto it = free_.lower_bound({need, 0}); it != free_.end(); ++it) {
            const std::size_t off = it->second, size = it->first;
            std::size_t start = off; // block start such that start + header is aligned
            auto aligned_start = [&](std::size_t from) {
                const std::uintptr_t p = reinterpret_cast<std::uintptr_t>(base_ + from + header);
                return from + ((align - p % align) % align);
            };
            start = aligned_start(off);
            // A gap too small to be a free block of its own is pushed to a full block.
            while (start != off && start - off < min_block) start = aligned_start(start + 1);
            if (start + need > off + size) continue;
            free_.erase(it);
            if (start != off) {
                // The gap in front stays free (its left neighbour is in use: free blocks are
                // merged); the header at start first, so that put_free can flag it.
                set_header(start, off + size - start, false, true);
                put_free(off, start - off, false);
                free_.insert({start - off, off});
            }
            return payload(carve(start, off + size - start, need));
        }
        return nullptr;
    }

    // Effect: frees the block of payload p, merging it with free neighbours.
    void deallocate(void* p) {
        std::size_t off = offset_of(p), size = size_at(off);
        used_ -= size;
        const std::size_t next = off + size;
        if (next < end_ && is_free(next)) {
            const std::size_t ns = size_at(next);
            free_.erase({ns, next});
            size += ns;
        }
        if (prev_free(off)) {
            std::size_t ps;
            std::memcpy(&ps, base_ + off - 8, 8);
            free_.erase({ps, off - ps});
            off -= ps;
            size += ps;
        }
        put_free(off, size, false); // the block before a free block is never free
        free_.insert({size, off});
    }

    // Effect: resizes the block of p (old_n bytes, allocated with alignment `align`) to n bytes,
    // in place when it shrinks or the next block is free and large enough, else by
    // allocate(n, align) + copy + free: a moved block keeps its alignment (the header does not
    // record it, so the caller passes it). Result: the payload (p or a new one), nullptr when no
    // block fits (then p is unchanged).
    void* reallocate(void* p, std::size_t old_n, std::size_t n, std::size_t align = 8) {
        const std::size_t off = offset_of(p), size = size_at(off), need = block_for(n);
        if (need <= size) {
            shrink(off, size, need);
            return p;
        }
        const std::size_t next = off + size;
        if (next < end_ && is_free(next) && size + size_at(next) >= need) {
            const std::size_t ns = size_at(next);
            free_.erase({ns, next});
            set_header(off, size + ns, prev_free(off), false);
            used_ += ns;
            set_prev_free_of_next(off + size + ns, false);
            shrink(off, size + ns, need);
            return p;
        }
        void* q = allocate(n, align);
        if (!q) return nullptr;
        std::memcpy(q, p, old_n < n ? old_n : n);
        deallocate(p);
        return q;
    }

    // Bytes in blocks in use (headers included), free bytes, the largest free block.
    std::size_t used_bytes() const { return used_; }
    std::size_t free_bytes() const { return end_ - used_; }
    std::size_t largest_free() const { return free_.empty() ? 0 : free_.rbegin()->first; }

    // Result: empty when the blocks tile the arena, free blocks are merged, footers, flags and
    // the index agree; else what is wrong.
    const char* check() const {
        std::size_t off = 0, frees = 0, used = 0;
        bool prev_was_free = false;
        while (off < end_) {
            const std::size_t size = size_at(off);
            if (size < min_block || size % 8 || off + size > end_) return "bad block size";
            if (prev_free(off) != prev_was_free) return "prev_free flag wrong";
            if (is_free(off)) {
                if (prev_was_free) return "two free blocks in a row";
                std::size_t foot;
                std::memcpy(&foot, base_ + off + size - 8, 8);
                if (foot != size) return "footer wrong";
                if (!free_.count({size, off})) return "free block not indexed";
                ++frees;
            } else {
                used += size;
            }
            prev_was_free = is_free(off);
            off += size;
        }
        if (off != end_ && end_ >= min_block) return "blocks do not tile the arena";
        if (frees != free_.size()) return "index holds blocks that are not free";
        if (used != used_) return "used byte count wrong";
        return "";
    }

private:
    static std::size_t block_for(std::size_t n) {
        const std::size_t b = (n + header + 7) & ~std::size_t(7);
        return b < min_block ? min_block : b;
    }
    std::uint64_t word(std::size_t off) const {
        std::uint64_t w;
        std::memcpy(&w, base_ + off, 8);
        return w;
    }
    std::size_t size_at(std::size_t off) const { return std::size_t(word(off) & ~std::uint64_t(7)); }
    bool is_free(std::size_t off) const { return word(off) & 1; }
    bool prev_free(std::size_t off) const { return word(off) & 2; }
    void set_header(std::size_t off, std::size_t size, bool pf, bool free) {
        const std::uint64_t w = std::uint64_t(size) | (pf ? 2u : 0u) | (free ? 1u : 0u);
        std::memcpy(base_ + off, &w, 8);
    }
    void set_prev_free_of_next(std::size_t next, bool pf) {
        if (next >= end_) return;
        set_header(next, size_at(next), pf, is_free(next));
    }
    void put_free(std::size_t off, std::size_t size, bool pf) {
        set_header(off, size, pf, true);
        std::memcpy(base_ + off + size - 8, &size, 8);
        set_prev_free_of_next(off + size, true);
    }
    // Takes the free block [off, off + size) (already out of the index) for a need-byte block;
    // a remainder of at least min_block stays free. Result: off.
    std::size_t carve(std::size_t off, std::size_t size, std::size_t need) {
        const bool pf = prev_free(off);
        if (size - need >= min_block) {
            set_header(off, need, pf, false);
            put_free(off + need, size - need, false);
            free_.insert({size - need, off + need});
            used_ += need;
        } else {
            set_header(off, size, pf, false);
            set_prev_free_of_next(off + size, false);
            used_ += size;
        }
        return off;
    }
    // A block in use of `size` bytes keeps `need`; the tail (merged with a free next block)
    // becomes free when it is at least min_block.
    void shrink(std::size_t off, std::size_t size, std::size_t need) {
        std::size_t tail = size - need;
        const std::size_t next = off + size;
        const bool next_free = next < end_ && is_free(next);
        if (next_free) tail += size_at(next);
        if (tail < min_block) return;
        if (next_free) free_.erase({size_at(next), next});
        set_header(off, need, prev_free(off), false);
        used_ -= size - need;
        put_free(off + need, tail, false);
        free_.insert({tail, off + need});
    }
    std::byte* payload(std::size_t off) {
        return base_ + off + header;
    }
    std::size_t offset_of(void* p) const { return std::size_t(static_cast<std::byte*>(p) - base_) - header; }

    std::byte* base_;
    std::size_t end_;
    std::size_t used_ = 0;
    std::set<std::pair<std::size_t, std::size_t>> free_; // (size, offset): best fit, then lowest address
};

} // namespace tinymem_bench

#endif

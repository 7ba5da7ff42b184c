// SPDX-License-Identifier: MIT
// The story tinymem exists for, on a 64 KiB pool: churn fragments the pool until a large request
// cannot fit in any hole although the free bytes would hold it three times over. A non-moving
// allocator fails here. tinymem compacts (the blocks move, the handles stay) and serves it.
#include <cstdio>
#include <cstring>

#ifdef TINYMEM_USE_MODULE
import tinymem;
#else
#include <tinymem.hpp>
#endif

#ifndef TINYMEM_POOL_BYTES
#define TINYMEM_POOL_BYTES 65536
#endif

namespace {

tinymem::pool<TINYMEM_POOL_BYTES> heap; // in .bss: the whole footprint, bookkeeping included

void print_map(const char* title) {
    static char chart[8192];
    heap.map(chart, sizeof chart, 512); // one cell per 512 bytes
    std::printf("%s\n", title);
    const std::size_t n = std::strlen(chart);
    for (std::size_t i = 0; i < n; i += 96) std::printf("  %.96s\n", chart + i);
    const tinymem::pool_stats s = heap.stats();
    std::printf("  used %zu B, free %zu B, largest hole %zu B, fragmentation %u %%, %zu blocks\n\n",
                s.used_bytes, s.free_bytes, s.largest_free_bytes, s.fragmentation_percent, s.live_blocks);
}

} // namespace

int main() {
    using handle = tinymem::basic_pool<>::handle;
    static handle blocks[256];
    std::size_t count = 0;

    // Fill the pool with 500-byte records, each holding its own number.
    while (count < 256) {
        const handle h = heap.allocate(500);
        if (!h) break;
        std::memset(heap.data(h), int(count & 0xff), 500);
        blocks[count++] = h;
    }
    // Free every other one: half the pool is free, in 500-byte holes.
    for (std::size_t i = 0; i < count; i += 2) heap.deallocate(blocks[i]);
    print_map("Fragmented: every other record freed ('-' = free, letters = blocks by handle)");

    const std::size_t request = 16384;
    const tinymem::pool_stats before = heap.stats();
    std::printf("A %zu-byte request: %zu bytes are free, but the largest hole holds %zu.\n", request,
                before.free_bytes, before.largest_free_bytes);
    std::printf("A non-moving allocator (o1heap, TLSF, umm_malloc) refuses it here.\n\n");

    heap.defrag();
    print_map("After defrag(): the records slid down, the holes became one");

    const handle big = heap.allocate(request);
    if (!big) {
        std::printf("FAILED: %s\n", tinymem::to_string(heap.last_error()));
        return 1;
    }
    std::memset(heap.data(big), 0xEE, request);
    print_map("After allocate(16384)");

    // Every surviving record still holds its number, wherever it moved.
    for (std::size_t i = 1; i < count; i += 2) {
        const auto* bytes = heap.get<unsigned char>(blocks[i]);
        for (std::size_t j = 0; j < 500; ++j)
            if (bytes[j] != (i & 0xff)) {
                std::printf("FAILED: record %zu corrupted\n", i);
                return 1;
            }
    }
    const tinymem::check_result check = heap.check();
    std::printf("%zu records intact after moving %llu bytes; check(): %s\n", count / 2,
                static_cast<unsigned long long>(heap.stats().bytes_moved), check.ok() ? "ok" : check.problem);
    return check.ok() ? 0 : 1;
}

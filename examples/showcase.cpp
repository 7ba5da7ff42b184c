// SPDX-License-Identifier: MIT
// The adapters' showcase: in one small pool, many vectors grow interleaved and some are
// destroyed. std::pmr::vectors over a non-moving resource of the same size run out of memory;
// tinymem::vectors in a tinymem pool succeed because the pool compacts. Then pmr containers and
// tinymem::vectors share one pool. Prints both outcomes, the pool maps and the stats.
// Exit status 0 when the outcomes are the expected ones (tinymem succeeds, pmr fails).
#include <array>
#include <cstddef>
#include <cstdio>
#include <map>
#include <memory>
#include <memory_resource>
#include <new>
#include <vector>

#ifdef TINYMEM_USE_MODULE
import tinymem;
import tinymem.adapters;
#else
#include <tinymem.hpp>
#include <tinymem_adapters.hpp>
#endif

#include "showcase_workload.hpp"

namespace {

using showcase::final_length;
using showcase::first_length;
using showcase::pool_bytes;
using showcase::vector_count;

template <class P>
void print_map(const char* title, const P& pool) {
    std::array<char, 512> chart{};
    pool.map(chart.data(), chart.size(), 128);
    std::printf("%s (one cell = 128 bytes, '#' pinned, '-' free)\n  %s\n", title, chart.data());
}

void print_stats(const char* title, const tinymem::pool_stats& s) {
    std::printf("%s: used %zu, free %zu, pinned %zu, largest free %zu, live blocks %zu, fragmentation %u%%, "
                "compactions %u, bytes moved %llu\n",
                title, s.used_bytes, s.free_bytes, s.pinned_bytes, s.largest_free_bytes, s.live_blocks,
                s.fragmentation_percent, unsigned(s.compactions), (unsigned long long)s.bytes_moved);
}

} // namespace

int main() {
    const long wanted = showcase::wanted;
    std::printf("tinymem adapters showcase: %d vectors of int in a %zu-byte pool, each grown to %d elements "
                "interleaved, the odd ones destroyed, the others grown to %d (%ld push_backs, at most %zu "
                "bytes live)\n\n",
                vector_count, pool_bytes, first_length, final_length, wanted,
                std::size_t(vector_count / 2) * final_length * sizeof(int));
    std::printf("sizeof(tinymem::vector<int>) = %zu, sizeof(std::pmr::vector<int>) = %zu\n\n",
                sizeof(tinymem::vector<int>), sizeof(std::pmr::vector<int>));

    // 1. std::pmr::vector over a non-moving resource of the same size.
    static std::byte buffer[pool_bytes];
    bool pmr_failed = false;
    long pmr_pushed = 0;
    {
        std::pmr::monotonic_buffer_resource mono(buffer, sizeof buffer, std::pmr::null_memory_resource());
        std::pmr::unsynchronized_pool_resource pools(&mono);
        pmr_pushed = showcase::run<std::pmr::vector<int>>(
            [&] { return std::make_unique<std::pmr::vector<int>>(&pools); }, pmr_failed, [](auto&) {});
    }
    std::printf("std::pmr::vector (unsynchronized_pool_resource over a %zu-byte monotonic buffer): %s after %ld of "
                "%ld push_backs\n",
                pool_bytes, pmr_failed ? "std::bad_alloc" : "succeeded", pmr_pushed, wanted);

    // 1b. std::pmr::vector over tinymem::memory_resource: the same allocator, but its blocks are
    //     pinned (pmr containers hold raw pointers), so nothing can be compacted.
    bool pinned_failed = false;
    long pinned_pushed = 0;
    {
        static tinymem::pool<pool_bytes> pinned_pool;
        tinymem::memory_resource pinned_res(pinned_pool);
        pinned_pushed = showcase::run<std::pmr::vector<int>>(
            [&] { return std::make_unique<std::pmr::vector<int>>(&pinned_res); }, pinned_failed, [](auto&) {});
    }
    std::printf("std::pmr::vector (tinymem::memory_resource, pinned blocks, same pool size):  %s after %ld of "
                "%ld push_backs\n",
                pinned_failed ? "std::bad_alloc" : "succeeded", pinned_pushed, wanted);

    // 2. tinymem::vector in a tinymem pool of the same size.
    static tinymem::pool<pool_bytes> pool;
    bool tm_failed = false;
    long tm_pushed = 0;
    {
        tm_pushed = showcase::run<tinymem::vector<int>>(
            [&] { return std::make_unique<tinymem::vector<int>>(pool); }, tm_failed,
            [&](auto&) { print_map("tinymem pool at the end of the workload (8 vectors of 360 ints)", pool); });
        std::printf("tinymem::vector (tinymem::pool<%zu>, movable blocks):                   %s after %ld of "
                    "%ld push_backs\n\n",
                    pool_bytes, tm_failed ? "std::bad_alloc" : "succeeded", tm_pushed, wanted);
        print_stats("tinymem pool after the workload (vectors destroyed)", pool.stats());
    }

    // 3. One pool shared by pmr containers (pinned blocks, at the top) and tinymem::vectors
    //    (movable blocks, compacted toward the bottom).
    static tinymem::pool<pool_bytes> shared;
    tinymem::memory_resource res(shared);
    bool shared_ok = true;
    {
        std::pmr::map<int, std::pmr::vector<int>> index(&res);
        std::vector<std::unique_ptr<tinymem::vector<int>>> vecs;
        for (int i = 0; i < 8; ++i) vecs.push_back(std::make_unique<tinymem::vector<int>>(shared));
        for (int round = 0; round < 120; ++round) {
            for (auto& v : vecs)
                if (v) v->push_back(round);
            if (round % 10 == 0) index[round].assign(std::size_t(8), round);
            if (round == 60)
                for (std::size_t i = 0; i < vecs.size(); i += 3) vecs[i].reset();
        }
        print_map("\nshared pool: pmr map (pinned, top) + tinymem::vectors, before defrag()", shared);
        shared.defrag();
        print_map("shared pool after defrag(): the movable vectors slid down, pinned blocks stayed", shared);
        print_stats("shared pool", shared.stats());
        for (const auto& v : vecs)
            if (v)
                for (tinymem::vector<int>::size_type i = 0; i < v->size(); ++i) shared_ok = shared_ok && (*v)[i] == int(i);
        for (const auto& [k, v] : index) shared_ok = shared_ok && v.size() == 8 && v[0] == k;
        shared_ok = shared_ok && shared.check().ok() && shared.stats().pinned_bytes > 0;
        std::printf("shared pool contents %s, check() %s\n", shared_ok ? "intact" : "WRONG",
                    shared.check().ok() ? "ok" : shared.check().problem);
    }
    const bool expected = pmr_failed && !tm_failed && tm_pushed == wanted && shared_ok;
    std::printf("\n%s\n", expected ? "outcome: pmr ran out of memory, tinymem::vector did not (pool compaction)"
                                   : "outcome: UNEXPECTED");
    return expected ? 0 : 1;
}

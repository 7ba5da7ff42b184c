// SPDX-License-Identifier: MIT
// What data(h) would cost in the layout docs/handles-and-layout.md proposes for issue 17, beside
// today's: a prototype of its checked lookup only, not a pool. scripts/layout_probe.sh compiles
// this file for x86-64 and Cortex-M4 and counts the instructions of each non-inlined function.
//
// Today (config16): a 32-bit handle (slot 14 | generation 8 | tag 10) and a 32-bit table word
// (offset 16 | pins 4 | alignment 4 | generation 8); data(h) reads the table word only.
// Proposed (1 MiB, 8-byte granules, 17 generation bits): a 64-bit handle (slot 16 | generation 17 |
// tag 16), a 32-bit table word (offset 17 | low 15 generation bits) and two generation bits in the
// block's header word (the 32 bits before its data); a free slot's word has offset 0, which no live
// block has. data(h) reads the table word, then the header.
#include <cstddef>
#include <cstdint>
#include <cstring>

#ifdef TINYMEM_PROBE_TODAY
#include <tinymem.hpp>
#endif

namespace probe {

struct split_pool {
    std::byte* base;
    const std::uint32_t* table;
    std::uint32_t slots;
    std::uint16_t tag;
};

inline std::uint32_t load32(const std::byte* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

} // namespace probe

extern "C" {

[[gnu::noinline]] void* split_data(const probe::split_pool& p, std::uint64_t h) noexcept {
    const std::uint32_t slot = std::uint32_t(h) & 0xffffu;
    if (slot >= p.slots) return nullptr;
    const std::uint32_t entry = p.table[slot];
    const std::uint32_t offset = entry & 0x1ffffu;
    if (offset == 0 || (entry >> 17) != (std::uint32_t(h >> 16) & 0x7fffu)) return nullptr;
    if (std::uint16_t(h >> 48) != p.tag) return nullptr;
    std::byte* data = p.base + std::size_t(offset) * 8;
    if ((probe::load32(data - 4) >> 30) != (std::uint32_t(h >> 31) & 3u)) return nullptr;
    return data;
}

#ifdef TINYMEM_PROBE_TODAY
[[gnu::noinline]] void* today_data(tinymem::basic_pool<tinymem::config16>& p,
                                   tinymem::basic_handle<tinymem::config16> h) noexcept {
    return p.data(h);
}
#endif
}

#ifdef TINYMEM_PROBE_MAIN
#include <cstdio>
// A check that the prototype accepts the handle it should and refuses a stale and a foreign one.
int main() {
    alignas(8) static std::byte heap[1024] = {};
    static std::uint32_t table[4] = {};
    const probe::split_pool p{heap, table, 4, 7};
    const std::uint32_t gen = 0x1abcdu; // 17 bits
    table[2] = 5u | ((gen & 0x7fffu) << 17);
    const std::uint32_t header = (gen >> 15) << 30;
    std::memcpy(heap + 5 * 8 - 4, &header, 4);
    const std::uint64_t h = 2u | (std::uint64_t(gen) << 16) | (std::uint64_t(7) << 48);
    const bool ok = split_data(p, h) == heap + 40 && split_data(p, h ^ (std::uint64_t(1) << 32)) == nullptr &&
                    split_data(p, h ^ (std::uint64_t(1) << 17)) == nullptr &&
                    split_data(p, h ^ (std::uint64_t(1) << 49)) == nullptr;
    std::printf("split_data: %s\n", ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
#endif

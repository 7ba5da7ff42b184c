// SPDX-License-Identifier: MIT
// Code-size probe for scripts/codesize.sh: a minimal Cortex-M program that calls exactly the
// operations whose code size is reported (allocate, deallocate, reallocate, data, pin/unpin,
// defrag, defrag_step, plus the pool's set-up) on a 16-bit-config pool (tinymem::config16, or
// with TINYMEM_PROBE_NO_QUICK the same without quick lists, or with TINYMEM_PROBE_BUMP the lean
// engine, basic_bump_pool<config16>).
// Each call sits in its own non-inlined function so the optimiser cannot fold it into main;
// codesize.sh sums the sizes of these probe_ functions and of every tinymem:: function that the
// linker kept (-ffunction-sections, --gc-sections). main only feeds them run-time values.
// It runs too (as a test): a few operations, checked.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "firmware_tinymem.hpp"

#if defined(TINYMEM_PROBE_BUMP)
using pool_type = tinymem::basic_bump_pool<tinymem::config16>;
#elif defined(TINYMEM_PROBE_NO_QUICK)
using pool_type = tinymem::basic_pool<tinymem::basic_config<std::uint16_t, 4, 0>>;
#else
using pool_type = tinymem::basic_pool<tinymem::config16>;
#endif
using handle = pool_type::handle;

#define PROBE extern "C" __attribute__((noinline, used))

alignas(8) static std::byte storage[16 * 1024];

PROBE pool_type* probe_construct(void* at, std::byte* buffer, std::size_t bytes) {
    return ::new (at) pool_type(std::span<std::byte>(buffer, bytes));
}
PROBE handle::value_type probe_allocate(pool_type& p, std::size_t bytes) { return p.allocate(bytes).value(); }
PROBE bool probe_deallocate(pool_type& p, handle::value_type h) { return p.deallocate(handle(h)); }
PROBE bool probe_reallocate(pool_type& p, handle::value_type h, std::size_t bytes) {
    return p.reallocate(handle(h), bytes);
}
PROBE void* probe_data(pool_type& p, handle::value_type h) { return p.data(handle(h)); }
PROBE bool probe_pin(pool_type& p, handle::value_type h) { return p.acquire_pin(handle(h)); }
PROBE bool probe_unpin(pool_type& p, handle::value_type h) { return p.unpin(handle(h)); }
PROBE void probe_defrag(pool_type& p) { p.defrag(); }
PROBE bool probe_defrag_step(pool_type& p, std::size_t budget) { return p.defrag_step(budget); }

alignas(pool_type) static unsigned char pool_space[sizeof(pool_type)];

int main(int argc, char**) {
    pool_type& p = *probe_construct(pool_space, storage, sizeof storage);
    const std::size_t n = 24 + std::size_t(argc);
    const handle::value_type a = probe_allocate(p, n), b = probe_allocate(p, n * 3), c = probe_allocate(p, n);
    bool ok = a != 0 && b != 0 && c != 0;
    ok = ok && probe_deallocate(p, b);
    ok = ok && probe_reallocate(p, a, n * 10);
    ok = ok && probe_pin(p, c) && probe_data(p, c) != nullptr;
    probe_defrag(p);
    ok = ok && probe_unpin(p, c);
    unsigned steps = 0;
    while (!probe_defrag_step(p, 64) && steps < 1000) ++steps;
    ok = ok && steps < 1000 && probe_data(p, a) != nullptr && probe_data(p, b) == nullptr;
    std::printf("codesize probe: %s\n", ok ? "ok" : "FAILED");
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

// SPDX-License-Identifier: MIT
// A firmware's use of tinymem: one pool in .bss, messages of assorted sizes that fragment it,
// a large frame that fits only once the pool is compacted, and a bounded defrag step per tick.
// Prints one line over semihosting; exit status 0 when every check passed.
#include <cstdint>
#include <cstdio>
#include <cstring>

#ifdef TINYMEM_USE_MODULE
import tinymem;
#else
#include <tinymem.hpp>
#endif

namespace {
tinymem::pool<16 * 1024> heap; // control block and storage: all of tinymem's RAM
}

int main() {
    using handle = decltype(heap)::handle;
    handle msg[48];
    bool ok = true;
    for (unsigned i = 0; i < 48; ++i) {
        const std::size_t bytes = 64 + (i * 37) % 200;
        msg[i] = heap.allocate(bytes);
        ok = ok && msg[i];
        if (msg[i]) std::memset(heap.data(msg[i]), int(i), bytes);
    }
    for (unsigned i = 0; i < 48; i += 2) heap.deallocate(msg[i]); // holes between live messages
    // Background work: a few bounded steps, as a main loop would run between ticks.
    for (unsigned tick = 0; tick < 4; ++tick) heap.defrag_step(512);
    const handle frame = heap.allocate(4096); // larger than any hole the frees left
    ok = ok && frame;
    for (unsigned i = 1; i < 48; i += 2) // every message kept its bytes wherever it moved
        ok = ok && heap.get<unsigned char>(msg[i])[63] == static_cast<unsigned char>(i);
    ok = ok && heap.check().ok();
    std::printf("firmware consumer: %s (tinymem %s, %u bytes moved, %u compactions)\n",
                ok ? "ok" : "FAILED", tinymem::version_string,
                static_cast<unsigned>(heap.bytes_moved()), static_cast<unsigned>(heap.compactions()));
    return ok ? 0 : 1;
}

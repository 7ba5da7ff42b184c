// A user's program: allocate, fragment, compact, check. Module or headers, as the dependency says.
#include <cstdio>
#include <cstring>

#ifdef TINYMEM_USE_MODULE
import tinymem;
#else
#include <tinymem.hpp>
#endif

int main() {
    static tinymem::pool<8192> heap;
    tinymem::basic_pool<>::handle h[32];
    for (auto& x : h) {
        x = heap.allocate(120);
        if (!x) return 1;
        std::memset(heap.data(x), 0x5a, 120);
    }
    for (int i = 0; i < 32; i += 2) heap.deallocate(h[i]);
    const auto big = heap.allocate(1500); // only fits after compaction
    const bool ok = big && heap.check().ok() && heap.get<unsigned char>(h[1])[119] == 0x5a;
    std::printf("consumer: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

// SPDX-License-Identifier: MIT
// A user's program: allocate, fragment, compact, check; with TINYMEM_CONSUMER_ADAPTERS also a
// tinymem::vector. Module or headers, as the build says (TINYMEM_USE_MODULE). Every consumer
// route of scripts/check-consumers.sh builds this file and prints its one line:
//   consumer (ROUTE): ok, tinymem 0.1.0, module|headers[, adapters]
#include <cstdio>
#include <cstring>

#ifdef TINYMEM_USE_MODULE
import tinymem;
#ifdef TINYMEM_CONSUMER_ADAPTERS
import tinymem.adapters;
#endif
#else
#include <tinymem.hpp>
#ifdef TINYMEM_CONSUMER_ADAPTERS
#include <tinymem_adapters.hpp>
#endif
#endif

#ifndef TINYMEM_CONSUMER_ROUTE
#define TINYMEM_CONSUMER_ROUTE "unnamed route"
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
    bool ok = big && heap.check().ok() && heap.get<unsigned char>(h[1])[119] == 0x5a;
    const char* parts = "";
#ifdef TINYMEM_CONSUMER_ADAPTERS
    static tinymem::pool<8192> vheap;
    tinymem::vector<int> v(vheap);
    for (int i = 0; i < 100; ++i) v.push_back(i);
    ok = ok && v.size() == 100 && v[99] == 99;
    parts = ", adapters";
#endif
#ifdef TINYMEM_USE_MODULE
    const char* build = "module";
#else
    const char* build = "headers";
#endif
    std::printf("consumer (%s): %s, tinymem %s, %s%s\n", TINYMEM_CONSUMER_ROUTE, ok ? "ok" : "FAILED",
                tinymem::version_string, build, parts);
    return ok ? 0 : 1;
}

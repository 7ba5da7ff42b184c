// SPDX-License-Identifier: MIT
// tinymem-trace-selftest: a program for the recorder's test (tools/trace/test_record.sh) that
// does what a real program does to a tracer: allocates from several threads at once, forks (the
// child leaves with _exit, which skips exit handlers), execs itself, uses calloc, realloc and
// every aligned call. Sizes are chosen so the test can count each group in the trace:
//   main: 100 x 12345 B (3 freed); calloc(10, 77); posix_memalign(64, 1000), aligned_alloc(256,
//   512), memalign(128, 300), valloc(100); a block realloc'ed 16 -> 20000 in 10 steps;
//   threads t = 0..3: 2000 x (1100 + t) B each, every other one realloc'ed to 2200 + t, all freed;
//   fork child: 7 x 4321 B, 3 freed, then _exit(0); exec'ed image: 5 x 5555 B, then exit(0).
// With --killed: 6 x 6666 B, then killed by SIGTERM (the recorder flushes in its handler).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace {
// Keeps the compiler from pairing or dropping a malloc and its free.
void* volatile sink;
void touch(void* p, std::size_t n) {
    std::memset(p, 0x5a, n);
    sink = p;
}
} // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--killed") == 0) {
        // A program that never returns from main: 6 x 6666 B, then SIGTERM at its default action.
        for (int i = 0; i < 6; ++i) touch(std::malloc(6666), 6666);
        raise(SIGTERM);
        return 3; // not reached
    }
    if (argc > 1 && std::strcmp(argv[1], "--exec-child") == 0) {
        for (int i = 0; i < 5; ++i) touch(std::malloc(5555), 5555);
        return 0; // exit(): flushed by the recorder's destructor
    }
    std::vector<void*> keep;
    for (int i = 0; i < 100; ++i) {
        keep.push_back(std::malloc(12345));
        touch(keep.back(), 12345);
    }
    for (int i = 0; i < 3; ++i) std::free(keep[std::size_t(i) * 10]);
    void* c = std::calloc(10, 77);
    void* a1 = nullptr;
    if (posix_memalign(&a1, 64, 1000) != 0) return 1;
    void* a2 = aligned_alloc(256, 512);
    void* a3 = memalign(128, 300);
    void* a4 = valloc(100);
    if (!c || !a2 || !a3 || !a4) return 1;
    // Used, so that no compiler elides them (clang removes allocations whose result is only
    // compared with null).
    touch(c, 770);
    touch(a1, 1000);
    touch(a2, 512);
    touch(a3, 300);
    touch(a4, 100);
    void* r = std::malloc(16);
    for (int i = 1; i <= 10; ++i) r = std::realloc(r, std::size_t(i) * 2000);
    touch(r, 20000);

    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([t] {
            std::vector<void*> mine;
            for (int i = 0; i < 2000; ++i) {
                mine.push_back(std::malloc(std::size_t(1100 + t)));
                touch(mine.back(), 8);
            }
            for (std::size_t i = 0; i < mine.size(); i += 2) mine[i] = std::realloc(mine[i], std::size_t(2200 + t));
            for (void* p : mine) std::free(p);
        });
    for (auto& th : threads) th.join();

    std::fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
        void* b[7];
        for (auto& p : b) touch(p = std::malloc(4321), 4321);
        for (int i = 0; i < 3; ++i) std::free(b[i]);
        _exit(0); // no exit handlers, no destructors: the recorder's _exit flushes
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;

    const pid_t execed = fork();
    if (execed == 0) {
        execl("/proc/self/exe", argv[0], "--exec-child", static_cast<char*>(nullptr));
        _exit(127);
    }
    waitpid(execed, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;

    std::free(a1);
    std::free(a2);
    std::free(a3);
    std::free(a4);
    std::free(c);
    std::free(r);
    std::puts("selftest done");
    return 0;
}

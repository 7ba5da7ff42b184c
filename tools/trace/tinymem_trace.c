// SPDX-License-Identifier: MIT
// tinymem-trace: an LD_PRELOAD library that records a program's heap calls as a tinymem trace
// (bench/TRACES.md). scripts/record.sh sets it up; by hand:
//   TINYMEM_TRACE_OUT=out.trace TINYMEM_TRACE_PID=<pid that writes out.trace itself>
//   LD_PRELOAD=.../libtinymem-trace.so program args...
//
// Design (each point is a requirement of a tool that must not disturb what it measures):
// - Nothing here allocates through the functions it traces: the output buffer is static, the
//   pointer -> id table and the free-id stack live in mmap'd memory, numbers are formatted by
//   hand, and the file is written with write(2)/pwrite(2).
// - While dlsym() looks up the real functions it may allocate itself: those requests are served
//   from a static bootstrap arena, are not recorded (they are the tool's own), and are never
//   reused. A block of the arena given to realloc() later moves to the real heap.
// - One lock orders every record, so a multi-threaded program gives one trace in one order. A
//   free is recorded before the real free, an allocation after the real one returned, and a
//   realloc takes its block out of the table before the real call: an address can therefore never
//   be recorded as allocated while its previous owner is still live in the table.
// - fork(): the parent's buffer is flushed before the fork; the child writes its own file
//   (OUT.<pid>) that starts with one `a` line per block it inherited. exec(): the new image opens
//   OUT only if it is the process record.sh started and OUT does not exist yet, else OUT.<pid>
//   (then OUT.<pid>.1, ...), so no trace is overwritten.
// - Output is buffered (1 MiB) and flushed when full, at exit (a destructor; after it every record
//   is written through at once, for the atexit handlers and destructors that run later), in
//   _exit()/_Exit() (interposed), and on SIGTERM, SIGINT, SIGHUP and SIGQUIT when the program
//   left them at their default action (a handler that flushes with write(2) and re-raises). On
//   SIGKILL or a crash at most the unflushed buffer is lost; the header then has the counts of
//   the last flush.
// - The header is the first line, written with room to spare and rewritten in place (pwrite) at
//   every flush with the counts so far (ops, peak live bytes, max live blocks).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

// ---- the real functions ----------------------------------------------------------------------
typedef void* (*malloc_fn)(size_t);
typedef void (*free_fn)(void*);
typedef void* (*calloc_fn)(size_t, size_t);
typedef void* (*realloc_fn)(void*, size_t);
typedef int (*posix_memalign_fn)(void**, size_t, size_t);
typedef void* (*aligned_alloc_fn)(size_t, size_t);
typedef void (*exit_fn)(int) __attribute__((noreturn));

static malloc_fn real_malloc;
static free_fn real_free;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static posix_memalign_fn real_posix_memalign;
static aligned_alloc_fn real_aligned_alloc;
static aligned_alloc_fn real_memalign;
static malloc_fn real_valloc;
static malloc_fn real_pvalloc;
static exit_fn real__exit;
static exit_fn real__Exit;

// Set while this thread is inside dlsym(): its allocations come from the bootstrap arena.
static __thread int in_resolve __attribute__((tls_model("initial-exec")));
static _Atomic int resolved;

// ISO C has no cast from dlsym's object pointer to a function pointer: copy the bits (POSIX
// guarantees they are the same).
#define LOOKUP(fn, name)                       \
    do {                                       \
        void* sym_ = dlsym(RTLD_NEXT, name);   \
        memcpy(&(fn), &sym_, sizeof(fn));      \
    } while (0)

static void resolve(void) {
    if (atomic_load_explicit(&resolved, memory_order_acquire)) return;
    in_resolve = 1;
    LOOKUP(real_malloc, "malloc");
    LOOKUP(real_free, "free");
    LOOKUP(real_calloc, "calloc");
    LOOKUP(real_realloc, "realloc");
    LOOKUP(real_posix_memalign, "posix_memalign");
    LOOKUP(real_aligned_alloc, "aligned_alloc");
    LOOKUP(real_memalign, "memalign");
    LOOKUP(real_valloc, "valloc");
    LOOKUP(real_pvalloc, "pvalloc");
    LOOKUP(real__exit, "_exit");
    LOOKUP(real__Exit, "_Exit");
    in_resolve = 0;
    atomic_store_explicit(&resolved, 1, memory_order_release);
}

// ---- bootstrap arena ---------------------------------------------------------------------------
// Each block is preceded by 16 bytes holding its size (for realloc out of the arena).
#define BOOT_BYTES (1u << 20)
static _Alignas(64) unsigned char boot[BOOT_BYTES];
static _Atomic size_t boot_top;

static int in_boot(const void* p) {
    return (const unsigned char*)p >= boot && (const unsigned char*)p < boot + BOOT_BYTES;
}
static void* boot_alloc(size_t n, size_t align) {
    if (align < 16) align = 16;
    size_t top = atomic_load(&boot_top), start, end;
    do {
        start = (top + 16 + align - 1) & ~(align - 1);
        end = start + n;
        if (n > BOOT_BYTES || end > BOOT_BYTES) return NULL;
    } while (!atomic_compare_exchange_weak(&boot_top, &top, end));
    memcpy(boot + start - sizeof(size_t), &n, sizeof n);
    return boot + start; // static storage: already zero, as calloc needs
}
static size_t boot_size(const void* p) {
    size_t n;
    memcpy(&n, (const unsigned char*)p - sizeof n, sizeof n);
    return n;
}

// ---- the lock ----------------------------------------------------------------------------------
// A spin lock that yields: no pthread objects to set up before main, and fork handling below
// takes it around the fork.
static atomic_flag lock_flag = ATOMIC_FLAG_INIT;
static void lock(void) {
    while (atomic_flag_test_and_set_explicit(&lock_flag, memory_order_acquire)) sched_yield();
}
static void unlock(void) { atomic_flag_clear_explicit(&lock_flag, memory_order_release); }

// ---- pointer -> id table (open addressing, linear probing, backward-shift deletion) -----------
typedef struct {
    uintptr_t key; // 0: empty
    uint32_t id;
    uint32_t pad;
    uint64_t size;
} entry;

static entry* table;
static size_t table_cap; // power of two
static size_t table_used;
static uint32_t* free_ids; // stack of ids free for reuse
static size_t free_ids_cap, free_ids_n;
static uint32_t next_id;

static void* map(size_t bytes) {
    void* p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static unsigned table_shift; // 64 - log2(table_cap)

// Fibonacci hashing: the top bits of the product, which every bit of the address reaches.
static size_t slot_of(uintptr_t key) {
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> table_shift);
}

static int table_grow(void) {
    const size_t cap = table_cap ? table_cap * 2 : (1u << 16);
    entry* t = (entry*)map(cap * sizeof(entry));
    if (!t) return 0;
    entry* old = table;
    const size_t old_cap = table_cap;
    table = t;
    table_cap = cap;
    table_shift = 64u - (unsigned)__builtin_ctzll(cap);
    for (size_t i = 0; i < old_cap; ++i)
        if (old[i].key) {
            size_t s = slot_of(old[i].key);
            while (table[s].key) s = (s + 1) & (cap - 1);
            table[s] = old[i];
        }
    if (old) munmap(old, old_cap * sizeof(entry));
    return 1;
}

static entry* table_find(uintptr_t key) {
    if (!table_cap) return NULL;
    for (size_t s = slot_of(key);; s = (s + 1) & (table_cap - 1)) {
        if (table[s].key == key) return &table[s];
        if (!table[s].key) return NULL;
    }
}

static int table_insert(uintptr_t key, uint32_t id, uint64_t size) {
    if ((table_used + 1) * 2 > table_cap && !table_grow()) return 0;
    size_t s = slot_of(key);
    while (table[s].key) s = (s + 1) & (table_cap - 1);
    table[s].key = key;
    table[s].id = id;
    table[s].size = size;
    ++table_used;
    return 1;
}

static void table_erase(entry* e) {
    size_t i = (size_t)(e - table);
    for (size_t j = i;;) {
        table[i].key = 0;
        for (;;) {
            j = (j + 1) & (table_cap - 1);
            if (!table[j].key) {
                --table_used;
                return;
            }
            const size_t home = slot_of(table[j].key);
            // Move j back to i unless its home lies cyclically in (i, j].
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) break;
        }
        table[i] = table[j];
        i = j;
    }
}

static uint32_t take_id(void) {
    if (free_ids_n) return free_ids[--free_ids_n];
    return next_id++;
}
static void give_id(uint32_t id) {
    if (free_ids_n == free_ids_cap) {
        const size_t cap = free_ids_cap ? free_ids_cap * 2 : (1u << 14);
        uint32_t* s = (uint32_t*)map(cap * sizeof(uint32_t));
        if (!s) return; // the id is not reused: still a valid trace
        if (free_ids) {
            memcpy(s, free_ids, free_ids_n * sizeof(uint32_t));
            munmap(free_ids, free_ids_cap * sizeof(uint32_t));
        }
        free_ids = s;
        free_ids_cap = cap;
    }
    free_ids[free_ids_n++] = id;
}

// ---- output ------------------------------------------------------------------------------------
#define OUT_BYTES (1u << 20)
#define HEADER_BYTES 256 // the header line, padded with spaces, rewritten in place
static char out_buf[OUT_BYTES];
static size_t out_len;
static int out_fd = -1;
static int out_failed;  // could not open: keep running the program, record nothing more
static int write_through; // after the destructor: flush every record at once
static uint64_t n_ops, live_bytes, peak_bytes, live_blocks, max_blocks;
static char source[160];

static char* put_u64(char* p, uint64_t v) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}
static char* put_str(char* p, const char* s) {
    while (*s) *p++ = *s++;
    return p;
}

static void write_all(int fd, const char* p, size_t n) {
    while (n) {
        const ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

static void header(char* h) {
    memset(h, ' ', HEADER_BYTES);
    char* p = put_str(h, "# tinymem-trace v1 source=");
    p = put_str(p, source);
    p = put_str(p, " ops=");
    p = put_u64(p, n_ops);
    p = put_str(p, " peak_live_bytes=");
    p = put_u64(p, peak_bytes);
    p = put_str(p, " max_live_blocks=");
    p = put_u64(p, max_blocks);
    h[HEADER_BYTES - 1] = '\n';
}

// Opens this process's file: OUT when it is the process record.sh started and OUT is new,
// else OUT.<pid>, OUT.<pid>.1, ... (O_EXCL: never overwrites another process's trace).
static void open_out(void) {
    const char* base = getenv("TINYMEM_TRACE_OUT");
    if (!base || !*base || strlen(base) > 3800) {
        out_failed = 1;
        return;
    }
    const char* want_pid = getenv("TINYMEM_TRACE_PID");
    const uint64_t pid = (uint64_t)getpid();
    char pid_s[24];
    *put_u64(pid_s, pid) = 0;
    char path[4096];
    int fd = -1;
    if (want_pid && strcmp(pid_s, want_pid) == 0)
        fd = open(base, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    for (uint64_t k = 0; fd < 0 && k < 1000; ++k) {
        char* p = put_str(path, base);
        p = put_str(p, ".");
        p = put_str(p, pid_s);
        if (k > 0) {
            p = put_str(p, ".");
            p = put_u64(p, k);
        }
        *p = 0;
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        out_failed = 1;
        return;
    }
    out_fd = fd;
    // source = the executable's name and the pid (no spaces: the header is space separated).
    char exe[512];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    const char* name = "unknown";
    if (n > 0) {
        exe[n] = 0;
        name = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
    }
    char* s = source;
    for (const char* c = name; *c && s < source + 100; ++c) *s++ = (*c == ' ' || *c == '\t') ? '_' : *c;
    s = put_str(s, "-pid");
    s = put_u64(s, pid);
    *s = 0;
    char h[HEADER_BYTES];
    header(h);
    write_all(out_fd, h, HEADER_BYTES);
}

static void flush_locked(void) {
    if (out_fd < 0 && !out_failed) open_out();
    if (out_fd >= 0) {
        write_all(out_fd, out_buf, out_len);
        char h[HEADER_BYTES];
        header(h);
        pwrite(out_fd, h, HEADER_BYTES, 0);
    }
    out_len = 0;
}

static void emit(char kind, uint32_t id, uint64_t size, uint64_t align, int with_size) {
    if (out_len + 80 > OUT_BYTES) flush_locked();
    char* p = out_buf + out_len;
    *p++ = kind;
    *p++ = ' ';
    p = put_u64(p, id);
    if (with_size) {
        *p++ = ' ';
        p = put_u64(p, size);
        if (align) {
            *p++ = ' ';
            p = put_u64(p, align);
        }
    }
    *p++ = '\n';
    out_len = (size_t)(p - out_buf);
    ++n_ops;
    if (write_through) flush_locked();
}

// ---- recording ---------------------------------------------------------------------------------
// Alignment is written only when it asks for more than malloc's own (16 bytes on x86-64 glibc).
#define MALLOC_ALIGN 16

static void record_alloc(void* p, uint64_t n, uint64_t align) {
    if (!p) return;
    lock();
    const uint32_t id = take_id();
    if (table_insert((uintptr_t)p, id, n)) {
        live_bytes += n;
        if (live_bytes > peak_bytes) peak_bytes = live_bytes;
        if (++live_blocks > max_blocks) max_blocks = live_blocks;
        emit('a', id, n, align > MALLOC_ALIGN ? align : 0, 1);
    }
    unlock();
}

static void record_free(void* p) {
    if (!p) return;
    lock();
    entry* e = table_find((uintptr_t)p);
    if (e) { // unknown pointers (from before the library was loaded) are not in the trace
        emit('f', e->id, 0, 0, 0);
        live_bytes -= e->size;
        --live_blocks;
        give_id(e->id);
        table_erase(e);
    }
    unlock();
}

// ---- the traced functions ----------------------------------------------------------------------
EXPORT void* malloc(size_t n) {
    if (in_resolve) return boot_alloc(n, 16);
    resolve();
    void* p = real_malloc(n);
    record_alloc(p, n, 0);
    return p;
}

EXPORT void free(void* p) {
    if (!p) return;
    record_free(p);
    if (in_boot(p)) return; // bootstrap blocks are never reused
    resolve();
    real_free(p);
}

EXPORT void* calloc(size_t n, size_t m) {
    size_t bytes;
    if (__builtin_mul_overflow(n, m, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    if (in_resolve) return boot_alloc(bytes, 16);
    resolve();
    void* p = real_calloc(n, m);
    record_alloc(p, bytes, 0);
    return p;
}

EXPORT void* realloc(void* p, size_t n) {
    if (!p) return malloc(n);
    if (in_resolve || in_boot(p)) {
        // Out of the arena: a new block (from the arena while resolving), the contents copied.
        void* q = in_resolve ? boot_alloc(n, 16) : malloc(n);
        if (q) {
            const size_t old = in_boot(p) ? boot_size(p) : n;
            memcpy(q, p, old < n ? old : n);
            free(p);
        }
        return q;
    }
    resolve();
    if (n == 0) { // glibc frees the block and returns NULL
        record_free(p);
        return real_realloc(p, 0);
    }
    // Take the block out of the table first: once the real realloc freed p, another thread may
    // be given the same address and must find it free in the table.
    lock();
    entry* e = table_find((uintptr_t)p);
    uint32_t id = 0;
    uint64_t old = 0;
    const int known = e != NULL;
    if (known) {
        id = e->id;
        old = e->size;
        table_erase(e);
    }
    unlock();
    void* q = real_realloc(p, n);
    lock();
    if (known) {
        if (q) {
            if (table_insert((uintptr_t)q, id, n)) {
                live_bytes = live_bytes - old + n;
                if (live_bytes > peak_bytes) peak_bytes = live_bytes;
                emit('r', id, n, 0, 1);
            }
        } else {
            table_insert((uintptr_t)p, id, old); // failed: p is still live and unchanged
        }
        unlock();
    } else {
        unlock();
        record_alloc(q, n, 0); // a block from before the library: from now on it is traced
    }
    return q;
}

EXPORT void* reallocarray(void* p, size_t n, size_t m) {
    size_t bytes;
    if (__builtin_mul_overflow(n, m, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, bytes);
}

EXPORT int posix_memalign(void** out, size_t align, size_t n) {
    if (in_resolve) {
        *out = boot_alloc(n, align);
        return *out ? 0 : ENOMEM;
    }
    resolve();
    const int r = real_posix_memalign(out, align, n);
    if (r == 0) record_alloc(*out, n, align);
    return r;
}

EXPORT void* aligned_alloc(size_t align, size_t n) {
    if (in_resolve) return boot_alloc(n, align);
    resolve();
    void* p = real_aligned_alloc(align, n);
    record_alloc(p, n, align);
    return p;
}

EXPORT void* memalign(size_t align, size_t n) {
    if (in_resolve) return boot_alloc(n, align);
    resolve();
    void* p = real_memalign(align, n);
    record_alloc(p, n, align);
    return p;
}

EXPORT void* valloc(size_t n) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (in_resolve) return boot_alloc(n, page);
    resolve();
    void* p = real_valloc(n);
    record_alloc(p, n, page);
    return p;
}

EXPORT void* pvalloc(size_t n) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (in_resolve) return boot_alloc((n + page - 1) & ~(page - 1), page);
    resolve();
    void* p = real_pvalloc(n);
    record_alloc(p, (n + page - 1) & ~(page - 1), page);
    return p;
}

// ---- process life ------------------------------------------------------------------------------
static void flush_now(void) {
    lock();
    flush_locked();
    unlock();
}

EXPORT void _exit(int status) {
    flush_now();
    resolve();
    real__exit(status);
}
EXPORT void _Exit(int status) {
    flush_now();
    resolve();
    real__Exit(status);
}

// Signals whose default action ends the process: flush (only if no thread holds the lock, so a
// signal arriving inside a record cannot deadlock), restore the default and raise it again.
static const int fatal_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
static void on_signal(int sig) {
    const int saved = errno;
    if (!atomic_flag_test_and_set_explicit(&lock_flag, memory_order_acquire)) {
        if (out_fd >= 0 || !out_failed) flush_locked();
        unlock();
    }
    signal(sig, SIG_DFL);
    errno = saved;
    raise(sig);
}

static void before_fork(void) {
    lock();
    flush_locked(); // nothing of the parent's stays in the buffer the child inherits
}
static void after_fork_parent(void) { unlock(); }
static void after_fork_child(void) {
    // The lock is held by this thread (before_fork) and every other thread is gone.
    if (out_fd >= 0) close(out_fd);
    out_fd = -1;
    out_failed = 0;
    out_len = 0;
    n_ops = 0;
    // The child starts with the blocks it inherited: one `a` line each, in table order.
    live_bytes = peak_bytes = live_blocks = max_blocks = 0;
    for (size_t i = 0; i < table_cap; ++i)
        if (table[i].key) {
            live_bytes += table[i].size;
            ++live_blocks;
            emit('a', table[i].id, table[i].size, 0, 1);
        }
    peak_bytes = live_bytes;
    max_blocks = live_blocks;
    unlock();
}

__attribute__((constructor)) static void start(void) {
    resolve();
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; ++i) {
        struct sigaction old;
        if (sigaction(fatal_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
            !(old.sa_flags & SA_SIGINFO)) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_signal;
            sigemptyset(&sa.sa_mask);
            sigaction(fatal_signals[i], &sa, NULL);
        }
    }
}

__attribute__((destructor)) static void finish(void) {
    lock();
    flush_locked();
    write_through = 1; // what atexit handlers and later destructors free is written at once
    unlock();
}

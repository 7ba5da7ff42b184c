// SPDX-License-Identifier: MIT
// A locking policy for tinymem pools: tinymem::synchronized_pool<Pool, Lock>.
//
// The core pool is single-threaded and has no lock in it. This wrapper takes the lock around
// every call. Lock is any type with lock() and unlock() (the standard's BasicLockable), so:
//   - tinymem::no_lock        one thread (or a caller that serialises itself): free;
//   - std::mutex              hosted threads (include <mutex> yourself; nothing here needs it);
//   - a critical section      bare metal, e.g. masking interrupts on Cortex-M:
//
//       struct irq_lock {                       // one per pool; not reentrant
//           std::uint32_t saved = 0;
//           void lock() noexcept {
//               std::uint32_t m;
//               asm volatile("mrs %0, primask" : "=r"(m));
//               asm volatile("cpsid i" ::: "memory");
//               saved = m;
//           }
//           void unlock() noexcept { asm volatile("msr primask, %0" ::"r"(saved) : "memory"); }
//       };
//       tinymem::synchronized_pool<tinymem::pool<65536>, irq_lock> heap;
//
// Raw pointers and threads: a block may move whenever another thread allocates, reallocates or
// runs a defrag step, so data() is not offered. Reach a block's bytes through pin(h), which pins
// it under the lock and unpins it under the lock when the guard dies; while pinned the block never
// moves and no other call touches its bytes, so the owner may use them without holding the lock.
// For several calls that must be atomic together, with_lock(f) runs f(pool) under the lock.
//
// Latency: every call holds the lock for one core call. defrag_step(budget) holds it for one
// bounded step; defrag_steps(budget) runs steps until the pool is compact and releases the lock
// between them, so other threads (or interrupts) wait at most one step. defrag() is not bounded,
// nor is the compaction an allocation may need, unless set_compaction_limit(budget) bounds it
// to one step (a request that needs more fails with compaction_deferred, and defrag_steps then
// gathers the room): in latency-bound code, set a limit and run defrag_steps.
//
// No exceptions, no heap: usable freestanding. Works with the header build and with
// `import tinymem;` (it needs nothing from tinymem but the Pool type it is given).
#include "version.hpp" // first: the C++20 check (see tinymem/version.hpp)
#ifndef TINYMEM_SYNCHRONIZED_HPP
#define TINYMEM_SYNCHRONIZED_HPP

#include <cstddef>
#include <cstdint>
#include <utility>

namespace tinymem {

// The lock for pools used from one thread only.
struct no_lock {
    constexpr void lock() noexcept {}
    constexpr void unlock() noexcept {}
};

template <class Pool, class Lock = no_lock>
class synchronized_pool {
public:
    using pool_type = Pool;
    using lock_type = Lock;
    using handle = typename Pool::handle;
    using size_type = typename Pool::size_type;
    static constexpr size_type granule = Pool::granule;

    // Constructs the pool from `args` (nothing for tinymem::pool<Bytes>, a span for basic_pool).
    template <class... Args>
    explicit synchronized_pool(Args&&... args) noexcept : pool_(std::forward<Args>(args)...) {}
    synchronized_pool(const synchronized_pool&) = delete;
    synchronized_pool& operator=(const synchronized_pool&) = delete;

    // A block pinned for as long as the guard lives; data() is stable meanwhile. Move-only.
    class pinned {
    public:
        pinned() noexcept = default;
        pinned(pinned&& o) noexcept : owner_(o.owner_), handle_(o.handle_), data_(o.data_) { o.owner_ = nullptr; }
        pinned& operator=(pinned&& o) noexcept {
            if (this != &o) {
                release();
                owner_ = o.owner_;
                handle_ = o.handle_;
                data_ = o.data_;
                o.owner_ = nullptr;
            }
            return *this;
        }
        pinned(const pinned&) = delete;
        pinned& operator=(const pinned&) = delete;
        ~pinned() { release(); }

        explicit operator bool() const noexcept { return owner_ != nullptr; }
        void* data() const noexcept { return owner_ ? data_ : nullptr; }
        template <class T>
        T* get() const noexcept {
            return static_cast<T*>(data());
        }
        handle get_handle() const noexcept { return handle_; }
        void release() noexcept {
            if (owner_) owner_->unpin(handle_);
            owner_ = nullptr;
        }

    private:
        friend class synchronized_pool;
        pinned(synchronized_pool* o, handle h, void* d) noexcept : owner_(o), handle_(h), data_(d) {}
        synchronized_pool* owner_ = nullptr;
        handle handle_{};
        void* data_ = nullptr;
    };

    handle allocate(size_type bytes, size_type align = granule) noexcept {
        return locked([&](Pool& p) { return p.allocate(bytes, align); });
    }
    handle allocate_pinned(size_type bytes, size_type align = granule) noexcept {
        return locked([&](Pool& p) { return p.allocate_pinned(bytes, align); });
    }
    bool deallocate(handle h) noexcept {
        return locked([&](Pool& p) { return p.deallocate(h); });
    }
    bool reallocate(handle h, size_type bytes) noexcept {
        return locked([&](Pool& p) { return p.reallocate(h, bytes); });
    }
    bool valid(handle h) noexcept {
        return locked([&](Pool& p) { return p.valid(h); });
    }
    size_type size(handle h) noexcept {
        return locked([&](Pool& p) { return p.size(h); });
    }
    unsigned pin_count(handle h) noexcept {
        return locked([&](Pool& p) { return p.pin_count(h); });
    }
    bool pinned_for_life(handle h) noexcept {
        return locked([&](Pool& p) { return p.pinned_for_life(h); });
    }

    // Pins the block; an empty guard when the handle is bad or the pin count overflows.
    pinned pin(handle h) noexcept {
        void* d = locked([&](Pool& p) -> void* { return p.acquire_pin(h) ? p.data(h) : nullptr; });
        return d ? pinned(this, h, d) : pinned();
    }
    bool acquire_pin(handle h) noexcept {
        return locked([&](Pool& p) { return p.acquire_pin(h); });
    }
    bool unpin(handle h) noexcept {
        return locked([&](Pool& p) { return p.unpin(h); });
    }

    // The pool's compaction limit (set_compaction_limit in the pool), under the lock.
    void set_compaction_limit(size_type budget) noexcept {
        locked([&](Pool& p) { p.set_compaction_limit(budget); });
    }
    size_type compaction_limit() noexcept {
        return locked([&](Pool& p) { return p.compaction_limit(); });
    }
    // Grows the handle table for `count` handles under the lock (basic_pool only), e.g. before
    // setting a compaction limit.
    bool reserve_handles(size_type count) noexcept {
        return locked([&](Pool& p) { return p.reserve_handles(count); });
    }

    // One bounded compaction step under the lock. Result: whether the pool is compact.
    bool defrag_step(size_type budget) noexcept {
        return locked([&](Pool& p) { return p.defrag_step(budget); });
    }
    // Compacts in steps of `budget` bytes, releasing the lock between steps.
    // Result: the number of steps taken. Stops early after `max_steps`.
    std::size_t defrag_steps(size_type budget, std::size_t max_steps = ~std::size_t{0}) noexcept {
        std::size_t steps = 0;
        while (steps < max_steps) {
            ++steps;
            if (defrag_step(budget)) break;
        }
        return steps;
    }
    void defrag() noexcept {
        locked([&](Pool& p) { p.defrag(); });
    }

    auto stats() noexcept {
        return locked([&](Pool& p) { return p.stats(); });
    }
    std::uint64_t bytes_moved() noexcept {
        return locked([&](Pool& p) { return p.bytes_moved(); });
    }
    std::uint32_t compactions() noexcept {
        return locked([&](Pool& p) { return p.compactions(); });
    }
    auto check() noexcept {
        return locked([&](Pool& p) { return p.check(); });
    }

    // Runs f(pool) under the lock and returns its result: for compound operations, and for
    // reading last_error() together with the call that set it.
    template <class F>
    decltype(auto) with_lock(F&& f) noexcept(noexcept(f(std::declval<Pool&>()))) {
        return locked(std::forward<F>(f));
    }

    // The pool itself, unlocked: only while no other thread uses it (set-up, tear-down).
    Pool& unsynchronized() noexcept { return pool_; }
    Lock& lock() noexcept { return lock_; }

private:
    template <class F>
    decltype(auto) locked(F&& f) {
        struct guard {
            Lock& l;
            explicit guard(Lock& x) : l(x) { l.lock(); }
            ~guard() { l.unlock(); }
            guard(const guard&) = delete;
            guard& operator=(const guard&) = delete;
        } g(lock_);
        return f(pool_);
    }

    Lock lock_{};
    Pool pool_;
};

} // namespace tinymem

#endif

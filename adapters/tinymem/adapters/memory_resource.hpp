// SPDX-License-Identifier: MIT
// tinymem::memory_resource: a std::pmr::memory_resource over a tinymem pool.
//
// pmr containers keep raw pointers, so every block this resource hands out is pinned for its
// whole life (pool.allocate_pinned): it never moves. The pool places pinned blocks at the top
// end of its heap, away from movable (handle) blocks, so a pool shared by pmr containers and
// handles still compacts its movable part into one hole.
//
// Errors (the pmr contract, plus checks):
//   allocate: not enough memory even after compaction, an alignment that is not a power of two,
//     or a size larger than the pool                      -> std::bad_alloc
//   deallocate: a pointer this resource did not hand out (not the start of a live pinned block of
//     its pool: a stack address, a movable block's data, an interior pointer, a block already
//     freed), a size larger than the block, or an alignment that is not a power of two or that
//     the pointer does not have                           -> tinymem::invalid_deallocation
//     (derived from std::invalid_argument). The pool is left untouched. A pointer freed twice is
//     caught as long as its address has not been handed out again in between.
//   Before throwing, the resource calls its error handler when one is set (set_error_handler).
// With exceptions off (-fno-exceptions): the resource calls the handler, then writes one line to
//   stderr and calls std::abort(). It never returns a null pointer.
#include "tinymem/version.hpp" // first: the C++20 check (see tinymem/version.hpp)
#ifndef TINYMEM_ADAPTERS_MEMORY_RESOURCE_HPP
#define TINYMEM_ADAPTERS_MEMORY_RESOURCE_HPP

#include "common.hpp"

#ifndef TINYMEM_MODULE
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory_resource>
#include <new>
#include <stdexcept>
#endif

namespace tinymem {

// What went wrong in a tinymem::memory_resource call.
TINYMEM_EXPORT enum class resource_error : unsigned char {
    out_of_memory,        // allocate: the pool cannot serve the request, even compacted
    bad_alignment,        // allocate: alignment not a power of two, or larger than the pool
    too_large,            // allocate: more bytes than the pool holds
    invalid_deallocation, // deallocate: not a live block from this resource, or size too large
};

TINYMEM_EXPORT constexpr const char* to_string(resource_error e) noexcept {
    switch (e) {
    case resource_error::out_of_memory: return "out_of_memory";
    case resource_error::bad_alignment: return "bad_alignment";
    case resource_error::too_large: return "too_large";
    case resource_error::invalid_deallocation: return "invalid_deallocation";
    }
    return "unknown";
}

// Everything the resource knows about a failed call, for the error handler.
TINYMEM_EXPORT struct resource_failure {
    resource_error what;
    error pool_error;     // the pool's last_error() for the call
    const void* pointer;  // deallocate: the pointer given; allocate: nullptr
    std::size_t bytes;
    std::size_t alignment;
};

// Called on every error before the resource throws (or aborts, with exceptions off).
// It may log, count, or throw an exception of its own choosing.
TINYMEM_EXPORT using resource_error_handler = void (*)(const resource_failure&);

#if TINYMEM_ADAPTERS_EXCEPTIONS
// Thrown by deallocate for a pointer the resource did not hand out (or a double free).
TINYMEM_EXPORT class invalid_deallocation : public std::invalid_argument {
public:
    explicit invalid_deallocation(const void* p)
        : std::invalid_argument("tinymem::memory_resource::deallocate: pointer not allocated by this resource "
                                "(or already freed)"),
          pointer_(p) {}
    const void* pointer() const noexcept { return pointer_; }

private:
    const void* pointer_;
};
#endif

TINYMEM_EXPORT template <class Config = default_config>
class memory_resource final : public std::pmr::memory_resource {
public:
    using pool_type = basic_pool<Config>;

    // Effect: serves pmr requests from `pool` (not owned; it must outlive the resource and every
    //   block handed out). Other users (handles, tinymem::vector, other resources) may share it.
    explicit memory_resource(pool_type& pool) noexcept : pool_(&pool) {}
    memory_resource(const memory_resource&) = delete;
    memory_resource& operator=(const memory_resource&) = delete;

    pool_type& pool() const noexcept { return *pool_; }

    // Blocks handed out and not yet returned.
    std::size_t outstanding_blocks() const noexcept { return outstanding_; }

    // Installs a handler called on every error before throwing or aborting (nullptr: none).
    void set_error_handler(resource_error_handler h) noexcept { handler_ = h; }
    resource_error_handler error_handler() const noexcept { return handler_; }

private:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        // pmr allows a request for 0 bytes; it still gets a distinct block.
        const std::size_t n = bytes == 0 ? 1 : bytes;
        const auto h = pool_->allocate_pinned(n, alignment);
        if (!h) {
            const error e = pool_->last_error();
            const resource_error what = e == error::bad_alignment ? resource_error::bad_alignment
                                        : e == error::too_large   ? resource_error::too_large
                                                                  : resource_error::out_of_memory;
            raise({what, e, nullptr, bytes, alignment});
        }
        ++outstanding_;
        return pool_->data(h);
    }

    void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
        const auto h = p ? pool_->handle_of(p) : typename pool_type::handle{};
        // Only blocks from allocate_pinned are pinned for life; a movable block's data (a
        // handle's, a tinymem::vector's) is refused.
        const bool alignment_ok = alignment != 0 && (alignment & (alignment - 1)) == 0 &&
                                  reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
        if (!h || !alignment_ok || !pool_->pinned_for_life(h) || pool_->size(h) < bytes) {
            raise({resource_error::invalid_deallocation, h ? error::none : pool_->last_error(), p, bytes, alignment});
        }
        if (!pool_->deallocate(h)) raise({resource_error::invalid_deallocation, pool_->last_error(), p, bytes, alignment});
        --outstanding_;
    }

    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

    [[noreturn]] void raise(const resource_failure& f) const {
        if (handler_) handler_(f);
#if TINYMEM_ADAPTERS_EXCEPTIONS
        if (f.what == resource_error::invalid_deallocation) throw invalid_deallocation(f.pointer);
        throw std::bad_alloc();
#else
        std::fprintf(stderr, "tinymem::memory_resource: %s (pool error %s, %zu bytes, alignment %zu)\n",
                     to_string(f.what), to_string(f.pool_error), f.bytes, f.alignment);
        std::abort();
#endif
    }

    pool_type* pool_;
    resource_error_handler handler_ = nullptr;
    std::size_t outstanding_ = 0;
};

} // namespace tinymem

#endif

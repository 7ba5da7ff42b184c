// SPDX-License-Identifier: MIT
// tinymem::box<T, Config>: an owning handle to one T in a movable block of a tinymem pool, the
// unique_ptr of the pool: movable, not copyable, destroys its object and frees its block. It holds
// the pool's address and the handle (16 bytes with config16 on a 64-bit host, 12 on a 32-bit one),
// so the pool may move the object at any compaction.
//
//   auto b = tinymem::make_box<point>(pool, 1.0f, 2.0f);   // std::bad_alloc when full
//   auto c = tinymem::try_make_box<point>(pool, 1.0f, 2.0f); // empty box when full; never throws
//
// What stays valid when:
// - The box and handle(): always.
// - get(), *b, b->: until the next call on the pool that may move blocks (the pointer rule).
// - pin(): a pinned_box; the object stays put while it lives.
// - An object that itself allocates from the pool (a box<tinymem::vector<int>>): change it
//   through modify(f) or while pinned, since its growth may compact the pool and would otherwise
//   move the very object it runs on.
//
// T must be relocatable (tinymem::is_relocatable<T>): it is built on the stack and then moved
// into its block by copying its bytes, and compaction moves it the same way. Its destructor must
// not throw nor allocate from the pool.
#ifndef TINYMEM_ADAPTERS_BOX_HPP
#define TINYMEM_ADAPTERS_BOX_HPP

#include "common.hpp"
#include "vector.hpp" // detail::relocation_slot

#ifndef TINYMEM_MODULE
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>
#endif

namespace tinymem {

TINYMEM_EXPORT template <class T, class Config = default_config>
class box;

// A box holds its pool's address and a handle: it relocates (a tinymem::vector<box<T>> works).
template <class T, class Config>
struct is_relocatable<box<T, Config>> : std::true_type {};

// The object of a box, pinned: it does not move while this lives. Move-only. Empty (false) for
// an empty box or a failed pin (more than max_pins nested pins).
TINYMEM_EXPORT template <class T, class Config = default_config>
class pinned_box {
public:
    using pool_type = basic_pool<Config>;

    pinned_box() noexcept = default;
    pinned_box(pool_type& p, typename pool_type::handle h) noexcept {
        if (h) guard_ = p.pin(h);
    }
    explicit operator bool() const noexcept { return static_cast<bool>(guard_); }
    // The object, valid while this lives; nullptr when empty.
    T* get() const noexcept { return static_cast<T*>(guard_.data()); }
    // Require: not empty.
    T& operator*() const noexcept { return *get(); }
    T* operator->() const noexcept { return get(); }

private:
    typename pool_type::pin_guard guard_;
};

TINYMEM_EXPORT template <class T, class Config>
class box {
    static_assert(std::is_object_v<T> && !std::is_array_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                  "tinymem::box<T>: T must be a non-const, non-volatile, non-array object type");
    static_assert(is_relocatable_v<T>,
                  "tinymem::box<T>: T must be relocatable by memmove: trivially copyable, or opted in by "
                  "specialising tinymem::is_relocatable<T> (libstdc++'s std::string and std::list are not)");
    static_assert(std::is_nothrow_destructible_v<T>, "tinymem::box<T>: T's destructor must not throw");

public:
    using element_type = T;
    using pool_type = basic_pool<Config>;
    using handle_type = typename pool_type::handle;

    // The alignment of the block: T's, at least the pool's granule.
    static constexpr std::size_t block_alignment = alignof(T) > Config::granule ? alignof(T) : Config::granule;

    // An empty box of no pool (what a moved-from box of no pool is).
    box() noexcept = default;
    // An empty box of `pool`.
    explicit box(pool_type& pool) noexcept : pool_(&pool) {}
    // Effect: takes ownership of `h`, a block of `pool` holding a live T (from release()).
    box(pool_type& pool, handle_type h) noexcept : pool_(&pool), h_(h) {}

    box(box&& o) noexcept : pool_(o.pool_), h_(o.h_) { o.h_ = handle_type{}; }
    // Effect: destroys the current object (if any), then takes over o's object and pool.
    box& operator=(box&& o) noexcept {
        if (this != &o) {
            reset();
            pool_ = o.pool_;
            h_ = o.h_;
            o.h_ = handle_type{};
        }
        return *this;
    }
    box(const box&) = delete;
    box& operator=(const box&) = delete;
    ~box() { reset(); }

    // Effect: builds T(args...) in a new block of `pool`; the box then owns it.
    // Result: true on success; false when the pool cannot hold a T (the box is then unchanged
    //   and the T built for it destroyed). Never throws unless T's constructor does (then
    //   nothing is allocated and the box is unchanged). The old object is destroyed after the
    //   new one is in place.
    template <class... Args>
    bool try_emplace(pool_type& pool, Args&&... args) {
        // Built on the stack first: args may refer into pool memory that the allocation moves,
        // and the constructor may allocate from the pool itself.
        detail::relocation_slot<T> tmp;
        ::new (static_cast<void*>(tmp.bytes)) T(std::forward<Args>(args)...);
        const handle_type h = pool.allocate(sizeof(T), block_alignment);
        if (!h) {
            tmp.get()->~T();
            return false;
        }
        std::memcpy(pool.data(h), static_cast<const void*>(tmp.bytes), sizeof(T));
        reset();
        pool_ = &pool;
        h_ = h;
        return true;
    }

    // ---- access -------------------------------------------------------------------------------

    // The pool (nullptr for a default-constructed box).
    pool_type* get_pool() const noexcept { return pool_; }
    handle_type handle() const noexcept { return h_; }
    explicit operator bool() const noexcept { return static_cast<bool>(h_); }

    // The object, or nullptr when empty. Valid until the next call that may move blocks.
    T* get() const noexcept { return h_ ? static_cast<T*>(pool_->data(h_)) : nullptr; }
    // Require: a non-empty box (an empty one stops the program with a message: std::abort).
    T& operator*() const noexcept { return *object(); }
    T* operator->() const noexcept { return object(); }

    // Effect: pins the block. Result: a pinned_box giving the object while it lives; empty for
    //   an empty box or when the pin fails.
    pinned_box<T, Config> pin() const noexcept {
        return pool_ ? pinned_box<T, Config>(*pool_, h_) : pinned_box<T, Config>();
    }

    // Effect: calls f(object) with the object moved out to the stack, then moves it back.
    // Result: what f returns. For objects that allocate from the pool themselves (a
    //   box<tinymem::vector<int>>): their growth may then compact the pool freely.
    // Requires: a non-empty box, not used through this box while f runs.
    template <class F>
    decltype(auto) modify(F&& f) {
        T* const p = object();
        struct put_back {
            const box& b;
            detail::relocation_slot<T>& slot;
            ~put_back() { std::memcpy(static_cast<void*>(b.get()), static_cast<const void*>(slot.bytes), sizeof(T)); }
        };
        detail::relocation_slot<T> slot;
        std::memcpy(static_cast<void*>(slot.bytes), static_cast<const void*>(p), sizeof(T));
        put_back back{*this, slot};
        return std::forward<F>(f)(*slot.get());
    }

    // ---- modifiers ----------------------------------------------------------------------------

    // Effect: destroys the object and frees its block; the box becomes empty (same pool).
    void reset() noexcept {
        if (!h_) return;
        T* const p = static_cast<T*>(pool_->data(h_));
        if (p != nullptr) p->~T(); // null only if the block was freed through the pool behind our back
        pool_->deallocate(h_);
        h_ = handle_type{};
    }
    // Effect: the box forgets its object without destroying it. Result: the block's handle; the
    //   caller now owns the object and the block (destroy the T, then pool.deallocate, or hand
    //   both to box(pool, handle)).
    [[nodiscard]] handle_type release() noexcept {
        const handle_type h = h_;
        h_ = handle_type{};
        return h;
    }

    void swap(box& o) noexcept {
        std::swap(pool_, o.pool_);
        std::swap(h_, o.h_);
    }
    friend void swap(box& a, box& b) noexcept { a.swap(b); }

    // Identity: the same block (or both empty).
    friend bool operator==(const box& a, const box& b) noexcept { return a.h_ == b.h_ && (!a.h_ || a.pool_ == b.pool_); }
    friend bool operator==(const box& a, std::nullptr_t) noexcept { return !a.h_; }

private:
    T* object() const noexcept {
        T* const p = get();
        if (p == nullptr) [[unlikely]]
            detail::adapter_misuse("tinymem::box: access to the object of an empty box (or its block was freed "
                                   "through the pool)");
        return p;
    }

    pool_type* pool_ = nullptr;
    handle_type h_{};
};

// Result: a box of `pool` owning T(args...); an empty box when the pool cannot hold it (errors as
//   pool.allocate: last_error()). Never throws unless T's constructor does.
TINYMEM_EXPORT template <class T, class Config, class... Args>
box<T, Config> try_make_box(basic_pool<Config>& pool, Args&&... args) {
    box<T, Config> b(pool);
    b.try_emplace(pool, std::forward<Args>(args)...);
    return b;
}

#if TINYMEM_ADAPTERS_EXCEPTIONS
// Result: a box of `pool` owning T(args...). Errors: std::bad_alloc when the pool cannot hold it
//   (nothing allocated; the T built for it destroyed). With exceptions off: try_make_box.
TINYMEM_EXPORT template <class T, class Config, class... Args>
box<T, Config> make_box(basic_pool<Config>& pool, Args&&... args) {
    box<T, Config> b(pool);
    if (!b.try_emplace(pool, std::forward<Args>(args)...)) throw std::bad_alloc();
    return b;
}
#endif

} // namespace tinymem

#endif

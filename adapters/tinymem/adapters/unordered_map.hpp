// SPDX-License-Identifier: MIT
// tinymem::unordered_map<K, V, Hash, KeyEqual, Config> and tinymem::unordered_set<K, Hash,
// KeyEqual, Config>: hash tables by open addressing in ONE movable block of a tinymem pool (both
// are tinymem::hash_table<K, V, ...>, V = void for the set). The object holds the pool's address,
// the block's handle, the size, log2 of the home-slot count and the maximum load factor (24 bytes
// with config16 on a 64-bit host); the pool may move the whole table with one block move.
//
// Probing: linear probing with Robin Hood displacement and backward-shift deletion.
// - A key's home slot is the top log2(capacity) bits of its hash, scrambled (folded and
//   multiplied by 2^64/phi) so that std::hash<int>, the identity, still spreads.
// - Each slot has one metadata byte: 0 = empty, else 1 + the entry's distance from its home.
//   Robin Hood keeps every cluster sorted by home slot, so a lookup stops at the first slot whose
//   distance is smaller than its own probe count, and compares keys only where the distance
//   equals its probe count (an entry of the same home): the byte is the filter, no key compare
//   is spent on entries of other homes, and a miss ends after about as many slots as a hit.
// - Erasing shifts the rest of the cluster back by one slot (each distance minus one) instead
//   of leaving a tombstone: nothing ever marks a slot "deleted", so millions of insert/erase at a
//   fixed size leave the table exactly as good as a freshly built one (quadratic probing with
//   tombstones would need periodic rebuilds, and its misses get longer until then).
// - No wrap-around: the block has capacity + tail slots (tail = capacity / 2 up to 64, then 32)
//   and a cluster that would run past the last slot grows the table instead. Entries then only
//   ever move towards lower slots on erase, so erasing while iterating (it = erase(it)) visits
//   every entry exactly once.
// - Maximum load factor 0.875 by default (max_load_factor() takes 0.125 to 0.95): with Robin Hood
//   the mean distance at 0.875 is about 3.5 slots (a hit reads ~4.5 metadata bytes and compares
//   ~1 key, a miss reads ~4.5 bytes and compares none on average), measured worst ~55 at a
//   million keys; memory per entry is (sizeof(value_type) + 1) / 0.875 at most, plus the tail.
// - Entries move by their bytes (memmove), which is why keys and values must be relocatable.
//
// Block layout: [entries: slots * sizeof(value_type)][metadata: slots bytes][one 0 byte: the
// sentinel that ends every probe and every iteration]. Growth (and rehash) builds the new table
// in a new block, moves the entries into it and then frees the old block: it needs room for both
// for a moment, and a failure leaves the table as it was.
//
// What stays valid when (see also docs/adapters.md):
// - The table, size(), bucket_count(): always (the pool keeps handles stable).
// - Iterators: index-based (table address + slot), resolved through the handle at every
//   dereference, so compaction and defrag_step never invalidate them. An insert (it may shift a
//   cluster or rehash) and an erase (it shifts the rest of a cluster back) change what a slot
//   holds, as with std containers whose insert invalidates; erase(it) returns the iterator to
//   go on with.
// - References and pointers from find, at, operator[], *it: until the next call on the pool that
//   may move blocks (allocate, reallocate, defrag, defrag_step, any growing call on any container
//   of that pool, an insert into this table with a key or value that allocates) and until this
//   table is modified.
// - pin(): a pinned_hash_view that keeps the block put while it lives (fast iteration through
//   raw pointers). While pinned, an insert that needs a rehash fails (false / end(), or
//   std::bad_alloc) because the pinned block could not be freed; the table must not be destroyed
//   while a view of it lives (the program stops: std::abort).
// - A table stored inside pool memory (a tinymem::vector<tinymem::unordered_set<int>>): as for
//   nested vectors, grow it through outer.modify(i, f); read-only access needs nothing special.
//   A mapped value that itself allocates (unordered_map<K, tinymem::vector<int>>): change it
//   through modify(it, f), which moves it to the stack while f runs.
// - Arguments of an insert must not refer into this table's block, nor into another movable
//   block of the pool, when the insert builds a key or value that allocates (a long
//   tinymem::string key): that allocation may move them (the pointer rule). A tinymem::string
//   or tinymem::vector argument itself is fine: it is read through its handle.
//
// Heterogeneous lookup: when Hash and KeyEqual both have is_transparent, find, contains, count,
// at, operator[], try_emplace and erase take any key-like type. The defaults are transparent for
// tinymem::basic_string keys: tinymem::hash<tinymem::string> hashes a std::string_view (equal to
// std::hash<tinymem::string> and std::hash<std::string_view>) and tinymem::key_equal is
// std::equal_to<>, so m.find("word") and m.contains(std::string_view(w)) build no string.
#include "tinymem/version.hpp" // first: the C++20 check (see tinymem/version.hpp)
#ifndef TINYMEM_ADAPTERS_UNORDERED_MAP_HPP
#define TINYMEM_ADAPTERS_UNORDERED_MAP_HPP

#include "common.hpp"
#include "string.hpp"
#include "vector.hpp" // detail::relocation_slot

#ifndef TINYMEM_MODULE
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <new>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#endif

namespace tinymem {

// ---- hashing and equality -----------------------------------------------------------------------

// The default hash of the tables: std::hash<K>, except for tinymem::basic_string, where it is
// transparent (hashes any std::basic_string_view-convertible key: tinymem::string,
// std::string, std::string_view, const char*) and equal to std::hash<std::basic_string_view>.
TINYMEM_EXPORT template <class K>
struct hash : std::hash<K> {};

template <class CharT, class Config>
struct hash<basic_string<CharT, Config>> {
    using is_transparent = void;
    std::size_t operator()(std::basic_string_view<CharT> s) const noexcept {
        return std::hash<std::basic_string_view<CharT>>{}(s);
    }
};

// A transparent hash for string-like keys of char: hashes what std::string_view hashes. For a
// table keyed by std::string_view or by tinymem::string with a Hash of your choosing.
TINYMEM_EXPORT struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// The default key equality: std::equal_to<K>, except std::equal_to<> (transparent) for
// tinymem::basic_string, so that a string key compares with a std::string_view or a literal.
TINYMEM_EXPORT template <class K>
struct key_equal : std::equal_to<K> {};

template <class CharT, class Config>
struct key_equal<basic_string<CharT, Config>> : std::equal_to<> {};

TINYMEM_EXPORT template <class K, class V, class Hash, class KeyEqual, class Config>
class hash_table;

// unordered_map<K, V>: value_type std::pair<const K, V>. unordered_set<K>: value_type K.
TINYMEM_EXPORT template <class K, class V, class Hash = hash<K>, class KeyEqual = key_equal<K>,
                         class Config = default_config>
using unordered_map = hash_table<K, V, Hash, KeyEqual, Config>;
TINYMEM_EXPORT template <class K, class Hash = hash<K>, class KeyEqual = key_equal<K>, class Config = default_config>
using unordered_set = hash_table<K, void, Hash, KeyEqual, Config>;

// A table holds its pool's address, a handle and a few numbers: it relocates (when its hash and
// equality objects do; the defaults are empty).
template <class K, class V, class Hash, class KeyEqual, class Config>
struct is_relocatable<hash_table<K, V, Hash, KeyEqual, Config>>
    : std::bool_constant<is_relocatable_v<Hash> && is_relocatable_v<KeyEqual>> {};

namespace detail {

template <class K, class V>
struct table_value {
    using type = std::pair<const K, V>;
};
template <class K>
struct table_value<K, void> {
    using type = K;
};

template <class...>
inline constexpr bool always_false = false;

// A forward iterator over a table: the table's address and a slot, resolved at each use.
template <class Table, bool Const>
class hash_iterator {
    using table_ptr = std::conditional_t<Const, const Table*, Table*>;

public:
    using iterator_concept = std::forward_iterator_tag;
    using iterator_category = std::forward_iterator_tag;
    using value_type = typename Table::value_type;
    using difference_type = std::ptrdiff_t;
    using reference = std::conditional_t<Const, const value_type&, value_type&>;
    using pointer = std::conditional_t<Const, const value_type*, value_type*>;

    constexpr hash_iterator() noexcept = default;
    constexpr hash_iterator(table_ptr t, std::size_t slot) noexcept : t_(t), i_(slot) {}
    constexpr operator hash_iterator<Table, true>() const noexcept
        requires(!Const)
    {
        return {t_, i_};
    }

    // The slot in the table (~size_t(0) for end(), whatever the table's size).
    constexpr std::size_t index() const noexcept { return i_; }
    constexpr table_ptr container() const noexcept { return t_; }

    reference operator*() const noexcept { return t_->entries()[i_]; }
    pointer operator->() const noexcept { return &**this; }
    hash_iterator& operator++() noexcept {
        i_ = t_->next_occupied(i_ + 1);
        return *this;
    }
    hash_iterator operator++(int) noexcept {
        hash_iterator t = *this;
        ++*this;
        return t;
    }
    friend constexpr bool operator==(const hash_iterator& a, const hash_iterator& b) noexcept {
        return a.i_ == b.i_ && a.t_ == b.t_;
    }

private:
    table_ptr t_ = nullptr;
    std::size_t i_ = 0;
};

} // namespace detail

// The entries of a pinned table: the block does not move while the view lives, and iteration
// goes through raw pointers (no handle lookup per step). Move-only. A failed pin (more than
// max_pins nested pins) gives an empty view that is false. Entry references through it stay
// valid while the view lives and the table is not modified (an insert or erase shifts entries
// inside the block).
TINYMEM_EXPORT template <class T, class Config = default_config>
class pinned_hash_view {
public:
    using pool_type = basic_pool<Config>;
    using value_type = std::remove_const_t<T>;

    class iterator {
    public:
        using iterator_concept = std::forward_iterator_tag;
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::remove_const_t<T>;
        using difference_type = std::ptrdiff_t;
        using reference = T&;
        using pointer = T*;
        iterator() noexcept = default;
        T& operator*() const noexcept { return *v_; }
        T* operator->() const noexcept { return v_; }
        iterator& operator++() noexcept {
            ++v_;
            ++m_;
            skip();
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator t = *this;
            ++*this;
            return t;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.m_ == b.m_; }

    private:
        // Past the empty slots (up to the end of the slots).
        void skip() noexcept {
            while (m_ != end_ && *m_ == 0) {
                ++v_;
                ++m_;
            }
        }
        T* v_ = nullptr;
        const unsigned char* m_ = nullptr;
        const unsigned char* end_ = nullptr;
        friend class pinned_hash_view;
    };

    pinned_hash_view() noexcept = default;
    // Effect: pins `h` (a block of `slots` entries followed by their metadata) and views its
    //   `n` entries; a null handle views nothing (and is true).
    pinned_hash_view(pool_type& p, typename pool_type::handle h, std::size_t slots, std::size_t n) noexcept {
        if (!h) {
            ok_ = true;
            return;
        }
        guard_ = p.pin(h);
        if (guard_) {
            values_ = static_cast<T*>(guard_.data());
            meta_ = reinterpret_cast<const unsigned char*>(values_ + slots);
            slots_ = slots;
            size_ = n;
            ok_ = true;
        }
    }

    // False when the pin failed.
    explicit operator bool() const noexcept { return ok_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    // Cost: begin() skips the empty slots before the first entry; ++ the ones after each entry.
    iterator begin() const noexcept { return make(0); }
    iterator end() const noexcept { return make(slots_); }

private:
    iterator make(std::size_t slot) const noexcept {
        iterator it;
        if (meta_ == nullptr) return it;
        it.v_ = values_ + slot;
        it.m_ = meta_ + slot;
        it.end_ = meta_ + slots_;
        it.skip();
        return it;
    }

    typename pool_type::pin_guard guard_;
    T* values_ = nullptr;
    const unsigned char* meta_ = nullptr;
    std::size_t slots_ = 0;
    std::size_t size_ = 0;
    bool ok_ = false;
};

// The table behind unordered_map (V a type) and unordered_set (V = void). See the file comment.
TINYMEM_EXPORT template <class K, class V, class Hash, class KeyEqual, class Config>
class hash_table {
    static constexpr bool is_map = !std::is_void_v<V>;

    static_assert(std::is_object_v<K> && !std::is_const_v<K> && !std::is_volatile_v<K>,
                  "tinymem::unordered_map / unordered_set: the key must be a non-const, non-volatile object type");
    static_assert(is_relocatable_v<K>,
                  "tinymem::unordered_map<K, V> / unordered_set<K>: K must be relocatable by memmove: trivially "
                  "copyable, or opted in by specialising tinymem::is_relocatable<K> (libstdc++'s std::string is not)");
    static_assert(std::is_nothrow_destructible_v<K>, "tinymem::unordered_map / unordered_set: K's destructor must not throw");

    template <class T>
    struct mapped_check {
        static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                      "tinymem::unordered_map<K, V>: V must be a non-const, non-volatile object type");
        static_assert(is_relocatable_v<T>,
                      "tinymem::unordered_map<K, V>: V must be relocatable by memmove: trivially copyable, or opted "
                      "in by specialising tinymem::is_relocatable<V> (libstdc++'s std::string is not)");
        static_assert(std::is_nothrow_destructible_v<T>, "tinymem::unordered_map<K, V>: V's destructor must not throw");
        static constexpr bool ok = true;
    };
    static_assert(std::is_void_v<V> || mapped_check<std::conditional_t<is_map, V, int>>::ok);

    static constexpr bool transparent = requires {
        typename Hash::is_transparent;
        typename KeyEqual::is_transparent;
    };

public:
    using key_type = K;
    using mapped_type = V; // void for a set
    using value_type = typename detail::table_value<K, V>::type;
    using hasher = Hash;
    using key_equal = KeyEqual;
    using pool_type = basic_pool<Config>;
    using handle_type = typename pool_type::handle;
    // 32 bits in the 16-bit configurations (pools up to 1 MiB), size_t otherwise (as vector's).
    using size_type = std::conditional_t<sizeof(typename Config::offset_type) == 2, std::uint32_t, std::size_t>;
    using difference_type = std::ptrdiff_t;
    using reference = value_type&;
    using const_reference = const value_type&;
    using pointer = value_type*;
    using const_pointer = const value_type*;
    // A set's iterator gives const keys, as std::unordered_set's.
    using iterator = detail::hash_iterator<hash_table, !is_map>;
    using const_iterator = detail::hash_iterator<hash_table, true>;
    using view_type = pinned_hash_view<std::conditional_t<is_map, value_type, const value_type>, Config>;
    using const_view_type = pinned_hash_view<const value_type, Config>;

    // The alignment of the block: the entries', at least the pool's granule.
    static constexpr std::size_t block_alignment =
        alignof(value_type) > Config::granule ? alignof(value_type) : Config::granule;
    // The fewest home slots of a table that has a block.
    static constexpr std::size_t min_capacity = 8;

    // What probe_stats() reports: the longest distance of an entry from its home slot, and the
    // sum of all distances (mean = total / size()). A lookup of a present key reads distance + 1
    // metadata bytes.
    struct probe_summary {
        std::size_t longest = 0;
        std::size_t total = 0;
    };

    // ---- construction -------------------------------------------------------------------------

    // Effect: an empty table of `pool` (allocates nothing). Requires: the pool outlives it.
    explicit hash_table(pool_type& pool) noexcept(std::is_nothrow_default_constructible_v<Hash> &&
                                                  std::is_nothrow_default_constructible_v<KeyEqual>)
        : pool_(&pool) {}
    // Effect: an empty table with these hash and equality objects.
    hash_table(pool_type& pool, const Hash& h, const KeyEqual& eq = KeyEqual()) : pool_(&pool), hash_(h), eq_(eq) {}

    // Effect: takes o's entries, block, pool, hash and equality; o is left empty (same pool).
    hash_table(hash_table&& o) noexcept
        : pool_(o.pool_), h_(o.h_), size_(o.size_), shift_(o.shift_), max_load_(o.max_load_),
          hash_(std::move(o.hash_)), eq_(std::move(o.eq_)) {
        o.forget();
    }
    // Effect: destroys this table's entries and takes over o's. While this table's block is
    //   pinned (a pinned_hash_view lives) that block can be neither freed nor moved: the table is
    //   then cleared and the two swap blocks, so o keeps this table's old block, empty, and must
    //   outlive the view.
    hash_table& operator=(hash_table&& o) noexcept {
        if (this == &o) return *this;
        if (pinned()) {
            clear();
            swap(o);
            return *this;
        }
        release();
        pool_ = o.pool_;
        h_ = o.h_;
        size_ = o.size_;
        shift_ = o.shift_;
        max_load_ = o.max_load_;
        hash_ = std::move(o.hash_);
        eq_ = std::move(o.eq_);
        o.forget();
        return *this;
    }
    // Effect: destroys the entries and frees the block.
    // Requires: no pinned_hash_view of this table (nor any pin of its block) outlives it; else
    //   the block could be neither freed nor reached later: the program stops (std::abort).
    ~hash_table() {
        if (pinned()) [[unlikely]]
            detail::adapter_misuse("tinymem::unordered_map/set destroyed while its block is pinned (a "
                                   "pinned_hash_view outlives its table)");
        release();
    }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    // Effect: an empty table with room for `n` entries. Errors: std::bad_alloc, std::length_error.
    hash_table(pool_type& pool, size_type n) : hash_table(pool) { reserve(n); }
    // Effect: a table holding `init` (a later duplicate key is ignored, as std's).
    // Errors: std::bad_alloc (nothing leaked).
    hash_table(pool_type& pool, std::initializer_list<value_type> init) : hash_table(pool) { insert(init); }
    // A copy in o's pool. Errors: std::bad_alloc.
    hash_table(const hash_table& o) : hash_table(*o.pool_, o.hash_, o.eq_) {
        if (!try_assign(o)) throw std::bad_alloc();
    }
    // Effect: copies o's entries into this table's pool. Errors: std::bad_alloc (unchanged).
    hash_table& operator=(const hash_table& o) {
        if (!try_assign(o)) throw std::bad_alloc();
        return *this;
    }
#else
    hash_table(const hash_table&) = delete; // with exceptions off: try_assign
    hash_table& operator=(const hash_table&) = delete;
#endif

    // Effect: makes this table a copy of `o` (in this table's pool, with o's hash, equality,
    //   maximum load factor and capacity). Keys and values that allocate from the pool
    //   (tinymem::string, nested containers) are copied through their own non-throwing paths.
    // Result: false when the pool cannot hold the copy; this table is then unchanged and no block
    //   is left behind. While this table is pinned the copy must have this table's capacity
    //   (it then goes into the pinned block), else false.
    // Errors: an exception from a key's or value's copy constructor propagates (unchanged).
    // Cost: one new block of o's size; O(o.bucket_count()), no rehashing (same slots).
    bool try_assign(const hash_table& o) {
        if (this == &o) return true;
        hash_table tmp(*pool_, o.hash_, o.eq_);
        tmp.max_load_ = o.max_load_;
        if (!tmp.copy_from(o)) return false;
        if (pinned()) {
            if (tmp.h_ && tmp.shift_ != shift_) return false;
            destroy_all();
            hash_ = tmp.hash_;
            eq_ = tmp.eq_;
            max_load_ = tmp.max_load_;
            if (!tmp.h_) { // o is empty: so is this table, block kept
                std::memset(meta(), 0, slot_count());
                size_ = 0;
                return true;
            }
            std::memcpy(pool_->data(h_), pool_->data(tmp.h_), block_bytes(shift_));
            size_ = tmp.size_;
            tmp.size_ = 0; // relocated, not destroyed
            tmp.release_block_only();
            return true;
        }
        swap(tmp);
        return true;
    }

    // A table built at `where` as an element of a container (a tinymem::vector of tables, a
    // table of tables), the way the constructors would build it but reporting an exhausted pool
    // by false (nothing built then); with exceptions off too.
    static bool construct_element(void* where, pool_type& pool) noexcept {
        ::new (where) hash_table(pool);
        return true;
    }
    static bool construct_element(void* where, hash_table&& o) noexcept {
        ::new (where) hash_table(std::move(o));
        return true;
    }
    static bool construct_element(void* where, const hash_table& o) {
        struct undo {
            hash_table* t;
            ~undo() {
                if (t) t->~hash_table();
            }
        } built{::new (where) hash_table(*o.pool_, o.hash_, o.eq_)};
        if (!built.t->try_assign(o)) return false;
        built.t = nullptr;
        return true;
    }
    static bool construct_element(void* where, hash_table& o) {
        return construct_element(where, static_cast<const hash_table&>(o));
    }

    // ---- access -------------------------------------------------------------------------------

    pool_type& get_pool() const noexcept { return *pool_; }
    // The block's handle (null while the table has no block).
    handle_type handle() const noexcept { return h_; }
    hasher hash_function() const { return hash_; }
    key_equal key_eq() const { return eq_; }

    iterator begin() noexcept { return {this, next_occupied(0)}; }
    iterator end() noexcept { return {this, npos}; }
    const_iterator begin() const noexcept { return {this, next_occupied(0)}; }
    const_iterator end() const noexcept { return {this, npos}; }
    const_iterator cbegin() const noexcept { return begin(); }
    const_iterator cend() const noexcept { return end(); }

    // Effect: pins the block. Result: a view whose iteration and entry references stay valid
    //   while it lives and the table is not modified; false when the pin failed. While it lives
    //   an insert that needs a rehash fails, and the table must not be destroyed.
    view_type pin() noexcept { return view_type(*pool_, h_, slot_count(), size_); }
    const_view_type pin() const noexcept { return const_view_type(*pool_, h_, slot_count(), size_); }

    // ---- lookup (Cost: the key's hash, then ~distance + 1 metadata bytes; keys compared only
    //      against entries of the same home slot) ----------------------------------------------

    // Result: the entry with key `k`, or end().
    iterator find(const K& k) noexcept { return {this, find_slot(k)}; }
    const_iterator find(const K& k) const noexcept { return {this, find_slot(k)}; }
    // Heterogeneous (transparent Hash and KeyEqual): `k` is hashed and compared as it is.
    template <class Kx>
        requires transparent
    iterator find(const Kx& k) noexcept {
        return {this, find_slot(k)};
    }
    template <class Kx>
        requires transparent
    const_iterator find(const Kx& k) const noexcept {
        return {this, find_slot(k)};
    }
    bool contains(const K& k) const noexcept { return find_slot(k) != npos; }
    template <class Kx>
        requires transparent
    bool contains(const Kx& k) const noexcept {
        return find_slot(k) != npos;
    }
    size_type count(const K& k) const noexcept { return contains(k) ? 1 : 0; }
    template <class Kx>
        requires transparent
    size_type count(const Kx& k) const noexcept {
        return contains(k) ? 1 : 0;
    }
    // Result: [find(k), next) or [end(), end()).
    std::pair<iterator, iterator> equal_range(const K& k) noexcept {
        iterator it = find(k);
        if (it == end()) return {it, it};
        iterator next = it;
        return {it, ++next};
    }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    // Map only. Result: the value of key `k`. Errors: std::out_of_range when there is none.
    auto& at(const K& k)
        requires is_map
    {
        return entries()[at_slot(k)].second;
    }
    const auto& at(const K& k) const
        requires is_map
    {
        return entries()[at_slot(k)].second;
    }
    template <class Kx>
        requires(is_map && transparent && !std::is_same_v<Kx, K>)
    auto& at(const Kx& k) {
        return entries()[at_slot(k)].second;
    }
    template <class Kx>
        requires(is_map && transparent && !std::is_same_v<Kx, K>)
    const auto& at(const Kx& k) const {
        return entries()[at_slot(k)].second;
    }
    // Map only. Effect: inserts (k, V()) when k is absent (V() of a pool-allocating V is an empty
    //   one of this pool). Result: the value of key `k`. Errors: std::bad_alloc (the table is
    //   unchanged), std::length_error (more keys of one hash than the table can place).
    // Requires: a V that allocates is changed through modify(), not through this reference.
    template <class Kx>
        requires(is_map && (std::is_same_v<std::remove_cvref_t<Kx>, K> || transparent))
    auto& operator[](Kx&& k) {
        return checked(map_emplace(std::forward<Kx>(k))).first->second;
    }
    auto& operator[](const K& k)
        requires is_map
    {
        return checked(map_emplace(k)).first->second;
    }
#endif

    // Map only. Effect: calls f(value) with the mapped value of `it` moved to the stack, then
    //   moves it back. Result: what f returns. For values that allocate from the pool themselves
    //   (unordered_map<K, tinymem::vector<int>>): their growth may then compact the pool freely.
    // Requires: a valid, dereferenceable iterator; f must not use this table.
    template <class F>
        requires is_map
    decltype(auto) modify(const_iterator it, F&& f) {
        TINYMEM_ASSERT(it.index() < slot_count() && meta()[it.index()] != 0);
        return with_value_at(it.index(), std::forward<F>(f));
    }

    // ---- capacity -----------------------------------------------------------------------------

    size_type size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    // The most entries a table could hold in this pool (a block of every slot in the pool).
    size_type max_size() const noexcept {
        const unsigned s = max_shift();
        return s == 0 ? 0 : size_type(threshold(s));
    }
    // The slots of the block (home slots plus the tail), 0 without a block.
    size_type bucket_count() const noexcept { return size_type(slot_count()); }
    // Entries a table holds before it grows: max_load_factor() of the home slots.
    size_type capacity() const noexcept { return h_ ? size_type(threshold(shift_)) : 0; }
    float load_factor() const noexcept { return h_ ? float(size_) / float(slot_count()) : 0.0f; }
    float max_load_factor() const noexcept { return float(max_load_) / 256.0f; }
    // Effect: sets the maximum load factor (clamped to [0.125, 0.95]); the next insert that passes
    //   it grows the table. Never allocates.
    void max_load_factor(float ml) noexcept {
        if (!(ml >= 0.125f)) ml = 0.125f; // NaN too
        if (ml > 0.95f) ml = 0.95f;
        max_load_ = std::uint8_t(ml * 256.0f);
    }

    // Effect: room for `n` entries without a rehash (never shrinks).
    // Result: false when the pool cannot give it; the table is then unchanged.
    // Cost: a rehash (new block, every entry moved) when it grows.
    bool try_reserve(size_type n) noexcept {
        if (n <= capacity()) return true;
        return grow_to(shift_for(n)) == status::ok;
    }
    // Effect: rebuilds the table with the fewest slots that hold size() entries and number at
    //   least `n` (it may shrink); rehash(0) of an empty table frees the block.
    // Result: false when the pool cannot hold the new block (or the block is pinned and would
    //   change); the table is then unchanged.
    bool try_rehash(size_type n) noexcept {
        if (n == 0 && size_ == 0) {
            if (!h_) return true;
            if (pinned()) return false;
            release();
            return true;
        }
        unsigned s = shift_for(size_ > 0 ? size_ : 1);
        while (slots_for(s) < n && s < max_shift()) ++s;
        if (slots_for(s) < n) return false;
        if (h_ && s == shift_) return true;
        return grow_to(s) == status::ok;
    }
#if TINYMEM_ADAPTERS_EXCEPTIONS
    // Errors: std::length_error beyond max_size(), std::bad_alloc (unchanged).
    void reserve(size_type n) {
        if (n > max_size()) throw std::length_error("tinymem::unordered_map::reserve: more than max_size()");
        if (!try_reserve(n)) throw std::bad_alloc();
    }
    void rehash(size_type n) {
        if (!try_rehash(n)) throw std::bad_alloc();
    }
#endif

    // Result: the longest and the total distance of the entries from their home slots.
    // Cost: O(bucket_count()).
    probe_summary probe_stats() const noexcept {
        probe_summary r;
        if (!h_) return r;
        const unsigned char* m = meta();
        for (std::size_t i = 0, n = slot_count(); i < n; ++i)
            if (m[i] != 0) {
                const std::size_t d = std::size_t(m[i] - 1u);
                r.total += d;
                if (d > r.longest) r.longest = d;
            }
        return r;
    }

    // ---- modifiers ----------------------------------------------------------------------------
    //
    // The try_ members never throw (unless a key's or value's own constructor does) and report
    // an exhausted pool by their result, leaving the table unchanged and no block behind. Their
    // result: {position, true} when inserted, {position of the equal key, false} when the key was
    // there already, {end(), false} when the pool could not hold it (or a key or value that
    // allocates could not get its block, or more keys share one hash than the table can place).
    // Cost: one lookup; an insertion shifts the rest of its cluster by one slot; every
    // max_load_factor() * 2^k-th insertion rehashes into a block twice the size (amortised O(1)).

    // Effect: inserts `v` unless its key is present (a map's value is copied or moved in).
    std::pair<iterator, bool> try_insert(const value_type& v) { return result(insert_value(v)); }
    std::pair<iterator, bool> try_insert(value_type&& v) { return result(insert_value(std::move(v))); }
    // Effect: inserts every element of [first, last) whose key is absent, in order.
    // Result: false at the first that the pool cannot hold; those before it stay inserted.
    template <class It>
    bool try_insert(It first, It last) {
        if constexpr (std::is_base_of_v<std::forward_iterator_tag, typename std::iterator_traits<It>::iterator_category>) {
            const auto n = std::size_t(std::distance(first, last));
            if (n != 0 && size_ + n <= max_size()) (void)try_reserve(size_type(size_ + n)); // fewer rehashes
        }
        for (; first != last; ++first)
            if (try_insert(*first).first == end()) return false;
        return true;
    }

    // Map: Effect: when `k` is absent, inserts (k, V(args...)); when present, does nothing
    //   (args are not touched). A key or value that allocates from the pool is built through its
    //   non-throwing paths (tinymem::string from a std::string_view gets this table's pool).
    //   Heterogeneous `k` (transparent Hash and KeyEqual) is looked up as it is and converted to
    //   K only when inserted. Unlike std::unordered_map::try_emplace this never throws for an
    //   exhausted pool: {end(), false} (see above). Use operator[] or emplace for the throwing
    //   forms.
    // Set: Effect: builds K(args...) and inserts it unless an equal key is present.
    template <class... Args>
    std::pair<iterator, bool> try_emplace(const K& k, Args&&... args) {
        return result(any_emplace(k, std::forward<Args>(args)...));
    }
    template <class... Args>
    std::pair<iterator, bool> try_emplace(K&& k, Args&&... args) {
        return result(any_emplace(std::move(k), std::forward<Args>(args)...));
    }
    template <class Kx, class... Args>
        requires(!std::is_same_v<std::remove_cvref_t<Kx>, K> && !std::is_convertible_v<Kx&&, const_iterator> &&
                 (transparent || !is_map))
    std::pair<iterator, bool> try_emplace(Kx&& k, Args&&... args) {
        return result(any_emplace(std::forward<Kx>(k), std::forward<Args>(args)...));
    }

    // Map only. Effect: inserts (k, obj) when k is absent, else assigns obj to its value (on the
    //   stack, see modify(); a tinymem container value through its try_assign).
    // Result: as try_insert; on {end(), false} the table and the old value are unchanged.
    template <class Kx, class M>
        requires(is_map && (std::is_same_v<std::remove_cvref_t<Kx>, K> || transparent))
    std::pair<iterator, bool> try_insert_or_assign(Kx&& k, M&& obj) {
        return result(assign_or_insert(std::forward<Kx>(k), std::forward<M>(obj)));
    }
    template <class M>
        requires is_map
    std::pair<iterator, bool> try_insert_or_assign(const K& k, M&& obj) {
        return result(assign_or_insert(k, std::forward<M>(obj)));
    }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    // The throwing forms. Result: {position, inserted}. Errors: std::bad_alloc when the pool
    //   cannot hold the entry, std::length_error when more keys share one hash than the table can
    //   place; the table is then unchanged.
    std::pair<iterator, bool> insert(const value_type& v) { return checked(insert_value(v)); }
    std::pair<iterator, bool> insert(value_type&& v) { return checked(insert_value(std::move(v))); }
    // Effect: inserts the elements in order. Errors: std::bad_alloc; those before stay inserted.
    template <class It>
    void insert(It first, It last) {
        if (!try_insert(first, last)) throw std::bad_alloc();
    }
    void insert(std::initializer_list<value_type> init) { insert(init.begin(), init.end()); }
    // Map: emplace(k, v) inserts (k, v) when k is absent (looked up first: nothing is built for a
    //   present key). Set: emplace(args...) builds K(args...) and inserts it when absent.
    template <class... Args>
    std::pair<iterator, bool> emplace(Args&&... args) {
        if constexpr (is_map) {
            static_assert(sizeof...(Args) == 2 || sizeof...(Args) == 1,
                          "tinymem::unordered_map::emplace takes (key, value) or one pair");
            if constexpr (sizeof...(Args) == 2)
                return emplace_kv(std::forward<Args>(args)...);
            else
                return emplace_pair(std::forward<Args>(args)...);
        } else {
            return checked(set_emplace(std::forward<Args>(args)...));
        }
    }
    // Map only. As try_insert_or_assign. Errors: std::bad_alloc (unchanged).
    template <class Kx, class M>
        requires(is_map && (std::is_same_v<std::remove_cvref_t<Kx>, K> || transparent))
    std::pair<iterator, bool> insert_or_assign(Kx&& k, M&& obj) {
        return checked(assign_or_insert(std::forward<Kx>(k), std::forward<M>(obj)));
    }
    template <class M>
        requires is_map
    std::pair<iterator, bool> insert_or_assign(const K& k, M&& obj) {
        return checked(assign_or_insert(k, std::forward<M>(obj)));
    }
#endif

    // Effect: erases the entry at `pos` and shifts the rest of its cluster back one slot.
    // Result: the iterator to go on with: every entry not yet visited from `pos` is visited
    //   exactly once by continuing from it (entries only ever move to lower slots on erase).
    //   Never fails. Requires: a dereferenceable iterator.
    iterator erase(const_iterator pos) noexcept {
        TINYMEM_ASSERT(pos.index() < slot_count() && meta()[pos.index()] != 0);
        erase_slot(pos.index());
        return {this, next_occupied(pos.index())};
    }
    // Effect: erases [first, last). Result: the iterator to go on with.
    iterator erase(const_iterator first, const_iterator last) noexcept {
        std::size_t n = 0;
        for (const_iterator it = first; it != last; ++it) ++n;
        iterator it{this, first.index()};
        while (n-- != 0) it = erase(it);
        return it;
    }
    // Effect: erases the entry of key `k`, if any. Result: how many were erased (0 or 1).
    size_type erase(const K& k) noexcept { return erase_key(k); }
    template <class Kx>
        requires(transparent && !std::is_convertible_v<const Kx&, const_iterator> && !std::is_same_v<Kx, K>)
    size_type erase(const Kx& k) noexcept {
        return erase_key(k);
    }
    // Effect: destroys every entry; keeps the block (try_rehash(0) frees it). Cost: O(slots).
    void clear() noexcept {
        if (!h_) return;
        destroy_all();
        std::memset(meta(), 0, slot_count());
        size_ = 0;
    }

    void swap(hash_table& o) noexcept {
        std::swap(pool_, o.pool_);
        std::swap(h_, o.h_);
        std::swap(size_, o.size_);
        std::swap(shift_, o.shift_);
        std::swap(max_load_, o.max_load_);
        std::swap(hash_, o.hash_);
        std::swap(eq_, o.eq_);
    }
    friend void swap(hash_table& a, hash_table& b) noexcept { a.swap(b); }

    // Result: the same keys (and, for a map, equal values under ==). Cost: a lookup in b per
    //   entry of a.
    friend bool operator==(const hash_table& a, const hash_table& b) {
        if (a.size_ != b.size_) return false;
        for (std::size_t i = a.next_occupied(0); i != npos; i = a.next_occupied(i + 1)) {
            const value_type& x = a.entries()[i];
            const std::size_t j = b.find_slot(key_of(x));
            if (j == npos) return false;
            if constexpr (is_map)
                if (!(b.entries()[j].second == a.entries()[i].second)) return false;
        }
        return true;
    }

private:
    template <class, bool>
    friend class detail::hash_iterator;
    template <class, class, class, class, class>
    friend class hash_table;

    // The slot of end(): the same before and after a rehash, so an end() taken before an
    // insert still compares equal to the end() after it.
    static constexpr std::size_t npos = ~std::size_t{0};

    enum class status : std::uint8_t { ok, existed, no_memory, too_many_collisions };
    struct placed {
        std::size_t slot;
        status st;
    };

    // ---- geometry -----------------------------------------------------------------------------

    static constexpr std::size_t tail_for(std::size_t cap) noexcept { return cap <= 64 ? cap / 2 : 32; }
    static constexpr std::size_t slots_for(unsigned shift) noexcept {
        const std::size_t cap = std::size_t{1} << shift;
        return cap + tail_for(cap);
    }
    static constexpr std::size_t block_bytes(unsigned shift) noexcept {
        return slots_for(shift) * (sizeof(value_type) + 1) + 1;
    }
    std::size_t slot_count() const noexcept { return h_ ? slots_for(shift_) : 0; }
    std::size_t threshold(unsigned shift) const noexcept {
        const std::size_t t = ((std::size_t{1} << shift) * max_load_) >> 8;
        return t == 0 ? 1 : t;
    }
    // The largest shift whose block the pool could hold at all (0: none).
    unsigned max_shift() const noexcept {
        const std::size_t cap = pool_->capacity();
        const std::size_t by_type = std::numeric_limits<size_type>::max();
        unsigned s = 3;
        if (block_bytes(s) > cap) return 0;
        while (s + 1 < sizeof(std::size_t) * 8 - 8 && block_bytes(s + 1) <= cap && slots_for(s + 1) <= by_type) ++s;
        return s;
    }
    // The smallest shift whose table holds n entries.
    unsigned shift_for(std::size_t n) const noexcept {
        unsigned s = 3;
        while (threshold(s) < n && s < sizeof(std::size_t) * 8 - 9) ++s;
        return s;
    }

    value_type* entries() const noexcept { return static_cast<value_type*>(pool_->data(h_)); }
    unsigned char* meta() const noexcept {
        return reinterpret_cast<unsigned char*>(entries() + slot_count());
    }
    static const K& key_of(const value_type& v) noexcept {
        if constexpr (is_map)
            return v.first;
        else
            return v;
    }

    template <class Kx>
    std::size_t home(const Kx& k, unsigned shift) const noexcept {
        std::uint64_t x = std::uint64_t(hash_(k));
        x ^= x >> 32;
        x *= 0x9E3779B97F4A7C15u;
        return std::size_t(x >> (64 - shift));
    }

    // The first occupied slot at or after i (npos when none).
    std::size_t next_occupied(std::size_t i) const noexcept {
        const std::size_t n = slot_count();
        if (i >= n) return npos;
        const unsigned char* m = meta();
        while (i < n && m[i] == 0) ++i;
        return i < n ? i : npos;
    }

    bool pinned() const noexcept { return h_ && pool_->pin_count(h_) != 0; }

    // ---- lookup -------------------------------------------------------------------------------

    // The slot of key k, or npos.
    template <class Kx>
    std::size_t find_slot(const Kx& k) const noexcept {
        if (size_ == 0) return npos;
        const value_type* v = entries();
        const unsigned char* m = meta();
        std::size_t pos = home(k, shift_);
        for (unsigned d = 1;; ++pos, ++d) {
            const unsigned mm = m[pos];
            if (mm < d) return npos; // empty, the sentinel, or an entry of a later home
            if (mm == d && eq_(key_of(v[pos]), k)) return pos;
        }
    }

    // ---- insertion ----------------------------------------------------------------------------

    // Builds a T at `where` from args: through T::construct_element when T allocates from the
    // pool itself (tinymem::string, vector, tables: never throws), else T's constructor; a T that
    // needs its pool (a tinymem::string from a std::string_view, an empty nested container) gets
    // this table's pool.
    template <class T, class... Args>
    bool build_part(void* where, Args&&... args) {
        if constexpr (requires { T::construct_element(where, std::forward<Args>(args)...); }) {
            return T::construct_element(where, std::forward<Args>(args)...);
        } else if constexpr (std::is_constructible_v<T, Args&&...>) {
            ::new (where) T(std::forward<Args>(args)...);
            return true;
        } else if constexpr (requires { T::construct_element(where, *pool_, std::forward<Args>(args)...); }) {
            return T::construct_element(where, *pool_, std::forward<Args>(args)...);
        } else {
            static_assert(detail::always_false<T, Args...>,
                          "tinymem::unordered_map / unordered_set: the key or value cannot be built from these arguments");
            return false;
        }
    }

    // A map entry built on the stack from a built key and a built value (moved into the pair).
    template <class KB, class VB>
    bool build_entry(void* where, KB&& build_key, VB&& build_value) {
        if constexpr (is_map) {
            detail::relocation_slot<K> ks;
            if (!build_key(static_cast<void*>(ks.bytes))) return false;
            struct drop_key {
                K* p;
                ~drop_key() { p->~K(); }
            } dk{ks.get()};
            detail::relocation_slot<V> vs;
            if (!build_value(static_cast<void*>(vs.bytes))) return false;
            struct drop_value {
                V* p;
                ~drop_value() { p->~V(); }
            } dv{vs.get()};
            ::new (where) value_type(std::piecewise_construct, std::forward_as_tuple(std::move(*ks.get())),
                                     std::forward_as_tuple(std::move(*vs.get())));
            return true;
        } else {
            (void)build_value;
            return build_key(where);
        }
    }

    std::pair<iterator, bool> result(placed p) noexcept {
        if (p.st == status::ok) return {iterator(this, p.slot), true};
        if (p.st == status::existed) return {iterator(this, p.slot), false};
        return {end(), false};
    }

    // Map: look `k` up; when absent, build (K from k, V through build_value) and insert.
    template <class Kx, class VB>
    placed insert_key(Kx&& k, VB&& build_value) {
        const std::size_t found = find_slot(k);
        if (found != npos) return {found, status::existed};
        detail::relocation_slot<value_type> e;
        if (!build_entry(e.bytes, [&](void* w) { return build_part<K>(w, std::forward<Kx>(k)); }, build_value))
            return {0, status::no_memory};
        return insert_built(e);
    }

    // Map: look k up, then build (k, V(args...)) when absent.
    template <class Kx, class... Args>
    placed map_emplace(Kx&& k, Args&&... args) {
        return insert_key(std::forward<Kx>(k), [&](void* w) { return build_part<V>(w, std::forward<Args>(args)...); });
    }
    // Set: build K(args...) first (as std's emplace), then insert unless present.
    template <class... Args>
    placed set_emplace(Args&&... args) {
        if constexpr (sizeof...(Args) == 1 && (std::is_same_v<std::remove_cvref_t<Args>, K> && ...)) {
            // A ready key: look it up before copying it.
            const std::size_t found = find_slot(args...);
            if (found != npos) return {found, status::existed};
        }
        detail::relocation_slot<K> e;
        if (!build_part<K>(e.bytes, std::forward<Args>(args)...)) return {0, status::no_memory};
        const std::size_t found = find_slot(*e.get());
        if (found != npos) {
            e.get()->~K();
            return {found, status::existed};
        }
        return insert_built(e);
    }
    template <class... Args>
    placed any_emplace(Args&&... args) {
        if constexpr (is_map)
            return map_emplace(std::forward<Args>(args)...);
        else
            return set_emplace(std::forward<Args>(args)...);
    }
    placed insert_value(const value_type& v) {
        if constexpr (is_map)
            return map_emplace(v.first, v.second);
        else
            return set_emplace(v);
    }
    placed insert_value(value_type&& v) {
        if constexpr (is_map)
            return map_emplace(v.first, std::move(v.second));
        else
            return set_emplace(std::move(v));
    }
    // Map: assigns obj to k's value when present (on the stack), else inserts (k, obj).
    template <class Kx, class M>
    placed assign_or_insert(Kx&& k, M&& obj) {
        const std::size_t i = find_slot(k);
        if (i == npos) return map_emplace(std::forward<Kx>(k), std::forward<M>(obj));
        const bool ok = with_value_at(i, [&](V& v) -> bool {
            if constexpr (std::is_same_v<std::remove_cvref_t<M>, V> && !std::is_lvalue_reference_v<M>) {
                v = std::move(obj);
                return true;
            } else if constexpr (requires { { v.try_assign(obj) } -> std::same_as<bool>; }) {
                return v.try_assign(obj);
            } else {
                v = std::forward<M>(obj);
                return true;
            }
        });
        return {i, ok ? status::existed : status::no_memory};
    }
    template <class Kx>
    std::size_t at_slot(const Kx& k) const {
        const std::size_t i = find_slot(k);
        if (i == npos) {
#if TINYMEM_ADAPTERS_EXCEPTIONS
            throw std::out_of_range("tinymem::unordered_map::at: no such key");
#else
            detail::adapter_misuse("tinymem::unordered_map::at: no such key");
#endif
        }
        return i;
    }

    // Inserts the entry built in `e` (its key absent) and takes it over; destroys it on failure.
    placed insert_built(detail::relocation_slot<value_type>& e) noexcept {
        struct drop {
            value_type* p;
            ~drop() {
                if (p) p->~value_type();
            }
        } guard{e.get()};
        if (!h_ || size_ + 1u > threshold(shift_)) {
            // Twice the slots, or more when max_load_factor() was lowered since the last growth.
            const unsigned want = shift_for(size_ + 1u);
            const status st = grow_to(h_ && shift_ + 1u > want ? shift_ + 1u : want);
            if (st != status::ok) return {0, st};
        }
        for (;;) {
            const std::size_t at = place(e);
            if (at != slot_count()) {
                guard.p = nullptr; // relocated into the table
                ++size_;
                return {at, status::ok};
            }
            // The cluster would pass the last slot or a distance would pass 254: grow, unless
            // the table is already sparse (then too many keys share a hash; growing won't help).
            if (slot_count() > 16 * (std::size_t(size_) + 1)) return {0, status::too_many_collisions};
            const status st = grow_to(shift_ + 1u);
            if (st != status::ok) return {0, st};
        }
    }

    // Places the bytes of `e` (a key not in the table) at its Robin Hood slot, shifting the rest
    // of the cluster up by one. Result: its slot, or slot_count() when it does not fit (a
    // distance would pass 254, or the cluster the last slot): nothing changed then.
    std::size_t place(detail::relocation_slot<value_type>& e) noexcept {
        return place_bytes(entries(), meta(), slot_count(), shift_, e.bytes);
    }
    std::size_t place_bytes(value_type* v, unsigned char* m, std::size_t slots, unsigned shift,
                            const unsigned char* bytes) const noexcept {
        std::size_t pos = home(key_of(*std::launder(reinterpret_cast<const value_type*>(bytes))), shift);
        unsigned d = 1;
        while (m[pos] >= d) {
            ++pos;
            ++d;
        }
        if (d > 255 || pos >= slots) return slots;
        std::size_t end = pos;
        while (m[end] != 0) {
            if (m[end] == 255) return slots;
            ++end;
        }
        if (end >= slots) return slots;
        if (end != pos) {
            std::memmove(static_cast<void*>(v + pos + 1), static_cast<const void*>(v + pos), (end - pos) * sizeof(value_type));
            std::memmove(m + pos + 1, m + pos, end - pos);
            for (std::size_t i = pos + 1; i <= end; ++i) ++m[i];
        }
        std::memcpy(static_cast<void*>(v + pos), bytes, sizeof(value_type));
        m[pos] = static_cast<unsigned char>(d);
        return pos;
    }

    // ---- rehash -------------------------------------------------------------------------------

    // Rebuilds the table with 2^s home slots (larger ones when the entries do not fit s: a
    // cluster running past the end). Result: ok, or no_memory / too_many_collisions with the
    // table unchanged.
    status grow_to(unsigned s) noexcept {
        if (s < 3) s = 3;
        const unsigned most = max_shift();
        if (pinned()) return status::no_memory;
        for (; s <= most; ++s) {
            const status st = rehash_to(s);
            if (st != status::too_many_collisions) return st;
            if ((std::size_t{1} << s) > 16 * (std::size_t(size_) + 1)) return st;
        }
        return status::no_memory;
    }

    // Result: ok; no_memory when the new block cannot be had; too_many_collisions when the
    // entries do not fit 2^s slots. Unchanged unless ok.
    status rehash_to(unsigned s) noexcept {
        const handle_type nh = pool_->allocate(block_bytes(s), block_alignment); // may move our block
        if (!nh) return status::no_memory;
        const std::size_t nslots = slots_for(s);
        value_type* nv = static_cast<value_type*>(pool_->data(nh));
        unsigned char* nm = reinterpret_cast<unsigned char*>(nv + nslots);
        std::memset(nm, 0, nslots + 1);
        if (h_) {
            const value_type* ov = entries();
            const unsigned char* om = meta();
            for (std::size_t i = 0, n = slot_count(); i < n; ++i) {
                if (om[i] == 0) continue;
                if (place_bytes(nv, nm, nslots, s, reinterpret_cast<const unsigned char*>(ov + i)) == nslots) {
                    pool_->deallocate(nh); // the old table still owns every entry
                    return status::too_many_collisions;
                }
            }
            pool_->deallocate(h_); // entries relocated: no destructor runs
        }
        h_ = nh;
        shift_ = static_cast<std::uint8_t>(s);
        return status::ok;
    }

    // ---- erasure ------------------------------------------------------------------------------

    template <class Kx>
    size_type erase_key(const Kx& k) noexcept {
        const std::size_t i = find_slot(k);
        if (i == npos) return 0;
        erase_slot(i);
        return 1;
    }
    void erase_slot(std::size_t pos) noexcept {
        value_type* v = entries();
        v[pos].~value_type(); // may free a block (never moves one)
        v = entries();
        unsigned char* m = meta();
        std::size_t end = pos + 1;
        while (m[end] > 1) ++end; // the entries displaced after pos (the sentinel is 0)
        if (end != pos + 1) {
            std::memmove(static_cast<void*>(v + pos), static_cast<const void*>(v + pos + 1), (end - pos - 1) * sizeof(value_type));
            std::memmove(m + pos, m + pos + 1, end - pos - 1);
            for (std::size_t i = pos; i + 1 < end; ++i) --m[i];
        }
        m[end - 1] = 0;
        --size_;
    }

    // ---- whole-table helpers ------------------------------------------------------------------

    void destroy_all() noexcept {
        if constexpr (!std::is_trivially_destructible_v<value_type>) {
            for (std::size_t i = next_occupied(0); i != npos; i = next_occupied(i + 1))
                entries()[i].~value_type(); // a destructor may free blocks (never moves one)
        }
    }
    void release() noexcept {
        if (!h_) return;
        destroy_all();
        size_ = 0;
        release_block_only();
    }
    void release_block_only() noexcept {
        pool_->deallocate(h_);
        h_ = handle_type{};
        shift_ = 0;
    }
    void forget() noexcept {
        h_ = handle_type{};
        size_ = 0;
        shift_ = 0;
    }

    // Copies o into this table, which is empty and has no block: the same slots, so no hashing.
    bool copy_from(const hash_table& o) {
        // Read o once: our allocation may move o's block and o itself (o may live in pool
        // memory); from here on o is reached through its pool and handle.
        pool_type& src_pool = *o.pool_;
        const handle_type src = o.h_;
        const unsigned s = o.shift_;
        const size_type n = o.size_;
        if (!src || n == 0) return true;
        const handle_type nh = pool_->allocate(block_bytes(s), block_alignment);
        if (!nh) return false;
        h_ = nh;
        shift_ = static_cast<std::uint8_t>(s);
        const std::size_t slots = slots_for(s);
        auto src_entries = [&]() { return static_cast<const value_type*>(src_pool.data(src)); };
        if constexpr (std::is_trivially_copyable_v<K> && (!is_map || std::is_trivially_copyable_v<std::conditional_t<is_map, V, int>>)) {
            std::memcpy(pool_->data(h_), static_cast<const void*>(src_entries()), block_bytes(s));
            size_ = n;
        } else {
            std::memset(meta(), 0, slots + 1);
            for (std::size_t i = 0; i < slots; ++i) {
                const unsigned char mi = reinterpret_cast<const unsigned char*>(src_entries() + slots)[i];
                if (mi == 0) continue;
                detail::relocation_slot<value_type> e;
                // Each part re-reads the source: building the key may allocate and move it.
                const bool ok = build_entry(
                    e.bytes, [&](void* w) { return build_part<K>(w, key_of(src_entries()[i])); },
                    [&](void* w) {
                        if constexpr (is_map)
                            return build_part<V>(w, src_entries()[i].second);
                        else
                            return (void)w, true;
                    });
                if (!ok) return false; // our destructor frees what was copied so far
                std::memcpy(static_cast<void*>(entries() + i), static_cast<const void*>(e.bytes), sizeof(value_type));
                meta()[i] = mi;
                ++size_;
            }
        }
        return true;
    }

    // Calls f(value of slot i) with the value moved to the stack, then moves it back.
    template <class F>
    decltype(auto) with_value_at(std::size_t i, F&& f) {
        using M = std::conditional_t<is_map, V, int>;
        struct put_back {
            hash_table& t;
            std::size_t i;
            detail::relocation_slot<M>& slot;
            ~put_back() {
                std::memcpy(static_cast<void*>(&t.entries()[i].second), static_cast<const void*>(slot.bytes), sizeof(M));
            }
        };
        detail::relocation_slot<M> slot;
        std::memcpy(static_cast<void*>(slot.bytes), static_cast<const void*>(&entries()[i].second), sizeof(M));
        put_back back{*this, i, slot};
        return std::forward<F>(f)(*slot.get());
    }

#if TINYMEM_ADAPTERS_EXCEPTIONS
    // The error of a failed try_ call; the result when it did not fail.
    std::pair<iterator, bool> checked(placed p) {
        if (p.st == status::too_many_collisions)
            throw std::length_error("tinymem::unordered_map: too many keys share one hash value");
        if (p.st == status::no_memory) throw std::bad_alloc();
        return result(p);
    }
    template <class Kx, class Vx>
    std::pair<iterator, bool> emplace_kv(Kx&& k, Vx&& v) {
        if constexpr (std::is_same_v<std::remove_cvref_t<Kx>, K> || transparent)
            return checked(map_emplace(std::forward<Kx>(k), std::forward<Vx>(v)));
        else
            return checked(map_emplace(K(std::forward<Kx>(k)), std::forward<Vx>(v)));
    }
    template <class P>
    std::pair<iterator, bool> emplace_pair(P&& p) {
        return emplace_kv(std::forward<P>(p).first, std::forward<P>(p).second);
    }
#endif

    pool_type* pool_;
    handle_type h_{};
    size_type size_ = 0;
    std::uint8_t shift_ = 0;     // log2 of the home slots, while h_
    std::uint8_t max_load_ = 224; // in 1/256: 0.875
    [[no_unique_address]] Hash hash_{};
    [[no_unique_address]] KeyEqual eq_{};
};

} // namespace tinymem

#endif

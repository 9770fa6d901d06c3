// Owning C handles: std::unique_ptr<T, CDeleter<&free_function>> calls the library's own free
// function, and never on nullptr.
#pragma once

namespace ferry {

template <auto Fn>
struct CDeleter {
    template <class T>
    void operator()(T* p) const noexcept {
        if (p != nullptr) {
            Fn(p);
        }
    }
};

}  // namespace ferry

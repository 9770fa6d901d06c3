// The applied position as SQL targets store it (_ferry.applied_position), shared by the sinks.
#pragma once

#include <optional>
#include <string>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::apply {

// The stored text of this pipeline's row (nullopt: no row yet) -> its position.
inline Result<std::optional<SourcePosition>> parse_applied_position(const std::optional<std::string>& text) {
    if (!text) {
        return std::optional<SourcePosition>{};
    }
    SourcePosition pos;
    if (!parse_position(*text, pos)) {
        return Status::error(Errc::Corruption, "unreadable position in _ferry.applied_position at the target");
    }
    return std::optional<SourcePosition>{pos};
}

}  // namespace ferry::apply

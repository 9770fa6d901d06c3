#include "ferry/core/status.hpp"

namespace ferry {

std::string_view errc_name(Errc code) noexcept {
    switch (code) {
        case Errc::Ok: return "ok";
        case Errc::Transient: return "transient";
        case Errc::SourceGone: return "source_gone";
        case Errc::Corruption: return "corruption";
        case Errc::InvalidConfig: return "invalid_config";
        case Errc::Unsupported: return "unsupported";
        case Errc::Cancelled: return "cancelled";
        case Errc::Internal: return "internal";
        case Errc::Fatal: return "fatal";
        case Errc::Restart: return "restart";
    }
    return "unknown";
}

}  // namespace ferry

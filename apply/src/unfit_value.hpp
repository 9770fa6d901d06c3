// A value the target cannot hold exactly (Errc::Unsupported from a conversion) stops the pipeline.
// What the user can do about it differs between the copy (the source can still be corrected) and the
// stream (the change is in the source's log already), so the message says which.
#pragma once

#include <string>

#include "ferry/core/event.hpp"
#include "ferry/core/status.hpp"

namespace ferry::apply {

inline Status unfit_in_copy(const Status& st) {
    if (st.code() != Errc::Unsupported) {
        return st;
    }
    return Status::error(Errc::Unsupported, st.message() + "; correct the value at the source (or leave the table out "
                                                           "of source.tables), then run ferry again");
}

inline Status unfit_in_stream(const Status& st, const SourcePosition& at) {
    const Status placed = st.with_context("at " + format_position(at));
    if (st.code() != Errc::Unsupported) {
        return placed;
    }
    return Status::error(Errc::Unsupported, placed.message() + "; the change is in the source's log already: leave the "
                                                               "table out of source.tables, or start over with an empty "
                                                               "state_dir (a new copy) once the source holds no such value");
}

}  // namespace ferry::apply

// libFuzzer target for the replication-protocol and pgoutput decoders: any input must decode or
// return an error, never crash or read out of bounds. Build with clang and FERRY_FUZZ=ON:
//   CXX=clang++ cmake -S . -B build-fuzz -DFERRY_FUZZ=ON -DFERRY_SANITIZE=address,undefined
//   mkdir -p /tmp/corpus && build-fuzz/tests/fuzz/ferry_pgoutput_fuzz /tmp/corpus tests/fixtures/pgoutput -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <span>

#include "pgoutput.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto bytes = std::as_bytes(std::span(data, size));
    const bool decoded = ferry::capture::pg::decode_pgoutput(bytes).ok();
    (void)decoded;
    auto copy = ferry::capture::pg::decode_copy_message(bytes);
    if (copy.ok()) {
        if (const auto* x = std::get_if<ferry::capture::pg::XLogData>(&copy.value())) {
            const bool payload_decoded = ferry::capture::pg::decode_pgoutput(x->payload).ok();
            (void)payload_decoded;
        }
    }
    return 0;
}

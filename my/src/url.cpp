#include <charconv>

#include "ferry/core/hex.hpp"
#include "ferry/my/connection.hpp"

namespace ferry::my {

namespace {

Status bad(std::string_view why) {
    return Status::error(Errc::InvalidConfig, "not a mysql:// URL (" + std::string(why)
                                                  + "); expected mysql://user:password@host:port/database");
}


bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out.push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size()) {
            return false;
        }
        const int hi = hex_digit(in[i + 1]);
        const int lo = hex_digit(in[i + 2]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return true;
}

}  // namespace

Result<Url> parse_url(std::string_view url) {
    constexpr std::string_view kScheme = "mysql://";
    if (url.substr(0, kScheme.size()) != kScheme) {
        return bad("it must start with mysql://");
    }
    std::string_view rest = url.substr(kScheme.size());
    Url out;
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (path.find_first_of("?#") != std::string_view::npos) {
        return bad("query parameters are not supported");
    }
    if (!percent_decode(path, out.database)) {
        return bad("bad percent escape in the database name");
    }
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        const auto colon = userinfo.find(':');
        if (!percent_decode(userinfo.substr(0, colon), out.user)
            || (colon != std::string_view::npos && !percent_decode(userinfo.substr(colon + 1), out.password))) {
            return bad("bad percent escape in the user or password");
        }
    }
    if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        const std::string_view port = authority.substr(colon + 1);
        const auto r = std::from_chars(port.data(), port.data() + port.size(), out.port);
        if (r.ec != std::errc() || r.ptr != port.data() + port.size() || out.port == 0 || out.port > 65535) {
            return bad("the port is not a number from 1 to 65535");
        }
        authority = authority.substr(0, colon);
    }
    if (!authority.empty() && authority != "localhost") {
        out.host.assign(authority);
    }
    return out;
}

std::string describe_url(const Url& url) { return url.host + ":" + std::to_string(url.port) + "/" + url.database; }

}  // namespace ferry::my

-- wrk script for bench/rate-limit-overhead: each request submits the identity of another roster
-- member to that member's own registration (lines "registration-id certificate" in BENCH_PAIRS),
-- the way distinct people register; wrk threads take interleaved lines so none collide.
local threads = 0
function setup(thread)
    thread:set("index", threads)
    threads = threads + 1
    thread:set("stride", 2)
end

function init(args)
    pairs_ = {}
    local n = 0
    for line in io.lines(os.getenv("BENCH_PAIRS")) do
        if n % stride == index then
            local id, cert = line:match("(%S+)%s+(%S+)")
            pairs_[#pairs_ + 1] = { id, cert }
        end
        n = n + 1
    end
    next_ = 1
end

function request()
    local p = pairs_[next_]
    next_ = next_ % #pairs_ + 1
    local body = '{"lastName":"Tremblay","firstName":"Jeanne","dateOfBirth":"1998-04-01","certificateNumber":"' .. p[2] .. '"}'
    return wrk.format("POST", os.getenv("BENCH_PREFIX") .. p[1] .. "/identity", { ["Content-Type"] = "application/json" }, body)
end

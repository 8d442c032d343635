-- wrk script for bench/login-throughput: POST a login with the bench member's credentials.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"' .. os.getenv("BENCH_EMAIL") .. '","password":"Soleil#Nord42","acceptTerms":false}'

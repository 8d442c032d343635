-- wrk script for bench/rate-limit-overhead: start a registration with the bench member's e-mail.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"jeanne@bench.example.ca","emailConfirmation":"jeanne@bench.example.ca"}'

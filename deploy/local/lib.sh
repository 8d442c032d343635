# Shared by deploy/local/run, deploy/local/test and bench/: system packages and a private
# PostgreSQL cluster. Source it; it defines functions only.

# Installs what the build and the tests need from Debian (tzdata: the server dates claims and
# requests in Eastern time), running `apt-get update` first
# when anything is missing.
pp_install_packages() {
    local wanted=(postgresql postgresql-contrib libargon2-dev pkg-config python3 python3-venv python3-aiosmtpd argon2 curl chromium tzdata "$@")
    local missing=()
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "installing: ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -q
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
    fi
}

# pp_python_tools ROOT: the one virtualenv of the Python tools the scripts run
# (openapi-spec-validator, schemathesis, the manifest validators check-jsonschema and
# kubernetes-validate, and the portal's browser tests: pytest, playwright driving Debian's
# chromium — no browser download — and axe-playwright-python), ROOT/.build/python-tools (git-ignored), created on first
# use and reused while the pinned set is unchanged; prints its folder. Never the system pip (PEP
# 668 refuses it on Debian 12). Built on the newest Python the machine has: CPython 3.11 before
# 3.11.9 can fail inside schemathesis with "AST constructor recursion depth mismatch".
pp_python_tools() {
    local venv="${PYTHON_TOOLS_VENV:-$1/.build/python-tools}"
    local wanted="openapi-spec-validator>=0.7,<0.8 schemathesis>=4.32,<5 check-jsonschema>=0.29,<1 kubernetes-validate>=1.30,<2 pyyaml>=6,<7 jsonpatch>=1.33,<2 playwright>=1.50,<2 axe-playwright-python>=0.1.8,<0.2 pytest>=8,<9"
    if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$wanted" ]; then
        local py="" candidate
        for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) python3.13 python3.12 python3; do
            if "$candidate" -c 'import sys, venv, ensurepip' 2>/dev/null; then py="$candidate"; break; fi
        done
        [ -n "$py" ] || { echo "no Python with venv and ensurepip (Debian: python3-venv)" >&2; return 1; }
        rm -rf "$venv"
        "$py" -m venv "$venv" >&2 || return 1
        # shellcheck disable=SC2086  # the pinned set is split on purpose
        "$venv/bin/pip" install -q --disable-pip-version-check $wanted >&2 || return 1
        echo "$wanted" >"$venv/.installed"
    fi
    echo "$venv"
}

# pp_require_disk MIB DIR...: stops with a plain message when a folder's file system has less than
# MIB MiB free, before a build that would fail much later with "No space left on device" (the
# linker of the test bundle was the first to hit it).
pp_require_disk() {
    local need=$1 dir avail
    shift
    for dir in "$@"; do
        avail=$(df --output=avail -BM "$dir" | tail -n 1 | tr -dc '0-9')
        if [ "${avail:-0}" -lt "$need" ]; then
            echo "not enough disk: $dir has ${avail:-0} MiB free, this needs about $need MiB (build, clusters, browsers); free some and run again" >&2
            return 1
        fi
    done
}

# The bin folder of the newest installed PostgreSQL server.
pp_pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] || { echo "PostgreSQL server binaries not found" >&2; return 1; }
    echo "$dir"
}

# A TCP port nobody listens on now.
pp_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command as the owner of the cluster: the postgres user when we are root.
pp_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pp_start_cluster DIR PORT [fast] [SERVER OPTIONS]: initdb DIR if new, start it on 127.0.0.1:PORT
# with its socket in DIR/socket, and create the database `planportal`. Sets PP_PGDATA and
# DATABASE_URL. SERVER OPTIONS (`-c name=value …`) are added to the server's command line.
# Authentication: peer on the socket, scram-sha-256 with a random password (DIR/pg-password,
# mode 0600) on TCP; never `trust`. A cluster made with `trust` by an older version is converted.
pp_start_cluster() {
    local dir="$1" port="$2" mode="${3:-}" more="${4:-}"
    local bin
    bin=$(pp_pg_bin) || return 1
    (umask 077; mkdir -p "$dir")
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
    local pwfile="$dir/pg-password"
    if ! pp_as_owner test -s "$pwfile"; then
        pp_as_owner sh -c 'umask 077; python3 -c "import secrets; print(secrets.token_hex(24))" > "$1"' sh "$pwfile"
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        pp_as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 --pwfile="$pwfile" \
            -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; return 1; }
    fi
    pp_as_owner mkdir -p "$dir/socket"
    local extra=""
    # The throwaway test cluster trades durability for speed.
    [ "$mode" = "fast" ] && extra="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    pp_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $dir/socket -c max_connections=400 -c password_encryption=scram-sha-256 $extra $more" start >/dev/null \
        || { cat "$dir/postgres.log" >&2; return 1; }
    PP_PGDATA="$dir/data"
    local password
    password=$(pp_as_owner cat "$pwfile")
    if pp_as_owner grep -qE '^[[:space:]]*(local|host)[^#]*[[:space:]]trust([[:space:]]|$)' "$dir/data/pg_hba.conf"; then
        # Made with `trust` before: give postgres its password, then require it.
        pp_as_owner "$bin/psql" -h "$dir/socket" -p "$port" -U postgres -d postgres -qtAc "ALTER ROLE postgres PASSWORD '$password'" >/dev/null
        pp_as_owner sed -i -E '/^[[:space:]]*local/ s/[[:space:]]trust([[:space:]]*)$/ peer\1/; /^[[:space:]]*host/ s/[[:space:]]trust([[:space:]]*)$/ scram-sha-256\1/' "$dir/data/pg_hba.conf"
        pp_as_owner "$bin/pg_ctl" -D "$dir/data" reload >/dev/null
    fi
    PGPASSWORD="$password" pp_as_owner env PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc \
        "SELECT 1 FROM pg_database WHERE datname = 'planportal'" | grep -q 1 \
        || pp_as_owner env PGPASSWORD="$password" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres planportal
    DATABASE_URL="postgres://postgres:$password@127.0.0.1:$port/planportal"
    export DATABASE_URL PP_PGDATA
}

# pp_export_secrets_key: a fresh SECRETS_KEY for every process of a test run (the suite, the
# servers it starts, the checks): one key seals the plan secrets they share, and the tests that
# start a production server need one.
pp_export_secrets_key() {
    SECRETS_KEY=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
    export SECRETS_KEY
}

# pp_own_database PREFIX: a fresh database PREFIX_<pid> on the cluster of DATABASE_URL, which
# DATABASE_URL then names (the cluster's stays in PP_CLUSTER_URL). Per-address login rules count
# across every plan of a database (`loginIp`, 15 minutes): a check that logs in from 127.0.0.1
# gets a database of its own so the suite's and schemathesis' failed logins are not counted.
pp_own_database() {
    PP_CLUSTER_URL="$DATABASE_URL"
    PP_OWN_DATABASE="$1_$$"
    DATABASE_URL=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$PP_CLUSTER_URL" "$PP_OWN_DATABASE")
    export DATABASE_URL PP_CLUSTER_URL PP_OWN_DATABASE
    "$(pp_pg_bin)/psql" "$PP_CLUSTER_URL" -qtAX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $PP_OWN_DATABASE" >/dev/null
}

# Drops the database pp_own_database made (for an EXIT trap; never fails).
pp_drop_own_database() {
    [ -n "${PP_OWN_DATABASE:-}" ] || return 0
    "$(pp_pg_bin)/psql" "$PP_CLUSTER_URL" -qtAX -c "DROP DATABASE IF EXISTS $PP_OWN_DATABASE WITH (FORCE)" >/dev/null 2>&1 || true
}

# Stops the cluster started by pp_start_cluster (fast shutdown).
pp_stop_cluster() {
    local dir="$1"
    local bin
    bin=$(pp_pg_bin) || return 0
    [ -f "$dir/data/postmaster.pid" ] && pp_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
    return 0
}

# pp_start_smtp_capture PORT DIR: the test SMTP peer (deploy/local/smtp-capture.py) in the
# background; sets PP_SMTP_PID. Waits until it accepts connections.
pp_start_smtp_capture() {
    local port="$1" dir="$2"
    /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/smtp-capture.py" "$port" "$dir" >"$dir.log" 2>&1 &
    PP_SMTP_PID=$!
    for _ in $(seq 50); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 0.2)" "$port" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    cat "$dir.log" >&2
    return 1
}

# Builds and installs Citus for the newest installed PostgreSQL server (deploy/citus/check sources it).
# The build is cached under .data/citus/<tarball sha>-<patch sha>-pg<server version>/, so a second
# run only copies the installed files back into PostgreSQL's folders.

PP_CITUS_VENDOR="${PP_CITUS_VENDOR:-}"

# pp_citus_vendor: the folder holding citus-*.tar.gz and its patch (shared/vendor beside the clone).
pp_citus_vendor() {
    local root="$1"
    for dir in "$PP_CITUS_VENDOR" "$root/../shared/vendor" "/work/shared/vendor"; do
        [ -n "$dir" ] && ls "$dir"/citus-*.tar.gz >/dev/null 2>&1 && { (cd "$dir" && pwd); return 0; }
    done
    echo "no citus-*.tar.gz found: set PP_CITUS_VENDOR to the folder holding it" >&2
    return 1
}

# pp_citus_install ROOT: build (or reuse) Citus for the PostgreSQL of pp_pg_bin and install it there.
pp_citus_install() {
    local root="$1" vendor bin major pg_config tarball patch key cache
    vendor=$(pp_citus_vendor "$root") || return 1
    bin=$(pp_pg_bin) || return 1
    major=$(basename "$(dirname "$bin")")
    pp_install_packages "postgresql-server-dev-$major" build-essential autoconf flex libcurl4-openssl-dev \
        liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev libxslt1-dev libpam0g-dev libreadline-dev zlib1g-dev
    pg_config="$bin/pg_config"
    [ -x "$pg_config" ] || pg_config=/usr/bin/pg_config
    tarball=$(ls "$vendor"/citus-*.tar.gz | sort -V | tail -n 1)
    patch=$(ls "$vendor"/citus-*.patch 2>/dev/null | sort | tail -n 1 || true)
    # The server's exact version is part of the key: a minor release can change what the build needs.
    key="$(sha256sum "$tarball" | cut -c1-12)-$( [ -n "$patch" ] && sha256sum "$patch" | cut -c1-12 || echo nopatch)-pg$("$bin/postgres" --version | awk '{print $3}')"
    cache="$root/.data/citus/$key"
    if [ ! -f "$cache/installed.ok" ]; then
        echo "building Citus from $(basename "$tarball") for PostgreSQL $major (cache: .data/citus/$key)" >&2
        rm -rf "$cache"
        mkdir -p "$cache/src" "$cache/stage"
        tar xzf "$tarball" -C "$cache/src" --strip-components=1
        if [ -n "$patch" ]; then (cd "$cache/src" && patch -p1 -s < "$patch"); fi
        (cd "$cache/src" && ./configure PG_CONFIG="$pg_config" >"$cache/configure.log" 2>&1 \
            && make -j"$(nproc)" with_llvm=no >"$cache/make.log" 2>&1 \
            && make install with_llvm=no DESTDIR="$cache/stage" >"$cache/install.log" 2>&1) \
            || { echo "Citus build failed; logs in $cache" >&2; tail -n 30 "$cache"/*.log >&2; return 1; }
        touch "$cache/installed.ok"
    fi
    # Copy the staged files (citus.so, extension scripts) into PostgreSQL's folders.
    cp -a "$cache/stage/." /
}

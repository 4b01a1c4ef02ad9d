#!/usr/bin/env bash
# Runs every test of smartgrid: installs the tools the tests use when missing, builds the
# `smartgrid` binary the end-to-end tests start, then runs `swift test`.
# Under CI=true a tool that cannot be installed fails the run; it is never skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_updated=0
need() {  # need TOOL PACKAGE
    local tool=$1 package=$2
    command -v "$tool" >/dev/null 2>&1 && return 0
    if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
        echo "installing $package (for $tool)"
        if ((apt_updated == 0)); then apt-get update -qq && apt_updated=1; fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
    fi
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool is missing and could not be installed (apt-get install $package)" >&2
        exit 1
    fi
}

need prometheus prometheus
need promtool prometheus
need docker-compose docker-compose   # validates docker-compose.yml (there is no container engine here)
need unshare util-linux              # a private /etc/hosts for the DNS discovery test
need ip iproute2                     # network namespaces for the link-cut chaos test
need chromium chromium               # renders the dashboard and the load test report
need haproxy haproxy                 # the benchmark script's smoke test runs HAProxy beside the balancer
need wrk wrk                         # ... under wrk

# Python tools the tests use: PyYAML (reads compose and k8s files), kubernetes-validate, and
# websocket-client (drives Chromium over the DevTools protocol in the dashboard test).
# openapi-spec-validator and jsonschema check /openapi.json against real answers; schemathesis
# fuzzes the gateway from that document. ocpp (The Mobility House; checks every frame against the
# official OCPP 1.6 and 2.0.1 schemas) and websockets make the real charge points of the OCPP tests.
python_modules="yaml, kubernetes_validate, websocket, openapi_spec_validator, jsonschema, schemathesis, ocpp, websockets"
if ! python3 -c "import $python_modules" 2>/dev/null; then
    echo "installing the Python test tools (pip)"
    python3 -m pip install -q --root-user-action=ignore pyyaml kubernetes-validate websocket-client openapi-spec-validator jsonschema \
        schemathesis ocpp websockets
fi
if ! python3 -c "import $python_modules" 2>/dev/null; then
    echo "error: a Python test tool ($python_modules) is missing and could not be installed" >&2
    exit 1
fi

# A private PostgreSQL for the tests of several gateways on one database: its own cluster in a
# temporary folder, run as the postgres user on a loopback port, stopped when the tests end.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z $pg_bin && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing postgresql (for the shared-database tests)"
    if ((apt_updated == 0)); then apt-get update -qq && apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [[ -n $pg_bin && -x $pg_bin/initdb ]] && id postgres >/dev/null 2>&1; then
    pg_port=${SMARTGRID_TEST_PG_PORT:-55432}
    pg_dir=$(mktemp -d /tmp/smartgrid-pg.XXXXXX)
    chown postgres "$pg_dir"
    as_postgres() { if [[ $(id -un) == postgres ]]; then "$@"; else runuser -u postgres -- "$@"; fi; }
    printf 'smartgrid-test\n' >"$pg_dir/password"
    chown postgres "$pg_dir/password"
    as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=scram-sha-256 --pwfile="$pg_dir/password" >/dev/null
    # In the cluster's own settings, so the tests' stop and start keep them.
    printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nmax_connections = 300\n" \
        "$pg_port" "$pg_dir" >>"$pg_dir/data/postgresql.conf"
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 30 start >/dev/null
    stop_postgres() {
        as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
        rm -rf "$pg_dir"
    }
    trap stop_postgres EXIT
    export SMARTGRID_TEST_DATABASE_URL="postgres://postgres:smartgrid-test@127.0.0.1:$pg_port/postgres"
    # The database-restart test stops and starts this cluster: how, for the tests.
    export SMARTGRID_TEST_PG_CTL="$pg_bin/pg_ctl"
    export SMARTGRID_TEST_PG_DATA="$pg_dir/data"
    export SMARTGRID_TEST_PG_LOG="$pg_dir/server.log"
    echo "PostgreSQL for the tests: 127.0.0.1:$pg_port (cluster in $pg_dir)"
elif [[ ${CI:-} == true ]]; then
    echo "error: PostgreSQL (initdb, pg_ctl) is missing and could not be installed (apt-get install postgresql)" >&2
    exit 1
else
    echo "warning: no PostgreSQL: the shared-database tests are skipped" >&2
fi

swift build
# One test at a time: the end-to-end suites start real grids, Prometheus and Chromium, and their
# timing figures (rates, durations, detection within poll intervals) mean nothing on a machine
# that other suites are saturating.
swift test --no-parallel "$@"

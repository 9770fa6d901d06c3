#!/usr/bin/env bash
# Starts and stops the throwaway PostgreSQL 15 and MariaDB 10.11 servers the integration tests and
# the demo use.
#   servers.sh up DIR     start: source (wal_level=logical), target, and a wal_level=replica server,
#                         a MariaDB source (binlog in ROW format, FULL images and metadata) and a
#                         MariaDB target; writes DIR/env with the FERRY_TEST_PG_* and FERRY_TEST_MYSQL_*
#                         URLs
#   servers.sh mysql_single DIR [mariadbd options...]
#                         start one more MariaDB server in DIR/mysql_single and print its URL
#   servers.sh mysql_restart DIR clean|crash
#                         restart that server on the same port (crash: kill -9 first)
#   servers.sh single DIR [postgresql.conf lines...]
#                         start one more wal_level=logical server in DIR/single and print its DSN
#                         (for tests that change server-wide settings)
#   servers.sh down DIR   stop them and remove DIR
# PostgreSQL refuses to run as root, so the clusters run as the `postgres` user.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?usage: servers.sh up|down DIR}
dir=${2:?usage: servers.sh up|down DIR}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Ports below the kernel's ephemeral range (ip_local_port_range starts at 32768), so no client socket
# can hold the port between this check and the server's bind; the callers still retry on a lost race.
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( (RANDOM % 20000) + 12000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  echo "no free port found" >&2; return 1
}

start_cluster() {  # name wal_level extra_conf...
  local name=$1 wal_level=$2; shift 2
  local data="$dir/$name" port
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
  as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/$name.initdb.log" 2>&1 \
    || { cat "$dir/$name.initdb.log" >&2; return 1; }
  cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
wal_level = $wal_level
max_replication_slots = 40
max_wal_senders = 40
max_connections = 200
shared_buffers = 256MB
logging_collector = off
log_min_messages = warning
CONF
  for line in "$@"; do echo "$line" >>"$data/postgresql.conf"; done
  for attempt in 1 2 3 4 5; do  # a later `port` line overrides an earlier one
    port=$(free_port)
    echo "port = $port" >>"$data/postgresql.conf"
    if as_pg "$PGBIN/pg_ctl" -D "$data" -l "$dir/$name.log" -w -t 60 start >/dev/null; then
      echo "postgresql://postgres@127.0.0.1:$port/postgres"
      return 0
    fi
    grep -q "could not create any TCP/IP sockets" "$dir/$name.log" || break
  done
  cat "$dir/$name.log" >&2
  return 1
}

# A MariaDB server as the `mysql` user with its binlog set up the way Ferry needs it; prints its URL.
start_mariadb() {  # name extra_options...
  local name=$1; shift
  local data="$dir/$name" port pid
  # A tmpdir of its own: a MariaDB server deletes every #sql* file in its tmpdir when it starts, so
  # a server started beside running ones must not share /tmp with them.
  mkdir -p "$data/tmp"
  [ "$(id -u)" = 0 ] && chown -R mysql:mysql "$data"
  TMPDIR="$data/tmp" mariadb-install-db --no-defaults --datadir="$data/db" --user=mysql --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/$name.install.log" 2>&1 || { cat "$dir/$name.install.log" >&2; return 1; }
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    local run=(/usr/sbin/mariadbd --no-defaults --datadir="$data/db" --socket="$data/sock" --port="$port"
      --bind-address=127.0.0.1 --pid-file="$data/pid" --log-error="$data/error.log" --log-bin="$data/db/binlog"
      --tmpdir="$data/tmp"
      --binlog-format=ROW --binlog-row-image=FULL --binlog-row-metadata=FULL --server-id=1 --skip-name-resolve
      --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 --max-connections=300 "$@")
    if [ "$(id -u)" = 0 ]; then run=(runuser -u mysql -- "${run[@]}"); fi
    printf '%q ' "${run[@]}" >"$data/run.cmd"
    if wait_for_mariadb "$data"; then
      mariadb --no-defaults -S "$data/sock" -uroot -e "CREATE USER ferry@'%' IDENTIFIED BY 'ferry';
        GRANT ALL ON *.* TO ferry@'%' WITH GRANT OPTION;" || { cat "$data/error.log" >&2; return 1; }
      echo "mysql://ferry:ferry@127.0.0.1:$port/"
      return 0
    fi
    grep -q "Bind on TCP/IP port" "$data/error.log" 2>/dev/null || break
  done
  cat "$data/error.log" >&2
  return 1
}

wait_for_mariadb() {  # data_dir: starts the server recorded in data_dir/run.cmd, waits until it answers
  local data=$1 pid
  eval "$(cat "$data/run.cmd")" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    if mariadb --no-defaults -S "$data/sock" -uroot -e "SELECT 1" >/dev/null 2>&1; then return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

restart_mariadb() {  # name clean|crash
  local data="$dir/$1"
  if [ "$2" = crash ]; then
    stop_mariadb "$1"
  else
    local pid; pid=$(cat "$data/pid")
    mariadb-admin --no-defaults -S "$data/sock" -uroot shutdown
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  fi
  wait_for_mariadb "$data" || { cat "$data/error.log" >&2; return 1; }
}

stop_mariadb() {
  local data="$dir/$1"
  [ -f "$data/pid" ] || return 0
  local pid; pid=$(cat "$data/pid")
  kill -9 "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
}

prepare_dir() {
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
}

case "$cmd" in
  mysql_single)
    shift 2
    prepare_dir
    start_mariadb mysql_single "$@"
    ;;
  mysql_restart)
    restart_mariadb mysql_single "${3:?clean or crash}"
    ;;
  single)
    shift 2
    prepare_dir
    start_cluster single logical "fsync = off" "$@"
    ;;
  up)
    prepare_dir
    fsync=${FERRY_TEST_PG_FSYNC:-off}
    src=$(start_cluster source logical "fsync = $fsync")
    tgt=$(start_cluster target logical "fsync = $fsync")  # logical: cutover --reverse captures there
    rep=$(start_cluster replica_level replica "fsync = $fsync")
    my_src=$(start_mariadb mysql_source)
    my_tgt=$(start_mariadb mysql_target --server-id=2)  # a replica of the source in bench/mysql.sh
    cat >"$dir/env" <<ENV
export FERRY_TEST_PG_SOURCE='$src'
export FERRY_TEST_PG_TARGET='$tgt'
export FERRY_TEST_PG_REPLICA_LEVEL='$rep'
export FERRY_TEST_MYSQL_SOURCE='$my_src'
export FERRY_TEST_MYSQL_TARGET='$my_tgt'
ENV
    echo "servers up in $dir" >&2
    ;;
  down)
    stop_mariadb mysql_source
    stop_mariadb mysql_target
    stop_mariadb mysql_single
    for name in source target replica_level single; do
      if [ -d "$dir/$name" ]; then as_pg "$PGBIN/pg_ctl" -D "$dir/$name" -m immediate -w stop >/dev/null 2>&1 || true; fi
    done
    rm -rf "$dir"
    ;;
  *) echo "usage: servers.sh up|down DIR" >&2; exit 2 ;;
esac

#!/bin/bash
# Emulated cluster nodes on one machine: N Linux network namespaces ("node1".."nodeN",
# each with its own hostname through a UTS namespace) joined by veth pairs on a bridge
# that lives in a namespace of its own. Addresses (10.77.0.0/24) exist only inside these
# namespaces; nothing is added to the host's network.
#   netns-cluster.sh up [N]            create (idempotent)
#   netns-cluster.sh down              remove every namespace, link and file it made
#   netns-cluster.sh status
#   netns-cluster.sh mpirun ARGS...    mpirun started on node1; other nodes reached through
#                                      an rsh agent that enters their namespace (TCP between
#                                      nodes, shared memory inside each)
set -u
prefix=${PARLAB_NETNS_PREFIX:-plab}
state=/run/parlab-netns-$prefix
here=$(dirname "$(realpath "$0")")

nodes() { [ -f "$state/nodes" ] && cat "$state/nodes" || echo 0; }

up() {
  local n=${1:-2}
  if [ "$(nodes)" = "$n" ] && ip netns list | grep -qw "${prefix}-sw"; then return 0; fi
  [ "$(nodes)" = 0 ] || down
  mkdir -p "$state"
  echo "$n" > "$state/nodes"  # first, so that down cleans up after a half-made up
  ip netns add "${prefix}-sw" || { echo "up: cannot create network namespaces (need root)" >&2; return 1; }
  ip -n "${prefix}-sw" link add br0 type bridge && ip -n "${prefix}-sw" link set br0 up
  local hosts="127.0.0.1 localhost"$'\n'
  for i in $(seq 1 "$n"); do hosts+="10.77.0.$i node$i"$'\n'; done
  for i in $(seq 1 "$n"); do
    local ns=${prefix}-node$i
    ip netns add "$ns" || return 1
    ip link add eth0 netns "$ns" type veth peer name port$i netns "${prefix}-sw" || return 1
    ip -n "${prefix}-sw" link set "port$i" master br0
    ip -n "${prefix}-sw" link set "port$i" up
    ip -n "$ns" addr add "10.77.0.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    mkdir -p "/etc/netns/$ns"
    printf '%s' "$hosts" > "/etc/netns/$ns/hosts"  # `ip netns exec` binds it over /etc/hosts
  done
  cat > "$state/agent" <<AGENT
#!/bin/bash
# Open MPI rsh agent: "agent nodeK command..." runs the command in node K's namespace.
host=\$1
shift
exec ip netns exec "${prefix}-\$host" unshare --uts sh -c "hostname \$host; \$*"
AGENT
  chmod +x "$state/agent"
}

down() {
  local n
  n=$(nodes)
  for i in $(seq 1 "$n"); do
    ip netns pids "${prefix}-node$i" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "${prefix}-node$i" 2>/dev/null
    rm -rf "/etc/netns/${prefix}-node$i"
  done
  ip netns del "${prefix}-sw" 2>/dev/null
  rm -rf "$state"
  return 0
}

status() {
  echo "nodes: $(nodes)"
  ip netns list | grep "^${prefix}-" || true
}

run_mpirun() {
  [ "$(nodes)" != 0 ] || { echo "mpirun: the cluster is not up" >&2; return 1; }
  local cmd="OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 exec mpirun"
  cmd+=" --mca plm_rsh_agent $state/agent --mca btl_tcp_if_include eth0 --mca oob_tcp_if_include eth0"
  cmd+=" --bind-to none -x OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}"
  for arg in "$@"; do cmd+=" $(printf '%q' "$arg")"; done
  ip netns exec "${prefix}-node1" unshare --uts sh -c "hostname node1; $cmd"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  status) status ;;
  mpirun) shift; run_mpirun "$@" ;;
  *) echo "usage: $0 up [N] | down | status | mpirun ARGS..." >&2; exit 2 ;;
esac

#!/bin/bash
# A real single-host SLURM (munge + slurmctld + slurmd from Debian's packages) under
# WORKDIR, with its own slurm.conf, state, spool and logs on non-default ports.
#   local-cluster.sh up WORKDIR [N]  start (idempotent) with N emulated nodes (default 1);
#                                    prints the SLURM_CONF to export
#   local-cluster.sh down WORKDIR    cancel every job, stop what up started (idempotent)
#   local-cluster.sh status WORKDIR  what runs
# Keep WORKDIR short: unix socket paths are limited to 108 characters.
set -u
cmd=${1:-}
work=${2:-}
[ -n "$cmd" ] && [ -n "$work" ] || { echo "usage: $0 up|down|status WORKDIR [NODES]" >&2; exit 2; }
work=$(realpath -m "$work")
conf=$work/slurm.conf
host=$(hostname -s)

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$(cat "$1")/status" 2>/dev/null; }

free_port() {
  /usr/bin/python3 -c 'import socket
for p in range(16817, 17817, 2):
    try:
        a = socket.socket(); a.bind(("127.0.0.1", p)); b = socket.socket(); b.bind(("127.0.0.1", p + 1))
        a.close(); b.close(); print(p); break
    except OSError: pass'
}

start_munge() {
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi  # reuse a running munged
  mkdir -p /run/munge /var/log/munge /var/lib/munge /etc/munge
  [ -f /etc/munge/munge.key ] || mungekey -c -k /etc/munge/munge.key 2>/dev/null ||
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  chown munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  runuser -u munge -- /usr/sbin/munged || { echo "up: munged did not start" >&2; return 1; }
  pgrep -n -x munged > "$work/run/munged.pid"  # ours: down stops it
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "up: munge does not answer" >&2
  return 1
}

write_conf() {
  local port node count=$1
  port=$(free_port)
  node=$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]* //')
  cat > "$conf" <<CONF
ClusterName=parlab
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool/%n
TmpFS=$work/tmp/%n
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd-%n.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd-%n.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$work/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
KillWait=5
SchedulerParameters=batch_sched_delay=0
MinJobAge=5
CONF
  if [ "$count" = 1 ]; then
    echo "NodeName=$host NodeAddr=127.0.0.1 $node" >> "$conf"
  else
    # Emulated nodes: one slurmd each, on its own port, in its own UTS namespace.
    echo "SlurmdParameters=config_overrides" >> "$conf"
    for i in $(seq 1 "$count"); do
      echo "NodeName=node$i NodeHostname=node$i NodeAddr=127.0.0.1 Port=$((port + 1 + i)) $node" >> "$conf"
    done
  fi
  echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP" >> "$conf"
  echo "$count" > "$work/nodes"
}

node_names() {
  if [ "$(cat "$work/nodes" 2>/dev/null || echo 1)" = 1 ]; then echo "$host"
  else seq -f "node%g" 1 "$(cat "$work/nodes")"; fi
}

up() {
  local count=${1:-1}
  export SLURM_CONF=$conf
  if [ -f "$conf" ] && [ "$(cat "$work/nodes" 2>/dev/null)" = "$count" ] &&
     alive "$work/run/slurmctld.pid" && [ "$(sinfo -h -N -o %T 2>/dev/null | grep -c idle)" = "$count" ]; then
    echo "export SLURM_CONF=$conf"
    return 0
  fi
  for tool in slurmctld slurmd munged sinfo; do
    command -v "$tool" >/dev/null || { echo "up: $tool not installed (slurm-wlm, munge)" >&2; return 1; }
  done
  mkdir -p "$work"/{state,run,log}
  start_munge || return 1
  [ -f "$conf" ] || write_conf "$count"
  alive "$work/run/slurmctld.pid" || slurmctld -f "$conf" || { echo "up: slurmctld failed: $(tail -3 "$work/log/slurmctld.log")" >&2; return 1; }
  for name in $(node_names); do
    mkdir -p "$work/spool/$name" "$work/tmp/$name"
    alive "$work/run/slurmd-$name.pid" && continue
    if [ "$name" = "$host" ]; then
      slurmd -f "$conf"
    else
      # Own hostname per node, or Open MPI's shared-memory segments of both collide.
      unshare --uts sh -c "hostname $name && exec slurmd -N $name -f $conf"
    fi || { echo "up: slurmd $name failed: $(tail -3 "$work/log/slurmd-$name.log")" >&2; return 1; }
  done
  for _ in $(seq 100); do
    [ "$(sinfo -h -N -o %T 2>/dev/null | grep -c idle)" = "$count" ] && { echo "export SLURM_CONF=$conf"; return 0; }
    sleep 0.2
  done
  echo "up: the node never became idle: $(sinfo -h -N -o '%T %E' 2>&1 | head -1)" >&2
  return 1
}

stop_pid_file() {
  local file=$1
  [ -f "$file" ] || return 0
  local pid
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do alive "$file" || break; sleep 0.1; done
  alive "$file" && kill -9 "$pid" 2>/dev/null
  rm -f "$file"
}

down() {
  export SLURM_CONF=$conf
  if [ -f "$conf" ] && alive "$work/run/slurmctld.pid"; then
    # Job processes outlive a killed slurmd: cancel every job first and let it end.
    squeue -h -o %i 2>/dev/null | xargs -r scancel 2>/dev/null
    for _ in $(seq 50); do [ -z "$(squeue -h -t running,completing 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  for file in "$work"/run/slurmd-*.pid; do stop_pid_file "$file"; done
  stop_pid_file "$work/run/slurmctld.pid"
  stop_pid_file "$work/run/munged.pid"
  return 0
}

status() {
  local any=0
  for file in "$work"/run/*.pid; do
    [ -f "$file" ] || continue
    if alive "$file"; then echo "$(basename "$file" .pid): running (pid $(cat "$file"))"; any=1
    else echo "$(basename "$file" .pid): stopped"; fi
  done
  [ $any -eq 1 ] && SLURM_CONF=$conf sinfo 2>&1
  return 0
}

case "$cmd" in
  up) up "${3:-1}" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status WORKDIR" >&2; exit 2 ;;
esac

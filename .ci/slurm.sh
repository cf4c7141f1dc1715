#!/usr/bin/env bash
# A real single-node Slurm cluster from Debian's packages, for Ferry's Slurm executor tests (issue 8).
#   bash .ci/slurm.sh start DIR   → installs munge + slurm if missing (root), writes DIR/slurm.conf and
#                                   DIR/gres.conf, starts munged, slurmctld and slurmd, waits until the
#                                   node is idle, and prints `export SLURM_CONF=DIR/slurm.conf`.
#   bash .ci/slurm.sh stop DIR    → stops the daemons started from DIR.
# The node declares 8 CPUs and four H100s (GRES needs device files: symlinks to /dev/null), whatever
# the machine has (SlurmdParameters=config_overrides). Job history comes from `sacct -c` (jobcomp/filetxt).
set -euo pipefail

cmd="${1:-}"
dir="$(realpath -m "${2:-/tmp/ferry-slurm}")"
gpus=4

stop() {
  for daemon in slurmd slurmctld; do
    if [[ -f "$dir/$daemon.pid" ]]; then
      kill "$(cat "$dir/$daemon.pid")" 2>/dev/null || true
      rm -f "$dir/$daemon.pid"
    fi
    # Daemons started from this directory whose pid file is gone or stale.
    pkill -f "^$daemon -f $dir/slurm.conf" 2>/dev/null || true
  done
  # slurmd finishes its job steps before it exits: wait (at most 10 s) so a restart gets the ports.
  for _ in $(seq 1 20); do
    pgrep -f "^slurm(ctld|d) -f $dir/slurm.conf" >/dev/null || return 0
    sleep 0.5
  done
}

case "$cmd" in
  start)
    # Callers eval what this prints: everything but the final export line goes to stderr. The daemons
    # started below must not inherit fd 3 (the caller's pipe): munged keeps inherited descriptors open,
    # and `$(bash .ci/slurm.sh start DIR)` would then wait for it forever. Each daemon gets `3>&-`.
    exec 3>&1 1>&2
    if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
      if [[ $(id -u) -ne 0 ]]; then
        echo "Slurm is not installed: run as root, or apt-get install munge slurmctld slurmd slurm-client" >&2
        exit 1
      fi
      echo "[ci] apt-get install munge slurmctld slurmd slurm-client" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client >/dev/null
    fi
    mkdir -p "$dir"/{state,spool,log,dev}
    # munge: one key for the machine, the daemon as the munge user.
    if [[ ! -s /etc/munge/munge.key ]]; then
      mungekey --create >/dev/null 2>&1 || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
      chown munge:munge /etc/munge/munge.key
      chmod 400 /etc/munge/munge.key
    fi
    mkdir -p /run/munge && chown munge:munge /run/munge
    if ! pgrep -x munged >/dev/null; then
      { su -s /bin/sh munge -c "munged --force" || runuser -u munge -- munged --force; } 3>&- </dev/null
    fi
    for i in $(seq 0 $((gpus - 1))); do ln -sf /dev/null "$dir/dev/nvidia$i"; done
    user="$(id -un)"
    # Free ports, so a cluster started from another directory (a developer's) does not collide.
    read -r ctld_port slurmd_port < <(python3 -c 'import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
    cat >"$dir/slurm.conf" <<EOF
ClusterName=ferry-ci
SlurmctldHost=localhost
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
NodeName=localhost CPUs=8 RealMemory=8000 Gres=gpu:h100:$gpus State=UNKNOWN
PartitionName=gpu Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    cat >"$dir/gres.conf" <<EOF
NodeName=localhost Name=gpu Type=h100 File=$dir/dev/nvidia[0-$((gpus - 1))]
EOF
    export SLURM_CONF="$dir/slurm.conf"
    stop
    slurmctld -f "$SLURM_CONF" 3>&- </dev/null
    slurmd -f "$SLURM_CONF" -N localhost 3>&- </dev/null
    for _ in $(seq 1 60); do
      state="$(sinfo -h -N -o %T 2>/dev/null | head -1 || true)"
      [[ "$state" == "idle" ]] && break
      sleep 0.5
    done
    if [[ "$state" != "idle" ]]; then
      echo "Slurm did not come up (node state: ${state:-none}); see $dir/log/" >&2
      exit 1
    fi
    echo "export SLURM_CONF=$SLURM_CONF" >&3
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac

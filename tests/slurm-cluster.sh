#!/bin/bash
# slurm-cluster.sh - forkpipe on a real Slurm cluster: one node on
# localhost, started here from Debian's packages (munge, slurmctld,
# slurmd, slurm-client) without systemd, every file of it in a temporary
# directory.  A job array of 4 forkpipe shards (sbatch --wait
# --array=0-3) writes partial files and a merge job merges them: the
# result must be that of one run on this machine.  Then the same through
# contrib/slurm/forkpipe-slurm (an array and a merge job that waits for
# it with afterok), and a shard that fails, which must fail the whole
# and write nothing.  Every daemon started here is stopped by its PID,
# also when the test fails.
#
# Usage: tests/slurm-cluster.sh   (as root; FORKPIPE names the binary,
# default src/forkpipe).  Run by .ci/run, not by make check: it needs
# root and the Slurm packages, which ./bootstrap installs as root.
# Outside CI a missing piece is reported and the test exits 77; under
# CI=true it is a failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export FORKPIPE=${FORKPIPE:-$top/src/forkpipe}
export top_srcdir=$top TEST_SRCDIR=$top/tests
FP_TIMEOUT=120

# A missing piece: a failure under CI, else a loud skip.
missing() {
	if [ "${CI:-}" = true ]; then
		printf 'slurm-cluster: FATAL: %s\n0 passed, 1 failed\n' "$*" >&2
		exit 1
	fi
	printf 'slurm-cluster: SKIPPED: %s\n' "$*" >&2
	exit 77
}
[ "$(id -u)" = 0 ] || missing "needs root (slurmd runs jobs as their users)"
for tool in munged munge unmunge slurmctld slurmd sbatch sinfo scontrol squeue scancel; do
	command -v "$tool" > /dev/null 2>&1 ||
		missing "'$tool' not found: install munge slurmctld slurmd slurm-client (./bootstrap as root does)"
done
[ -x "$FORKPIPE" ] || missing "$FORKPIPE is not built"

. "$TEST_SRCDIR/lib.sh"

D=$T/cluster
PIDS=()		# the daemons, in the order they were started

# The job step daemons of this cluster still alive: slurmstepd processes
# that inherited its SLURM_CONF.  (Shell builtins only: these loops must
# not fork a process per process on a loaded machine.)
our_steps() {
	local p comm env
	for p in /proc/[0-9]*; do
		read -r comm 2> /dev/null < "$p/comm" || continue
		[ "$comm" = slurmstepd ] || continue
		mapfile -d "" -t env 2> /dev/null < "$p/environ" || continue
		case " ${env[*]} " in
		*" SLURM_CONF=$D/slurm.conf "*) echo "${p#/proc/}" ;;
		esac
	done
}

# alive PID: the process runs (an exited child not yet waited for is a
# zombie, which kill -0 still finds).
alive() {
	local stat
	read -r stat 2> /dev/null < "/proc/$1/stat" || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# stop PID: TERM, then KILL after 10 s.
stop() {
	local n
	kill -TERM "$1" 2> /dev/null || return 0
	for ((n = 0; n < 100; n++)); do
		alive "$1" || return 0
		sleep 0.1
	done
	kill -KILL "$1" 2> /dev/null
}

stop_daemons() {
	local i n pid
	# Jobs first, and their steps gone; then the daemons, last started
	# first; each by its PID.
	if [ ${#PIDS[@]} -ge 3 ]; then
		scancel --quiet --user=root 2> /dev/null
		for ((n = 0; n < 100; n++)); do
			[ -z "$(our_steps)" ] && break
			sleep 0.1
		done
		for pid in $(our_steps); do
			stop "$pid"
		done
	fi
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		stop "${PIDS[i]}"
		wait "${PIDS[i]}" 2> /dev/null
	done
	PIDS=()
}
trap 'stop_daemons; cleanup' EXIT

# A free TCP port on localhost, from a range that leaves the usual ones
# (6817 and 6818) alone in case a real cluster runs here.
free_port() {
	local p
	for ((p = 20000 + RANDOM % 20000; ; p++)); do
		ss -Hltn "sport = :$p" 2> /dev/null | grep -q . || { echo "$p"; return; }
	done
}

# wait_for WHAT SECONDS CMD...: until CMD succeeds, or fail.
wait_for() {
	local what=$1 secs=$2 n
	shift 2
	for ((n = 0; n < secs * 10; n++)); do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "$what did not come up within $secs s; logs: $(tail -n 5 "$D"/*.log 2>/dev/null | head -c 1500)"
}

# since T0 T1: seconds from T0 to T1 (default: now), to a tenth.
since() {
	awk -v a="$1" -v b="${2:-$(date +%s.%N)}" 'BEGIN { printf "%.1f", b - a }'
}
started=$(date +%s.%N)

# ---- munge: the key, the daemon ----------------------------------------------
# munged wants its key readable by its user alone and every directory
# above its socket searchable by all.
mkdir -p "$D/munge" "$D/state" "$D/spool" "$D/jobs"
chmod 755 "$T" "$D" "$D/munge"
dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$D/munge/munge.key"
SOCK=$D/munge/munge.socket
munged --foreground --force --key-file="$D/munge/munge.key" --socket="$SOCK" \
	--pid-file="$D/munge/munged.pid" --seed-file="$D/munge/munged.seed" \
	--log-file="$D/munged.log" 2> "$D/munged.err" &
PIDS+=($!)
wait_for munged 20 sh -c 'munge -S "$1" -n | unmunge -S "$1"' sh "$SOCK"

# ---- slurmctld and slurmd --------------------------------------------------------
CPUS=$(nproc)
cat > "$D/slurm.conf" << EOF
ClusterName=forkpipe
SlurmctldHost=localhost
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCK
CryptoType=crypto/munge
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MinJobAge=4
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=forkpipe Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
export SLURM_CONF=$D/slurm.conf
slurmctld -D -c -i -f "$SLURM_CONF" > "$D/slurmctld.out" 2>&1 &
PIDS+=($!)
wait_for slurmctld 30 scontrol ping
slurmd -D -N localhost -f "$SLURM_CONF" > "$D/slurmd.out" 2>&1 &
PIDS+=($!)
wait_for "slurmd (node localhost idle)" 30 sh -c 'sinfo -h -n localhost -o %T | grep -qx idle'
up=$(date +%s.%N)
printf 'slurm-cluster: munged, slurmctld and slurmd up in %s s\n' "$(since "$started" "$up")"

# ---- the pipeline: a shard array, then a merge job ---------------------------------
# Keys with first and last values: the result depends on every record
# going through exactly once, in input order.
awk 'BEGIN {
	srand(5)
	for (i = 1; i <= 200000; i++)
		printf "k%d\t%d\tv%d\n", int(rand() * 50), int(rand() * 1000), i
}' > "$D/data.tsv"
cat > "$D/job.yaml" << EOF
inputs: [$D/data.tsv]
input: {format: tsv}
stages:
  - group: {keys: "1", ops: [count, "sum:2", "first:3", "last:3"]}
  - sort: {key: "2,2nr", stable: true}
EOF
fp -c "$D/job.yaml" > "$D/ref" || die "the single run failed"
ARRAY=$top/contrib/slurm/forkpipe-array.sbatch

t0=$(date +%s.%N)
sbatch --wait --quiet --array=0-3 --output="$D/jobs/shard-%a.out" "$ARRAY" "$D/job.yaml" "$D/parts" \
	> "$D/sbatch.out" 2>&1
check_rc "sbatch --wait --array=0-3 of the shards" 0 $? "$D/sbatch.out"
ls "$D/parts" > "$D/list"
printf 'part.0\npart.1\npart.2\npart.3\n' > "$D/want"
check_same "one partial file per array task" "$D/want" "$D/list"
sed -n 3p "$D/parts/part.2" > "$D/origin"
check_text "task 2 processed shard 2 of 4" "origin shards 2-2 of 4, inputs 1" "$D/origin"
sed -n 4p "$D/parts/part.2" | cut -d ' ' -f 2 > "$D/size"
check_text "task 2 recorded its input's size" "$(wc -c < "$D/data.tsv")" "$D/size"
sbatch --wait --quiet --output="$D/jobs/merge.out" "$ARRAY" "$D/job.yaml" "$D/parts" "$D/result" \
	> "$D/sbatch.out" 2>&1
check_rc "sbatch --wait of the merge job" 0 $? "$D/sbatch.out"
check_same "the cluster's result = the single run's" "$D/ref" "$D/result"
t1=$(date +%s.%N)

# ---- forkpipe-slurm: both jobs submitted at once, or waited for in turn ------------
# job_end ID: wait until the job has ended; its last state seen (a job
# leaves the queue MinJobAge seconds after it ends).
job_end() {
	local state= s n
	for ((n = 0; n < 1200; n++)); do
		s=$(squeue -h -t all -j "$1" -o %T 2> /dev/null)
		[ -z "$s" ] && [ -n "$state" ] && break
		state=$s
		case $s in
		'' | PENDING | CONFIGURING | RUNNING | COMPLETING) sleep 0.1 ;;
		*) break ;;
		esac
	done
	printf '%s\n' "$state"
}
# submit NAME YAML [-w]: forkpipe-slurm -n 4 into $D/NAME.parts and $D/NAME.
submit() {
	"$top/contrib/slurm/forkpipe-slurm" -n 4 ${3:-} "$2" "$D/$1.parts" "$D/$1" \
		--output="$D/jobs/$1-%A_%a.out" > "$D/$1.ids" 2> "$D/$1.err"
}
submit waited "$D/job.yaml" -w
check_rc "forkpipe-slurm -w" 0 $? "$D/waited.err"
check_same "forkpipe-slurm -w: the result = the single run's" "$D/ref" "$D/waited"
t2=$(date +%s.%N)
submit after "$D/job.yaml"
check_rc "forkpipe-slurm" 0 $? "$D/after.err"
job_end "$(tail -n 1 "$D/after.ids")" > "$D/jobstate"
check_text "the merge job ran after the array (afterok)" COMPLETED "$D/jobstate"
check_same "forkpipe-slurm: the result = the single run's" "$D/ref" "$D/after"
t3=$(date +%s.%N)

# A bad value in the third quarter fails task 2: no merge, no result.
awk -v n=125000 'NR == n { $2 = "x" } 1' OFS='\t' "$D/data.tsv" > "$D/bad.tsv"
sed "s|$D/data.tsv|$D/bad.tsv|" "$D/job.yaml" > "$D/bad.yaml"
submit badw "$D/bad.yaml" -w
check_rc "forkpipe-slurm -w with a failing shard" 65 $? "$D/badw.err"
grep -q '^forkpipe-slurm: a shard failed (status 65): no merge$' "$D/badw.err" && pass ||
	fail "forkpipe-slurm -w does not say that a shard failed: $(head -c 300 "$D/badw.err")"
[ ! -e "$D/badw" ] && pass || fail "a failed cluster run wrote its result"
[ ! -e "$D/badw.parts/part.2" ] && pass || fail "the failed task left its partial file"
grep -q "sum:2: invalid numeric value in record" "$D"/jobs/badw-*_2.out && pass ||
	fail "the failed task's log does not say why: $(head -c 300 "$D"/jobs/badw-*_2.out)"
submit bad "$D/bad.yaml"
check_rc "forkpipe-slurm with a failing shard submits" 0 $? "$D/bad.err"
job_end "$(tail -n 1 "$D/bad.ids")" > "$D/jobstate"
check_text "a failed shard cancels the merge job" CANCELLED "$D/jobstate"
[ ! -e "$D/bad" ] && pass || fail "a cancelled merge wrote its result"
t4=$(date +%s.%N)

stop_daemons
printf 'slurm-cluster: input and single run %s s; array then merge %s s; forkpipe-slurm: -w %s s, afterok %s s, failing %s s; daemons stopped in %s s; in all %s s\n' \
	"$(since "$up" "$t0")" "$(since "$t0" "$t1")" "$(since "$t1" "$t2")" "$(since "$t2" "$t3")" \
	"$(since "$t3" "$t4")" "$(since "$t4")" "$(since "$started")"
finish

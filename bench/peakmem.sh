#!/usr/bin/env bash
# bench/peakmem.sh - run a command and report the peak memory of its whole
# process tree.
#
#   bash bench/peakmem.sh [-i SECONDS] [-r FILE] -- COMMAND [ARG]...
#
# COMMAND runs with this script's stdin, stdout and stderr; the script
# exits with its status.  While it runs, every SECONDS (default 0.02) the
# script walks the tree from COMMAND down (/proc/PID/task/TID/children)
# and adds up, over every process alive at that moment:
#
#   pss  the proportional set size (/proc/PID/smaps_rollup): a page shared
#        by k processes counts 1/k in each, so the sum is the memory the
#        tree really holds, without counting copy-on-write pages twice;
#   rss  the resident set size (/proc/PID/statm): shared pages count in
#        every process, so this sum is an upper bound of the same.
#
# The report, one line on FILE (default stderr), is
#   peakmem: pss_kb=N rss_kb=N samples=N interval_s=S wall_s=S status=N
# with the largest sums seen (KiB), the number of samples taken, and the
# wall time.  A peak shorter than the interval can be missed; the page
# cache of the files the tree reads and writes (spill files included) is
# not process memory and is not counted.
#
# Why sampling: a cgroup's memory peak would catch everything, but this
# needs no privileges and no cgroup of its own, and the sampler forks
# nothing (bash builtins only), so it costs the measured run little.
#
# Also sourced by bench/agg.sh for peakmem_run, which does the same.

peakmem_usage() {
	echo "usage: peakmem.sh [-i SECONDS] [-r FILE] -- COMMAND [ARG]..." >&2
}

# The sums for the tree under PID, added to PM_PSS and PM_RSS (KiB).
peakmem_tree() { # pid
	local pid=$1 rss key val kids t k
	# A process may end between two reads: what it left is not counted.
	{ read -r _ rss _ < "/proc/$pid/statm"; } 2> /dev/null || return 0
	PM_RSS=$((PM_RSS + rss * PM_PAGE_KB))
	# Read to the end: after a break, bash could keep the unread rest of
	# the file buffered and hand it to the next read of standard input.
	while read -r key val _; do
		[ "$key" = Pss: ] && PM_PSS=$((PM_PSS + val))
	done 2> /dev/null < "/proc/$pid/smaps_rollup"
	for t in /proc/"$pid"/task/*/children; do
		kids=""
		{ read -r kids < "$t"; } 2> /dev/null
		for k in $kids; do
			peakmem_tree "$k"
		done
	done
}

# peakmem_run INTERVAL REPORT COMMAND...: the work of the script.
peakmem_run() {
	local interval=$1 report=$2 pid status sfd t0 t1 samples=0 peak_pss=0 peak_rss=0
	shift 2
	PM_PAGE_KB=$(($(getconf PAGESIZE 2> /dev/null || echo 4096) / 1024))
	# read -t on a pipe nobody writes to is a sleep without a fork.
	exec {sfd}<> <(:)
	t0=${EPOCHREALTIME:-$(date +%s.%N)}
	"$@" &
	pid=$!
	while [ -d "/proc/$pid" ]; do
		PM_PSS=0 PM_RSS=0
		peakmem_tree "$pid"
		# An exited command is a zombie with no memory until the wait
		# below: its tree is gone, and so is anything left to sample.
		[ "$PM_RSS" -gt 0 ] || break
		samples=$((samples + 1))
		[ "$PM_PSS" -le "$peak_pss" ] || peak_pss=$PM_PSS
		[ "$PM_RSS" -le "$peak_rss" ] || peak_rss=$PM_RSS
		read -r -t "$interval" -u "$sfd" _
	done
	wait "$pid"
	status=$?
	t1=${EPOCHREALTIME:-$(date +%s.%N)}
	exec {sfd}<&-
	printf 'peakmem: pss_kb=%d rss_kb=%d samples=%d interval_s=%s wall_s=%s status=%d\n' \
		"$peak_pss" "$peak_rss" "$samples" "$interval" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "$status" >> "$report"
	return "$status"
}

# Run as a script (not sourced): parse the options and measure.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	interval=0.02 report=/dev/stderr
	while getopts 'i:r:h' opt; do
		case $opt in
		i) interval=$OPTARG ;;
		r) report=$OPTARG ;;
		h)
			peakmem_usage
			exit 0
			;;
		*)
			peakmem_usage
			exit 2
			;;
		esac
	done
	shift $((OPTIND - 1))
	[ "$#" -gt 0 ] || {
		peakmem_usage
		exit 2
	}
	peakmem_run "$interval" "$report" "$@"
	exit
fi

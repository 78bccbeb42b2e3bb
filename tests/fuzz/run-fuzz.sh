#!/bin/sh
# run-fuzz.sh - run every libFuzzer harness for FUZZ_SECONDS ("make fuzz").
#
#   run-fuzz.sh ABS_TOP_SRCDIR ABS_TOP_BUILDDIR tests/fuzz/fuzz_NAME...
#
# Environment: FUZZ_SECONDS (default 10), CC (makes the ELF seeds),
# FUZZ_CORPUS (the shared corpus of real master.cf and aliases files; used
# in place, only when it exists).  Each harness gets a fresh corpus in
# tests/fuzz/work/NAME of the build tree: new inputs libFuzzer finds go
# there, the seeds are only read.  A crash, leak or UB report fails the
# run; its input and report stay in that directory.  One summary line per
# harness at the end, also kept in tests/fuzz/work/summary.
set -u
srcdir=$1
builddir=$2
shift 2
seconds=${FUZZ_SECONDS:-10}
corpus=${FUZZ_CORPUS:-}
work=$builddir/tests/fuzz/work
supp=$srcdir/tests/fuzz/lsan.supp
failed=0

case $seconds in
''|*[!0-9]*|0) echo "run-fuzz.sh: FUZZ_SECONDS must be a positive number" >&2; exit 2 ;;
esac
rm -rf "$work"
mkdir -p "$work" || exit 2
: >"$work/summary"

# elf_seeds DIR - small shared objects and a program made with $CC: both
# ELF classes where it can, DT_NEEDED, DT_SONAME, DT_RUNPATH and DT_RPATH.
# Made here, not committed: no binaries in the source tree.
elf_seeds() {
	d=$1 cc=${CC:-cc}
	f="-fno-sanitize=all -nostdlib -s -fno-asynchronous-unwind-tables -Wl,--build-id=none
	   -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-z,max-page-size=16 -Wl,-z,common-page-size=16"
	mkdir -p "$d/src" || return 1
	printf 'int pfj_seed(void) { return 1; }\n' >"$d/src/a.c"
	# shellcheck disable=SC2086
	$cc $f -shared -fPIC -Wl,-soname,libpfjseeda.so.1 -Wl,--hash-style=gnu \
		-o "$d/src/libpfjseeda.so.1" "$d/src/a.c" || return 1
	cp "$d/src/libpfjseeda.so.1" "$d/a64.so"
	# $ORIGIN is for the linker, not the shell
	# shellcheck disable=SC2086,SC2016
	$cc $f -shared -fPIC -Wl,-soname,libpfjseedb.so.2 -Wl,--enable-new-dtags \
		-Wl,-rpath,'$ORIGIN/../lib:/opt/pfj/lib' -Wl,--no-as-needed \
		"$d/src/libpfjseeda.so.1" -o "$d/b64-runpath.so" "$d/src/a.c" || return 1
	# shellcheck disable=SC2086
	$cc $f -fPIE -pie -Wl,-e,pfj_seed -Wl,--disable-new-dtags -Wl,-rpath,/opt/pfj/lib \
		-Wl,--no-as-needed -Wl,--hash-style=sysv "$d/src/libpfjseeda.so.1" \
		-o "$d/prog64-rpath" "$d/src/a.c" || return 1
	# 32-bit objects need only the linker (no libraries): best effort
	# shellcheck disable=SC2086
	$cc $f -m32 -shared -fPIC -Wl,-soname,libpfjseedc.so.1 -Wl,--disable-new-dtags \
		-Wl,-rpath,/opt/pfj/lib32 -o "$d/c32-rpath.so" "$d/src/a.c" 2>/dev/null || :
	rm -rf "$d/src"
}

# report_seeds DIR - verify worker reports: records ("F", class, three
# strings with 2-byte big-endian lengths) and the end marker "E".  Made
# here because the format is binary.
report_seeds() {
	mkdir -p "$1" || return 1
	printf 'E' >"$1/empty"
	printf 'F\000\000\011etc/hosts\000\006a file\000\000\007missingE' >"$1/missing"
	printf 'F\003\000\003etc\000\0040755\000\0040777F\021\000\003dev\000\000\000\003rwxE' \
		>"$1/two"
}

# The loop's list is expanded once: "set --" below only collects the
# seed directories of one harness.
for prog in "$@"; do
	name=${prog##*/}
	short=${name#fuzz_}
	dir=$work/$short
	mkdir -p "$dir/corpus" "$dir/tmp" || exit 2
	set --
	[ -d "$srcdir/tests/fuzz/seeds/$short" ] && set -- "$@" "$srcdir/tests/fuzz/seeds/$short"
	case $short in
	mastercf) [ -n "$corpus" ] && [ -d "$corpus/master.cf" ] && set -- "$@" "$corpus/master.cf" ;;
	aliases) [ -n "$corpus" ] && [ -d "$corpus/aliases" ] && set -- "$@" "$corpus/aliases" ;;
	elf)
		if ! elf_seeds "$dir/seeds"; then
			echo "run-fuzz.sh: cannot make ELF seeds with ${CC:-cc}" >&2
			exit 2
		fi
		set -- "$@" "$dir/seeds" ;;
	report)
		report_seeds "$dir/seeds" || exit 2
		set -- "$@" "$dir/seeds" ;;
	esac

	echo "=== $name: $seconds s, seeds from: ${*:-none}"
	start=$(date +%s)
	(cd "$dir" &&
	 TMPDIR=$dir/tmp \
	 LSAN_OPTIONS="suppressions=$supp:print_suppressions=0" \
	 UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
	 "$builddir/$prog" -max_total_time="$seconds" -timeout=30 -print_final_stats=1 \
		-artifact_prefix="$dir/" "$dir/corpus" "$@") >"$dir/log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))

	# "Done N runs in T second(s)" when it ran its time, else the stats
	runs=$(sed -n 's/^Done \([0-9]*\) runs in.*/\1/p' "$dir/log" | tail -1)
	[ -n "$runs" ] || runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
	grep '^Done [0-9]* runs' "$dir/log" || echo "(no \"Done\" line: libFuzzer stopped early)"
	crashes=0
	for a in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*; do
		[ -f "$a" ] || continue
		crashes=$((crashes + 1))
		echo "--- $name: input $a (hex):"
		od -An -tx1 -v "$a" | head -64
	done
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		[ "$crashes" -ne 0 ] || crashes=1
		failed=$((failed + 1))
		echo "--- $name failed (exit $rc), the end of its log ($dir/log):"
		tail -60 "$dir/log"
	fi
	echo "$name: ${runs:-0} runs in $took s, $crashes crashes" >>"$work/summary"
done

echo
echo "=== fuzzing summary"
cat "$work/summary"
[ "$failed" -eq 0 ]

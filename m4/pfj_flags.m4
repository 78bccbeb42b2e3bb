# pfj_flags.m4 - probe compiler and linker flags without autoconf-archive.

# PFJ_CHECK_CFLAG(FLAGS, [ACTION-IF-OK]) - does the compiler accept FLAGS
# without warnings (checked with -Werror)?
AC_DEFUN([PFJ_CHECK_CFLAG], [
	AS_VAR_PUSHDEF([pfj_var], [pfj_cv_cflag_$1])
	AC_CACHE_CHECK([whether $CC accepts $1], [pfj_var], [
		pfj_save_CFLAGS=$CFLAGS
		CFLAGS="$CFLAGS -Werror $1"
		AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [return 0;])],
			[AS_VAR_SET([pfj_var], [yes])], [AS_VAR_SET([pfj_var], [no])])
		CFLAGS=$pfj_save_CFLAGS])
	AS_VAR_IF([pfj_var], [yes], [$2])
	AS_VAR_POPDEF([pfj_var])
])

# PFJ_CHECK_LDFLAG(FLAGS, [ACTION-IF-OK]) - does the linker accept FLAGS?
AC_DEFUN([PFJ_CHECK_LDFLAG], [
	AS_VAR_PUSHDEF([pfj_var], [pfj_cv_ldflag_$1])
	AC_CACHE_CHECK([whether the linker accepts $1], [pfj_var], [
		pfj_save_LDFLAGS=$LDFLAGS
		pfj_save_CFLAGS=$CFLAGS
		CFLAGS="$CFLAGS -fPIE"
		LDFLAGS="$LDFLAGS -Werror $1"
		AC_LINK_IFELSE([AC_LANG_PROGRAM([], [return 0;])],
			[AS_VAR_SET([pfj_var], [yes])], [AS_VAR_SET([pfj_var], [no])])
		LDFLAGS=$pfj_save_LDFLAGS
		CFLAGS=$pfj_save_CFLAGS])
	AS_VAR_IF([pfj_var], [yes], [$2])
	AS_VAR_POPDEF([pfj_var])
])

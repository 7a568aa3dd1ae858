#include "config.h"

#include "agent/check_report.h"

#include <stdarg.h>

__attribute__((format(printf, 4, 0))) static void line(rc_check_report_t *rep, const char *tag,
                                                       const char *fix, const char *fmt, va_list ap)
{
	fprintf(rep->out, "%-5s ", tag);
	vfprintf(rep->out, fmt, ap);
	fputc('\n', rep->out);
	if (fix)
		fprintf(rep->out, "      fix: %s\n", fix);
	fflush(rep->out);
}

void rc_check_ok(rc_check_report_t *rep, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line(rep, "ok", NULL, fmt, ap);
	va_end(ap);
}

void rc_check_fail(rc_check_report_t *rep, const char *fix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line(rep, "FAIL", fix, fmt, ap);
	va_end(ap);
	rep->failures++;
}

void rc_check_warn(rc_check_report_t *rep, const char *fix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line(rep, "warn", fix, fmt, ap);
	va_end(ap);
	rep->warnings++;
}

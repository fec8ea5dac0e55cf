#include "signals/signals.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "base/util.h"

struct sig_name {
	const char *name; /* without "SIG", sorted */
	int sig;
};

static const struct sig_name sig_table[] = {
    {"ABRT", SIGABRT},     {"ALRM", SIGALRM},   {"BUS", SIGBUS},   {"CHLD", SIGCHLD}, {"CLD", SIGCHLD},
    {"CONT", SIGCONT},     {"FPE", SIGFPE},     {"HUP", SIGHUP},   {"ILL", SIGILL},   {"INT", SIGINT},
    {"IO", SIGIO},         {"IOT", SIGIOT},     {"KILL", SIGKILL}, {"PIPE", SIGPIPE}, {"POLL", SIGPOLL},
    {"PROF", SIGPROF},     {"PWR", SIGPWR},     {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV}, {"STKFLT", SIGSTKFLT},
    {"STOP", SIGSTOP},     {"SYS", SIGSYS},     {"TERM", SIGTERM}, {"TRAP", SIGTRAP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},   {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
    {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

static int cmp_name(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct sig_name *)elem)->name);
}

int signal_from_name(const char *name)
{
	const struct sig_name *s;
	uint64_t n;

	if (!name || !*name)
		return -1;
	if (parse_u64(name, &n) == 0)
		/* 0 too, as runc: kill(2)'s check that the process exists */
		return n < (uint64_t)NSIG ? (int)n : -1;
	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	if (!strncasecmp(name, "RTMIN", 5) || !strncasecmp(name, "RTMAX", 5)) {
		bool max = !strncasecmp(name, "RTMAX", 5);
		int64_t off = 0;
		if (name[5] && (parse_i64(name + 5, &off) < 0 || (name[5] != '+' && name[5] != '-')))
			return -1;
		off += max ? SIGRTMAX : SIGRTMIN;
		return off >= SIGRTMIN && off <= SIGRTMAX ? (int)off : -1;
	}
	s = bsearch(name, sig_table, ARRAY_SIZE(sig_table), sizeof(sig_table[0]), cmp_name);
	return s ? s->sig : -1;
}

const char *signal_name(int sig)
{
	static char buf[32];

	for (size_t i = 0; i < ARRAY_SIZE(sig_table); i++)
		if (sig_table[i].sig == sig) {
			snprintf(buf, sizeof(buf), "SIG%s", sig_table[i].name);
			return buf;
		}
	return NULL;
}

void signals_reset_all(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigset_t all;

	for (int i = 1; i < NSIG; i++)
		if (i != SIGKILL && i != SIGSTOP)
			sigaction(i, &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

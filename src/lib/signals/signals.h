/* signals: the signal-name vocabulary (a sorted table searched with bsearch)
 * and the signal mask helpers of the runtime's foreground wait.
 * Runs in: runtime and init. Must not call: exit. */
#ifndef OCIRUN_SIGNALS_H
#define OCIRUN_SIGNALS_H

#include <signal.h>

/* "KILL", "SIGKILL", "kill", "9", "0" (no signal: kill(2)'s existence check), "SIGRTMIN+3";
 * -1 when unknown. */
int signal_from_name(const char *name);
const char *signal_name(int sig); /* "SIGKILL"; NULL when unknown */
/* Reset every handler to SIG_DFL and unblock all signals (before execve). */
void signals_reset_all(void);

#endif

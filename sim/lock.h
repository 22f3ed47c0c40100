/*
 * One simulator per state file: an flock on FILE.lock next to it.
 */
#ifndef OP_SIM_LOCK_H
#define OP_SIM_LOCK_H

/* Take the lock for state_path; *fd stays open while we run. */
int sim_lock_state(const char *state_path, int *fd);

#endif

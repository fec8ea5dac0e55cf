/* The sync protocol's tables (sync.c): each one walked over an in-process socketpair, with and
 * without its optional steps, and each wrong order refused, by the receiver and by the sender. */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "sync/sync.h"
#include "unit.h"

static const struct sync_proto *const protos[] = {&sync_proto_create, &sync_proto_run, &sync_proto_exec};

struct pair {
	int fd[2];
	struct sync_chan rt, init;
};

static void pair_open(struct pair *p, const struct sync_proto *proto)
{
	ocirun_error_t err = {0};

	CHECK(sync_pair(p->fd, &err) == 0);
	sync_chan_init(&p->rt, p->fd[0], proto, false);
	sync_chan_init(&p->init, p->fd[1], proto, true);
}

static void pair_close(struct pair *p)
{
	close(p->fd[0]);
	close(p->fd[1]);
}

/* The first step of TYPE in PROTO. */
static const struct sync_step *step_of(const struct sync_proto *proto, enum sync_type type)
{
	for (size_t i = 0; i < proto->n; i++)
		if (proto->steps[i].type == type)
			return &proto->steps[i];
	return NULL;
}

static bool from_init(const struct sync_step *s)
{
	return s->flags & SYNC_FROM_INIT;
}

/* Step K sent by its side and received by the other; false when either end refused. */
static bool pass_step(struct pair *p, const struct sync_step *s)
{
	struct sync_chan *tx = from_init(s) ? &p->init : &p->rt, *rx = from_init(s) ? &p->rt : &p->init;
	ocirun_error_t err = {0};
	struct sync_msg m;

	if (sync_chan_send(tx, s->type, 7, -1, &err) < 0) {
		fprintf(stderr, "# %s: send %s: %s\n", tx->proto->mode, sync_type_name(s->type), err.msg);
		return false;
	}
	if (sync_chan_expect(rx, s->type, &m, &err) < 0) {
		fprintf(stderr, "# %s: receive %s: %s\n", rx->proto->mode, sync_type_name(s->type), err.msg);
		return false;
	}
	return m.hdr.code == 7;
}

/* Every step, the repeated ones twice. */
TEST(walk_every_step)
{
	for (size_t t = 0; t < sizeof(protos) / sizeof(protos[0]); t++) {
		struct pair p;
		pair_open(&p, protos[t]);
		for (size_t k = 0; k < protos[t]->n; k++) {
			const struct sync_step *s = &protos[t]->steps[k];
			CHECK(pass_step(&p, s));
			if (s->flags & SYNC_MANY)
				CHECK(pass_step(&p, s));
		}
		pair_close(&p);
	}
}

/* Only the steps that must come. */
TEST(walk_required_steps)
{
	for (size_t t = 0; t < sizeof(protos) / sizeof(protos[0]); t++) {
		struct pair p;
		pair_open(&p, protos[t]);
		for (size_t k = 0; k < protos[t]->n; k++)
			if (!(protos[t]->steps[k].flags & SYNC_OPT))
				CHECK(pass_step(&p, &protos[t]->steps[k]));
		pair_close(&p);
	}
}

/* Walk to step K, then a frame of a later step J from the same side, skipping the required K:
 * the sender's check refuses it, and so does the receiver when the frame is sent raw. */
static void check_skip(const struct sync_proto *proto, size_t k, size_t j)
{
	const struct sync_step *sk = &proto->steps[k], *sj = &proto->steps[j];
	ocirun_error_t err = {0};
	struct sync_msg m;
	struct pair p;

	pair_open(&p, proto);
	for (size_t i = 0; i < k; i++)
		if (!pass_step(&p, &proto->steps[i]))
			CHECK(!"walk");
	struct sync_chan *tx = from_init(sk) ? &p.init : &p.rt, *rx = from_init(sk) ? &p.rt : &p.init;
	struct sync_chan probe = *tx;
	CHECK(sync_chan_send(&probe, sj->type, 0, -1, &err) == -EPROTO);
	CHECK_CONTAINS(err.msg, proto->mode);
	oerr_clear(&err);
	CHECK(sync_send(tx->fd, sj->type, 0, NULL, 0, -1, &err) == 0);
	CHECK(sync_chan_expect(rx, sj->type, &m, &err) == -EPROTO);
	CHECK_CONTAINS(err.msg, sync_type_name(sk->type));
	pair_close(&p);
}

TEST(skipping_a_required_step_is_refused)
{
	size_t cases = 0;

	for (size_t t = 0; t < sizeof(protos) / sizeof(protos[0]); t++) {
		const struct sync_proto *proto = protos[t];
		for (size_t k = 0; k < proto->n; k++) {
			if (proto->steps[k].flags & SYNC_OPT)
				continue;
			for (size_t j = k + 1; j < proto->n; j++)
				if (from_init(&proto->steps[j]) == from_init(&proto->steps[k]) &&
				    proto->steps[j].type != proto->steps[k].type) {
					check_skip(proto, k, j);
					cases++;
				}
		}
	}
	CHECK(cases >= 5);
}

/* Past a required step that does not come again, the same frame once more is refused. */
TEST(a_step_twice_is_refused)
{
	size_t cases = 0;

	for (size_t t = 0; t < sizeof(protos) / sizeof(protos[0]); t++) {
		const struct sync_proto *proto = protos[t];
		for (size_t k = 0; k < proto->n; k++) {
			const struct sync_step *sk = &proto->steps[k];
			bool again = sk->flags & SYNC_MANY;
			for (size_t j = k + 1; j < proto->n; j++)
				again |= proto->steps[j].type == sk->type;
			if (again)
				continue;
			struct pair p;
			ocirun_error_t err = {0};
			struct sync_msg m;
			pair_open(&p, proto);
			for (size_t i = 0; i <= k; i++)
				CHECK(pass_step(&p, &proto->steps[i]));
			struct sync_chan *tx = from_init(sk) ? &p.init : &p.rt;
			struct sync_chan *rx = from_init(sk) ? &p.rt : &p.init;
			struct sync_chan probe = *tx;
			CHECK(sync_chan_send(&probe, sk->type, 0, -1, &err) == -EPROTO);
			oerr_clear(&err);
			CHECK(sync_send(tx->fd, sk->type, 0, NULL, 0, -1, &err) == 0);
			CHECK(sync_chan_expect(rx, sk->type, &m, &err) == -EPROTO);
			CHECK_CONTAINS(err.msg, "after");
			pair_close(&p);
			cases++;
		}
	}
	CHECK(cases >= 8);
}

/* A frame no table of the mode has (MOUNT_FD in exec, START in create) and a frame the receiver did
 * not ask for although the table allows it (an optional CONSOLE where READY was expected). */
TEST(foreign_and_unasked_frames)
{
	ocirun_error_t err = {0};
	struct sync_msg m;
	struct pair p;

	pair_open(&p, &sync_proto_exec);
	CHECK(sync_send(p.rt.fd, SYNC_MOUNT_FD, 0, NULL, 0, -1, &err) == 0);
	CHECK(sync_chan_expect(&p.init, SYNC_GO, &m, &err) == -EPROTO);
	CHECK_CONTAINS(err.msg, "sync (exec): received MOUNT_FD after the start, expected GO");
	pair_close(&p);

	oerr_clear(&err);
	pair_open(&p, &sync_proto_create);
	CHECK(pass_step(&p, step_of(&sync_proto_create, SYNC_GO)));
	CHECK(pass_step(&p, step_of(&sync_proto_create, SYNC_MOUNTS_DONE)));
	CHECK(pass_step(&p, step_of(&sync_proto_create, SYNC_READY)));
	CHECK(sync_chan_send(&p.rt, SYNC_START, 0, -1, &err) == -EPROTO);
	CHECK_CONTAINS(err.msg, "sync (create): sending START after READY, expected nothing more");
	pair_close(&p);

	oerr_clear(&err);
	pair_open(&p, &sync_proto_run);
	CHECK(pass_step(&p, step_of(&sync_proto_run, SYNC_GO)));
	CHECK(pass_step(&p, step_of(&sync_proto_run, SYNC_MOUNTS_DONE)));
	CHECK(sync_chan_send(&p.init, SYNC_CONSOLE, 0, -1, &err) == 0);
	CHECK(sync_chan_expect(&p.rt, SYNC_READY, &m, &err) == -EPROTO);
	CHECK_CONTAINS(err.msg, "sync (run): expected READY, got CONSOLE");
	pair_close(&p);
}

/* A sibling on the init's side (exec's intermediate) sent PID from its own copy: the process
 * forked before it receives the second GO without having seen PID go. */
TEST(a_sibling_step_goes_by_unseen)
{
	ocirun_error_t err = {0};
	struct sync_msg m;
	struct pair p;

	pair_open(&p, &sync_proto_exec);
	CHECK(pass_step(&p, &sync_proto_exec.steps[0]));
	struct sync_chan child = p.init; /* forked here, before PID */
	CHECK(pass_step(&p, &sync_proto_exec.steps[1]));
	CHECK(sync_chan_send(&p.rt, SYNC_GO, 0, -1, &err) == 0);
	CHECK(sync_chan_expect(&child, SYNC_GO, &m, &err) == 0);
	CHECK(sync_chan_send(&child, SYNC_CONSOLE, 0, -1, &err) == 0);
	CHECK(sync_chan_expect(&p.rt, SYNC_CONSOLE, &m, &err) == 0);
	pair_close(&p);
}

/* The init asks for mount sources one at a time, the runtime answers each: ASK, FD, ASK, FD,
 * then MOUNTS_DONE; an answer nobody asked for after MOUNTS_DONE is refused. */
TEST(mount_sources_alternate)
{
	ocirun_error_t err = {0};
	struct sync_msg m;
	struct pair p;

	pair_open(&p, &sync_proto_run);
	CHECK(pass_step(&p, step_of(&sync_proto_run, SYNC_GO)));
	for (int k = 0; k < 3; k++) {
		CHECK(pass_step(&p, step_of(&sync_proto_run, SYNC_MOUNT_ASK)));
		CHECK(pass_step(&p, step_of(&sync_proto_run, SYNC_MOUNT_FD)));
	}
	CHECK(pass_step(&p, step_of(&sync_proto_run, SYNC_MOUNTS_DONE)));
	CHECK(sync_send(p.rt.fd, SYNC_MOUNT_FD, 0, NULL, 0, -1, &err) == 0);
	CHECK(sync_chan_expect(&p.init, SYNC_HOOKS_DONE, &m, &err) == -EPROTO);
	CHECK_CONTAINS(err.msg, "received MOUNT_FD after MOUNTS_DONE");
	pair_close(&p);
}

/* exec.done carries one frame written with sync_encode. */
TEST(encode_roundtrip)
{
	char buf[sizeof(struct sync_hdr) + 16];
	ocirun_error_t err = {0};
	struct sync_msg m;
	size_t n;

	n = sync_encode(SYNC_ERROR, ENOENT, "exec /x: no such file or directory", buf, sizeof(buf));
	CHECK(n == sizeof(buf));
	CHECK(sync_decode(buf, n, &m, &err) == 0);
	CHECK(m.hdr.type == SYNC_ERROR && m.hdr.code == ENOENT);
	CHECK_STR(m.payload, "exec /x: no such");
	n = sync_encode(SYNC_EXECED, 0, NULL, buf, sizeof(buf));
	CHECK(n == sizeof(struct sync_hdr));
	CHECK(sync_decode(buf, n, &m, &err) == 0 && m.hdr.type == SYNC_EXECED);
}

int main(void)
{
	RUN(walk_every_step);
	RUN(walk_required_steps);
	RUN(skipping_a_required_step_is_refused);
	RUN(a_step_twice_is_refused);
	RUN(foreign_and_unasked_frames);
	RUN(a_sibling_step_goes_by_unseen);
	RUN(mount_sources_alternate);
	RUN(encode_roundtrip);
	return UNIT_END();
}

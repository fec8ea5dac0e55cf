/* update: change the resource limits of a container, from runc's flags or
 * from a LinuxResources JSON (-r FILE, - for stdin). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "goflags.h"

static const char help[] =
    "Options:\n"
    "  -r, --resources FILE         a LinuxResources JSON ('-' for stdin); the flags\n"
    "                               below are then ignored. Only memory (limit,\n"
    "                               reservation, swap), cpu (shares, quota, burst,\n"
    "                               period, realtimeRuntime, realtimePeriod, cpus,\n"
    "                               mems, idle), blockIO (weight, leafWeight,\n"
    "                               weightDevice, the four throttle lists), pids.limit\n"
    "                               and unified are applied\n"
    "  --blkio-weight N             per cgroup weight, 10 to 1000\n"
    "  --cpu-period US              CPU CFS period (0: leave alone)\n"
    "  --cpu-quota US               CPU CFS quota per period\n"
    "  --cpu-burst US               CPU CFS burst per period (0 too)\n"
    "  --cpu-idle 0|1               SCHED_IDLE for the cgroup (0 too)\n"
    "  --cpu-share N                CPU shares (also --cpu-shares)\n"
    "  --cpu-rt-period US           realtime period\n"
    "  --cpu-rt-runtime US          realtime runtime per period\n"
    "  --cpuset-cpus LIST           CPUs to use\n"
    "  --cpuset-mems LIST           memory nodes to use\n"
    "  --memory SIZE                memory limit (\"512m\", \"1g\", -1 unlimited)\n"
    "  --memory-reservation SIZE    soft limit\n"
    "  --memory-swap SIZE           memory + swap; -1 for unlimited swap\n"
    "  --pids-limit N               maximum number of pids (-1 unlimited)\n"
    "  --l3-cache-schema S          Intel RDT (not supported)\n"
    "  --mem-bw-schema S            Intel RDT (not supported)\n";

/* The flags runc reads as strings, parsed once the options are collected. */
struct flag_strings {
	const char *memory, *memory_swap, *memory_reservation, *kernel_memory, *kernel_memory_tcp;
	const char *cpu_shares, *cpu_quota, *cpu_period, *cpu_rt_runtime, *cpu_rt_period;
	const char *cpu_burst, *cpu_idle;
};

static bool given(const char *s)
{
	return s && *s;
}

/* In runc's order, so that the first bad value is the one reported. */
static int parse_strings(const struct flag_strings *f, struct ocirun_update_opts *o, ocirun_error_t *err)
{
	const struct {
		const char *opt, *val;
		uint64_t *dst;
	} uints[] = {
	    {"cpu-period", f->cpu_period, &o->cpu_period},
	    {"cpu-rt-period", f->cpu_rt_period, &o->cpu_rt_period},
	    {"cpu-share", f->cpu_shares, &o->cpu_shares},
	};
	const struct {
		const char *opt, *val;
		int64_t *dst;
	} ints[] = {{"cpu-quota", f->cpu_quota, &o->cpu_quota},
		    {"cpu-rt-runtime", f->cpu_rt_runtime, &o->cpu_rt_runtime}},
	  sizes[] = {
	      {"memory", f->memory, &o->memory},
	      {"memory-swap", f->memory_swap, &o->memory_swap},
	      {"kernel-memory", f->kernel_memory, &o->kernel_memory},
	      {"kernel-memory-tcp", f->kernel_memory_tcp, &o->kernel_memory_tcp},
	      {"memory-reservation", f->memory_reservation, &o->memory_reservation},
	  };

	for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++)
		if (given(uints[i].val) && go_parse_uint(uints[i].opt, uints[i].val, uints[i].dst, err) < 0)
			return -1;
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (given(ints[i].val) && go_parse_int(ints[i].opt, ints[i].val, ints[i].dst, err) < 0)
			return -1;
	if ((o->has_cpu_burst = given(f->cpu_burst)) &&
	    go_parse_uint("cpu-burst", f->cpu_burst, &o->cpu_burst, err) < 0)
		return -1;
	if ((o->has_cpu_idle = given(f->cpu_idle)) &&
	    go_parse_int("cpu-idle", f->cpu_idle, &o->cpu_idle, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (!given(sizes[i].val))
			continue;
		*sizes[i].dst = -1;
		if (strcmp(sizes[i].val, "-1") != 0 &&
		    go_ram_in_bytes(sizes[i].opt, sizes[i].val, sizes[i].dst, err) < 0)
			return -1;
	}
	return 0;
}

CMD(update)
{
	enum {
		OPT_BLKIO = 256,
		OPT_CPU_PERIOD,
		OPT_CPU_QUOTA,
		OPT_CPU_SHARE,
		OPT_RT_PERIOD,
		OPT_RT_RUNTIME,
		OPT_CPUS,
		OPT_MEMS,
		OPT_KMEM,
		OPT_KMEM_TCP,
		OPT_MEMORY,
		OPT_MEM_RES,
		OPT_MEM_SWAP,
		OPT_PIDS,
		OPT_L3,
		OPT_MBA,
		OPT_CPU_BURST,
		OPT_CPU_IDLE,
	};
	static const struct option opts[] = {
	    {"resources", required_argument, NULL, 'r'},
	    {"blkio-weight", required_argument, NULL, OPT_BLKIO},
	    {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
	    {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
	    {"cpu-burst", required_argument, NULL, OPT_CPU_BURST},
	    {"cpu-idle", required_argument, NULL, OPT_CPU_IDLE},
	    {"cpu-share", required_argument, NULL, OPT_CPU_SHARE},
	    {"cpu-shares", required_argument, NULL, OPT_CPU_SHARE},
	    {"cpu-rt-period", required_argument, NULL, OPT_RT_PERIOD},
	    {"cpu-rt-runtime", required_argument, NULL, OPT_RT_RUNTIME},
	    {"cpuset-cpus", required_argument, NULL, OPT_CPUS},
	    {"cpuset-mems", required_argument, NULL, OPT_MEMS},
	    {"kernel-memory", required_argument, NULL, OPT_KMEM},
	    {"kernel-memory-tcp", required_argument, NULL, OPT_KMEM_TCP},
	    {"memory", required_argument, NULL, OPT_MEMORY},
	    {"memory-reservation", required_argument, NULL, OPT_MEM_RES},
	    {"memory-swap", required_argument, NULL, OPT_MEM_SWAP},
	    {"pids-limit", required_argument, NULL, OPT_PIDS},
	    {"l3-cache-schema", required_argument, NULL, OPT_L3},
	    {"mem-bw-schema", required_argument, NULL, OPT_MBA},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct ocirun_update_opts uo = {0};
	struct flag_strings fs = {0};
	ocirun_error_t err = {0};
	const char *id;
	int c;

	/* options may follow the ID too (`update ID --pids-limit 1`), as runc's */
	while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			uo.resources = optarg;
			break;
		case OPT_BLKIO:
			if (go_int_flag("blkio-weight", optarg, &uo.blkio_weight, &err) < 0)
				return cli_usage_error("update", "%s", err.msg);
			break;
		case OPT_PIDS:
			if (go_int_flag("pids-limit", optarg, &uo.pids_limit, &err) < 0)
				return cli_usage_error("update", "%s", err.msg);
			uo.pids_limit_set = true;
			break;
		case OPT_CPU_PERIOD:
			fs.cpu_period = optarg;
			break;
		case OPT_CPU_QUOTA:
			fs.cpu_quota = optarg;
			break;
		case OPT_CPU_BURST:
			fs.cpu_burst = optarg;
			break;
		case OPT_CPU_IDLE:
			fs.cpu_idle = optarg;
			break;
		case OPT_CPU_SHARE:
			fs.cpu_shares = optarg;
			break;
		case OPT_RT_PERIOD:
			fs.cpu_rt_period = optarg;
			break;
		case OPT_RT_RUNTIME:
			fs.cpu_rt_runtime = optarg;
			break;
		case OPT_CPUS:
			uo.cpuset_cpus = optarg;
			break;
		case OPT_MEMS:
			uo.cpuset_mems = optarg;
			break;
		case OPT_KMEM:
			fs.kernel_memory = optarg;
			break;
		case OPT_KMEM_TCP:
			fs.kernel_memory_tcp = optarg;
			break;
		case OPT_MEMORY:
			fs.memory = optarg;
			break;
		case OPT_MEM_RES:
			fs.memory_reservation = optarg;
			break;
		case OPT_MEM_SWAP:
			fs.memory_swap = optarg;
			break;
		case OPT_L3:
			uo.l3_cache_schema = optarg;
			break;
		case OPT_MBA:
			uo.mem_bw_schema = optarg;
			break;
		case 'h':
			exit(cli_help("update", help));
		default:
			return 1;
		}
	}
	if (cli_take_id("update", argc, argv, &id))
		return 1;
	if (!uo.resources && parse_strings(&fs, &uo, &err) < 0) {
		/* runc looks the container up first: its error comes before the flag's */
		ocirun_error_t e = {0};
		char *json = NULL;
		int r = ocirun_state(ctx, id, &json, &e);
		free(json);
		return cli_fail(r < 0 ? &e : &err);
	}
	return ocirun_update(ctx, id, &uo, &err) < 0 ? cli_fail(&err) : 0;
}

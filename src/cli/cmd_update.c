/* update: change the resource limits of a container, from runc's flags or
 * from a LinuxResources JSON (-r FILE, - for stdin). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

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
			if (ocirun_update_int_flag("blkio-weight", optarg, &uo.blkio_weight, &err) < 0)
				return cli_usage_error("update", "%s", err.msg);
			break;
		case OPT_PIDS:
			if (ocirun_update_int_flag("pids-limit", optarg, &uo.pids_limit, &err) < 0)
				return cli_usage_error("update", "%s", err.msg);
			uo.pids_limit_set = true;
			break;
		case OPT_CPU_PERIOD:
			uo.cpu_period = optarg;
			break;
		case OPT_CPU_QUOTA:
			uo.cpu_quota = optarg;
			break;
		case OPT_CPU_BURST:
			uo.cpu_burst = optarg;
			break;
		case OPT_CPU_IDLE:
			uo.cpu_idle = optarg;
			break;
		case OPT_CPU_SHARE:
			uo.cpu_shares = optarg;
			break;
		case OPT_RT_PERIOD:
			uo.cpu_rt_period = optarg;
			break;
		case OPT_RT_RUNTIME:
			uo.cpu_rt_runtime = optarg;
			break;
		case OPT_CPUS:
			uo.cpuset_cpus = optarg;
			break;
		case OPT_MEMS:
			uo.cpuset_mems = optarg;
			break;
		case OPT_KMEM:
			uo.kernel_memory = optarg;
			break;
		case OPT_KMEM_TCP:
			uo.kernel_memory_tcp = optarg;
			break;
		case OPT_MEMORY:
			uo.memory = optarg;
			break;
		case OPT_MEM_RES:
			uo.memory_reservation = optarg;
			break;
		case OPT_MEM_SWAP:
			uo.memory_swap = optarg;
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
	return ocirun_update(ctx, id, &uo, &err) < 0 ? cli_fail(&err) : 0;
}

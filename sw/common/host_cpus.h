#pragma once
// How many CPUs this process may run on: its affinity mask (taskset, a Slurm allocation's or a
// container's cpuset), not every online CPU of the node. In a 4-CPU allocation of a 64-core
// node, "all cores" must mean 4: 64 processes would share 4 CPUs and multiply memory use.
// Falls back to the online CPUs when the mask cannot be read; at least 1.
namespace sx {
int usable_cpus();
}  // namespace sx

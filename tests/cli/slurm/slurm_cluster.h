#pragma once
// A real single-node Slurm cluster for the tests of `--backend slurm` (issue 18), started by the
// test as root and stopped by it: munged with its own key and socket, slurmctld and slurmd in the
// foreground (-D) with a generated slurm.conf, everything under one scratch folder. SLURM_CONF is
// set in this process, so the sxsim it runs (and the sbatch/squeue those run) talk to this
// cluster only. The destructor cancels the cluster's jobs and ends only the three daemons it
// started (by PID: SIGTERM, SIGKILL after 10 s), also when the test fails (Catch unwinds);
// each daemon also gets PR_SET_PDEATHSIG, so a test process killed by ctest's timeout takes them
// down with it. Not root, or a package missing: the constructor FAILS saying what is missing
// (CI runs as root and .ci/deps installs slurmctld slurmd slurm-client munge).
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace sx::cli_test {

class SlurmCluster {
public:
    // `dir`: an empty scratch folder (short: the munge socket path must fit a sockaddr_un).
    explicit SlurmCluster(const std::filesystem::path& dir) : dir_(dir) {
        // A constructor that throws runs no destructor: stop what was started, then fail.
        try {
            start_cluster();
        } catch (...) {
            shutdown();
            throw;
        }
    }

    ~SlurmCluster() { shutdown(); }

    SlurmCluster(const SlurmCluster&) = delete;
    SlurmCluster& operator=(const SlurmCluster&) = delete;

    std::string conf() const { return (dir_ / "slurm.conf").string(); }
    std::string log_dir() const { return (dir_ / "log").string(); }

    // stdout of a shell command run against this cluster (SLURM_CONF is in the environment).
    static std::string output_of(const std::string& cmd) {
        std::string out;
        FILE* f = ::popen((cmd + " 2>/dev/null").c_str(), "r");
        if (!f) return out;
        char buf[512];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
        ::pclose(f);
        return out;
    }

private:
    void start_cluster() {
        namespace fs = std::filesystem;
        std::string missing;
        for (const char* exe : {"/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch",
                                "/usr/bin/squeue", "/usr/bin/scontrol", "/usr/bin/scancel", "/usr/bin/sinfo"})
            if (!fs::exists(exe)) missing += std::string(missing.empty() ? "" : ", ") + exe;
        if (!missing.empty())
            FAIL("the Slurm test needs the Debian packages slurmctld slurmd slurm-client munge (.ci/deps); missing: " +
                 missing);
        if (::geteuid() != 0)
            FAIL("the Slurm test starts munged, slurmctld and slurmd itself and must run as root (CI does); uid " +
                 std::to_string(::geteuid()));

        for (const char* sub : {"munge", "state", "spool", "log"}) fs::create_directories(dir_ / sub);
        fs::permissions(dir_ / "munge", fs::perms::owner_all, fs::perm_options::replace);
        {
            // A fresh key: this cluster authenticates nobody else's daemons.
            std::ifstream rnd("/dev/urandom", std::ios::binary);
            std::string key(1024, '\0');
            rnd.read(key.data(), static_cast<std::streamsize>(key.size()));
            std::ofstream(dir_ / "munge" / "munge.key", std::ios::binary) << key;
            fs::permissions(dir_ / "munge" / "munge.key", fs::perms::owner_read, fs::perm_options::replace);
        }
        const std::string sock = (dir_ / "munge" / "sock").string();
        write_conf(sock);
        setenv("SLURM_CONF", conf().c_str(), 1);

        start({"/usr/sbin/munged", "-F", "-f", "--socket=" + sock, "--key-file=" + (dir_ / "munge" / "munge.key").string(),
               "--log-file=" + (dir_ / "log" / "munged.log").string(), "--pid-file=" + (dir_ / "munge" / "munged.pid").string(),
               "--seed-file=" + (dir_ / "munge" / "seed").string()},
              "munged");
        wait_for([&] { return fs::exists(sock); }, 10, "munged did not create its socket " + sock);
        start({"/usr/sbin/slurmctld", "-D", "-i"}, "slurmctld");
        start({"/usr/sbin/slurmd", "-D"}, "slurmd");
        wait_for([&] { return output_of("sinfo -h -o %t").find("idle") != std::string::npos; }, 30,
                 "the node did not become idle (logs in " + (dir_ / "log").string() + ")");
    }

    void shutdown() {
        // Jobs first (their slurmstepd are slurmd's, not ours to kill), then our daemons.
        if (pids_.size() == 3) {
            std::system("scancel --full --quiet --user=root >/dev/null 2>&1");
            for (int i = 0; i < 100 && !output_of("squeue -h -o %i").empty(); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        for (auto it = pids_.rbegin(); it != pids_.rend(); ++it) stop(*it);
        pids_.clear();
        unsetenv("SLURM_CONF");
    }

    static int free_port() {
        const int s = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        ::close(s);
        return ntohs(a.sin_port);
    }

    void write_conf(const std::string& sock) {
        char host[256] = {};
        ::gethostname(host, sizeof host - 1);
        std::string node = host;
        node = node.substr(0, node.find('.'));  // hostname -s
        long mem_kib = 0;
        {
            std::ifstream in("/proc/meminfo");
            std::string key;
            while (in >> key && key != "MemTotal:") in.ignore(1 << 10, '\n');
            in >> mem_kib;
        }
        const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
        int ctld = free_port(), slurmd = free_port();
        while (slurmd == ctld) slurmd = free_port();
        const std::string d = dir_.string();
        std::ofstream c(conf());
        c << "ClusterName=sxtest\n"
          << "SlurmctldHost=" << node << "(127.0.0.1)\n"
          << "SlurmctldPort=" << ctld << "\nSlurmdPort=" << slurmd << "\n"
          << "SlurmUser=root\nSlurmdUser=root\n"
          << "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << sock << "\n"
          << "StateSaveLocation=" << d << "/state\nSlurmdSpoolDir=" << d << "/spool\n"
          << "SlurmctldPidFile=" << d << "/slurmctld.pid\nSlurmdPidFile=" << d << "/slurmd.pid\n"
          << "SlurmctldLogFile=" << d << "/log/slurmctld.log\nSlurmdLogFile=" << d << "/log/slurmd.log\n"
          // No cgroups in a container: processes tracked by parent PID, no task binding.
          << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
          << "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
          << "JobCompType=jobcomp/none\nMpiDefault=none\nSwitchType=switch/none\n"
          << "SchedulerType=sched/builtin\nSelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n"
          << "ReturnToService=2\nMinJobAge=600\n"
          << "NodeName=" << node << " NodeAddr=127.0.0.1 CPUs=" << cpus << " RealMemory=" << mem_kib / 1024 / 2
          << " State=UNKNOWN\n"
          << "PartitionName=debug Nodes=" << node << " Default=YES MaxTime=INFINITE State=UP\n";
        REQUIRE(c.good());
    }

    void start(const std::vector<std::string>& args, const std::string& name) {
        const std::string log = (dir_ / "log" / (name + ".out")).string();
        const pid_t parent = ::getpid();
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // the test process gone: so is its cluster
            if (::getppid() != parent) ::_exit(127);
            std::FILE* out = std::freopen(log.c_str(), "w", stdout);
            if (out) ::dup2(::fileno(out), 2);
            std::vector<char*> argv;
            for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        pids_.push_back(pid);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            pids_.pop_back();
            std::ifstream in(log);
            std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            FAIL(name + " exited at start: " + text);
        }
    }

    static void stop(pid_t pid) {
        ::kill(pid, SIGTERM);
        for (int i = 0; i < 100; ++i) {
            if (::waitpid(pid, nullptr, WNOHANG) == pid) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }

    template <class Pred>
    static void wait_for(Pred ready, int timeout_s, const std::string& what) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
        while (!ready()) {
            if (std::chrono::steady_clock::now() > end) FAIL(what);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }

    std::filesystem::path dir_;
    std::vector<pid_t> pids_;
};

}  // namespace sx::cli_test

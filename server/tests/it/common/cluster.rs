//! A real Redis Cluster of our own: three masters and three replicas
//! (`redis-server --cluster-enabled yes` on free ports, joined with
//! `redis-cli --cluster create`), stopped when dropped.

use super::{free_port, temp_dir};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisCluster {
    pub ports: Vec<u16>,
    children: Vec<Child>,
    dir: std::path::PathBuf,
}

fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli must be installed (scripts/test installs redis-tools)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl RedisCluster {
    /// Starts six nodes and forms the cluster; waits until every node says
    /// `cluster_state:ok` and every master has its replica.
    pub fn start() -> RedisCluster {
        let dir = temp_dir("cluster");
        let mut ports = Vec::new();
        let mut children = Vec::new();
        for i in 0..6 {
            let (port, bus) = (free_port(), free_port());
            let node_dir = dir.join(format!("n{i}"));
            std::fs::create_dir_all(&node_dir).unwrap();
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .args(["--cluster-enabled", "yes", "--cluster-port", &bus.to_string()])
                .args(["--cluster-node-timeout", "2000", "--dir", &node_dir.display().to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server must be installed (scripts/test installs it)");
            ports.push(port);
            children.push(child);
        }
        let cluster = RedisCluster { ports, children, dir };
        let t0 = Instant::now();
        for p in &cluster.ports {
            while !super::redis_ping(*p) {
                assert!(t0.elapsed() < Duration::from_secs(10), "cluster node {p} did not answer");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let nodes: Vec<String> = cluster.ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let out = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&nodes)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .expect("redis-cli must be installed");
        assert!(out.status.success(), "redis-cli --cluster create failed: {}", String::from_utf8_lossy(&out.stdout));
        cluster.wait_ok(Duration::from_secs(30));
        cluster
    }

    /// Waits until every node reports the cluster ok with 3 masters, each
    /// with a replica that is in sync.
    pub fn wait_ok(&self, within: Duration) {
        let t0 = Instant::now();
        loop {
            let ok = self.ports.iter().all(|p| cli(*p, &["CLUSTER", "INFO"]).contains("cluster_state:ok"));
            let masters = self.masters();
            let synced = masters.len() == 3
                && masters.iter().all(|m| {
                    let info = cli(*m, &["INFO", "replication"]);
                    info.contains("connected_slaves:1") && info.contains("state=online")
                });
            if ok && synced {
                return;
            }
            assert!(t0.elapsed() < within, "the cluster did not settle: {}", cli(self.ports[0], &["CLUSTER", "NODES"]));
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `redis://` URLs of every node, comma-separated (REDIS_URL with REDIS_CLUSTER=true).
    pub fn urls(&self) -> String {
        self.ports.iter().map(|p| format!("redis://127.0.0.1:{p}")).collect::<Vec<_>>().join(",")
    }

    pub fn nodes(&self) -> Vec<String> {
        self.ports.iter().map(|p| format!("redis://127.0.0.1:{p}")).collect()
    }

    /// Ports of the nodes that are masters now.
    pub fn masters(&self) -> Vec<u16> {
        self.ports.iter().copied().filter(|p| cli(*p, &["ROLE"]).starts_with("master")).collect()
    }

    /// The port of a replica of the master on `master`.
    pub fn replica_of(&self, master: u16) -> Option<u16> {
        self.ports.iter().copied().find(|p| {
            let role = cli(*p, &["ROLE"]);
            role.starts_with("slave") && role.lines().nth(2).is_some_and(|l| l.trim() == master.to_string())
        })
    }

    /// A manual failover: the replica of `master` takes over (`CLUSTER
    /// FAILOVER` waits for it to have every write the master acknowledged).
    /// Answers the new master's port once it is master.
    pub fn failover(&self, master: u16) -> u16 {
        let replica = self.replica_of(master).expect("the master has a replica");
        let answer = cli(replica, &["CLUSTER", "FAILOVER"]);
        assert!(answer.trim() == "OK", "CLUSTER FAILOVER on {replica}: {answer}");
        let t0 = Instant::now();
        while !cli(replica, &["ROLE"]).starts_with("master") {
            assert!(t0.elapsed() < Duration::from_secs(20), "replica {replica} did not take over");
            std::thread::sleep(Duration::from_millis(50));
        }
        replica
    }

    /// One command on one node through redis-cli.
    pub fn cli(&self, port: u16, args: &[&str]) -> String {
        cli(port, args)
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

//! The Redis connection and key layout the two Redis stores share (the
//! sessions' `store/redis.rs` and the runs' `runs/redis.rs`): one Redis or
//! a cluster behind one type, the shards' hash tags, and the scans both
//! use. Neither store reaches into the other for these.

use super::error::StoreError;
use greenside_core::shard;
use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};

/// A Redis error as the stores' error.
pub fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// Shards of the key layout (sessions and runs each). Fixed: changing it
/// would move every key.
pub const SHARDS: u32 = 16;
/// The value of `{prefix}:layout` once the keys are in the sharded layout.
pub const LAYOUT: &str = "sharded-16";

/// One Redis (a connection manager) or a Redis Cluster (the cluster client).
#[derive(Clone)]
pub enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Conn::Single(_) => "Conn::Single",
            Conn::Cluster(_) => "Conn::Cluster",
        })
    }
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(_) => 0,
        }
    }
}

/// The hash tag of shard `k` of a kind (`s` sessions, `r` runs).
pub fn tag(prefix: &str, kind: char, k: u32) -> String {
    format!("{prefix}:{{{kind}{k:02}}}")
}

/// The hash tag of the shard `id` belongs to.
pub fn tag_of(prefix: &str, kind: char, id: &str) -> String {
    tag(prefix, kind, shard::of(id, SHARDS))
}

/// One `ZSCAN` step over `key` from `cursor`: the next cursor (0 at the
/// end) and the members and scores read, flat (member, score, member, …).
/// Used by the moves out of the unsharded layout: a scan sees every member
/// present for the whole scan, whatever is added or removed meanwhile.
pub async fn zscan(c: &mut Conn, key: &str, cursor: u64) -> Result<(u64, Vec<String>), StoreError> {
    redis::cmd("ZSCAN").arg(key).arg(cursor).arg("COUNT").arg(500).query_async(c).await.map_err(unavailable)
}

/// Calls `f` for every shard at once and collects the answers in shard order.
pub async fn each_shard<T, F, Fut>(f: F) -> Result<Vec<T>, StoreError>
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    futures_util::future::try_join_all((0..SHARDS).map(f)).await
}

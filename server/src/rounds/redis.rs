//! Rounds in Redis, in the sessions' sharded layout (one Redis or a cluster):
//!
//! ```text
//! {prefix}:{oNN}:round:{round_id}   HASH  rev (revision), rec (the record as JSON), sum (its listing summary)
//! {prefix}:{oNN}:rounds             ZSET  round_id scored by created_at_ms (listing, newest first)
//! ```
//! `NN` is core's `shard::of(round_id, 16)`: a round and its index entry
//! share one hash tag, so each write is one Lua script in one slot: create
//! only when absent, save only at the expected revision, delete with its
//! entry. A page merges the 16 shards' pages through core's `merge_pages`.

use crate::store::SaveOutcome;
use crate::store::error::StoreError;
use crate::store::redis_conn::{Conn, each_shard, tag, tag_of, unavailable};
use greenside_core::listing::{RoundsPage, RoundsPageBuilder, RoundsQuery, merge_pages};
use greenside_core::round::{RoundRecord, RoundSummary, summary};
use redis::Script;

const CREATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'rev', ARGV[1], 'rec', ARGV[2], 'sum', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
return 1";

const SAVE: &str = r"
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return 0 end
if rev ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'rec', ARGV[3])
return 1";

const DELETE: &str = r"
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return n";

fn key(prefix: &str, id: &str) -> String {
    format!("{}:round:{id}", tag_of(prefix, 'o', id))
}

fn index_of(prefix: &str, id: &str) -> String {
    format!("{}:rounds", tag_of(prefix, 'o', id))
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("round store: {e}"))
}

pub async fn create(conn: &Conn, prefix: &str, rec: &RoundRecord) -> Result<bool, StoreError> {
    let record = serde_json::to_string(rec).map_err(corrupt)?;
    let sum = serde_json::to_string(&summary(rec)).map_err(corrupt)?;
    let n: i64 = Script::new(CREATE)
        .key(key(prefix, &rec.round_id))
        .key(index_of(prefix, &rec.round_id))
        .arg(rec.revision)
        .arg(record)
        .arg(sum)
        .arg(rec.created_at_ms)
        .arg(&rec.round_id)
        .invoke_async(&mut conn.clone())
        .await
        .map_err(unavailable)?;
    Ok(n == 1)
}

pub async fn load(conn: &Conn, prefix: &str, id: &str) -> Result<Option<RoundRecord>, StoreError> {
    let text: Option<String> =
        redis::cmd("HGET").arg(key(prefix, id)).arg("rec").query_async(&mut conn.clone()).await.map_err(unavailable)?;
    text.map(|t| serde_json::from_str(&t).map_err(corrupt)).transpose()
}

pub async fn save(conn: &Conn, prefix: &str, rec: &RoundRecord, expected: u64) -> Result<SaveOutcome, StoreError> {
    let record = serde_json::to_string(rec).map_err(corrupt)?;
    let n: i64 = Script::new(SAVE)
        .key(key(prefix, &rec.round_id))
        .arg(expected.to_string())
        .arg(rec.revision)
        .arg(record)
        .invoke_async(&mut conn.clone())
        .await
        .map_err(unavailable)?;
    Ok(match n {
        1 => SaveOutcome::Saved,
        0 => SaveOutcome::Missing,
        _ => SaveOutcome::Conflict,
    })
}

pub async fn delete(conn: &Conn, prefix: &str, id: &str) -> Result<bool, StoreError> {
    let n: i64 = Script::new(DELETE)
        .key(key(prefix, id))
        .key(index_of(prefix, id))
        .arg(id)
        .invoke_async(&mut conn.clone())
        .await
        .map_err(unavailable)?;
    Ok(n == 1)
}

/// Shard `k`'s page: its index newest first from the cursor's time, in
/// batches, each round's summary read from its hash.
async fn shard_page(
    conn: &Conn,
    prefix: &str,
    k: u32,
    q: &RoundsQuery,
) -> Result<(Vec<RoundSummary>, bool), StoreError> {
    let mut c = conn.clone();
    let index = format!("{}:rounds", tag(prefix, 'o', k));
    let hi = q.cursor.as_ref().map_or_else(|| "+inf".to_string(), |(t, _)| t.to_string());
    let batch = q.limit + 1;
    let mut page = RoundsPageBuilder::new(q);
    let mut offset = 0;
    loop {
        let ids: Vec<String> = redis::cmd("ZREVRANGEBYSCORE")
            .arg(&index)
            .arg(&hi)
            .arg("-inf")
            .arg("LIMIT")
            .arg(offset)
            .arg(batch)
            .query_async(&mut c)
            .await
            .map_err(unavailable)?;
        if ids.is_empty() {
            break;
        }
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.cmd("HGET").arg(key(prefix, id)).arg("sum");
        }
        let sums: Vec<Option<String>> = pipe.query_async(&mut c).await.map_err(unavailable)?;
        let mut open = true;
        for s in sums.into_iter().flatten() {
            let s: RoundSummary = serde_json::from_str(&s).map_err(corrupt)?;
            if !page.offer(&s) {
                open = false;
                break;
            }
        }
        if !open || ids.len() < batch {
            break;
        }
        offset += ids.len();
    }
    let p = page.finish();
    Ok((p.rounds, p.next_cursor.is_some()))
}

/// One page over the 16 shards, merged newest first.
pub async fn page(conn: &Conn, prefix: &str, q: &RoundsQuery) -> Result<RoundsPage, StoreError> {
    let pages = each_shard(|k| shard_page(conn, prefix, k, q)).await?;
    let (rounds, more) =
        merge_pages(pages, q.limit, |r: &RoundSummary| std::cmp::Reverse((r.created_at_ms, r.round_id.clone())));
    let next = if more { rounds.last().map(|r| (r.created_at_ms, r.round_id.clone())) } else { None };
    Ok(RoundsPage {
        next_cursor: next.as_ref().map(greenside_core::listing::encode_round_cursor),
        rounds,
        limit: q.limit,
    })
}

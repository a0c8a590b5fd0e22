//! Which shard a key belongs to: one rule for every place greenside spreads
//! state over several owners (Redis hash slots, the edge's directory and
//! run-log objects), so a key lands in the same shard wherever it is asked.

/// FNV-1a, 64 bits: stable across builds, platforms and instances.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// The shard of `key` among `shards` (0 when `shards` is 0 or 1).
pub fn of(key: &str, shards: u32) -> u32 {
    if shards <= 1 {
        return 0;
    }
    (fnv1a(key.as_bytes()) % u64::from(shards)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_and_spread() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(of("anything", 1), 0);
        let mut counts = [0u32; 16];
        for i in 0..16_000 {
            counts[of(&format!("s{i:08x}"), 16) as usize] += 1;
        }
        assert!(counts.iter().all(|c| (800..1200).contains(c)), "{counts:?}");
    }
}

/// The session number shard `shard` of `shards` hands out after `last`:
/// the smallest number above `last` that is `shard + 1` modulo `shards`.
/// Shards never hand out the same number, each shard's numbers increase,
/// and with one shard it is `last + 1`. A caller that passes the highest
/// number it has seen as `last` (when that is above the shard's own) keeps
/// its own sessions' numbers increasing across shards.
pub fn next_number(last: u64, shard: u32, shards: u32) -> u64 {
    let n = u64::from(shards.max(1));
    let want = (u64::from(shard) + 1) % n;
    let first = last + 1;
    first + (want + n - first % n) % n
}

#[cfg(test)]
mod number_tests {
    use super::next_number;

    #[test]
    fn numbers_are_unique_per_shard_and_above_last() {
        assert_eq!(next_number(0, 0, 1), 1);
        assert_eq!(next_number(41, 0, 1), 42);
        let mut seen = std::collections::BTreeSet::new();
        for shard in 0..8 {
            let mut last = 0;
            for _ in 0..100 {
                let v = next_number(last, shard, 8);
                assert!(v > last && v <= last + 8);
                assert_eq!(v % 8, u64::from(shard + 1) % 8);
                assert!(seen.insert(v), "{v} twice");
                last = v;
            }
        }
        // A floor above the shard's own last still gives the shard's residue.
        assert_eq!(next_number(100, 2, 8), 107);
    }
}

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

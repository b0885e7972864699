//! The processor's decision caches (`decision_cache.sampled_cache_size`,
//! `non_sampled_cache_size`): LRU sets of trace ids, where a look-up makes
//! an id the most recently used and an insert beyond the size evicts the
//! least recently used. Keys are the processor's entry ids (one per trace
//! id and decision).

use std::collections::{HashMap, VecDeque};

/// An LRU set with lazy deletion: the queue holds (key, stamp) pairs and a
/// pair is live when its stamp is the key's current one.
#[derive(Debug, Clone, Default)]
pub struct Lru {
    cap: usize,
    stamp: u64,
    live: HashMap<u64, u64>,
    order: VecDeque<(u64, u64)>,
}

impl Lru {
    /// A cache of `cap` keys (0: inactive, holds nothing).
    pub fn new(cap: u64) -> Lru {
        Lru {
            cap: cap as usize,
            ..Lru::default()
        }
    }

    fn touch(&mut self, key: u64) {
        self.stamp += 1;
        self.live.insert(key, self.stamp);
        self.order.push_back((key, self.stamp));
        if self.order.len() > 2 * self.cap + 64 {
            let live = &self.live;
            self.order.retain(|(k, s)| live.get(k) == Some(s));
        }
    }

    /// True when `key` is cached; it becomes the most recently used.
    pub fn get(&mut self, key: u64) -> bool {
        if self.cap == 0 || !self.live.contains_key(&key) {
            return false;
        }
        self.touch(key);
        true
    }

    /// Caches `key`, evicting the least recently used beyond the size.
    pub fn put(&mut self, key: u64) {
        if self.cap == 0 {
            return;
        }
        self.touch(key);
        while self.live.len() > self.cap {
            let Some((k, s)) = self.order.pop_front() else {
                break;
            };
            if self.live.get(&k) == Some(&s) {
                self.live.remove(&k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lru;

    #[test]
    fn least_recently_used_goes_first() {
        let mut c = Lru::new(2);
        c.put(1);
        c.put(2);
        assert!(c.get(1));
        c.put(3);
        assert!(c.get(1) && c.get(3) && !c.get(2));
        let mut off = Lru::new(0);
        off.put(1);
        assert!(!off.get(1));
    }
}

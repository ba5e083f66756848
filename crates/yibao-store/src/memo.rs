//! Small in-memory copies of rarely changed data that hot paths read (the working-day
//! calendar, intake routing data): each entry is trusted for a maximum age, and every change
//! this process commits drops them all at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Values by key, each kept up to `max_age`; at most `max_entries` before all are dropped.
pub(crate) struct Memo<K, V> {
    max_age: Duration,
    max_entries: usize,
    inner: Mutex<Entries<K, V>>,
}

struct Entries<K, V> {
    /// Counts this process's changes; a value read across a change is not kept.
    generation: u64,
    values: HashMap<K, (Instant, V)>,
}

/// What a lookup found: the value, or the generation to hand back to `keep`.
enum Lookup<V> {
    Hit(V),
    Miss(u64),
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub(crate) fn new(max_age: Duration, max_entries: usize) -> Memo<K, V> {
        Memo {
            max_age,
            max_entries,
            inner: Mutex::new(Entries {
                generation: 0,
                values: HashMap::new(),
            }),
        }
    }

    fn lookup(&self, key: &K) -> Lookup<V> {
        let entries = self.inner.lock().expect("memo poisoned");
        match entries.values.get(key) {
            Some((read_at, value)) if read_at.elapsed() < self.max_age => {
                Lookup::Hit(value.clone())
            }
            _ => Lookup::Miss(entries.generation),
        }
    }

    /// Keeps a value read after `lookup` gave `generation`, unless a change was committed
    /// meanwhile (what was read may predate it).
    fn keep(&self, key: K, value: V, generation: u64) {
        let mut entries = self.inner.lock().expect("memo poisoned");
        if entries.generation != generation {
            return;
        }
        if entries.values.len() >= self.max_entries {
            entries.values.clear();
        }
        entries.values.insert(key, (Instant::now(), value));
    }

    /// The value for `key`, from memory or else from `load` (kept unless a change was
    /// committed while it loaded; an error is not kept).
    pub(crate) async fn get_or_load<E>(
        &self,
        key: K,
        load: impl std::future::Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        let generation = match self.lookup(&key) {
            Lookup::Hit(value) => return Ok(value),
            Lookup::Miss(generation) => generation,
        };
        let value = load.await?;
        self.keep(key, value.clone(), generation);
        Ok(value)
    }

    /// Called after a committed change to what the values were read from.
    pub(crate) fn changed(&self) {
        let mut entries = self.inner.lock().expect("memo poisoned");
        entries.generation += 1;
        entries.values.clear();
    }
}

//! A small seeded generator: bytes, strings, JSON values, biased toward what breaks parsers.

use serde_json::{Map, Value};

/// xorshift64*: deterministic per seed, fast, good enough for fuzzing.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Characters that matter to terminals, URLs and parsers, plus anything at all.
    pub fn char(&mut self) -> char {
        const SPECIAL: &[char] = &[
            '\u{1b}', '\u{7}', '\u{0}', '\u{9b}', '\u{85}', '\u{7f}', '\n', '\r', '\t', ' ', '\u{202e}', '\u{202a}',
            '\u{2066}', '\u{2069}', '\u{200b}', '\u{200f}', '\u{feff}', '\u{61c}', '\u{2028}', '\u{a0}', 'é', '€', '𝔘',
            '😀', ':', '/', '?', '#', '@', '%', '[', ']', '\\', '"', '{', '}', '.', '-', '\u{ff0e}',
        ];
        match self.below(10) {
            0..=4 => (b' ' + self.below(95) as u8) as char,
            5..=7 => *self.pick(SPECIAL),
            8 => char::from_u32(self.below(0x250) as u32).unwrap_or('x'),
            _ => char::from_u32(self.below(0x11_0000) as u32).unwrap_or('\u{fffd}'),
        }
    }

    pub fn string(&mut self, max: usize) -> String {
        let n = self.below(max + 1);
        (0..n).map(|_| self.char()).collect()
    }

    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }

    /// A random JSON value; `keys` are used for most object keys.
    pub fn json(&mut self, depth: usize, keys: &[&str]) -> Value {
        let leaf = depth == 0 || self.chance(40);
        if leaf {
            return match self.below(9) {
                0 => Value::Null,
                1 => Value::Bool(self.chance(50)),
                2 => Value::from(self.next() as i64),
                3 => Value::from(*self.pick(&[0.0, -1.0, 0.5, 1e300, -1e-300, 600.0, 86401.0, 1.5e19])),
                4 => Value::from(self.below(1000) as i64 - 10),
                5 => Value::from(*self.pick(&["pending", "active", "ACTIVE", "denied", "expired", "consumed", ""])),
                6 => Value::from(*self.pick(&["https://127.0.0.1/login/x", "2030-01-01T00:00:00Z", "s1", "tok_abc"])),
                _ => Value::from(self.string(40)),
            };
        }
        if self.chance(30) {
            let n = self.below(4);
            return Value::Array((0..n).map(|_| self.json(depth - 1, keys)).collect());
        }
        let mut map = Map::new();
        for _ in 0..self.below(6) {
            let key = if self.chance(80) { (*self.pick(keys)).to_string() } else { self.string(8) };
            map.insert(key, self.json(depth - 1, keys));
        }
        Value::Object(map)
    }
}

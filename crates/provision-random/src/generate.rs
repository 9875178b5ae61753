//! The generators, apart from the resource plumbing so they can be tested alone: uniform choices
//! from the operating system's random source (rejection sampling, no modulo bias), and the
//! character-class rules of `random_string` and `random_password`.

use provision_core::{ProviderError, ProviderErrorKind};

/// Random bytes from the operating system.
pub fn bytes(n: usize) -> Result<Vec<u8>, ProviderError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf)
        .map_err(|e| ProviderError::new(ProviderErrorKind::Other, format!("no random bytes from the system: {e}")))?;
    Ok(buf)
}

/// A uniform index below `n` (n > 0).
pub fn below(n: usize) -> Result<usize, ProviderError> {
    let n = n as u64;
    // The largest multiple of n that fits: draws above it are thrown away.
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let b = bytes(8)?;
        let mut arr = [0u8; 8];
        arr.copy_from_slice(&b);
        let v = u64::from_le_bytes(arr);
        if v < zone {
            return Ok((v % n) as usize);
        }
    }
}

pub const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
pub const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
pub const NUMERIC: &str = "0123456789";
/// The random provider's default special characters.
pub const SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

/// What a `random_string` or `random_password` may contain.
#[derive(Debug, Clone)]
pub struct StringRules {
    pub length: usize,
    pub lower: bool,
    pub upper: bool,
    pub numeric: bool,
    pub special: bool,
    pub min_lower: usize,
    pub min_upper: usize,
    pub min_numeric: usize,
    pub min_special: usize,
    pub override_special: Option<String>,
}

impl StringRules {
    /// Why these rules cannot be met, if they cannot.
    pub fn problem(&self) -> Option<String> {
        let mins = self.min_lower + self.min_upper + self.min_numeric + self.min_special;
        if self.length == 0 {
            return Some("length must be at least 1".into());
        }
        if mins > self.length {
            return Some(format!("the min_* arguments add up to {mins}, more than length ({})", self.length));
        }
        if self.classes().iter().all(|(set, _)| set.is_empty()) {
            return Some(
                "every character class is turned off (lower, upper, numeric and special are all false)".into(),
            );
        }
        None
    }

    fn specials(&self) -> &str {
        self.override_special.as_deref().unwrap_or(SPECIAL)
    }

    /// Each enabled class with its minimum count.
    fn classes(&self) -> Vec<(&str, usize)> {
        let mut out = vec![];
        if self.lower {
            out.push((LOWER, self.min_lower));
        }
        if self.upper {
            out.push((UPPER, self.min_upper));
        }
        if self.numeric {
            out.push((NUMERIC, self.min_numeric));
        }
        if self.special {
            out.push((self.specials(), self.min_special));
        }
        out
    }

    /// A string meeting the rules: each class's minimum first, the rest from every enabled
    /// class, then shuffled.
    pub fn generate(&self) -> Result<String, ProviderError> {
        if let Some(p) = self.problem() {
            return Err(ProviderError::new(ProviderErrorKind::Invalid, p));
        }
        let classes = self.classes();
        let all: Vec<char> = classes.iter().flat_map(|(set, _)| set.chars()).collect();
        let mut out: Vec<char> = Vec::with_capacity(self.length);
        for (set, min) in &classes {
            let chars: Vec<char> = set.chars().collect();
            for _ in 0..*min {
                if !chars.is_empty() {
                    out.push(chars[below(chars.len())?]);
                }
            }
        }
        while out.len() < self.length {
            out.push(all[below(all.len())?]);
        }
        // Fisher–Yates, so the minimums are not all at the front.
        for i in (1..out.len()).rev() {
            let j = below(i + 1)?;
            out.swap(i, j);
        }
        Ok(out.into_iter().collect())
    }
}

const ADJECTIVES: &[&str] = &[
    "able", "brave", "bright", "calm", "clever", "cool", "crisp", "daring", "eager", "fair", "fancy", "fast", "fine",
    "firm", "fluent", "fond", "free", "fresh", "gentle", "glad", "golden", "good", "grand", "great", "happy", "hardy",
    "helpful", "honest", "humble", "ideal", "jolly", "keen", "kind", "lively", "loved", "loyal", "lucky", "merry",
    "mighty", "modest", "neat", "nice", "noble", "patient", "perfect", "polite", "proud", "quick", "quiet", "rapid",
    "ready", "regal", "robust", "sharp", "shining", "smart", "smooth", "solid", "sound", "steady", "strong", "sunny",
    "super", "sure", "swift", "tender", "tidy", "true", "trusty", "upbeat", "valid", "vital", "warm", "wise", "witty",
];

const ADVERBS: &[&str] = &[
    "barely", "boldly", "briefly", "calmly", "closely", "deeply", "eagerly", "easily", "evenly", "fairly", "freely",
    "gently", "gladly", "greatly", "happily", "highly", "kindly", "largely", "lightly", "mainly", "merely", "mostly",
    "neatly", "nicely", "openly", "partly", "quickly", "quietly", "rapidly", "rarely", "really", "simply", "slowly",
    "smoothly", "softly", "solely", "surely", "swiftly", "truly", "vastly", "warmly", "wholly", "widely", "wisely",
];

const NAMES: &[&str] = &[
    "alpaca", "badger", "beagle", "bear", "beaver", "bison", "bobcat", "buffalo", "camel", "cat", "cheetah", "cobra",
    "condor", "cougar", "coyote", "crane", "crow", "deer", "dingo", "dodo", "dog", "dolphin", "dove", "eagle", "eel",
    "elk", "emu", "falcon", "ferret", "finch", "fox", "frog", "gator", "gazelle", "gecko", "gibbon", "goat", "goose",
    "gopher", "hare", "hawk", "hen", "heron", "horse", "hound", "ibex", "iguana", "impala", "jackal", "jaguar", "jay",
    "kiwi", "koala", "lemur", "leopard", "lion", "lizard", "llama", "lynx", "macaw", "marmot", "mink", "mole", "moose",
    "mouse", "mule", "newt", "ocelot", "orca", "osprey", "otter", "owl", "ox", "panda", "panther", "parrot", "pelican",
    "penguin", "pigeon", "puma", "quail", "rabbit", "raven", "robin", "salmon", "seal", "shark", "sheep", "skunk",
    "sloth", "snail", "sparrow", "squid", "stork", "swan", "tapir", "tiger", "toad", "trout", "turkey", "turtle",
    "viper", "walrus", "weasel", "whale", "wolf", "wombat", "yak", "zebra",
];

/// A pet name of `length` words (adverbs, an adjective, an animal), as the random provider makes.
pub fn pet(length: usize, separator: &str, prefix: Option<&str>) -> Result<String, ProviderError> {
    let mut words: Vec<&str> = vec![];
    if let Some(p) = prefix {
        words.push(p);
    }
    let length = length.max(1);
    for _ in 0..length.saturating_sub(2) {
        words.push(ADVERBS[below(ADVERBS.len())?]);
    }
    if length >= 2 {
        words.push(ADJECTIVES[below(ADJECTIVES.len())?]);
    }
    words.push(NAMES[below(NAMES.len())?]);
    Ok(words.join(separator))
}

/// A version-4 UUID.
pub fn uuid() -> Result<String, ProviderError> {
    let mut b = bytes(16)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(length: usize) -> StringRules {
        StringRules {
            length,
            lower: true,
            upper: true,
            numeric: true,
            special: true,
            min_lower: 0,
            min_upper: 0,
            min_numeric: 0,
            min_special: 0,
            override_special: None,
        }
    }

    #[test]
    fn minimums_and_classes_are_honoured() {
        let r = StringRules { min_upper: 3, min_numeric: 4, special: false, ..rules(8) };
        for _ in 0..50 {
            let s = r.generate().expect("generates");
            assert_eq!(s.chars().count(), 8);
            assert!(s.chars().filter(|c| c.is_ascii_uppercase()).count() >= 3, "{s}");
            assert!(s.chars().filter(|c| c.is_ascii_digit()).count() >= 4, "{s}");
            assert!(s.chars().all(|c| c.is_ascii_alphanumeric()), "{s}");
        }
        let only =
            StringRules { lower: false, upper: false, numeric: false, override_special: Some("#".into()), ..rules(5) };
        assert_eq!(only.generate().expect("generates"), "#####");
    }

    #[test]
    fn impossible_rules_are_explained() {
        assert!(
            StringRules { min_lower: 5, min_upper: 5, ..rules(8) }.problem().expect("problem").contains("add up to 10")
        );
        let none = StringRules { lower: false, upper: false, numeric: false, special: false, ..rules(8) };
        assert!(none.problem().expect("problem").contains("turned off"));
        assert!(rules(0).problem().is_some());
    }

    #[test]
    fn two_passwords_differ_and_choices_are_spread() {
        let a = rules(32).generate().expect("a");
        let b = rules(32).generate().expect("b");
        assert_ne!(a, b);
        let mut seen = [0usize; 10];
        for _ in 0..2000 {
            seen[below(10).expect("draw")] += 1;
        }
        assert!(seen.iter().all(|&n| n > 100), "{seen:?}");
    }

    #[test]
    fn pets_and_uuids_have_their_shape() {
        let p = pet(3, "-", Some("dev")).expect("pet");
        assert_eq!(p.split('-').count(), 4, "{p}");
        assert!(p.starts_with("dev-"));
        assert_eq!(pet(1, "_", None).expect("pet").split('_').count(), 1);
        let u = uuid().expect("uuid");
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}

//! Fingerprints of a document's text, to find the same article under other URLs.
//!
//! Two fingerprints are taken from the body, after normalisation (lower case, punctuation and
//! spacing ignored, Chinese, Japanese and Korean read character by character):
//!
//! - an **exact hash** (SHA-256 of the normalised words): the same article under two URLs;
//! - a **MinHash signature** of its three-word shingles, cut into bands for locality-sensitive
//!   hashing: the same article republished elsewhere with a different introduction, credit
//!   line or leftover boilerplate. Two texts whose shingle sets overlap by a Jaccard
//!   similarity of 0.9 share at least one band with a probability of 0.99, at 0.5 of 0.03;
//!   candidates that share a band are then confirmed by comparing whole signatures.
//!
//! MinHash was preferred over SimHash because republished copies differ by a few percent of
//! their shingles, which already flips four or five of a SimHash's 64 bits on articles of a
//! few hundred words; MinHash's estimate degrades gracefully with such differences.
//!
//! Hashes must never change between versions (they are stored), so they are spelled out here
//! (FNV-1a, finished with splitmix64) rather than taken from `std`, whose hasher may change.

use sha2::{Digest, Sha256};

/// Shingles (runs of this many words) compared between texts.
const SHINGLE_WORDS: usize = 3;

/// Values in a MinHash signature.
pub const NUM_MINHASHES: usize = 64;

/// Values per band; `NUM_MINHASHES / ROWS_PER_BAND` bands are indexed.
const ROWS_PER_BAND: usize = 8;

/// Bands per signature.
pub const NUM_BANDS: usize = NUM_MINHASHES / ROWS_PER_BAND;

/// Fewest words for an exact comparison: shorter texts ("Read more", "Page not found") say
/// nothing about being the same article.
const MIN_WORDS_EXACT: usize = 20;

/// Fewest shingles for a near-duplicate comparison: below this the estimate is too noisy.
const MIN_SHINGLES_NEAR: usize = 40;

/// Estimated Jaccard similarity from which two texts are the same article.
pub const NEAR_DUPLICATE_SIMILARITY: f64 = 0.8;

/// Distinct figures kept per text. The smallest hashes are kept, so that two texts' sets can
/// be compared exactly below a common threshold however many figures they cite.
const MAX_FIGURES: usize = 64;

/// Figures replaced (missing from each text) from which two similar texts are two editions of
/// one template rather than one article.
const MIN_FIGURES_REPLACED: usize = 2;

/// A text's fingerprints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Hash of the normalised text.
    pub exact: [u8; 16],
    /// MinHash signature, when the text is long enough to compare approximately.
    pub minhash: Option<MinHash>,
    /// The figures the text cites.
    pub figures: Figures,
}

/// The figures a text cites (its words holding a digit), as the smallest hashes of the
/// distinct ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    /// Ascending, distinct, at most [`MAX_FIGURES`].
    hashes: Vec<u32>,
}

/// A MinHash signature of a text's shingles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinHash {
    values: [u32; NUM_MINHASHES],
}

impl Fingerprint {
    /// Fingerprints `text`, or returns `None` when it is too short to be compared.
    pub fn of(text: &str) -> Option<Fingerprint> {
        let words = normalized_words(text);
        if words.len() < MIN_WORDS_EXACT {
            return None;
        }
        let mut hasher = Sha256::new();
        for word in &words {
            hasher.update(word.as_bytes());
            hasher.update(b" ");
        }
        let digest = hasher.finalize();
        let mut exact = [0u8; 16];
        exact.copy_from_slice(&digest[..16]);
        Some(Fingerprint {
            exact,
            minhash: MinHash::of_words(&words),
            figures: Figures::of_words(&words),
        })
    }

    /// Whether `other`, whose text is nearly the same, can be the same article: a republished
    /// copy gains figures (a byline's date) or loses some (a cut ending), but a new edition of
    /// a templated page (this month's bulletin) replaces them.
    pub fn may_repeat(&self, other: &Fingerprint) -> bool {
        self.figures.num_replaced(&other.figures) < MIN_FIGURES_REPLACED
    }
}

impl Fingerprint {
    /// The fingerprint as stored: the exact hash, a byte saying whether MinHash values follow,
    /// those values, then the figures' hashes to the end.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = self.exact.to_vec();
        bytes.push(u8::from(self.minhash.is_some()));
        if let Some(minhash) = &self.minhash {
            for value in minhash.values {
                bytes.extend_from_slice(&value.to_le_bytes());
            }
        }
        for hash in &self.figures.hashes {
            bytes.extend_from_slice(&hash.to_le_bytes());
        }
        bytes
    }

    /// Reads what [`Fingerprint::to_bytes`] wrote; `None` if the bytes are not a fingerprint.
    pub fn from_bytes(bytes: &[u8]) -> Option<Fingerprint> {
        let (exact, rest) = bytes.split_first_chunk::<16>()?;
        let (has_minhash, mut rest) = rest.split_first()?;
        let minhash = match has_minhash {
            0 => None,
            1 => {
                let (values_bytes, after) = rest.split_at_checked(NUM_MINHASHES * 4)?;
                rest = after;
                let mut values = [0u32; NUM_MINHASHES];
                for (value, chunk) in values.iter_mut().zip(values_bytes.chunks_exact(4)) {
                    *value = u32::from_le_bytes(chunk.try_into().ok()?);
                }
                Some(MinHash { values })
            }
            _ => return None,
        };
        if rest.len() % 4 != 0 || rest.len() > MAX_FIGURES * 4 {
            return None;
        }
        let hashes: Vec<u32> = rest
            .chunks_exact(4)
            .map(|chunk| u32::from_le_bytes(chunk.try_into().expect("chunks of four bytes")))
            .collect();
        if !hashes.is_sorted_by(|left, right| left < right) {
            return None;
        }
        Some(Fingerprint {
            exact: *exact,
            minhash,
            figures: Figures { hashes },
        })
    }
}

impl Figures {
    fn of_words(words: &[String]) -> Figures {
        let mut hashes: Vec<u32> = words
            .iter()
            .filter(|word| word.chars().any(char::is_numeric))
            .map(|word| (splitmix64(fnv1a(FNV_OFFSET, word.as_bytes())) >> 32) as u32)
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        hashes.truncate(MAX_FIGURES);
        Figures { hashes }
    }

    /// How many figures were replaced between the two texts: the fewer of those only one
    /// cites and those only the other cites.
    fn num_replaced(&self, other: &Figures) -> usize {
        // A full sketch knows its text's figures only up to its largest hash; below the
        // smaller such bound, both sets are complete.
        let bound = [self, other]
            .into_iter()
            .filter(|figures| figures.hashes.len() == MAX_FIGURES)
            .filter_map(|figures| figures.hashes.last().copied())
            .min()
            .unwrap_or(u32::MAX);
        let missing_from = |from: &Figures, of: &Figures| {
            of.hashes
                .iter()
                .take_while(|hash| **hash <= bound)
                .filter(|hash| from.hashes.binary_search(hash).is_err())
                .count()
        };
        missing_from(other, self).min(missing_from(self, other))
    }
}

impl MinHash {
    fn of_words(words: &[String]) -> Option<MinHash> {
        let num_shingles = words.len().saturating_sub(SHINGLE_WORDS - 1);
        if num_shingles < MIN_SHINGLES_NEAR {
            return None;
        }
        let mut values = [u32::MAX; NUM_MINHASHES];
        for shingle in words.windows(SHINGLE_WORDS) {
            let base = shingle_hash(shingle);
            for (index, value) in values.iter_mut().enumerate() {
                // One hash function per slot, derived from the base hash and the slot number.
                let hashed = (splitmix64(base ^ SLOT_SEEDS[index]) >> 32) as u32;
                *value = (*value).min(hashed);
            }
        }
        Some(MinHash { values })
    }

    /// Estimates the Jaccard similarity of the two texts' shingle sets, from 0 to 1.
    pub fn similarity(&self, other: &MinHash) -> f64 {
        let num_equal = self
            .values
            .iter()
            .zip(other.values.iter())
            .filter(|(left, right)| left == right)
            .count();
        num_equal as f64 / NUM_MINHASHES as f64
    }

    /// Returns one key per band: texts sharing a key are candidate near-duplicates.
    pub fn band_keys(&self) -> [u64; NUM_BANDS] {
        let mut keys = [0u64; NUM_BANDS];
        for (band, key) in keys.iter_mut().enumerate() {
            let rows = &self.values[band * ROWS_PER_BAND..(band + 1) * ROWS_PER_BAND];
            let mut hash = FNV_OFFSET;
            for value in rows {
                hash = fnv1a(hash, &value.to_le_bytes());
            }
            *key = splitmix64(hash);
        }
        keys
    }
}

/// Lower-cased words; runs of CJK characters are split into single characters, since those
/// scripts do not separate words with spaces.
fn normalized_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if is_cjk(c) {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            words.push(c.to_string());
        } else if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        } else if !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'   // Hiragana, Katakana
        | '\u{3400}'..='\u{4dbf}' // CJK Extension A
        | '\u{4e00}'..='\u{9fff}' // CJK Unified Ideographs
        | '\u{f900}'..='\u{faff}' // CJK Compatibility Ideographs
        | '\u{ac00}'..='\u{d7af}' // Hangul syllables
    )
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// The splitmix64 finaliser: spreads FNV's weak low bits over the whole word.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn shingle_hash(shingle: &[String]) -> u64 {
    let mut hash = FNV_OFFSET;
    for word in shingle {
        hash = fnv1a(hash, word.as_bytes());
        // A separator that cannot occur in a word keeps ("ab", "c") and ("a", "bc") apart.
        hash = fnv1a(hash, &[0]);
    }
    splitmix64(hash)
}

/// One seed per MinHash slot, fixed forever: changing them would invalidate stored bands.
const SLOT_SEEDS: [u64; NUM_MINHASHES] = {
    let mut seeds = [0u64; NUM_MINHASHES];
    let mut state: u64 = 0x5eed_a60a_0000_0001;
    let mut index = 0;
    while index < NUM_MINHASHES {
        // splitmix64's generator step, inlined because `const` blocks cannot call `fn`s that
        // are not `const`.
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        seeds[index] = z ^ (z >> 31);
        index += 1;
    }
    seeds
};

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "The city opened three new shelters for families this winter. Each \
        shelter has a shared kitchen, a playroom and a caseworker on site, so that families \
        can see a caseworker on the day they arrive. Waiting times for a first meeting fell \
        from nine days to one, and most families moved to permanent housing within six \
        months. The council now plans two more shelters in the northern districts, where \
        demand is highest, and will publish monthly figures on placements and waiting times \
        so that residents can follow the programme.";

    #[test]
    fn fingerprints_survive_their_stored_form() {
        let long = Fingerprint::of(ARTICLE).unwrap();
        assert!(long.minhash.is_some());
        assert_eq!(Fingerprint::from_bytes(&long.to_bytes()), Some(long));
        let medium = ARTICLE
            .split_whitespace()
            .take(30)
            .collect::<Vec<_>>()
            .join(" ");
        let short = Fingerprint::of(&medium).unwrap();
        assert_eq!(Fingerprint::from_bytes(&short.to_bytes()), Some(short));
        let figured = Fingerprint::of(BULLETIN).unwrap();
        assert!(!figured.figures.hashes.is_empty());
        assert_eq!(
            Fingerprint::from_bytes(&figured.to_bytes()),
            Some(figured.clone())
        );
        assert_eq!(Fingerprint::from_bytes(&[1, 2, 3]), None);
        let mut bytes = figured.to_bytes();
        bytes.pop();
        assert_eq!(Fingerprint::from_bytes(&bytes), None);
    }

    #[test]
    fn spacing_case_and_punctuation_do_not_change_the_exact_hash() {
        let reformatted = ARTICLE.to_uppercase().replace(", ", " ,\n\n");
        assert_eq!(
            Fingerprint::of(ARTICLE).unwrap().exact,
            Fingerprint::of(&reformatted).unwrap().exact
        );
        let edited = ARTICLE.replace("three", "four");
        assert_ne!(
            Fingerprint::of(ARTICLE).unwrap().exact,
            Fingerprint::of(&edited).unwrap().exact
        );
    }

    #[test]
    fn republished_copies_are_similar_and_other_texts_are_not() {
        let original = Fingerprint::of(ARTICLE).unwrap().minhash.unwrap();
        let republished = format!(
            "This article first appeared on the city's website. {ARTICLE} Reproduced with \
             permission."
        );
        let copy = Fingerprint::of(&republished).unwrap().minhash.unwrap();
        assert!(
            original.similarity(&copy) >= NEAR_DUPLICATE_SIMILARITY,
            "{}",
            original.similarity(&copy)
        );
        assert!(
            original
                .band_keys()
                .iter()
                .zip(copy.band_keys().iter())
                .any(|(left, right)| left == right)
        );

        let other = "The regional health service pooled the waiting lists of three hospitals \
            for planned surgery. Patients are offered the first free slot at any of the three \
            sites, clinicians prioritise by need, and staff call those who waited longest \
            first. Within a year the number waiting more than eighteen weeks fell noticeably, \
            and a transport service now helps patients reach distant hospitals.";
        let other = Fingerprint::of(other).unwrap().minhash.unwrap();
        assert!(original.similarity(&other) < 0.2);
    }

    const BULLETIN: &str = "Emergency departments in the region saw 48210 visits in April, \
        3.2 percent more than a year earlier. Median waiting time before a first assessment \
        was 41 minutes, and 87 percent of patients left within four hours. The busiest day \
        was April 15 with 1904 visits. Ambulance handovers took 18 minutes on average. The \
        next bulletin will be published at the start of the following month with the same \
        indicators for every hospital in the region, so that the public can follow the \
        figures over time. Waiting times are measured from arrival to the first assessment by \
        a nurse or a doctor, and visits include every patient registered at the front desk, \
        whether or not they were admitted afterwards. Questions about the method can be sent \
        to the statistics office of the regional health authority, which also publishes the \
        detailed tables behind this summary on its website for anyone to download and reuse.";

    #[test]
    fn editions_of_a_templated_page_do_not_repeat_each_other() {
        let april = Fingerprint::of(BULLETIN).unwrap();
        let may_text = BULLETIN
            .replace("April", "May")
            .replace("48210", "47377")
            .replace("41 minutes", "39 minutes")
            .replace("1904", "1871");
        let may = Fingerprint::of(&may_text).unwrap();
        let similarity = april
            .minhash
            .as_ref()
            .unwrap()
            .similarity(may.minhash.as_ref().unwrap());
        assert!(similarity >= NEAR_DUPLICATE_SIMILARITY, "{similarity}");
        assert!(!april.may_repeat(&may));

        // A republished copy gains a dated byline and loses its last sentence.
        let cut = BULLETIN.rsplit_once(". The next").unwrap().0;
        let copy = Fingerprint::of(&format!("Posted 2 May 2024. {cut}.")).unwrap();
        assert!(april.may_repeat(&copy));
        assert!(copy.may_repeat(&april));
    }

    #[test]
    fn figures_beyond_the_sketch_are_compared_below_a_common_bound() {
        let table: Vec<String> = (1000..1200).map(|n| format!("row {n}")).collect();
        let text = table.join(" ");
        let full = Fingerprint::of(&text).unwrap();
        assert_eq!(full.figures.hashes.len(), MAX_FIGURES);

        let extended = Fingerprint::of(&format!("{text} row 5000 row 5001")).unwrap();
        assert!(full.may_repeat(&extended));
        let revised: Vec<String> = (1000..1200).map(|n| format!("row {}", n + 100)).collect();
        let revised = Fingerprint::of(&revised.join(" ")).unwrap();
        assert!(!full.may_repeat(&revised));
    }

    #[test]
    fn short_texts_are_not_compared() {
        assert_eq!(Fingerprint::of("Read more"), None);
        let medium = ARTICLE
            .split_whitespace()
            .take(30)
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(Fingerprint::of(&medium).unwrap().minhash, None);
    }

    #[test]
    fn cjk_text_is_read_character_by_character() {
        let text = "大雨による洪水の危険が高まったため、市は川沿いの地区に避難指示を出しました。\
                    避難所は小学校と公民館の二か所に開設され、職員が二十四時間体制で対応しています。";
        let fingerprint = Fingerprint::of(text).unwrap();
        assert!(fingerprint.minhash.is_some());
    }

    #[test]
    fn hashes_are_stable_across_versions() {
        // Stored band keys depend on these values; a change here needs a store migration.
        assert_eq!(SLOT_SEEDS[0], 0x8e75_2d63_0271_15a1);
        assert_eq!(
            shingle_hash(&["a".into(), "b".into(), "c".into()]),
            0x0734_b5cd_d815_dc01
        );
    }
}

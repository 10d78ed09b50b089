//! Small helpers the simulated kinds share: weighted random picks for world
//! generation, and the ASCII-case-folding substring match the providers' fuzzy
//! name filters use (SQLite's `lower()`/`LIKE` fold ASCII only, so the query
//! module can reproduce it).

use rand::Rng;

/// Picks one item with probability proportional to its weight (the first item when
/// every weight is 0).
pub fn pick_weighted<T: Copy>(rng: &mut impl Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total.max(1));
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[0].0
}

/// Whether `needle` occurs in `haystack`, folding ASCII letters only (an empty
/// needle always occurs).
pub fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn weighted_picks_follow_the_weights() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let picks: Vec<char> = (0..1000)
            .map(|_| pick_weighted(&mut rng, &[('a', 9), ('b', 1), ('c', 0)]))
            .collect();
        let a = picks.iter().filter(|c| **c == 'a').count();
        assert!((850..950).contains(&a), "{a}");
        assert!(!picks.contains(&'c'));
        assert_eq!(pick_weighted(&mut rng, &[('z', 0)]), 'z');
    }

    #[test]
    fn substring_folds_ascii_only() {
        assert!(contains_ignore_ascii_case("job-Test", "TEST"));
        assert!(contains_ignore_ascii_case("x", ""));
        assert!(!contains_ignore_ascii_case("ÉTÉ", "été"));
        assert!(!contains_ignore_ascii_case("ab", "abc"));
    }
}

//! Where a coordinate outside the image reads from.
#![forbid(unsafe_code)]

use crate::Border;

/// The in-image index that index `i` reads under `border`, for a row or column of `n ≥ 1`
/// samples, or `None` where a constant border supplies the value. Any `i` folds, however far
/// out, so images smaller than the radius work.
pub(crate) fn fold(i: isize, n: usize, border: Border) -> Option<usize> {
    debug_assert!(n >= 1);
    let n = n as isize;
    if (0..n).contains(&i) {
        return Some(i as usize);
    }
    let folded = match border {
        Border::Constant(_) => return None,
        Border::Replicate => i.clamp(0, n - 1),
        Border::Reflect101 if n == 1 => 0,
        Border::Reflect101 => {
            let period = 2 * (n - 1);
            let m = i.rem_euclid(period);
            if m < n { m } else { period - m }
        }
        Border::Reflect => {
            let period = 2 * n;
            let m = i.rem_euclid(period);
            if m < n { m } else { period - 1 - m }
        }
    };
    Some(folded as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(border: Border, n: usize) -> Vec<Option<usize>> {
        (-3..n as isize + 3).map(|i| fold(i, n, border)).collect()
    }

    #[test]
    fn borders_match_their_pictures() {
        // abcd = 0123
        assert_eq!(
            row(Border::Reflect101, 4),
            row_of(&[3, 2, 1, 0, 1, 2, 3, 2, 1, 0])
        );
        assert_eq!(
            row(Border::Reflect, 4),
            row_of(&[2, 1, 0, 0, 1, 2, 3, 3, 2, 1])
        );
        assert_eq!(
            row(Border::Replicate, 4),
            row_of(&[0, 0, 0, 0, 1, 2, 3, 3, 3, 3])
        );
        let c = row(Border::Constant(7.0), 4);
        assert_eq!(c[..3], [None, None, None]);
        assert_eq!(c[3..7], row_of(&[0, 1, 2, 3])[..]);
    }

    #[test]
    fn tiny_images_fold_far_indices() {
        for border in [Border::Reflect101, Border::Reflect, Border::Replicate] {
            for n in 1..5 {
                for i in -20..20 {
                    let j = fold(i, n, border).unwrap();
                    assert!(j < n, "{border:?} n={n} i={i} -> {j}");
                }
            }
        }
        assert_eq!(
            row(Border::Reflect101, 2),
            row_of(&[1, 0, 1, 0, 1, 0, 1, 0])
        );
        assert_eq!(row(Border::Reflect, 1), row_of(&[0; 7]));
    }

    fn row_of(v: &[usize]) -> Vec<Option<usize>> {
        v.iter().map(|&x| Some(x)).collect()
    }
}

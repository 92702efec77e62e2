//! The fast mode's arithmetic on one tile of one channel, generic over the lane type and
//! compiled per backend (see [`crate::backend`]).
//!
//! ```text
//! for each input sample q of the tile and its halo:  z1(q) = e^(2πi·(I(q) - v_min)/P)
//! den = A_0·S;  num = 0                                 (at each output pixel p)
//! for k = 1..=K:
//!     zk = zk·z1                                        (zk = z1^k; z1 itself for k = 1)
//!     Z  = Σ_dy h(dy)·zk(· + dy), then Σ_dx h(dx)·(·)(· + dx)    (separable spatial sum)
//!     den += 2A_k·Re(conj(zk(p))·Z(p));  num += σ²·2A_k·kω·Im(conj(zk(p))·Z(p))
//! out(p) = num/den, kept where the certificate (see crate::fast) is within the tolerance,
//!          else computed exactly over the window
//! ```
//!
//! Every sum runs in the same order whatever the tile's size and place (rows in order, then
//! columns in order, then the terms in order), and lanes never mix, so a pixel's bits depend
//! only on its window.

use crate::lanes::Lanes;
use crate::weights::exp2;

/// The largest distance from `e^(2πi·f)` of what [`phase`] computes for an `f32` `f`, over
/// every `f32` of `[0, 1)` on every backend: the Taylor polynomials' truncation (below 7e-10)
/// and the `f32` rounding of their evaluation and of the reduction's sign. The test
/// `phase_bound_holds_on_every_f32_of_a_quarter_period` (in [`crate::backend`]) checks it.
pub(crate) const PHASE_MAX_ERROR: f64 = 3.0e-7;

/// `(2π)^j/j!` with the sign of the Taylor series of `sin` (odd `j`) and `cos` (even `j`).
const fn taylor(j: usize) -> f32 {
    let mut c = 1.0f64;
    let mut i = 1;
    while i <= j {
        c *= 2.0 * std::f64::consts::PI / i as f64;
        i += 1;
    }
    if (j / 2) % 2 == 1 {
        -c as f32
    } else {
        c as f32
    }
}

/// `sin(2πx) = x·Σ_j SIN[j]·x^2j` on `|x| ≤ 1/4`, to `x^13`.
const SIN: [f32; 7] = [
    taylor(1),
    taylor(3),
    taylor(5),
    taylor(7),
    taylor(9),
    taylor(11),
    taylor(13),
];

/// `cos(2πx) = Σ_j COS[j]·x^2j` on `|x| ≤ 1/4`, to `x^14`.
const COS: [f32; 8] = [
    taylor(0),
    taylor(2),
    taylor(4),
    taylor(6),
    taylor(8),
    taylor(10),
    taylor(12),
    taylor(14),
];

/// `(cos 2πf, sin 2πf)` for `f ∈ [0, 1)`: with `q = round(2f)`, `x = f - q/2 ∈ [-1/4, 1/4]`
/// exactly (Sterbenz), `e^(2πif) = (-1)^q·e^(2πix)`, and `(-1)^q = 2q² - 4q + 1` exactly for
/// `q ∈ {0, 1, 2}`.
///
/// # Safety
/// `V`'s CPU features must be available.
#[inline(always)]
pub(crate) unsafe fn phase<V: Lanes>(f: V) -> (V, V) {
    // SAFETY: forwarded from the caller.
    unsafe {
        let magic = V::splat(12_582_912.0);
        let q = f.add(f).add(magic).sub(magic);
        let x = f.sub(q.mul(V::splat(0.5)));
        let sign = q.mul_add(q.mul(V::splat(2.0)).sub(V::splat(4.0)), V::splat(1.0));
        let x2 = x.mul(x);
        // Loops, not closures: see crate::lanes::each.
        let mut sin = V::splat(SIN[SIN.len() - 1]);
        for &c in SIN[..SIN.len() - 1].iter().rev() {
            sin = sin.mul_add(x2, V::splat(c));
        }
        let mut cos = V::splat(COS[COS.len() - 1]);
        for &c in COS[..COS.len() - 1].iter().rev() {
            cos = cos.mul_add(x2, V::splat(c));
        }
        let sin = x.mul(sin);
        (cos.mul(sign), sin.mul(sign))
    }
}

/// What the fast mode asks of the pixels it keeps: `|error| ≤ tolerance` follows from
/// `tolerance·(D - weight) ≥ offset + |q|·(weight + rel·|D|)` (see [`crate::fast`]), with
/// the constants already scaled by the spatial weights' sum and inflated against the
/// rounding of the check itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Check {
    pub tolerance: f32,
    pub weight: f32,
    pub offset: f32,
    pub rel: f32,
}

/// The exact filter of one pixel, for those the check rejects: taps of a row `row_len` at a
/// time (a multiple of 16, so of every lane count), `-α·|o|²·log2(e)` per tap, `-∞` past the
/// window, row after row of the window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exact<'a> {
    pub log2_spatial: &'a [f32],
    pub row_len: usize,
    pub neg_log2_beta: f32,
}

/// One channel of one tile: its samples with a halo of `radius` on every side, and the
/// series.
pub(crate) struct TileInput<'a> {
    /// Row `j` of the halo'd tile starts at `offset + j·row_stride`; column 0 is output
    /// column `-radius`, row 0 output row `-radius`.
    pub values: &'a [f32],
    pub offset: usize,
    pub row_stride: usize,
    /// Output rows and columns computed (columns a multiple of [`crate::kernel::LANE_MULTIPLE`]),
    /// and of those the ones that are in the image, whose rejected pixels are recomputed.
    pub rows: usize,
    pub columns: usize,
    pub valid_rows: usize,
    pub valid_columns: usize,
    /// Columns of phases: `columns + 2·radius`, rounded up to a multiple of
    /// [`crate::kernel::LANE_MULTIPLE`].
    pub phase_columns: usize,
    pub radius: usize,
    /// `h(d)` for `d = -radius..=radius`.
    pub spatial: &'a [f32],
    /// `(2A_k, σ²·2A_k·kω)` for `k = 1..=K`.
    pub terms: &'a [(f32, f32)],
    /// `A_0·S`.
    pub start: f32,
    pub v_min: f32,
    pub inv_period: f32,
    pub check: Check,
    pub exact: Exact<'a>,
}

impl TileInput<'_> {
    fn in_rows(&self) -> usize {
        self.rows + 2 * self.radius
    }

    /// Whether every load of the tile's samples stays inside `values`: the phases' columns,
    /// and the exact filter's rows of `row_len` from each valid pixel's window.
    pub(crate) fn fits(&self) -> bool {
        let r = self.radius;
        let reach = self
            .phase_columns
            .max(self.valid_columns.saturating_sub(1) + self.exact.row_len);
        self.columns.is_multiple_of(crate::kernel::LANE_MULTIPLE)
            && self
                .phase_columns
                .is_multiple_of(crate::kernel::LANE_MULTIPLE)
            && self.phase_columns >= self.columns + 2 * r
            && self.row_stride >= reach
            && self.valid_rows <= self.rows
            && self.valid_columns <= self.columns
            && self.spatial.len() == 2 * r + 1
            && self.exact.row_len.is_multiple_of(16)
            && self.exact.row_len > 2 * r
            && self.exact.log2_spatial.len() == (2 * r + 1) * self.exact.row_len
            && self.offset + (self.in_rows() - 1) * self.row_stride + reach <= self.values.len()
    }
}

/// The tile's working planes, grown to fit and reused from tile to tile.
#[derive(Debug, Default)]
pub(crate) struct TileScratch {
    z1: Vec<f32>,
    zk: Vec<f32>,
    vertical: Vec<f32>,
    den: Vec<f32>,
    num: Vec<f32>,
    margin: Vec<f32>,
}

impl TileScratch {
    /// Sizes the planes for `input`.
    pub(crate) fn fit(&mut self, input: &TileInput<'_>) {
        let phases = 2 * input.in_rows() * input.phase_columns;
        let sums = input.rows * input.columns;
        self.z1.resize(phases, 0.0);
        self.zk.resize(phases, 0.0);
        self.vertical
            .resize(2 * input.rows * input.phase_columns, 0.0);
        self.den.resize(sums, 0.0);
        self.num.resize(sums, 0.0);
        self.margin.resize(input.columns, 0.0);
    }
}

/// Filters one channel of one tile into `out` (row `y` at `y·out_stride`, `columns` wide),
/// returning how many valid pixels were computed exactly.
///
/// # Safety
/// `V`'s features must be available; `input.fits()`, `scratch` fitted to `input`, `U·N`
/// divides [`crate::kernel::LANE_MULTIPLE`], and `out` holds `rows` rows of `columns`.
#[inline(always)]
pub(crate) unsafe fn filter_tile<V: Lanes, const U: usize>(
    input: &TileInput<'_>,
    scratch: &mut TileScratch,
    out: &mut [f32],
    out_stride: usize,
) -> usize {
    let n = V::N;
    let r = input.radius;
    let (rows, columns, pc) = (input.rows, input.columns, input.phase_columns);
    let half = input.in_rows() * pc;
    let values = input.values.as_ptr();
    let (z1, zk) = (scratch.z1.as_mut_ptr(), scratch.zk.as_mut_ptr());
    let vertical = scratch.vertical.as_mut_ptr();
    let (den, num) = (scratch.den.as_mut_ptr(), scratch.num.as_mut_ptr());
    let h = input.spatial;
    // SAFETY: every index below is within the planes `fit` sized for the tile or within
    // `values` as `fits` checked (the caller's contract), and `V`'s features are available.
    unsafe {
        let (v_min, inv_period) = (V::splat(input.v_min), V::splat(input.inv_period));
        for j in 0..input.in_rows() {
            let row = values.add(input.offset + j * input.row_stride);
            for x in (0..pc).step_by(n) {
                let f = V::load(row.add(x)).sub(v_min).mul(inv_period);
                let (c, s) = phase(f);
                let at = j * pc + x;
                c.store(z1.add(at));
                s.store(z1.add(half + at));
                c.store(zk.add(at));
                s.store(zk.add(half + at));
            }
        }
        scratch.den[..rows * columns].fill(input.start);
        scratch.num[..rows * columns].fill(0.0);
        for (k, &(weight, offset)) in input.terms.iter().enumerate() {
            if k > 0 {
                for at in (0..half).step_by(n) {
                    let (a, b) = (V::load(zk.add(at)), V::load(zk.add(half + at)));
                    let (c, d) = (V::load(z1.add(at)), V::load(z1.add(half + at)));
                    a.mul(c).sub(b.mul(d)).store(zk.add(at));
                    a.mul_add(d, b.mul(c)).store(zk.add(half + at));
                }
            }
            // Down the columns, ROWS output rows at a time, so that each row of phases loaded
            // serves all of them; each output row still sums its taps in order.
            let planes = Planes { zk, half, pc };
            let vhalf = rows * pc;
            for x in (0..pc).step_by(n) {
                for y0 in (0..rows).step_by(ROWS) {
                    let (re, im) = vertical_sums::<V>(planes, h, y0, (rows - y0).min(ROWS), x);
                    for i in 0..(rows - y0).min(ROWS) {
                        re[i].store(vertical.add((y0 + i) * pc + x));
                        im[i].store(vertical.add(vhalf + (y0 + i) * pc + x));
                    }
                }
            }
            // Along the rows, then the term's share of each pixel's sums: two rows at a time
            // where the registers hold their sums.
            let along = Along {
                vertical,
                vhalf,
                planes,
                den,
                num,
                columns,
                r,
            };
            let (weight, offset) = (V::splat(weight), V::splat(offset));
            let pair = if 2 * U <= ROWS { 2 } else { 1 };
            let mut y = 0;
            while y < rows {
                if pair == 2 && y + 1 < rows {
                    along.rows::<V, U, 2>(h, y, weight, offset);
                    y += 2;
                } else {
                    along.rows::<V, U, 1>(h, y, weight, offset);
                    y += 1;
                }
            }
        }
        let c = input.check;
        let (tolerance, cw, co, rel) = (
            V::splat(c.tolerance),
            V::splat(c.weight),
            V::splat(c.offset),
            V::splat(c.rel),
        );
        let margin = scratch.margin.as_mut_ptr();
        let mut exact = 0;
        for y in 0..rows {
            let out_row = out.as_mut_ptr().add(y * out_stride);
            for x in (0..columns).step_by(n) {
                let (d, nm) = (
                    V::load(den.add(y * columns + x)),
                    V::load(num.add(y * columns + x)),
                );
                let q = nm.div(d);
                let need = q.abs().mul_add(rel.mul_add(d.abs(), cw), co);
                tolerance.mul(d.sub(cw)).sub(need).store(margin.add(x));
                q.store(out_row.add(x));
            }
            if y >= input.valid_rows {
                continue;
            }
            for x in 0..input.valid_columns {
                let margin = scratch.margin[x];
                if margin.is_nan() || margin < 0.0 {
                    *out_row.add(x) = exact_at::<V>(input, y, x);
                    exact += 1;
                }
            }
        }
        exact
    }
}

/// Output rows one vertical step computes together.
const ROWS: usize = 4;

/// The current term's phases: real parts from `zk`, imaginary ones `half` further, rows `pc`
/// apart.
#[derive(Clone, Copy)]
struct Planes {
    zk: *mut f32,
    half: usize,
    pc: usize,
}

/// The vertical sums `Σ_d h(d)·zk(y + d)` of the `m ≤ ROWS` output rows from `y0` at the `N`
/// columns from `x`: each input row is loaded once and added into the rows whose window
/// holds it, each row's taps in order. The rows where all `ROWS` outputs take a tap run
/// without a test per output, which the compiler would otherwise keep in the loop.
///
/// # Safety
/// `V`'s features available; the rows `y0..y0 + m + 2r` of both planes hold `x + N` columns.
#[inline(always)]
unsafe fn vertical_sums<V: Lanes>(
    p: Planes,
    h: &[f32],
    y0: usize,
    m: usize,
    x: usize,
) -> ([V; ROWS], [V; ROWS]) {
    let taps = h.len();
    // SAFETY: forwarded from the caller.
    unsafe {
        let mut re = [V::splat(0.0); ROWS];
        let mut im = [V::splat(0.0); ROWS];
        let body = if m == ROWS && taps >= ROWS {
            ROWS - 1..taps
        } else {
            m + taps - 1..m + taps - 1
        };
        // Helpers, not closures: see crate::lanes::each.
        for j in 0..body.start {
            vertical_edge(p, h, y0 + j, x, j, m, &mut re, &mut im);
        }
        for j in body.clone() {
            let at = (y0 + j) * p.pc + x;
            let (zr, zi) = (V::load(p.zk.add(at)), V::load(p.zk.add(p.half + at)));
            for i in 0..ROWS {
                let hd = V::splat(*h.get_unchecked(j - i));
                re[i] = zr.mul_add(hd, re[i]);
                im[i] = zi.mul_add(hd, im[i]);
            }
        }
        for j in body.end..m + taps - 1 {
            vertical_edge(p, h, y0 + j, x, j, m, &mut re, &mut im);
        }
        (re, im)
    }
}

/// Input row `y` (the `j`-th of the block) added into the block's output rows whose window
/// holds it.
///
/// # Safety
/// As for [`vertical_sums`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn vertical_edge<V: Lanes>(
    p: Planes,
    h: &[f32],
    y: usize,
    x: usize,
    j: usize,
    m: usize,
    re: &mut [V; ROWS],
    im: &mut [V; ROWS],
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        let at = y * p.pc + x;
        let (zr, zi) = (V::load(p.zk.add(at)), V::load(p.zk.add(p.half + at)));
        for i in 0..ROWS {
            if i < m && j >= i && j - i < h.len() {
                let hd = V::splat(h[j - i]);
                re[i] = zr.mul_add(hd, re[i]);
                im[i] = zi.mul_add(hd, im[i]);
            }
        }
    }
}

/// What the horizontal step of one term reads and adds to.
struct Along {
    vertical: *mut f32,
    vhalf: usize,
    planes: Planes,
    den: *mut f32,
    num: *mut f32,
    columns: usize,
    r: usize,
}

/// The horizontal sums of `R` rows from `y`, `U` vectors at a time, and their share of each
/// pixel's sums.
impl Along {
    /// # Safety
    /// `V`'s features available; the planes hold the tile (see [`filter_tile`]).
    #[inline(always)]
    unsafe fn rows<V: Lanes, const U: usize, const R: usize>(
        &self,
        h: &[f32],
        y: usize,
        weight: V,
        offset: V,
    ) {
        let n = V::N;
        let pc = self.planes.pc;
        // SAFETY: forwarded from the caller.
        unsafe {
            for x in (0..self.columns).step_by(U * n) {
                let mut re = [[V::splat(0.0); U]; R];
                let mut im = [[V::splat(0.0); U]; R];
                for (d, &hd) in h.iter().enumerate() {
                    let hd = V::splat(hd);
                    for k in 0..R {
                        let at = (y + k) * pc + x + d;
                        for u in 0..U {
                            re[k][u] = V::load(self.vertical.add(at + u * n)).mul_add(hd, re[k][u]);
                            im[k][u] = V::load(self.vertical.add(self.vhalf + at + u * n))
                                .mul_add(hd, im[k][u]);
                        }
                    }
                }
                for k in 0..R {
                    let centre = (y + k + self.r) * pc + x + self.r;
                    for u in 0..U {
                        let zk = self.planes.zk;
                        let cr = V::load(zk.add(centre + u * n));
                        let ci = V::load(zk.add(self.planes.half + centre + u * n));
                        let real = cr.mul_add(re[k][u], ci.mul(im[k][u]));
                        let imag = cr.mul(im[k][u]).sub(ci.mul(re[k][u]));
                        let at = (y + k) * self.columns + x + u * n;
                        weight
                            .mul_add(real, V::load(self.den.add(at)))
                            .store(self.den.add(at));
                        offset
                            .mul_add(imag, V::load(self.num.add(at)))
                            .store(self.num.add(at));
                    }
                }
            }
        }
    }
}

/// The exact mean difference at output pixel `(y, x)` of the tile: `Σ w·d / Σ w` over its
/// window, each row's taps in lanes, summed per row and then over the rows.
///
/// # Safety
/// As for [`filter_tile`], with `y < valid_rows`, `x < valid_columns`.
#[inline(always)]
unsafe fn exact_at<V: Lanes>(input: &TileInput<'_>, y: usize, x: usize) -> f32 {
    let n = V::N;
    let r = input.radius;
    let e = input.exact;
    // SAFETY: `fits` checked that `row_len` values from each window row's start are in
    // `values`, and the table holds `2r + 1` rows of `row_len`.
    unsafe {
        let corner = input
            .values
            .as_ptr()
            .add(input.offset + y * input.row_stride + x);
        let centre = V::splat(*corner.add(r * input.row_stride + r));
        let nb = V::splat(e.neg_log2_beta);
        let (mut num, mut den) = (V::splat(0.0), V::splat(0.0));
        for dy in 0..=2 * r {
            let row = corner.add(dy * input.row_stride);
            let spatial = e.log2_spatial.as_ptr().add(dy * e.row_len);
            let (mut rn, mut rd) = (V::splat(0.0), V::splat(0.0));
            for j in (0..e.row_len).step_by(n) {
                let d = V::load(row.add(j)).sub(centre);
                let [w] = exp2([nb.mul_add(d.mul(d), V::load(spatial.add(j)))]);
                rn = w.mul_add(d, rn);
                rd = rd.add(w);
            }
            num = num.add(rn);
            den = den.add(rd);
        }
        let mut lanes = [[0.0f32; 16]; 2];
        num.store(lanes[0].as_mut_ptr());
        den.store(lanes[1].as_mut_ptr());
        let sum = |l: &[f32; 16]| l[..n].iter().sum::<f32>();
        sum(&lanes[0]) / sum(&lanes[1])
    }
}

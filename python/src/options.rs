//! Python arguments into checked [`Params`]: every mistake is a `ValueError` naming the argument,
//! or carrying the library's own message.
#![forbid(unsafe_code)]

use std::str::FromStr;

use bilateral::{Border, NanPolicy, Params};
use pyo3::PyResult;
use pyo3::exceptions::PyValueError;

/// `filter()`'s arguments as Python gave them.
pub(crate) struct Choices<'a> {
    pub radius: i64,
    pub sigma_space: Option<f64>,
    pub sigma_range: Option<f64>,
    pub alpha: Option<f64>,
    pub beta: Option<f64>,
    pub window: &'a str,
    pub color: &'a str,
    pub border: &'a str,
    pub border_value: Option<f64>,
    pub filter_alpha: bool,
    pub iterations: i64,
    pub tolerance: Option<f64>,
    pub nan: &'a str,
    pub nodata: Option<f64>,
}

/// The parameters `c` describes, checked as a filter call would check them, so that a bad
/// parameter is reported before any image is looked at.
pub(crate) fn params(c: Choices<'_>) -> PyResult<Params> {
    let mut p = Params::new()
        .radius(non_negative("radius", c.radius)?)
        .window(parse("window", c.window)?)
        .distance(parse("color", c.color)?)
        .border(border(c.border, c.border_value)?)
        .filter_alpha(c.filter_alpha)
        .iterations(non_negative("iterations", c.iterations)?);
    p = match (c.sigma_space, c.alpha) {
        (Some(_), Some(_)) => return Err(both("sigma_space", "alpha")),
        (Some(sigma), None) => p.sigma_space(sigma),
        (None, Some(alpha)) => p.alpha(alpha),
        (None, None) => p,
    };
    p = match (c.sigma_range, c.beta) {
        (Some(_), Some(_)) => return Err(both("sigma_range", "beta")),
        (Some(sigma), None) => p.sigma_range(sigma),
        (None, Some(beta)) => p.beta(beta),
        // The library's default: a tenth of the dtype's full scale.
        (None, None) => p,
    };
    if let Some(t) = c.tolerance {
        p = p.tolerance(t);
    }
    p = p.nan_policy(nan_policy(c.nan)?);
    if let Some(v) = c.nodata {
        p = p.nodata(v);
    }
    check(&p)?;
    Ok(p)
}

/// The border: the library's names, `constant:V`, or `constant` with `value` (default 0).
pub(crate) fn border(name: &str, value: Option<f64>) -> PyResult<Border> {
    match (name, value) {
        // Border::Constant holds an f32; a value that does not fit becomes ±inf and is refused
        // by the library's own check as non-finite.
        ("constant", v) => Ok(Border::Constant(v.unwrap_or(0.0) as f32)),
        (_, None) => parse("border", name),
        (_, Some(_)) => Err(PyValueError::new_err(format!(
            "border_value is only used with border=\"constant\", not {name:?}"
        ))),
    }
}

/// The NaN policy named `name`.
pub(crate) fn nan_policy(name: &str) -> PyResult<NanPolicy> {
    name.parse().map_err(value_error)
}

/// Runs the library's validation of `p`.
pub(crate) fn check(p: &Params) -> PyResult<()> {
    p.validate().map_err(value_error)
}

/// The library's error, as Python sees it: a `ValueError` with the same message.
pub(crate) fn value_error(e: bilateral::Error) -> pyo3::PyErr {
    PyValueError::new_err(e.to_string())
}

fn parse<T: FromStr<Err = String>>(what: &str, name: &str) -> PyResult<T> {
    name.parse()
        .map_err(|e| PyValueError::new_err(format!("{what}: {e}")))
}

/// Python ints are signed: a negative one gets a message naming the argument, where a plain
/// conversion to an unsigned type would raise a bare OverflowError.
fn non_negative<T: TryFrom<i64>>(what: &str, n: i64) -> PyResult<T> {
    T::try_from(n).map_err(|_| {
        PyValueError::new_err(if n < 0 {
            format!("{what} must be >= 0, got {n}")
        } else {
            format!("{what} {n} is too large")
        })
    })
}

fn both(sigma: &str, coefficient: &str) -> pyo3::PyErr {
    PyValueError::new_err(format!(
        "give {sigma} or {coefficient}, not both: they set the same term"
    ))
}

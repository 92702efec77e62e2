//! numpy arrays in and out: the dtype dispatch, the zero-copy rule, `out=`, and the filter call
//! with the GIL released.
//!
//! Zero-copy rule: an input that is C-contiguous and aligned is read in place through its
//! numpy buffer; any other is copied into one first (`numpy.require(img, requirements="CA")`).
//! A copy costs one pass over memory, little next to the filter's `(2r+1)²` taps per pixel;
//! viewing row-strided inputs directly would need `unsafe` slices over memory the array does
//! not own (the gaps between rows), for no measurable gain.
#![forbid(unsafe_code)]

use bilateral::{ImageView, ImageViewMut, Layout, Params, Sample};
use numpy::ndarray::{ArrayD, IxDyn};
use numpy::prelude::*;
use numpy::{BorrowError, Element, PyArrayDyn, PyUntypedArray};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::IntoPyDict;

use crate::options::value_error;
use crate::pools::Pool;

/// Filters `img` (any supported dtype) into a new array, or into `out`, which is returned.
pub(crate) fn filter<'py>(
    img: &Bound<'py, PyAny>,
    params: &Params,
    out: Option<&Bound<'py, PyAny>>,
    pool: &Pool,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    if let Ok(a) = img.cast::<PyArrayDyn<u8>>() {
        filter_as(a, params, out, pool)
    } else if let Ok(a) = img.cast::<PyArrayDyn<u16>>() {
        filter_as(a, params, out, pool)
    } else if let Ok(a) = img.cast::<PyArrayDyn<f32>>() {
        filter_as(a, params, out, pool)
    } else if let Ok(a) = img.cast::<PyUntypedArray>() {
        Err(PyTypeError::new_err(format!(
            "img has dtype {}; supported: uint8, uint16, float32 (native byte order)",
            a.dtype()
        )))
    } else {
        Err(PyTypeError::new_err(format!(
            "img must be a numpy.ndarray, not {}",
            img.get_type().name()?
        )))
    }
}

fn filter_as<'py, T: Element + Sample>(
    img: &Bound<'py, PyArrayDyn<T>>,
    params: &Params,
    out: Option<&Bound<'py, PyAny>>,
    pool: &Pool,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = img.py();
    let layout = layout_of(img.shape())?;
    // Checked before anything is copied or written, so a bad `out` costs nothing.
    let out = out.map(|o| checked_out(img, o)).transpose()?;
    let copy;
    let src = if in_place(img) {
        img
    } else {
        copy = py
            .import("numpy")?
            .call_method(
                "require",
                (img,),
                Some(&[("requirements", "CA")].into_py_dict(py)?),
            )?
            .cast_into::<PyArrayDyn<T>>()?;
        &copy
    };
    // The borrows are rust-numpy's: while they are held, no other Rust code may take the same
    // memory mutably, and they outlive the GIL-free section below.
    let reading = src.try_readonly().map_err(|e| borrow_error("img", e))?;
    let src = ImageView::new(reading.as_slice().map_err(internal)?, layout).map_err(value_error)?;
    match out {
        None => {
            let result = py.detach(|| pool.install(|| bilateral::filter(src, params)));
            let array = ArrayD::from_shape_vec(IxDyn(img.shape()), result.map_err(value_error)?)
                .map_err(internal)?;
            Ok(array.into_pyarray(py).into_any().cast_into()?)
        }
        Some(out) => {
            let mut writing = out.try_readwrite().map_err(|e| borrow_error("out", e))?;
            let dst = ImageViewMut::new(writing.as_slice_mut().map_err(internal)?, layout)
                .map_err(value_error)?;
            py.detach(|| pool.install(|| bilateral::filter_into(src, dst, params)))
                .map_err(value_error)?;
            Ok(out.as_untyped().clone())
        }
    }
}

/// `(H, W)` is one channel; `(H, W, C)` has C. The library checks emptiness and C.
fn layout_of(shape: &[usize]) -> PyResult<Layout> {
    match *shape {
        [h, w] => Ok(Layout::packed(w, h, 1)),
        [h, w, c] => Ok(Layout::packed(w, h, c)),
        _ => Err(PyValueError::new_err(format!(
            "img must have shape (H, W) or (H, W, C), got {shape:?}"
        ))),
    }
}

/// Whether `a`'s buffer can be one Rust slice in the library's order: C order, and aligned
/// (numpy allows unaligned data, e.g. a view of bytes at an odd offset; a slice may not be).
fn in_place<T: Element>(a: &Bound<'_, PyArrayDyn<T>>) -> bool {
    a.is_c_contiguous() && (a.data() as usize).is_multiple_of(align_of::<T>())
}

/// `out` as the typed array the result is written to, after every check that has a clear
/// message of its own.
fn checked_out<'py, T: Element>(
    img: &Bound<'py, PyArrayDyn<T>>,
    out: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArrayDyn<T>>> {
    let Ok(typed) = out.cast::<PyArrayDyn<T>>() else {
        let what = match out.cast::<PyUntypedArray>() {
            Ok(a) => format!("an array of dtype {}", a.dtype()),
            Err(_) => out.get_type().name()?.to_string(),
        };
        return Err(PyTypeError::new_err(format!(
            "out must be an array of img's dtype {}, got {what}",
            img.dtype()
        )));
    };
    if typed.shape() != img.shape() {
        return Err(PyValueError::new_err(format!(
            "out has shape {:?} but img has shape {:?}",
            typed.shape(),
            img.shape()
        )));
    }
    if !in_place(typed) {
        return Err(PyValueError::new_err(
            "out must be C-contiguous and aligned (e.g. from numpy.empty_like(img))",
        ));
    }
    // The filter reads its whole window before writing, but tiles run in parallel: output
    // written over input another tile still reads would corrupt it. numpy's bounds test
    // catches every overlap, including a view of img that rust-numpy's borrow flags allow.
    let shares = img
        .py()
        .import("numpy")?
        .call_method1("may_share_memory", (img, out))?
        .is_truthy()?;
    if shares {
        return Err(PyValueError::new_err(
            "out shares memory with img: filtering in place is not supported",
        ));
    }
    Ok(typed.clone())
}

/// rust-numpy's refusal to borrow: `out` read-only, or an array some other Rust code is
/// writing.
fn borrow_error(what: &str, e: BorrowError) -> PyErr {
    PyValueError::new_err(match e {
        BorrowError::NotWriteable => format!("{what} is read-only (its writeable flag is off)"),
        _ => format!("{what} is in use by other Rust code (rust-numpy borrow: {e})"),
    })
}

/// A failure the checks above rule out: a bug here, reported rather than a panic across the
/// Python boundary.
fn internal(e: impl std::fmt::Display) -> PyErr {
    pyo3::exceptions::PySystemError::new_err(format!("bilateral internal error: {e}"))
}

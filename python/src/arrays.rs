//! numpy arrays in and out: the dtype dispatch, the zero-copy rule, `out=`, and the filter call
//! with the GIL released.
//!
//! Zero-copy rule: an input that is C-contiguous and aligned is read in place through its
//! numpy buffer; any other is copied into one first (`numpy.require(img, requirements="CA")`).
//! A copy costs one pass over memory, little next to the filter's `(2r+1)²` taps per pixel;
//! viewing row-strided inputs directly would need `unsafe` slices over memory the array does
//! not own (the gaps between rows), for no measurable gain.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use bilateral::{Flow, ImageView, ImageViewMut, Layout, Params, Progress, Sample};
use numpy::ndarray::{ArrayD, IxDyn};
use numpy::prelude::*;
use numpy::{BorrowError, Element, PyArrayDyn, PyUntypedArray};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::IntoPyDict;

use crate::options::value_error;
use crate::pools::Pool;

/// What a call computes from `img`: the filter, the joint filter under a guide, or joint
/// bilateral upsampling under a guide.
#[derive(Clone, Copy)]
pub(crate) enum Op<'a, 'py> {
    Filter,
    Guided(&'a Bound<'py, PyAny>),
    Upsample(&'a Bound<'py, PyAny>),
}

/// Runs `op` on `img` (any supported dtype, and the guide's any) into a new array, or into
/// `out`, which is returned.
pub(crate) fn filter<'py>(
    img: &Bound<'py, PyAny>,
    op: Op<'_, 'py>,
    params: &Params,
    out: Option<&Bound<'py, PyAny>>,
    pool: &Pool,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    if let Ok(a) = img.cast::<PyArrayDyn<u8>>() {
        with_guide(a, op, params, out, pool)
    } else if let Ok(a) = img.cast::<PyArrayDyn<u16>>() {
        with_guide(a, op, params, out, pool)
    } else if let Ok(a) = img.cast::<PyArrayDyn<f32>>() {
        with_guide(a, op, params, out, pool)
    } else {
        Err(unsupported("img", img))
    }
}

/// The TypeError for an array of another dtype, or not an array.
fn unsupported(what: &str, a: &Bound<'_, PyAny>) -> PyErr {
    match a.cast::<PyUntypedArray>() {
        Ok(a) => PyTypeError::new_err(format!(
            "{what} has dtype {}; supported: uint8, uint16, float32 (native byte order)",
            a.dtype()
        )),
        Err(_) => PyTypeError::new_err(format!(
            "{what} must be a numpy.ndarray, not {}",
            a.get_type()
                .name()
                .map_or_else(|_| "?".into(), |n| n.to_string())
        )),
    }
}

/// The guide's dtype dispatch; without a guide, `img` stands in (and is not read twice).
fn with_guide<'py, T: Element + Sample>(
    img: &Bound<'py, PyArrayDyn<T>>,
    op: Op<'_, 'py>,
    params: &Params,
    out: Option<&Bound<'py, PyAny>>,
    pool: &Pool,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let guide = match op {
        Op::Filter => return run::<T, T>(img, None, op, params, out, pool),
        Op::Guided(g) | Op::Upsample(g) => g,
    };
    if let Ok(g) = guide.cast::<PyArrayDyn<u8>>() {
        run(img, Some(g), op, params, out, pool)
    } else if let Ok(g) = guide.cast::<PyArrayDyn<u16>>() {
        run(img, Some(g), op, params, out, pool)
    } else if let Ok(g) = guide.cast::<PyArrayDyn<f32>>() {
        run(img, Some(g), op, params, out, pool)
    } else {
        Err(unsupported("guide", guide))
    }
}

/// `a` itself where it can be read in place, else a C-contiguous aligned copy.
fn contiguous<'py, T: Element>(
    a: &Bound<'py, PyArrayDyn<T>>,
) -> PyResult<Bound<'py, PyArrayDyn<T>>> {
    if in_place(a) {
        return Ok(a.clone());
    }
    let py = a.py();
    Ok(py
        .import("numpy")?
        .call_method(
            "require",
            (a,),
            Some(&[("requirements", "CA")].into_py_dict(py)?),
        )?
        .cast_into::<PyArrayDyn<T>>()?)
}

fn run<'py, T: Element + Sample, G: Element + Sample>(
    img: &Bound<'py, PyArrayDyn<T>>,
    guide: Option<&Bound<'py, PyArrayDyn<G>>>,
    op: Op<'_, 'py>,
    params: &Params,
    out: Option<&Bound<'py, PyAny>>,
    pool: &Pool,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = img.py();
    let layout = layout_of("img", img.shape())?;
    let guide_layout = guide.map(|g| layout_of("guide", g.shape())).transpose()?;
    // The result's shape: img's, or for upsampling the guide's height and width with img's
    // channels.
    let shape: Vec<usize> = match (op, guide) {
        (Op::Upsample(_), Some(g)) => {
            let mut shape = img.shape().to_vec();
            shape[..2].copy_from_slice(&g.shape()[..2]);
            shape
        }
        _ => img.shape().to_vec(),
    };
    let out_layout = layout_of("out", &shape)?;
    // Checked before anything is copied or written, so a bad `out` costs nothing.
    let out = out
        .map(|o| checked_out(img, guide, &shape, o))
        .transpose()?;
    let src = contiguous(img)?;
    let guide = guide.map(contiguous).transpose()?;
    // The borrows are rust-numpy's: while they are held, no other Rust code may take the same
    // memory mutably, and they outlive the GIL-free section below.
    let reading = src.try_readonly().map_err(|e| borrow_error("img", e))?;
    let src = ImageView::new(reading.as_slice().map_err(internal)?, layout).map_err(value_error)?;
    let guide_reading = guide
        .as_ref()
        .map(|g| g.try_readonly().map_err(|e| borrow_error("guide", e)))
        .transpose()?;
    let guide = match (&guide_reading, guide_layout) {
        (Some(r), Some(l)) => Some(
            ImageView::new(r.as_slice().map_err(internal)?, l)
                .map_err(|e| PyValueError::new_err(format!("guide: {e}")))?,
        ),
        _ => None,
    };
    // Only plain data crosses into the GIL-free section.
    let upsampling = matches!(op, Op::Upsample(_));
    let call = |dst: ImageViewMut<'_, T>, observer: &dyn Progress| match guide {
        Some(g) if upsampling => bilateral::upsample_into(src, g, dst, params),
        Some(g) => {
            bilateral::filter_guided_into_with_progress(src, g, dst, params, observer).map(drop)
        }
        None => bilateral::filter_into_with_progress(src, dst, params, observer).map(drop),
    };
    match out {
        None => {
            let mut result = vec![T::ZERO; shape.iter().product()];
            let dst = ImageViewMut::new(&mut result, out_layout).map_err(value_error)?;
            interruptible(py, pool, |observer| call(dst, observer))?;
            let array = ArrayD::from_shape_vec(IxDyn(&shape), result).map_err(internal)?;
            Ok(array.into_pyarray(py).into_any().cast_into()?)
        }
        Some(out) => {
            let mut writing = out.try_readwrite().map_err(|e| borrow_error("out", e))?;
            let dst = ImageViewMut::new(writing.as_slice_mut().map_err(internal)?, out_layout)
                .map_err(value_error)?;
            interruptible(py, pool, |observer| call(dst, observer))?;
            Ok(out.as_untyped().clone())
        }
    }
}

/// Runs `call` on `pool` with the GIL released, on a thread of its own, while this thread
/// looks for signals every 50 ms: Python runs its signal handlers only in the main thread,
/// and only when asked. When a handler raises (Ctrl-C: KeyboardInterrupt), `call`'s observer
/// asks the filter to stop, and once it has, that exception is raised.
fn interruptible(
    py: Python<'_>,
    pool: &Pool,
    call: impl FnOnce(&dyn Progress) -> Result<(), bilateral::Error> + Send,
) -> PyResult<()> {
    let stop = AtomicBool::new(false);
    let observer = |_: u64, _: u64| {
        if stop.load(Ordering::Relaxed) {
            Flow::Stop
        } else {
            Flow::Continue
        }
    };
    let mut raised = None;
    let result = py.detach(|| {
        std::thread::scope(|s| {
            let (done, finished) = mpsc::channel();
            let (observer, pool) = (&observer, pool);
            s.spawn(move || {
                let _ = done.send(pool.install(|| call(observer)));
            });
            loop {
                match finished.recv_timeout(Duration::from_millis(50)) {
                    Ok(result) => return result,
                    Err(RecvTimeoutError::Timeout) if raised.is_none() => {
                        if let Err(e) = Python::attach(|py| py.check_signals()) {
                            raised = Some(e);
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    // The call panicked: the scope's join passes the panic on.
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                }
            }
        })
    });
    match (raised, result) {
        (Some(e), _) => Err(e),
        (None, result) => result.map_err(value_error),
    }
}

/// `(H, W)` is one channel; `(H, W, C)` has C. The library checks emptiness and C.
fn layout_of(what: &str, shape: &[usize]) -> PyResult<Layout> {
    match *shape {
        [h, w] => Ok(Layout::packed(w, h, 1)),
        [h, w, c] => Ok(Layout::packed(w, h, c)),
        _ => Err(PyValueError::new_err(format!(
            "{what} must have shape (H, W) or (H, W, C), got {shape:?}"
        ))),
    }
}

/// Whether `a`'s buffer can be one Rust slice in the library's order: C order, and aligned
/// (numpy allows unaligned data, e.g. a view of bytes at an odd offset; a slice may not be).
fn in_place<T: Element>(a: &Bound<'_, PyArrayDyn<T>>) -> bool {
    a.is_c_contiguous() && (a.data() as usize).is_multiple_of(align_of::<T>())
}

/// `out` as the typed array the result is written to, after every check that has a clear
/// message of its own: `shape` is the result's.
fn checked_out<'py, T: Element, G: Element>(
    img: &Bound<'py, PyArrayDyn<T>>,
    guide: Option<&Bound<'py, PyArrayDyn<G>>>,
    shape: &[usize],
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
    if typed.shape() != shape {
        // The result has img's shape, except after upsampling.
        let whose = if shape == img.shape() {
            "img has"
        } else {
            "the result has"
        };
        return Err(PyValueError::new_err(format!(
            "out has shape {:?} but {whose} shape {shape:?}",
            typed.shape(),
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
    let numpy = img.py().import("numpy")?;
    if numpy
        .call_method1("may_share_memory", (img, out))?
        .is_truthy()?
    {
        return Err(PyValueError::new_err(
            "out shares memory with img: filtering in place is not supported",
        ));
    }
    if let Some(g) = guide
        && numpy
            .call_method1("may_share_memory", (g, out))?
            .is_truthy()?
    {
        return Err(PyValueError::new_err(
            "out shares memory with guide: the guide is read while out is written",
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

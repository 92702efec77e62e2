//! Progress and cancellation of long calls: an observer told how many rows are done, which can
//! ask the call to stop.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};

/// Whether a call goes on, as its observer answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Stop as soon as the tiles under way are done: the call returns
    /// [`Error::Stopped`](crate::Error::Stopped).
    Stop,
}

/// An observer of a long call (see [`filter_into_with_progress`](crate::filter_into_with_progress)).
///
/// It is called from the worker threads, possibly several at once, each time a tile of rows
/// is done: `done` counts the rows of every pass so far, `total` is the image's height times
/// the passes. Calls may arrive out of order, so a later call can carry a smaller `done`.
/// Any closure `Fn(u64, u64) -> Flow + Sync` is one.
pub trait Progress: Sync {
    /// `done` of `total` rows are filtered; [`Flow::Stop`] asks the call to stop.
    fn rows_done(&self, done: u64, total: u64) -> Flow;
}

impl<F: Fn(u64, u64) -> Flow + Sync> Progress for F {
    fn rows_done(&self, done: u64, total: u64) -> Flow {
        self(done, total)
    }
}

/// A pass was asked to stop by its observer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stopped;

/// A call's observer, with the rows done so far.
pub(crate) struct Watch<'a> {
    observer: &'a dyn Progress,
    done: AtomicU64,
    total: u64,
}

impl<'a> Watch<'a> {
    pub(crate) fn new(observer: &'a dyn Progress, total: u64) -> Self {
        Watch {
            observer,
            done: AtomicU64::new(0),
            total,
        }
    }

    /// `rows` more rows are done: [`Stopped`] if the observer asks to stop.
    pub(crate) fn advance(&self, rows: usize) -> Result<(), Stopped> {
        let done = self.done.fetch_add(rows as u64, Ordering::Relaxed) + rows as u64;
        match self.observer.rows_done(done, self.total) {
            Flow::Continue => Ok(()),
            Flow::Stop => Err(Stopped),
        }
    }

    /// Rows done so far.
    pub(crate) fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// The rows of every pass.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Advances `watch`, if there is one, by `rows`.
    pub(crate) fn tick(watch: Option<&Watch<'_>>, rows: usize) -> Result<(), Stopped> {
        watch.map_or(Ok(()), |w| w.advance(rows))
    }
}

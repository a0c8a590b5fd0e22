//! [`BatchWriter`]: log lines collected in memory and written by a
//! background thread at most every [`FLUSH_INTERVAL`] (see the module docs
//! of [`crate::logging`]).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;
use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;

/// How long a line may wait in memory before it is written (warnings and errors do not wait).
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(20);
/// Buffered bytes at which the writer is woken before the interval ends.
const WAKE_AT: usize = 256 * 1024;
/// Buffered bytes at which logging waits for the writer (nothing is dropped).
pub const MAX_BUFFERED: usize = 8 * 1024 * 1024;
/// The room a buffer keeps once written out: a burst's buffer (up to
/// [`MAX_BUFFERED`], when stderr was slow) is given back, not held for good.
const KEEP: usize = 2 * WAKE_AT;

#[derive(Debug, Default)]
struct State {
    buf: Vec<u8>,
    /// The writer thread is waiting for the first line (not on its interval).
    idle: bool,
    /// Write now: a warning or an error, a full buffer, or shutdown.
    urgent: bool,
    closed: bool,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    /// Wakes the writer thread.
    wake: Condvar,
    /// Wakes loggers waiting for room.
    room: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves at worst a partly written buffer of whole lines.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Collects log lines for the background writer (see the module docs).
#[derive(Debug, Clone)]
pub struct BatchWriter {
    shared: Arc<Shared>,
}

/// Writes out what is buffered and stops the writer thread when dropped.
#[derive(Debug)]
pub struct LogGuard {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BatchWriter {
    /// A writer and the thread that writes its lines to `out`.
    pub fn new(out: impl std::io::Write + Send + 'static) -> std::io::Result<(BatchWriter, LogGuard)> {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let thread = std::thread::Builder::new().name("log-writer".into()).spawn(move || write_loop(&s, out))?;
        Ok((BatchWriter { shared: shared.clone() }, LogGuard { shared, thread: Some(thread) }))
    }

    fn push(&self, line: &[u8], urgent: bool) {
        let mut st = self.shared.lock();
        while st.buf.len() >= MAX_BUFFERED && !st.closed {
            st.urgent = true;
            self.shared.wake.notify_one();
            st = self.shared.room.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        st.buf.extend_from_slice(line);
        let wake_now = urgent || st.buf.len() >= WAKE_AT;
        st.urgent |= wake_now;
        if wake_now || st.idle {
            st.idle = false;
            self.shared.wake.notify_one();
        }
    }
}

fn write_loop(shared: &Shared, mut out: impl std::io::Write) {
    let mut spare = Vec::new();
    loop {
        let mut st = shared.lock();
        // Nothing waiting: sleep until the next line.
        while st.buf.is_empty() && !st.closed {
            st.idle = true;
            st = shared.wake.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        if !st.urgent && !st.closed {
            // Lines are waiting: let more gather for one interval, unless something urgent comes.
            let (g, _) = shared
                .wake
                .wait_timeout_while(st, FLUSH_INTERVAL, |s| !s.urgent && !s.closed)
                .unwrap_or_else(|p| p.into_inner());
            st = g;
        }
        std::mem::swap(&mut st.buf, &mut spare);
        st.urgent = false;
        let closed = st.closed;
        drop(st);
        shared.room.notify_all();
        if !spare.is_empty() {
            // stderr failing leaves nowhere to report it; the lines are dropped, the server goes on.
            let _ = out.write_all(&spare);
            let _ = out.flush();
            spare.clear();
            spare.shrink_to(KEEP);
        }
        if closed && shared.lock().buf.is_empty() {
            return;
        }
    }
}

/// One line on its way into the buffer (tracing's fmt layer writes each
/// line with one `write_all`, so lines never interleave).
#[derive(Debug)]
pub struct LineWriter<'a> {
    writer: &'a BatchWriter,
    urgent: bool,
}

impl std::io::Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.push(buf, self.urgent);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { writer: self, urgent: false }
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        LineWriter { writer: self, urgent: *meta.level() <= Level::WARN }
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        {
            let mut st = self.shared.lock();
            st.closed = true;
        }
        self.shared.wake.notify_one();
        self.shared.room.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Collects what the writer thread writes.
    #[derive(Clone, Default)]
    pub(in crate::logging) struct Sink(pub(in crate::logging) Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_writer_keeps_every_line_in_order() {
        let sink = Sink::default();
        let (w, guard) = BatchWriter::new(sink.clone()).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let w = w.clone();
                std::thread::spawn(move || {
                    for i in 0..20_000 {
                        w.push(format!("{t} {i}\n").as_bytes(), i % 5000 == 0);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(guard);
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let mut next = [0u32; 4];
        for line in out.lines() {
            let (t, i) = line.split_once(' ').unwrap();
            let t: usize = t.parse().unwrap();
            assert_eq!(i.parse::<u32>().unwrap(), next[t], "thread {t}'s lines out of order or lost");
            next[t] += 1;
        }
        assert_eq!(next, [20_000; 4]);
    }
}

//! Writing to standard output without panicking when the reader goes away (`agora export |
//! head`): a closed pipe ends the command quietly instead.

use std::io::{self, BufWriter, Stdout, Write};

/// A buffered standard output that treats a closed pipe as the end of the output.
pub struct Output {
    writer: BufWriter<Stdout>,
    closed: bool,
}

impl Output {
    /// Wraps standard output.
    pub fn new() -> Output {
        Output {
            writer: BufWriter::new(io::stdout()),
            closed: false,
        }
    }

    /// Writes one line; returns `false` once the reader has gone away.
    pub fn line(&mut self, text: &str) -> io::Result<bool> {
        if self.closed {
            return Ok(false);
        }
        match writeln!(self.writer, "{text}") {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(false)
            }
            Err(error) => Err(error),
        }
    }

    /// Flushes what is buffered.
    pub fn finish(mut self) -> io::Result<()> {
        match self.writer.flush() {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}

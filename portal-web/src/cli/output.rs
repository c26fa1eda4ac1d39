//! Where a command's output goes: this process's standard output, or, when the command runs in
//! the process that owns the embedded database on behalf of another `billing` process, back to
//! that process as frames (`cli::remote`).

use std::io::Write;

use tokio::sync::mpsc::UnboundedSender;

/// One piece of a remote command's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    /// The command ended: its exit code and, on failure, the error text.
    Exit {
        code: u8,
        error: Option<String>,
    },
    /// Nothing to say yet; tells the waiting process that the owner is alive.
    Heartbeat,
}

#[derive(Debug, Clone)]
pub struct Out(Sink);

#[derive(Debug, Clone)]
enum Sink {
    Local,
    Remote(UnboundedSender<Frame>),
}

impl Out {
    pub fn local() -> Self {
        Self(Sink::Local)
    }

    pub fn remote(tx: UnboundedSender<Frame>) -> Self {
        Self(Sink::Remote(tx))
    }

    /// Writes `text` and a line break.
    pub fn line(&self, text: impl AsRef<str>) {
        let mut bytes = text.as_ref().as_bytes().to_vec();
        bytes.push(b'\n');
        self.write(&bytes);
    }

    /// Writes `bytes` as they are (a CSV, a PDF).
    pub fn write(&self, bytes: &[u8]) {
        match &self.0 {
            // A closed pipe (`billing … | head`) is not an error of the command.
            Sink::Local => {
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(bytes).and_then(|()| stdout.flush());
            }
            // A client that went away (killed) no longer reads; the command still completes.
            Sink::Remote(tx) => {
                let _ = tx.send(Frame::Stdout(bytes.to_vec()));
            }
        }
    }

    /// A line on standard error (warnings that are not the command's result).
    pub fn warn(&self, text: impl AsRef<str>) {
        match &self.0 {
            Sink::Local => eprintln!("{}", text.as_ref()),
            Sink::Remote(tx) => {
                let _ = tx.send(Frame::Stderr(format!("{}\n", text.as_ref()).into_bytes()));
            }
        }
    }

    /// Whether progress may be drawn: only on this process's own terminal.
    pub fn draws_progress(&self) -> bool {
        matches!(self.0, Sink::Local) && std::io::IsTerminal::is_terminal(&std::io::stderr())
    }
}

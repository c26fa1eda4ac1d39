//! The simulated clock (docs/adr/0037): `[clock] simulated_file` names a file holding one RFC 3339
//! instant; every reading of the time in this process is that instant, which stays put until the
//! file changes. Every `billing` process configured with the same file shares the clock, so a
//! test (or a staging installation) moves two servers a day ahead by writing one line, like a
//! payment provider's test clock. Off unless configured; `billing serve` warns loudly when on.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use billing_core::clock::{Clock, SystemClock};
use chrono::{DateTime, Utc};

use crate::config::Config;

/// A clock read from a file on every reading. A reading that finds the file missing or
/// half-written keeps the last good instant (write it atomically: a new file renamed over it).
#[derive(Debug)]
pub struct FileClock {
    path: PathBuf,
    last: Mutex<DateTime<Utc>>,
}

impl FileClock {
    /// Opens the clock; the file must hold an instant now.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let now = read(path).with_context(|| format!("clock.simulated_file {}", path.display()))?;
        Ok(Self { path: path.to_path_buf(), last: Mutex::new(now) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Moves every process that shares the file to `now` (written to a temporary file, then
    /// renamed over the clock, so no reader sees half of it).
    pub fn write(path: &Path, now: DateTime<Utc>) -> std::io::Result<()> {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, now.to_rfc3339())?;
        std::fs::rename(&tmp, path)
    }
}

fn read(path: &Path) -> anyhow::Result<DateTime<Utc>> {
    let text = std::fs::read_to_string(path)?;
    Ok(DateTime::parse_from_rfc3339(text.trim())
        .with_context(|| format!("`{}` is not an RFC 3339 instant", text.trim()))?
        .with_timezone(&Utc))
}

impl Clock for FileClock {
    fn now(&self) -> DateTime<Utc> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Ok(now) = read(&self.path) {
            *last = now;
        }
        *last
    }
}

/// The process's clock as configured: the system clock, or the simulated one.
pub fn from_config(config: &Config) -> anyhow::Result<(Arc<dyn Clock>, Option<PathBuf>)> {
    let file = config.clock.simulated_file.trim();
    if file.is_empty() {
        return Ok((Arc::new(SystemClock), None));
    }
    let clock = FileClock::open(Path::new(file))?;
    let path = clock.path().to_path_buf();
    Ok((Arc::new(clock), Some(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_reads_the_file_and_keeps_its_last_instant_when_the_file_is_unreadable() {
        let dir = std::env::temp_dir().join(format!("billing-clock-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("clock");
        assert!(FileClock::open(&path).is_err(), "no file: no clock");
        let start = DateTime::parse_from_rfc3339("2027-03-01T00:30:00Z").unwrap().with_timezone(&Utc);
        FileClock::write(&path, start).unwrap();
        let clock = FileClock::open(&path).unwrap();
        assert_eq!(clock.now(), start);
        FileClock::write(&path, start + chrono::Duration::days(1)).unwrap();
        assert_eq!(clock.now(), start + chrono::Duration::days(1));
        std::fs::write(&path, "2027-03-0").unwrap();
        assert_eq!(clock.now(), start + chrono::Duration::days(1), "a torn write is ignored");
        std::fs::remove_dir_all(&dir).ok();
    }
}

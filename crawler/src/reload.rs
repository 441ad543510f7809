//! Following edits of `sources.toml` while Agora serves.
//!
//! The file is read again every few seconds and whenever asked (the binary asks on SIGHUP).
//! When its text changed it is validated as `agora sources check` does; a valid file is
//! published to the schedule ([`crate::schedule::run_schedule`]), an invalid one is rejected
//! with each problem logged with its line, and the configuration in force stays.
//!
//! Polling the text rather than watching the file system costs one small read every few
//! seconds and no dependency, and keeps working where file-system events do not: network
//! file systems, containers with bind mounts, and editors that save by renaming a new file
//! over the old one (which leaves a watch on a file that no longer exists).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tracing::{error, info, warn};

use crate::config::Config;
use crate::error::ConfigError;

/// What one look at the configuration file found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// The text is the one already seen.
    Unchanged,
    /// A valid new configuration was published.
    Applied,
    /// The new text has problems; the previous configuration stays in force.
    Rejected,
    /// The file could not be read; the previous configuration stays in force.
    Unreadable,
}

/// Reads `sources.toml` again when it changes and publishes what is valid.
pub struct ConfigWatcher {
    path: PathBuf,
    last_text: Option<String>,
    sender: watch::Sender<Arc<Config>>,
}

impl ConfigWatcher {
    /// Starts from `current`, read from `path`; the receiver sees every configuration
    /// published from then on.
    pub fn new(path: &Path, current: Config) -> (ConfigWatcher, watch::Receiver<Arc<Config>>) {
        let (sender, receiver) = watch::channel(Arc::new(current));
        let watcher = ConfigWatcher {
            path: path.to_path_buf(),
            last_text: std::fs::read_to_string(path).ok(),
            sender,
        };
        (watcher, receiver)
    }

    /// Reads the file; when its text changed (or `forced`), validates it and publishes it if
    /// valid. Problems are logged, each with its line.
    pub fn check(&mut self, forced: bool) -> ReloadOutcome {
        // A small file read from the page cache: fine on the async runtime.
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) => {
                if self.last_text.take().is_some() {
                    warn!(path = %self.path.display(), error = %error, "cannot read the configuration; the previous one stays in force");
                }
                return ReloadOutcome::Unreadable;
            }
        };
        if !forced && self.last_text.as_deref() == Some(text.as_str()) {
            return ReloadOutcome::Unchanged;
        }
        self.last_text = Some(text.clone());

        match Config::parse(&text, &self.path) {
            Ok(config) => {
                info!(path = %self.path.display(), num_sources = config.sources.len(), "configuration reloaded");
                self.sender.send_replace(Arc::new(config));
                ReloadOutcome::Applied
            }
            Err(ConfigError::Invalid(problems)) => {
                for problem in &problems {
                    error!(problem = %problem, "configuration problem");
                }
                error!(
                    path = %self.path.display(),
                    num_problems = problems.len(),
                    "edited configuration rejected; the previous one stays in force"
                );
                ReloadOutcome::Rejected
            }
            Err(error) => {
                error!(path = %self.path.display(), error = %error, "edited configuration rejected; the previous one stays in force");
                ReloadOutcome::Rejected
            }
        }
    }

    /// Looks at the file every `poll` and whenever `reload_now` is notified, until
    /// `shutdown` completes.
    pub async fn run(
        mut self,
        poll: Duration,
        reload_now: Arc<Notify>,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            let forced = tokio::select! {
                () = tokio::time::sleep(poll) => false,
                () = reload_now.notified() => true,
                () = &mut shutdown => return,
            };
            self.check(forced);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str =
        "[[source]]\nid = \"a\"\nkind = \"page\"\nurl = \"https://a.example/\"\ncountry = \"FR\"\n";

    #[test]
    fn valid_edits_are_published_and_invalid_ones_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sources.toml");
        std::fs::write(&path, VALID).unwrap();
        let initial = Config::load(&path).unwrap();
        let (mut watcher, receiver) = ConfigWatcher::new(&path, initial);

        assert_eq!(watcher.check(false), ReloadOutcome::Unchanged);

        let added = format!(
            "{VALID}\n[[source]]\nid = \"b\"\nkind = \"page\"\nurl = \"https://b.example/\"\ncountry = \"DE\"\n"
        );
        std::fs::write(&path, &added).unwrap();
        assert_eq!(watcher.check(false), ReloadOutcome::Applied);
        assert_eq!(receiver.borrow().sources.len(), 2);

        std::fs::write(&path, format!("{added}\n[[source]]\nid = \"c\"\n")).unwrap();
        assert_eq!(watcher.check(false), ReloadOutcome::Rejected);
        assert_eq!(
            receiver.borrow().sources.len(),
            2,
            "the previous configuration stays"
        );
        assert_eq!(
            watcher.check(false),
            ReloadOutcome::Unchanged,
            "reported once"
        );

        std::fs::remove_file(&path).unwrap();
        assert_eq!(watcher.check(false), ReloadOutcome::Unreadable);
        assert_eq!(receiver.borrow().sources.len(), 2);

        std::fs::write(&path, VALID).unwrap();
        assert_eq!(watcher.check(false), ReloadOutcome::Applied);
        assert_eq!(receiver.borrow().sources.len(), 1);
        assert_eq!(
            watcher.check(true),
            ReloadOutcome::Applied,
            "forced, as on SIGHUP"
        );
    }
}

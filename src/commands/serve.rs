//! `agora serve`: the web service, with crawling and indexing in the background.
//!
//! Three activities share the store: the HTTP server reads it, the crawl schedule writes
//! documents into it, and one indexing thread replays its changes into the index whenever
//! a source finishes (and every few hundred documents during long crawls). Edits of the
//! sources file take effect while serving: it is read again every few seconds and on SIGHUP,
//! and an invalid edit is logged and ignored. On ctrl-c or SIGTERM the server stops
//! accepting requests, the crawl is abandoned, and the indexer commits what was stored
//! before exiting.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use agora_community::{Community, CommunitySettings};
use agora_crawler::reload::ConfigWatcher;
use agora_crawler::schedule::run_schedule;
use agora_crawler::{CrawlObserver, Crawler, EntryOutcome, register_sources};
use agora_indexer::{CrawlReport, IndexUpdater, Store};
use agora_search_api::{AppState, IndexTrigger as CommunityIndexTrigger, app};
use anyhow::Context;
use indicatif::ProgressBar;
use tokio::sync::{Notify, watch};
use tracing::{error, info};

use crate::cli::ServeArgs;
use crate::commands::index::{index_settings, open_and_sync, open_store};
use crate::commands::sources::load_config;
use crate::commands::users::open_community;

/// New documents after which the index is refreshed while a long crawl goes on.
const DOCS_PER_REFRESH: u64 = 500;

/// How often the sources file is read again to pick up edits.
const CONFIG_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// Asks the indexing thread to sync after each source and every [`DOCS_PER_REFRESH`] entries.
struct IndexTrigger {
    sender: mpsc::Sender<()>,
    num_entries: AtomicU64,
}

impl CrawlObserver for IndexTrigger {
    fn entry_done(&self, _source_id: &str, outcome: EntryOutcome) {
        if matches!(outcome, EntryOutcome::New | EntryOutcome::Updated)
            && self.num_entries.fetch_add(1, Ordering::Relaxed) % DOCS_PER_REFRESH
                == DOCS_PER_REFRESH - 1
        {
            let _ = self.sender.send(());
        }
    }

    fn source_done(&self, _source_id: &str, report: &CrawlReport) {
        if report.num_new + report.num_updated > 0 {
            let _ = self.sender.send(());
        }
    }
}

pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let Some(config) = load_config(&args.config.config)? else {
        return Ok(ExitCode::FAILURE);
    };
    let data = args.data.data.clone();
    let store = open_store(&data)?;
    register_sources(&store, &config.sources).context("recording the configured sources")?;
    let community = start_community(&args, &store).await?;

    let settings = index_settings(&args.thesaurus, config.ranking.clone())?;
    let (index, updater) = {
        let store = Arc::clone(&store);
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let (index, updater, report) =
                open_and_sync(&data, settings, &store, false, &ProgressBar::hidden())?;
            info!(num_docs = report.num_docs, "index ready");
            Ok((index, updater))
        })
        .await??
    };

    let listener = bind(args.addr).await?;
    info!(addr = %args.addr, "listening on http://{}", args.addr);
    let (sender, receiver) = mpsc::channel();
    let indexer = spawn_indexer(updater, Arc::clone(&store), receiver);
    let (shutdown_sender, shutdown) = watch::channel(false);
    // Even without crawling, SIGHUP must not end the server as it would by default.
    let reload_now = Arc::new(Notify::new());
    tokio::spawn(forward_hangups(Arc::clone(&reload_now)));

    let schedule = if args.no_crawl {
        None
    } else {
        let trigger = Arc::new(IndexTrigger {
            sender: sender.clone(),
            num_entries: AtomicU64::new(0),
        });
        let crawler = Crawler::new(config.crawler.clone(), Arc::clone(&store))
            .context("setting up the HTTP client")?
            .with_observer(trigger);
        let (watcher, configs) = ConfigWatcher::new(&args.config.config, config.clone());
        tokio::spawn(watcher.run(CONFIG_POLL_INTERVAL, reload_now, wait_for(shutdown.clone())));
        let store = Arc::clone(&store);
        let stop = wait_for(shutdown.clone());
        Some(tokio::spawn(run_schedule(crawler, store, configs, stop)))
    };

    // The trigger's sender is taken back at shutdown, so that the indexing thread's loop
    // ends even if a request still holds a clone of the state.
    let community_sender = Arc::new(Mutex::new(Some(sender.clone())));
    let trigger = {
        let community_sender = Arc::clone(&community_sender);
        CommunityIndexTrigger::new(move || {
            let sender = community_sender.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(sender) = sender.as_ref() {
                let _ = sender.send(());
            }
        })
    };
    let state = AppState::new(index, Arc::clone(&store), community)
        .with_index_trigger(trigger)
        .with_secure_cookies(args.secure_cookies)
        .with_trusted_proxies(args.trusted_proxies.clone());
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        shutdown_signal().await;
        info!("shutting down");
        let _ = shutdown_sender.send(true);
    });
    let served = server.await.context("serving HTTP");

    if let Some(schedule) = schedule {
        let _ = schedule.await;
    }
    // The last trigger makes the indexer commit what the crawl stored; dropping the senders
    // then ends its loop.
    let _ = sender.send(());
    drop(sender);
    drop(
        community_sender
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take(),
    );
    if indexer.join().is_err() {
        error!("the indexing thread panicked");
    }
    store.flush().context("flushing the document store")?;
    served?;
    info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Opens the community store and republishes its questions, so that a crash between a post
/// and its publication leaves nothing missing from search.
async fn start_community(args: &ServeArgs, store: &Arc<Store>) -> anyhow::Result<Arc<Community>> {
    let settings = CommunitySettings {
        session_ttl: chrono::Duration::from_std(args.session_ttl)
            .context("--session-ttl is too long")?,
        ..CommunitySettings::default()
    };
    let community = open_community(&args.data.data, settings)?.with_documents(Arc::clone(store));
    let community = Arc::new(community);
    let started = Arc::clone(&community);
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let num_questions = started
            .publish_all_questions()
            .context("publishing community questions for search")?;
        let num_expired = started
            .sweep_sessions()
            .context("removing expired sessions")?;
        info!(num_questions, num_expired, "community ready");
        Ok(())
    })
    .await??;
    Ok(community)
}

async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr}; is another server using it? choose another with --addr")
    })
}

/// Runs index syncs on a thread of its own: commits are blocking and can take seconds.
fn spawn_indexer(
    mut updater: IndexUpdater,
    store: Arc<Store>,
    triggers: mpsc::Receiver<()>,
) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name("indexer".to_string())
        .spawn(move || {
            while triggers.recv().is_ok() {
                // Triggers that piled up during the last sync are served by this one.
                while triggers.try_recv().is_ok() {}
                if let Err(error) = updater.sync(&store, |_| {}) {
                    error!(error = %error, "index sync failed; retrying at the next trigger");
                }
            }
        })
        .expect("the indexing thread starts")
}

/// Asks for the sources file to be read again on each SIGHUP.
async fn forward_hangups(reload_now: Arc<Notify>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            return;
        };
        while hangups.recv().await.is_some() {
            info!("SIGHUP received; reading the sources again");
            reload_now.notify_one();
        }
    }
    #[cfg(not(unix))]
    drop(reload_now);
}

async fn wait_for(mut shutdown: watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stopping| *stopping).await;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

//! The simulator's HTTP server: configuration, start/stop, the handle tests drive it
//! with, and the composition of the kinds' routers behind shared request counting.

use super::clock::Clock;
use super::faults::Faults;
use super::huawei_gateway;
use super::modelarts_algorithms::{self, AlgorithmsSimConfig, AlgorithmsWorld};
use super::modelarts_training::{self, ModelArtsSimConfig, ModelArtsWorld};
use super::modzy::{self, ModzySimConfig, ModzyWorld};
use super::pai_dlc::{self, PaiDlcSimConfig, PaiWorld};
use super::stats::{self, Stats, StatsRecorder};
use super::swr::{self, SwrSimConfig, SwrWorld};
use axum::http::HeaderValue;
use axum::middleware;
use axum::response::Response;
use axum::Router;
use std::future::IntoFuture;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long [`SimHandle::stop`] waits for in-flight requests (e.g. a `Slow` fault).
const STOP_GRACE: Duration = Duration::from_secs(5);

/// What to simulate. Kinds left `None` are not served (their paths get 404).
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to bind; the default `127.0.0.1:0` picks a free loopback port.
    pub listen: SocketAddr,
    /// Clock for the worlds' timestamps (default: the system clock).
    pub clock: Clock,
    /// Huawei ModelArts v1 training jobs.
    pub modelarts: Option<ModelArtsSimConfig>,
    /// Huawei ModelArts algorithms.
    pub algorithms: Option<AlgorithmsSimConfig>,
    /// Huawei SWR Enterprise Edition instance jobs.
    pub swr: Option<SwrSimConfig>,
    /// Alibaba PAI-DLC jobs.
    pub pai_dlc: Option<PaiDlcSimConfig>,
    /// Modzy job history.
    pub modzy: Option<ModzySimConfig>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            clock: Clock::System,
            modelarts: None,
            algorithms: None,
            swr: None,
            pai_dlc: None,
            modzy: None,
        }
    }
}

/// State shared by every route of one simulator: the worlds, the fault plan and the
/// counters. Kinds' routers hold an `Arc` of it.
#[derive(Debug)]
pub struct SimShared {
    /// The fault plan (shared by all kinds).
    pub faults: Mutex<Faults>,
    /// Request counters.
    pub stats: StatsRecorder,
    /// The worlds' clock.
    pub clock: Clock,
    /// ModelArts v1 training jobs (empty when the kind is not configured).
    pub modelarts: Mutex<ModelArtsWorld>,
    /// ModelArts algorithms (empty when the kind is not configured).
    pub algorithms: Mutex<AlgorithmsWorld>,
    /// SWR instance jobs (empty when the kind is not configured).
    pub swr: Mutex<SwrWorld>,
    /// PAI-DLC jobs (empty when the kind is not configured).
    pub pai_dlc: Mutex<PaiWorld>,
    /// Modzy jobs (empty when the kind is not configured).
    pub modzy: Mutex<ModzyWorld>,
}

impl SimShared {
    fn new(clock: Clock) -> Self {
        SimShared {
            faults: Mutex::new(Faults::default()),
            stats: StatsRecorder::default(),
            modelarts: Mutex::new(ModelArtsWorld::new(clock.clone())),
            algorithms: Mutex::new(AlgorithmsWorld::new(clock.clone())),
            swr: Mutex::new(SwrWorld::new(clock.clone())),
            pai_dlc: Mutex::new(PaiWorld::new(clock.clone())),
            modzy: Mutex::new(ModzyWorld::new(clock.clone())),
            clock,
        }
    }
}

/// A running simulator. Dropping it stops the server (without waiting); prefer
/// [`SimHandle::stop`].
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<SimShared>,
    cancel: CancellationToken,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl SimHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`, without a trailing slash: the endpoint to configure.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The ModelArts training-job world (lock it briefly: requests wait for it).
    pub fn modelarts(&self) -> MutexGuard<'_, ModelArtsWorld> {
        super::lock(&self.shared.modelarts)
    }

    /// The ModelArts algorithm world (lock it briefly: requests wait for it).
    pub fn algorithms(&self) -> MutexGuard<'_, AlgorithmsWorld> {
        super::lock(&self.shared.algorithms)
    }

    /// The SWR instance-job world (lock it briefly: requests wait for it).
    pub fn swr(&self) -> MutexGuard<'_, SwrWorld> {
        super::lock(&self.shared.swr)
    }

    /// The PAI-DLC world (lock it briefly: requests wait for it).
    pub fn pai_dlc(&self) -> MutexGuard<'_, PaiWorld> {
        super::lock(&self.shared.pai_dlc)
    }

    /// The Modzy job world (lock it briefly: requests wait for it).
    pub fn modzy(&self) -> MutexGuard<'_, ModzyWorld> {
        super::lock(&self.shared.modzy)
    }

    /// The fault plan.
    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        super::lock(&self.shared.faults)
    }

    /// A snapshot of the request counters.
    pub fn stats(&self) -> Stats {
        self.shared.stats.snapshot()
    }

    /// Sets every request counter back to zero.
    pub fn reset_stats(&self) {
        self.shared.stats.reset();
    }

    /// The worlds' clock.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Stops accepting connections, lets in-flight requests finish (at most 5 s, then
    /// aborts them) and waits for the server task.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(STOP_GRACE, &mut task).await.is_err() {
                task.abort();
                let _ = task.await;
            }
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Binds `cfg.listen` and serves the configured kinds until [`SimHandle::stop`].
pub async fn start(cfg: SimConfig) -> io::Result<SimHandle> {
    let listener = TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(SimShared::new(cfg.clock.clone()));
    let app = app(&shared, &cfg);
    let cancel = CancellationToken::new();
    let server =
        axum::serve(listener, app).with_graceful_shutdown(cancel.clone().cancelled_owned());
    let task = tokio::spawn(server.into_future());
    Ok(SimHandle {
        addr,
        shared,
        cancel,
        task: Some(task),
    })
}

/// The whole app: every configured kind's routes, the API gateway's 404 for anything
/// else, request counting and an `X-Request-Id` on every response.
fn app(shared: &Arc<SimShared>, cfg: &SimConfig) -> Router {
    let mut app = Router::new();
    if let Some(c) = &cfg.modelarts {
        app = app.merge(modelarts_training::router(shared.clone(), c.clone()));
    }
    if let Some(c) = &cfg.algorithms {
        app = app.merge(modelarts_algorithms::router(shared.clone(), c.clone()));
    }
    if let Some(c) = &cfg.swr {
        app = app.merge(swr::router(shared.clone(), c.clone()));
    }
    if let Some(c) = &cfg.pai_dlc {
        app = app.merge(pai_dlc::router(shared.clone(), c.clone()));
    }
    if let Some(c) = &cfg.modzy {
        app = app.merge(modzy::router(shared.clone(), c.clone()));
    }
    app.fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::map_response(add_request_id))
        .layer(middleware::from_fn_with_state(
            shared.stats.clone(),
            stats::count_all,
        ))
}

async fn not_found() -> Response {
    huawei_gateway::api_not_found()
}

async fn add_request_id(mut resp: Response) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string();
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

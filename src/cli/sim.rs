//! `jobmirror sim`: runs the simulated providers on their own, in the foreground,
//! for benchmarks (the mirror measured in a separate process) and for trying
//! jobmirror against a local fake cloud.

use std::net::SocketAddr;

use rand::SeedableRng;
use tokio_util::sync::CancellationToken;

use super::signals::cancel_on_signals;
use crate::sim::{
    self, AlgorithmsSimConfig, ModelArtsSimConfig, ModzySimConfig, PaiDlcSimConfig, SimConfig,
    SwrSimConfig,
};

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Project id of the simulated Huawei kinds.
    #[arg(long, default_value = "0123456789abcdef0123456789abcdef")]
    project_id: String,
    /// Access key accepted by every simulated kind (Huawei AK/SK, Alibaba AccessKey).
    #[arg(long, default_value = "SIMACCESSKEY")]
    access_key: String,
    /// Secret key accepted by every simulated kind.
    #[arg(long, default_value = "sim-secret-key")]
    secret_key: String,
    /// Training jobs seeded into the ModelArts world.
    #[arg(long, default_value_t = 1_000)]
    modelarts_jobs: usize,
    /// Algorithms seeded into the ModelArts algorithm world.
    #[arg(long, default_value_t = 200)]
    algorithms: usize,
    /// Instance jobs seeded into the SWR world.
    #[arg(long, default_value_t = 1_000)]
    swr_jobs: usize,
    /// Jobs seeded into the PAI-DLC world (`GET /api/v1/jobs`).
    #[arg(long, default_value_t = 1_000)]
    pai_dlc_jobs: usize,
    /// Jobs seeded into the Modzy world.
    #[arg(long, default_value_t = 1_000)]
    modzy_jobs: usize,
    /// API key accepted by the simulated Modzy account (`Authorization: ApiKey <key>`).
    #[arg(long, default_value = "SIMKEYPREFIX.sim-api-key")]
    modzy_api_key: String,
    /// Seed of the world generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Change the world (new jobs, status moves, deletions) every this many seconds (0: never).
    #[arg(long, default_value_t = 0)]
    step_every: u64,
}

pub async fn sim(args: SimArgs) -> anyhow::Result<()> {
    let cancel = CancellationToken::new();
    cancel_on_signals(cancel.clone());
    let handle = sim::start(SimConfig {
        listen: args.listen,
        modelarts: Some(ModelArtsSimConfig::new(
            &args.project_id,
            &args.access_key,
            &args.secret_key,
        )),
        algorithms: Some(AlgorithmsSimConfig::new(
            &args.project_id,
            &args.access_key,
            &args.secret_key,
        )),
        swr: Some(SwrSimConfig::new(
            &args.project_id,
            &args.access_key,
            &args.secret_key,
        )),
        pai_dlc: Some(PaiDlcSimConfig::new(&args.access_key, &args.secret_key)),
        modzy: Some(ModzySimConfig::new(&args.modzy_api_key)),
        ..SimConfig::default()
    })
    .await?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);
    handle.modelarts().seed(args.modelarts_jobs, &mut rng);
    handle.algorithms().seed(args.algorithms, &mut rng);
    handle.swr().seed(args.swr_jobs, &mut rng);
    handle.pai_dlc().seed(args.pai_dlc_jobs, &mut rng);
    handle.modzy().seed(args.modzy_jobs, &mut rng);
    // The first stdout line is for scripts: the endpoint to configure.
    println!("listening on {}", handle.base_url());
    if args.step_every == 0 {
        cancel.cancelled().await;
    } else {
        let every = std::time::Duration::from_secs(args.step_every);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {
                    let changes = handle.modelarts().step(&mut rng).len()
                        + handle.algorithms().step(&mut rng).len()
                        + handle.swr().step(&mut rng).len()
                        + handle.pai_dlc().step(&mut rng).len()
                        + handle.modzy().step(&mut rng).len();
                    tracing::info!(changes, "world changed");
                }
                _ = cancel.cancelled() => break,
            }
        }
    }
    handle.stop().await;
    Ok(())
}

//! `jobmirror demo`: placeholder replaced once the simulator lands.

#[derive(Debug, clap::Args)]
pub struct DemoArgs {}

pub async fn demo(_args: DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("demo is not available yet")
}

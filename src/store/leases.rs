//! `source_leases`: which replica syncs which source. A cycle first takes the
//! source's lease (or renews its own), renews it while it runs and releases it
//! when done; a lease that expired (its holder died) is taken over. The upsert
//! that takes a lease changes the row only when it is free, expired or already
//! ours, and both backends serialize it on the row, so two replicas never hold
//! one source at once. On SQLite (one process per file) it is simply held.

use std::sync::OnceLock;
use std::time::Duration;

use super::db::{Arg, Sql};
use super::{Store, StoreError};
use crate::clock;

/// How long a lease lasts unless renewed, by default (`database.lease_period`;
/// a cycle renews it every third of it).
pub const LEASE_PERIOD: Duration = Duration::from_secs(30);

/// The shortest lease period accepted: renewals (every third of it) are
/// database round trips, and replica clocks must agree to well within it.
pub const MIN_LEASE_PERIOD: Duration = Duration::from_secs(1);
/// The longest: a killed replica's sources wait up to this long on another host.
pub const MAX_LEASE_PERIOD: Duration = Duration::from_secs(3600);

/// Whether `period` is an acceptable lease period (the problem if not).
pub fn check_lease_period(period: Duration) -> Result<(), String> {
    if period < MIN_LEASE_PERIOD {
        return Err(format!(
            "must be at least {} (the lease is renewed every third of it)",
            humantime::format_duration(MIN_LEASE_PERIOD)
        ));
    }
    if period > MAX_LEASE_PERIOD {
        return Err(format!(
            "must be at most {} (a killed replica's sources wait that long for another host)",
            humantime::format_duration(MAX_LEASE_PERIOD)
        ));
    }
    Ok(())
}

/// One source's lease, for `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub source: String,
    pub holder: String,
    pub acquired_at: String,
    pub renewed_at: String,
    pub expires_at: String,
}

/// This process's holder id: `hostname:pid:random`.
pub fn replica_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".to_string());
        let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
        format!("{host}:{}:{suffix}", std::process::id())
    })
}

/// Whether `holder` is a process of this host that no longer exists (then its
/// lease need not run out: `kill -9` of a replica on the same machine).
fn died_here(holder: &str) -> bool {
    let mut parts = holder.rsplitn(3, ':');
    let (_, pid, host) = (parts.next(), parts.next(), parts.next());
    let (Some(pid), Some(host)) = (pid.and_then(|p| p.parse::<i32>().ok()), host) else {
        return false;
    };
    let me = replica_id();
    if !me.starts_with(&format!("{host}:")) || pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0
        || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    !alive
}

fn later(d: Duration) -> String {
    clock::format(chrono::Utc::now() + chrono::Duration::from_std(d).unwrap_or_default())
}

impl Store {
    /// Takes (or renews) the lease of `source` for `holder` until `period` from
    /// now. Returns None when held now, else the other holder.
    pub async fn acquire_lease(
        &self,
        source: &str,
        holder: &str,
        period: Duration,
    ) -> Result<Option<String>, StoreError> {
        let current = self.lease(source).await?;
        // A holder that died on this host is taken over at once.
        let dead = current
            .as_ref()
            .filter(|l| l.holder != holder && died_here(&l.holder))
            .map(|l| l.holder.clone())
            .unwrap_or_default();
        let now = clock::now_text();
        let row = self
            .writer()
            .fetch_optional(Sql::with(
                "INSERT INTO source_leases (source, holder, acquired_at, renewed_at, expires_at) \
                 VALUES (?, ?, ?, ?, ?) \
                 ON CONFLICT (source) DO UPDATE SET holder = excluded.holder, \
                 acquired_at = CASE WHEN source_leases.holder = excluded.holder \
                     THEN source_leases.acquired_at ELSE excluded.acquired_at END, \
                 renewed_at = excluded.renewed_at, expires_at = excluded.expires_at \
                 WHERE source_leases.holder = excluded.holder \
                    OR source_leases.expires_at < excluded.renewed_at \
                    OR source_leases.holder = ? \
                 RETURNING holder",
                [
                    Arg::from(source),
                    Arg::from(holder),
                    Arg::from(now.as_str()),
                    Arg::from(now.as_str()),
                    Arg::from(later(period)),
                    Arg::from(dead),
                ],
            ))
            .await?;
        if row.is_some() {
            return Ok(None);
        }
        Ok(Some(
            self.lease(source)
                .await?
                .map(|l| l.holder)
                .unwrap_or_default(),
        ))
    }

    /// Gives the lease of `source` up, if `holder` has it.
    pub async fn release_lease(&self, source: &str, holder: &str) -> Result<(), StoreError> {
        self.writer()
            .execute(Sql::with(
                "DELETE FROM source_leases WHERE source = ? AND holder = ?",
                [Arg::from(source), Arg::from(holder)],
            ))
            .await?;
        Ok(())
    }

    /// The lease of `source`, expired or not.
    pub async fn lease(&self, source: &str) -> Result<Option<Lease>, StoreError> {
        Ok(self.leases_where(Some(source)).await?.pop())
    }

    /// Every source's lease, by source.
    pub async fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        self.leases_where(None).await
    }

    async fn leases_where(&self, source: Option<&str>) -> Result<Vec<Lease>, StoreError> {
        let mut q = Sql::new(
            "SELECT source, holder, acquired_at, renewed_at, expires_at FROM source_leases",
        );
        if let Some(s) = source {
            q.push(" WHERE source = ").bind(s);
        }
        q.push(" ORDER BY source");
        let rows: Vec<(String, String, String, String, String)> = self.writer().fetch_as(q).await?;
        Ok(rows
            .into_iter()
            .map(
                |(source, holder, acquired_at, renewed_at, expires_at)| Lease {
                    source,
                    holder,
                    acquired_at,
                    renewed_at,
                    expires_at,
                },
            )
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testdb::TestDb;

    #[tokio::test]
    async fn one_holder_at_a_time_and_expired_leases_are_taken_over() {
        for db in TestDb::all().await {
            let a = Store::open(&db.url).await.unwrap();
            let b = Store::open(&db.url).await.unwrap();
            let long = Duration::from_secs(60);
            assert_eq!(a.acquire_lease("ma", "h:1:a", long).await.unwrap(), None);
            assert_eq!(
                b.acquire_lease("ma", "h:2:b", long).await.unwrap(),
                Some("h:1:a".to_string()),
                "held by the other replica"
            );
            assert_eq!(
                a.acquire_lease("ma", "h:1:a", long).await.unwrap(),
                None,
                "renewed"
            );
            assert_eq!(b.acquire_lease("mb", "h:2:b", long).await.unwrap(), None);
            // An expired lease is taken over.
            a.acquire_lease("mc", "h:1:a", Duration::ZERO)
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(5)).await;
            assert_eq!(b.acquire_lease("mc", "h:2:b", long).await.unwrap(), None);
            let held: Vec<(String, String)> = b
                .leases()
                .await
                .unwrap()
                .into_iter()
                .map(|l| (l.source, l.holder))
                .collect();
            let want = [("ma", "h:1:a"), ("mb", "h:2:b"), ("mc", "h:2:b")];
            assert_eq!(held, want.map(|(s, h)| (s.to_string(), h.to_string())));
            a.release_lease("ma", "h:2:b").await.unwrap();
            assert!(
                a.lease("ma").await.unwrap().is_some(),
                "only the holder releases"
            );
            a.release_lease("ma", "h:1:a").await.unwrap();
            assert_eq!(b.acquire_lease("ma", "h:2:b", long).await.unwrap(), None);
        }
    }

    #[tokio::test]
    async fn concurrent_takers_of_a_free_lease_get_one_winner() {
        for db in TestDb::all().await {
            // Migrated once first (SQLite's migrator takes no lock).
            Store::open(&db.url).await.unwrap().close().await;
            let stores: Vec<Store> = futures::future::join_all(
                (0..6).map(|_| async { Store::open(&db.url).await.unwrap() }),
            )
            .await;
            let tries = stores.iter().enumerate().map(|(i, s)| async move {
                s.acquire_lease("ma", &format!("h:{}:x", 1_000_000 + i), LEASE_PERIOD)
                    .await
                    .unwrap()
            });
            let won = futures::future::join_all(tries)
                .await
                .iter()
                .filter(|r| r.is_none())
                .count();
            assert_eq!(won, 1, "{:?}", db.backend);
        }
    }

    #[test]
    fn a_holder_that_died_on_this_host_is_recognised() {
        let me = replica_id();
        let host = me.split(':').next().unwrap();
        assert!(!died_here(me));
        // pid 2^22+ is above Linux's pid_max default range for live processes here.
        assert!(died_here(&format!("{host}:4194000:abcd1234")));
        assert!(!died_here("another-host:4194000:abcd1234"));
        assert!(!died_here("garbage"));
    }
}

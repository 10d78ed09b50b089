//! A mirror in a temporary SQLite file for the query module's unit tests:
//! one kind's list bodies written by the real store (`apply_page`), and the
//! rows a full write did not see marked deleted by the store's own sweep.

use serde_json::Value;

use crate::providers::{ListPage, RawResponse, ResponseError};
use crate::store::{PageContext, RunMode, Store, TableSpec};

/// How one kind's list body is made and read back.
pub(super) struct KindIo {
    pub kind: &'static str,
    pub spec: &'static TableSpec,
    /// The provider's list body holding `objects`.
    pub body: fn(&[Value]) -> Value,
    pub parse: fn(&RawResponse) -> Result<ListPage, ResponseError>,
}

pub(super) struct TestMirror {
    _dir: tempfile::TempDir,
    pub store: Store,
    io: KindIo,
    run: i64,
}

impl TestMirror {
    pub async fn new(io: KindIo) -> TestMirror {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("m.db").display());
        let store = Store::open(&url).await.unwrap();
        TestMirror {
            _dir: dir,
            store,
            io,
            run: 0,
        }
    }

    /// Writes `objects` to `source` as one page of a new full run.
    pub async fn put(&mut self, source: &str, objects: Vec<Value>) {
        self.run = self
            .store
            .start_run(source, self.io.kind, RunMode::Full)
            .await
            .unwrap();
        let page = (self.io.parse)(&RawResponse {
            status: 200,
            headers: Default::default(),
            body: (self.io.body)(&objects).to_string().into(),
        })
        .unwrap();
        let ctx = PageContext {
            source,
            spec: self.io.spec,
            run_id: self.run,
            announce_new: false,
        };
        self.store
            .apply_page(&ctx, page.records, None)
            .await
            .unwrap();
    }

    /// Marks the source's rows not in the last `put` deleted.
    pub async fn sweep(&self, source: &str) {
        self.store
            .mark_unseen_deleted(source, self.io.spec, self.run)
            .await
            .unwrap();
    }
}

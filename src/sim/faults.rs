//! Fault injection shared by every simulated kind: a FIFO queue of one-shot faults,
//! "every Nth request" rules and the persistent page-[`Shift`] mode. Kinds render the
//! faults in their own error shapes through [`FaultShapes`].

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// One injected misbehaviour, applied to one list/detail request (after authentication).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 with the provider's throttling body; `Retry-After` (seconds) when set.
    TooManyRequests {
        /// Value of the `Retry-After` header, if any.
        retry_after_secs: Option<u64>,
    },
    /// HTTP 500 with the provider's error body.
    ServerError,
    /// HTTP 502 with an HTML body (a proxy in front of the provider failed).
    BadGateway,
    /// HTTP 200 with a truncated, unparsable JSON body.
    Garbage,
    /// HTTP 200 with valid JSON of the wrong shape (e.g. the job list is a string).
    WrongShape,
    /// HTTP 200 whose body reports a failure (ModelArts: `"is_success": false`).
    ErrorOn200,
    /// Sleep this long, then answer normally (for client timeouts).
    Slow(Duration),
}

/// Persistent page-shift mode, the adversarial case for offset/page paging: before
/// answering every list request that is not for the first page (offset 0), the kind
/// deletes `delete_before` jobs that sort before the requested page (in that request's
/// own order and filter; the ones just before the page) and creates `insert` new jobs
/// matching that filter. Each application is recorded as a [`ShiftEvent`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    /// Jobs created per shifted request.
    pub insert: u32,
    /// Jobs deleted per shifted request, taken from before the requested page.
    pub delete_before: u32,
}

/// What one application of [`Shift`] did, so a test can compute the truth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShiftEvent {
    /// The kind whose world was changed.
    pub kind: &'static str,
    /// Native ids of the deleted jobs.
    pub deleted: Vec<String>,
    /// Native ids of the created jobs.
    pub created: Vec<String>,
}

#[derive(Clone, Debug)]
struct EveryNth {
    n: u64,
    fault: Fault,
    seen: u64,
}

/// The fault plan, shared by all kinds of one simulator (see [`SimHandle::faults`](super::SimHandle::faults)).
///
/// Every list or detail request that passed authentication and project routing is
/// "eligible": it takes the next queued fault if any; otherwise the first every-Nth
/// rule that falls due on it. Every rule counts every eligible request (queued faults
/// included) from the moment it was added.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    queue: VecDeque<Fault>,
    every: Vec<EveryNth>,
    shift: Option<Shift>,
    shift_log: Vec<ShiftEvent>,
    served: u64,
}

impl Faults {
    /// Queues a one-shot fault for the next eligible request (after those already queued).
    pub fn push(&mut self, fault: Fault) -> &mut Self {
        self.queue.push_back(fault);
        self
    }

    /// Queues the same one-shot fault `times` times.
    pub fn push_times(&mut self, fault: Fault, times: usize) -> &mut Self {
        self.queue.extend(std::iter::repeat_n(fault, times));
        self
    }

    /// Applies `fault` to every `n`th eligible request from now on (`n` = 0 is taken as 1).
    pub fn every(&mut self, n: u64, fault: Fault) -> &mut Self {
        self.every.push(EveryNth {
            n: n.max(1),
            fault,
            seen: 0,
        });
        self
    }

    /// Turns page-shift mode on (`Some`) or off (`None`).
    pub fn set_shift(&mut self, shift: Option<Shift>) -> &mut Self {
        self.shift = shift;
        self
    }

    /// The current page-shift mode.
    pub fn shift(&self) -> Option<Shift> {
        self.shift
    }

    /// Every shift applied so far, oldest first.
    pub fn shift_log(&self) -> &[ShiftEvent] {
        &self.shift_log
    }

    /// Returns and forgets the shift log.
    pub fn take_shift_log(&mut self) -> Vec<ShiftEvent> {
        std::mem::take(&mut self.shift_log)
    }

    /// Records one application of shift mode (called by the kinds).
    pub fn record_shift(&mut self, event: ShiftEvent) {
        self.shift_log.push(event);
    }

    /// One-shot faults still queued.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Faults served so far (queued and every-Nth; `Slow` included).
    pub fn served(&self) -> u64 {
        self.served
    }

    /// Removes queued faults, every-Nth rules and shift mode (keeps the log and counter).
    pub fn clear(&mut self) {
        self.queue.clear();
        self.every.clear();
        self.shift = None;
    }

    /// Decides the fault for one eligible request, advancing the queue and the rules.
    pub fn next_fault(&mut self) -> Option<Fault> {
        let mut due = None;
        for rule in &mut self.every {
            rule.seen += 1;
            if due.is_none() && rule.seen % rule.n == 0 {
                due = Some(rule.fault.clone());
            }
        }
        let fault = self.queue.pop_front().or(due);
        if fault.is_some() {
            self.served += 1;
        }
        fault
    }
}

/// How one kind renders the faults whose shape is provider-specific.
pub trait FaultShapes: Sync {
    /// HTTP 429 in the provider's throttling shape, with its retry hint when given.
    fn throttled(&self, retry_after_secs: Option<u64>) -> Response;
    /// HTTP 500 with the provider's error body.
    fn server_error(&self) -> Response;
    /// HTTP 200 with valid JSON of the wrong shape.
    fn wrong_shape(&self) -> Response;
    /// HTTP 200 with a body that reports failure.
    fn error_on_200(&self) -> Response;
    /// HTTP 200 with a truncated JSON body. The default cuts a generic list mid-object.
    fn garbage(&self) -> Response {
        json_text(StatusCode::OK, r#"{"total": 3, "items": [{"id": "#)
    }
    /// HTTP 502 from a proxy, with an HTML body.
    fn bad_gateway(&self) -> Response {
        let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                    <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
                    </body>\r\n</html>\r\n";
        let mut resp = (StatusCode::BAD_GATEWAY, html).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        resp
    }
}

/// A response with a JSON content type and `text` as the body, verbatim (valid or not).
pub fn json_text(status: StatusCode, text: &'static str) -> Response {
    let mut resp = (status, text).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Adds a `Retry-After: <secs>` header when `secs` is set.
pub fn with_retry_after(mut resp: Response, secs: Option<u64>) -> Response {
    if let Some(secs) = secs {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

/// Renders a non-`Slow` fault with `shapes`.
pub fn render(fault: &Fault, shapes: &dyn FaultShapes) -> Option<Response> {
    Some(match fault {
        Fault::TooManyRequests { retry_after_secs } => shapes.throttled(*retry_after_secs),
        Fault::ServerError => shapes.server_error(),
        Fault::BadGateway => shapes.bad_gateway(),
        Fault::Garbage => shapes.garbage(),
        Fault::WrongShape => shapes.wrong_shape(),
        Fault::ErrorOn200 => shapes.error_on_200(),
        Fault::Slow(_) => return None,
    })
}

/// The fault gate a kind's handler calls before answering: `Some(response)` to send
/// instead of the real answer, `None` to answer normally (after sleeping, for `Slow`).
pub async fn intercept(faults: &Mutex<Faults>, shapes: &dyn FaultShapes) -> Option<Response> {
    let fault = super::lock(faults).next_fault()?;
    if let Fault::Slow(d) = fault {
        tokio::time::sleep(d).await;
        return None;
    }
    render(&fault, shapes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_is_fifo_and_one_shot() {
        let mut f = Faults::default();
        f.push(Fault::ServerError).push(Fault::Garbage);
        assert_eq!(f.queued(), 2);
        assert_eq!(f.next_fault(), Some(Fault::ServerError));
        assert_eq!(f.next_fault(), Some(Fault::Garbage));
        assert_eq!(f.next_fault(), None);
        assert_eq!(f.served(), 2);
    }

    #[test]
    fn every_nth_counts_eligible_requests_and_queue_wins() {
        let mut f = Faults::default();
        f.every(3, Fault::BadGateway);
        let got: Vec<_> = (0..6).map(|_| f.next_fault()).collect();
        assert_eq!(
            got,
            vec![
                None,
                None,
                Some(Fault::BadGateway),
                None,
                None,
                Some(Fault::BadGateway)
            ]
        );
        f.push(Fault::ServerError);
        // 7th, 8th: queued fault first, then nothing; the 9th is due again.
        assert_eq!(f.next_fault(), Some(Fault::ServerError));
        assert_eq!(f.next_fault(), None);
        assert_eq!(f.next_fault(), Some(Fault::BadGateway));
        f.clear();
        assert_eq!(f.next_fault(), None);
    }

    #[test]
    fn every_zero_means_every_request() {
        let mut f = Faults::default();
        f.every(0, Fault::Garbage);
        assert_eq!(f.next_fault(), Some(Fault::Garbage));
        assert_eq!(f.next_fault(), Some(Fault::Garbage));
    }

    #[test]
    fn shift_mode_and_log() {
        let mut f = Faults::default();
        assert_eq!(f.shift(), None);
        f.set_shift(Some(Shift {
            insert: 1,
            delete_before: 2,
        }));
        assert_eq!(
            f.shift(),
            Some(Shift {
                insert: 1,
                delete_before: 2
            })
        );
        f.record_shift(ShiftEvent {
            kind: "k",
            deleted: vec!["1".into()],
            created: vec![],
        });
        assert_eq!(f.shift_log().len(), 1);
        assert_eq!(f.take_shift_log().len(), 1);
        assert!(f.shift_log().is_empty());
        // Shift mode is not a one-shot fault.
        assert_eq!(f.next_fault(), None);
    }
}

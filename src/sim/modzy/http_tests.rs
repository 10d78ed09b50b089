//! HTTP-level tests of the simulated Modzy API with reqwest over loopback:
//! authentication, the SDK probes, the bare array and `Link` header, details,
//! error bodies, every fault kind and the request statistics.

use super::{status, ModzySimConfig, KIND, REPORT_ERROR_URL};
use crate::sim::{start, Fault, SimConfig, SimHandle};
use reqwest::StatusCode;
use serde_json::Value;

const KEY: &str = "jU7q896uSReJcXXDOS6P.ExampleSecretPart0001";

async fn sim(jobs: usize) -> SimHandle {
    let sim = start(SimConfig {
        modzy: Some(ModzySimConfig::new(KEY)),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    {
        let mut w = sim.modzy();
        for i in 0..jobs {
            w.create(if i % 2 == 0 {
                status::COMPLETED
            } else {
                status::IN_PROGRESS
            });
        }
    }
    sim
}

async fn get_with(sim: &SimHandle, path: &str, auth: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .header("Accept", "application/json");
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    req.send().await.unwrap()
}

async fn get(sim: &SimHandle, path: &str) -> reqwest::Response {
    get_with(sim, path, Some(&format!("ApiKey {KEY}"))).await
}

async fn body(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

fn assert_modzy_error(v: &Value, code: u16, status_name: &str) {
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["statusCode", "status", "message", "reportErrorUrl"],
        "{v}"
    );
    assert_eq!(v["statusCode"], code);
    assert_eq!(v["status"], status_name);
    assert_eq!(v["reportErrorUrl"], REPORT_ERROR_URL);
}

#[tokio::test]
async fn api_key_is_checked_on_every_route() {
    let sim = sim(3).await;
    for path in [
        "/api/jobs/history",
        "/api/jobs/some-id",
        "/api/models",
        "/api/models/requirements/account",
    ] {
        for auth in [
            None,
            Some("ApiKey wrong.key"),
            Some(&*format!("Bearer {KEY}")),
        ] {
            let (st, v) = body(get_with(&sim, path, auth).await).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{path} {auth:?}");
            assert_modzy_error(&v, 401, "UNAUTHORIZED");
            assert!(v["message"].as_str().unwrap().starts_with("Unauthorized"));
        }
    }
    let (st, v) =
        body(get_with(&sim, "/api/jobs/history", Some(&format!("apikey {KEY}"))).await).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 3);
    // Rejected requests count on the route, and reach no fault.
    sim.faults().push(Fault::ServerError);
    get_with(&sim, "/api/jobs/history", None).await;
    assert_eq!(sim.faults().queued(), 1);
    assert!(sim.stats().kind_with_status(KIND, 401) >= 5);
    sim.stop().await;
}

#[tokio::test]
async fn sdk_probes_answer_json_lists() {
    let sim = sim(0).await;
    for path in ["/api/models", "/api/models/requirements/account"] {
        let (st, v) = body(get(&sim, path).await).await;
        assert_eq!(st, StatusCode::OK);
        assert!(v.as_array().is_some_and(|a| !a.is_empty()), "{path}: {v}");
    }
    // The probes are not job routes: no fault is spent on them.
    sim.faults().push(Fault::ServerError);
    assert_eq!(get(&sim, "/api/models").await.status(), StatusCode::OK);
    assert_eq!(sim.faults().queued(), 1);
    sim.stop().await;
}

#[tokio::test]
async fn history_is_a_bare_array_with_a_next_link_on_full_pages() {
    let sim = sim(25).await;
    let resp = get(
        &sim,
        "/api/jobs/history?status=all&sort-by=createdAt&direction=ASC&page=2&per-page=10",
    )
    .await;
    let link = resp
        .headers()
        .get("link")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(link.ends_with("rel=\"next\""), "{link}");
    assert!(
        link.contains("page=3")
            && link.contains("per-page=10")
            && link.contains("sort-by=createdAt"),
        "{link}"
    );
    let (st, v) = body(resp).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 10);
    let resp = get(&sim, "/api/jobs/history?page=3&per-page=10").await;
    assert!(resp.headers().get("link").is_none(), "short page: no next");
    assert_eq!(body(resp).await.1.as_array().unwrap().len(), 5);
    let (st, v) = body(get(&sim, "/api/jobs/history?per-page=1001").await).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_modzy_error(&v, 400, "BAD_REQUEST");
    // The Python SDK's urlencode turns spaces into '+'.
    let (_, v) = body(get(&sim, "/api/jobs/history?user=Sarah+Connor&per-page=1000").await).await;
    let n = v.as_array().unwrap().len();
    assert!(
        n > 0
            && v.as_array()
                .unwrap()
                .iter()
                .all(|j| j["submittedBy"] == "Sarah Connor")
    );
    sim.stop().await;
}

#[tokio::test]
async fn details_and_not_found() {
    let sim = sim(2).await;
    let id = sim.modzy().jobs().next().unwrap().job_identifier.clone();
    let (st, v) = body(get(&sim, &format!("/api/jobs/{id}")).await).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["jobIdentifier"], id.as_str());
    assert!(v.get("team").is_some() && v.get("imageClassificationModel").is_some());
    let (st, v) = body(get(&sim, "/api/jobs/00000000-0000-4000-8000-000000000000").await).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_modzy_error(&v, 404, "NOT_FOUND");
    let stats = sim.stats();
    assert_eq!(stats.detail_requests(KIND), 2);
    assert_eq!(stats.list_requests(KIND), 0);
    sim.stop().await;
}

#[tokio::test]
async fn faults_in_modzy_shapes() {
    let sim = sim(3).await;
    let path = "/api/jobs/history";
    sim.faults()
        .push(Fault::TooManyRequests {
            retry_after_secs: None,
        })
        .push(Fault::TooManyRequests {
            retry_after_secs: Some(3),
        })
        .push(Fault::ServerError)
        .push(Fault::Garbage)
        .push(Fault::WrongShape)
        .push(Fault::ErrorOn200)
        .push(Fault::BadGateway);
    let r = get(&sim, path).await;
    assert!(
        r.headers().get("retry-after").is_none(),
        "no Retry-After unless set"
    );
    let (st, v) = body(r).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    assert_modzy_error(&v, 429, "TOO_MANY_REQUESTS");
    let r = get(&sim, path).await;
    assert_eq!(r.headers().get("retry-after").unwrap(), "3");
    let (st, v) = body(get(&sim, path).await).await;
    assert_eq!(st, StatusCode::INTERNAL_SERVER_ERROR);
    assert_modzy_error(&v, 500, "INTERNAL_SERVER_ERROR");
    let r = get(&sim, path).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());
    let (st, v) = body(get(&sim, path).await).await;
    assert_eq!(st, StatusCode::OK);
    assert!(v.is_object(), "wrong shape: an object, not the bare array");
    let (st, v) = body(get(&sim, path).await).await;
    assert_eq!(st, StatusCode::OK);
    assert_modzy_error(&v, 500, "INTERNAL_SERVER_ERROR");
    let r = get(&sim, path).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    let (st, v) = body(get(&sim, path).await).await;
    assert_eq!((st, v.as_array().unwrap().len()), (StatusCode::OK, 3));
    assert_eq!(sim.stats().kind_with_status(KIND, 429), 2);
    sim.stop().await;
}

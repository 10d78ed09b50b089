//! HTTP-level tests of the simulated ModelArts v1 API, with reqwest over loopback:
//! authentication, gateway errors, every fault kind, shift mode and request statistics.

use super::status;
use super::{ModelArtsSimConfig, KIND};
use crate::signing::huawei;
use crate::sim::{start, Fault, Shift, SimConfig, SimHandle};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PID: &str = "0123456789abcdef0123456789abcdef";
const AK: &str = "HPUAEXAMPLEAK0000001";
const SK: &str = "hwExampleSecretKey0000000000000000000001";
const TOKEN: &str = "MIIZ-example-iam-token";

async fn sim() -> SimHandle {
    start(SimConfig {
        modelarts: Some(ModelArtsSimConfig::new(PID, AK, SK).with_token(TOKEN)),
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn list_path() -> String {
    format!("/v1/{PID}/training-jobs")
}

/// GET `path_and_query` with the IAM token.
async fn get(sim: &SimHandle, path_and_query: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path_and_query}", sim.base_url()))
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .unwrap()
}

async fn body(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

/// GET signed with `SDK-HMAC-SHA256` the way the SDK does (Content-Type, Host,
/// X-Project-Id and X-Sdk-Date signed; canonical query = wire query).
async fn get_signed(
    sim: &SimHandle,
    ak: &str,
    sk: &str,
    path: &str,
    params: &[(&str, &str)],
    date: DateTime<Utc>,
) -> reqwest::Response {
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let headers: Vec<(String, String)> = vec![
        ("Content-Type".into(), "application/json".into()),
        ("Host".into(), sim.addr().to_string()),
        ("X-Project-Id".into(), PID.into()),
        ("X-Sdk-Date".into(), huawei::sdk_date(date)),
    ];
    let sig = huawei::sign(ak, sk, "GET", path, &params, &headers, b"");
    let url = format!("{}{}", sim.base_url(), huawei::request_uri(path, &params));
    let mut req = reqwest::Client::new()
        .get(url)
        .header("Authorization", sig.authorization);
    // Host is added by reqwest from the URL, with the same value.
    for (k, v) in headers.iter().filter(|(k, _)| k != "Host") {
        req = req.header(k, v);
    }
    req.send().await.unwrap()
}

fn job_ids(body: &Value) -> Vec<i64> {
    body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn token_auth_and_gateway_errors() {
    let sim = sim().await;
    let id = sim.modelarts().create("job", "", status::RUNNING);
    let client = reqwest::Client::new();
    let url = format!("{}{}", sim.base_url(), list_path());

    let (st, b) = body(client.get(&url).send().await.unwrap()).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(b["error_code"], "APIGW.0301");
    assert!(b["error_msg"]
        .as_str()
        .unwrap()
        .starts_with("Incorrect IAM authentication information: "));
    assert_eq!(b.as_object().unwrap().len(), 2);

    let resp = client
        .get(&url)
        .header("X-Auth-Token", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let resp = get(&sim, &list_path()).await;
    assert!(resp.headers().contains_key("x-request-id"));
    let (st, b) = body(resp).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(job_ids(&b), [id]);

    let not_published = json!({
        "error_code": "APIGW.0101",
        "error_msg": "The API does not exist or has not been published in the environment"
    });
    for path in [
        "/v1/otherproject/training-jobs".to_string(),
        "/v1/otherproject/training-jobs/1/versions/1".to_string(),
        "/v2/whatever".to_string(),
        format!("{}/", list_path()),
    ] {
        let (st, b) = body(get(&sim, &path).await).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(b, not_published, "{path}");
    }
    let resp = client
        .post(&url)
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(body(resp).await, (StatusCode::NOT_FOUND, not_published));
    sim.stop().await;
}

#[tokio::test]
async fn token_is_rejected_when_not_configured() {
    let sim = start(SimConfig {
        modelarts: Some(ModelArtsSimConfig::new(PID, AK, SK)),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    assert_eq!(
        get(&sim, &list_path()).await.status(),
        StatusCode::UNAUTHORIZED
    );
    sim.stop().await;
}

#[tokio::test]
async fn signed_requests_are_verified() {
    let sim = sim().await;
    let id = sim
        .modelarts()
        .create("résumé job/v1 *test~ X", "", status::RUNNING);
    sim.modelarts().create("other", "", status::RUNNING);
    let path = list_path();
    let params = [
        ("status", "8"),
        ("per_page", "100"),
        ("sortBy", "create_time"),
        ("order", "desc"),
        ("search_content", "résumé job/v1 *test~"),
        ("workspace_id", "0"),
    ];
    let now = Utc::now();

    let (st, b) = body(get_signed(&sim, AK, SK, &path, &params, now).await).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(job_ids(&b), [id]);

    let detail = format!(
        "{path}/{id}/versions/{}",
        sim.modelarts().get(id).unwrap().version_id
    );
    let (st, b) = body(get_signed(&sim, AK, SK, &detail, &[], now).await).await;
    assert_eq!((st, &b["job_id"]), (StatusCode::OK, &json!(id)));

    let rejected = [
        (
            "wrong secret",
            get_signed(&sim, AK, "not-the-secret", &path, &params, now).await,
        ),
        (
            "unknown AK",
            get_signed(&sim, "OTHERAK", SK, &path, &params, now).await,
        ),
        (
            "20 minutes old",
            get_signed(&sim, AK, SK, &path, &params, now - Duration::minutes(20)).await,
        ),
    ];
    for (what, resp) in rejected {
        let (st, b) = body(resp).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(b["error_code"], "APIGW.0301", "{what}");
    }
    // 14 minutes of skew is tolerated.
    let resp = get_signed(&sim, AK, SK, &path, &params, now - Duration::minutes(14)).await;
    assert_eq!(resp.status(), StatusCode::OK);

    // A query changed after signing is rejected.
    let sig_params = vec![("per_page".to_string(), "10".to_string())];
    let headers = vec![
        ("Host".to_string(), sim.addr().to_string()),
        ("X-Sdk-Date".to_string(), huawei::sdk_date(now)),
    ];
    let sig = huawei::sign(AK, SK, "GET", &path, &sig_params, &headers, b"");
    let resp = reqwest::Client::new()
        .get(format!("{}{path}?per_page=11", sim.base_url()))
        .header("X-Sdk-Date", huawei::sdk_date(now))
        .header("Authorization", &sig.authorization)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = reqwest::Client::new()
        .get(format!("{}{path}?per_page=10", sim.base_url()))
        .header("X-Sdk-Date", huawei::sdk_date(now))
        .header("Authorization", &sig.authorization)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    sim.stop().await;
}

#[tokio::test]
async fn bad_parameters_and_detail_errors_over_http() {
    let sim = sim().await;
    let (st, b) = body(get(&sim, &format!("{}?per_page=0&page=1", list_path())).await).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(b["is_success"], false);
    assert_eq!(b["error_code"], "ModelArts.0105");
    assert!(b["error_message"].as_str().unwrap().contains("per_page"));

    let (st, b) = body(get(&sim, &format!("{}?status=RUNNING", list_path())).await).await;
    assert_eq!(
        (st, &b["error_code"]),
        (StatusCode::BAD_REQUEST, &json!("ModelArts.0105"))
    );

    // Percent-encoded values are decoded before validation ('+' is a space).
    let id = sim.modelarts().create("my job", "", status::INIT);
    let (st, b) = body(get(&sim, &format!("{}?search_content=Y%20J", list_path())).await).await;
    assert_eq!((st, job_ids(&b)), (StatusCode::OK, vec![id]));
    let (_, b) = body(get(&sim, &format!("{}?search_content=y+j", list_path())).await).await;
    assert_eq!(job_ids(&b), [id]);

    let (st, b) = body(get(&sim, &format!("{}/999/versions/1", list_path())).await).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(b["error_code"], "ModelArts.0107");
    assert_eq!(b["is_success"], false);
    sim.stop().await;
}

#[tokio::test]
async fn every_fault_kind_renders_as_documented() {
    let sim = sim().await;
    sim.modelarts().create("job", "", status::RUNNING);
    let path = list_path();

    sim.faults()
        .push(Fault::TooManyRequests {
            retry_after_secs: Some(7),
        })
        .push(Fault::TooManyRequests {
            retry_after_secs: None,
        });
    let resp = get(&sim, &path).await;
    assert_eq!(resp.headers()["retry-after"], "7");
    assert_eq!(
        body(resp).await,
        (
            StatusCode::TOO_MANY_REQUESTS,
            json!({"error_code": "APIGW.0308", "error_msg": "The request is throttled"})
        )
    );
    let resp = get(&sim, &path).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!resp.headers().contains_key("retry-after"));

    sim.faults().push(Fault::ServerError);
    let (st, b) = body(get(&sim, &path).await).await;
    assert_eq!(st, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(b["is_success"], false);
    assert!(b["error_code"].as_str().unwrap().starts_with("ModelArts."));

    sim.faults().push(Fault::BadGateway);
    let resp = get(&sim, &path).await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(resp.text().await.unwrap().contains("<html>"));

    sim.faults().push(Fault::Garbage);
    let resp = get(&sim, &path).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(serde_json::from_str::<Value>(&resp.text().await.unwrap()).is_err());

    sim.faults().push(Fault::WrongShape);
    let (st, b) = body(get(&sim, &path).await).await;
    assert_eq!(st, StatusCode::OK);
    assert!(b["jobs"].is_string());

    sim.faults().push(Fault::ErrorOn200);
    let (st, b) = body(get(&sim, &path).await).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        b,
        json!({"is_success": false, "error_code": "ModelArts.0001", "error_message": "internal error"})
    );

    sim.faults()
        .push(Fault::Slow(std::time::Duration::from_millis(400)));
    let slow = reqwest::Client::new()
        .get(format!("{}{path}", sim.base_url()))
        .header("X-Auth-Token", TOKEN)
        .timeout(std::time::Duration::from_millis(100))
        .send()
        .await;
    assert!(slow.unwrap_err().is_timeout());
    // Slow then answers normally: queue it and wait it out.
    sim.faults()
        .push(Fault::Slow(std::time::Duration::from_millis(50)));
    let (st, b) = body(get(&sim, &path).await).await;
    assert_eq!(
        (st, b["job_total_count"].as_i64()),
        (StatusCode::OK, Some(1))
    );

    // Faults also hit detail routes, in the detail's own shape.
    let id = sim.modelarts().jobs().next().unwrap().job_id;
    let version = sim.modelarts().get(id).unwrap().version_id;
    sim.faults().push(Fault::WrongShape);
    let (st, b) = body(get(&sim, &format!("{path}/{id}/versions/{version}")).await).await;
    assert_eq!(st, StatusCode::OK);
    assert!(b["job_id"].is_string());
    assert_eq!(sim.faults().queued(), 0);
    sim.stop().await;
}

#[tokio::test]
async fn rejected_requests_do_not_consume_faults_and_every_nth_applies() {
    let sim = sim().await;
    sim.faults().push(Fault::ServerError);
    let resp = reqwest::get(format!("{}{}", sim.base_url(), list_path()))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(&sim, "/v1/nope/training-jobs").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(sim.faults().queued(), 1);
    assert_eq!(
        get(&sim, &list_path()).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );

    sim.faults().every(3, Fault::BadGateway);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(get(&sim, &list_path()).await.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 502, 200, 200, 502]);
    assert_eq!(sim.faults().served(), 3);
    sim.stop().await;
}

/// Shift mode against a client paging by create_time: the deletions just before each
/// later page make it skip one job per page; the log names exactly what changed.
#[tokio::test]
async fn shift_mode_makes_offset_paging_miss_jobs() {
    let sim = sim().await;
    for i in 1..=25 {
        sim.modelarts()
            .create(format!("job-{i}"), "", status::COMPLETED);
    }
    sim.faults().set_shift(Some(Shift {
        insert: 1,
        delete_before: 1,
    }));
    let mut seen = Vec::new();
    for page in 1..=3 {
        let q = format!("{}?sortBy=create_time&per_page=10&page={page}", list_path());
        let (st, b) = body(get(&sim, &q).await).await;
        assert_eq!(st, StatusCode::OK);
        seen.extend(job_ids(&b));
    }
    let expected: Vec<i64> = (1..=10).chain(12..=21).chain(23..=27).collect();
    assert_eq!(seen, expected);
    let log = sim.faults().take_shift_log();
    assert_eq!(log.len(), 2, "page 1 is never shifted");
    assert!(log.iter().all(|e| e.kind == KIND));
    assert_eq!(log[0].deleted, ["10"]);
    assert_eq!(log[0].created, ["26"]);
    assert_eq!(log[1].deleted, ["21"]);
    assert_eq!(log[1].created, ["27"]);
    let live: Vec<i64> = sim.modelarts().jobs().map(|j| j.job_id).collect();
    let missed: Vec<i64> = live
        .iter()
        .copied()
        .filter(|id| !seen.contains(id))
        .collect();
    assert_eq!(missed, [11, 22]);
    sim.stop().await;
}

#[tokio::test]
async fn stats_count_requests_by_route_and_status() {
    let sim = sim().await;
    let id = sim.modelarts().create("job", "", status::RUNNING);
    let version = sim.modelarts().get(id).unwrap().version_id;
    get(&sim, &list_path()).await;
    let before = sim.stats();
    assert_eq!(before.list_requests(KIND), 1);

    get(&sim, &format!("{}?status=8", list_path())).await;
    get(&sim, &format!("{}?per_page=0", list_path())).await;
    get(&sim, &format!("{}/{id}/versions/{version}", list_path())).await;
    reqwest::get(format!("{}{}", sim.base_url(), list_path()))
        .await
        .unwrap();
    get(&sim, "/nowhere").await;

    let cost = sim.stats().since(&before);
    assert_eq!(cost.total, 5);
    assert_eq!(cost.list_requests(KIND), 3);
    assert_eq!(cost.detail_requests(KIND), 1);
    assert_eq!(cost.kind_requests(KIND), 4);
    assert_eq!(cost.with_status(200), 2);
    assert_eq!(cost.with_status(400), 1);
    assert_eq!(cost.with_status(401), 1);
    assert_eq!(cost.with_status(404), 1);
    assert_eq!(cost.kind_with_status(KIND, 401), 1);
    assert_eq!(cost.kind_with_status(KIND, 404), 0);
    assert_eq!(sim.stats().total, 6);
    sim.reset_stats();
    assert_eq!(sim.stats().total, 0);
    sim.stop().await;
}

#[tokio::test]
async fn stop_closes_the_listener() {
    let sim = sim().await;
    let url = format!("{}{}", sim.base_url(), list_path());
    sim.stop().await;
    assert!(reqwest::get(url).await.is_err());
}

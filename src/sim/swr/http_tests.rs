//! HTTP-level tests of the simulated SWR API over loopback: AK/SK and token
//! authentication, gateway and parameter errors, faults, shift mode and stats.

use super::world::status;
use super::{SwrSimConfig, KIND};
use crate::signing::huawei;
use crate::sim::{start, Fault, Shift, SimConfig, SimHandle};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::Value;

const PID: &str = "0123456789abcdef0123456789abcdef";
const AK: &str = "HPUAEXAMPLEAK0000002";
const SK: &str = "hwExampleSecretKey0000000000000000000002";
const TOKEN: &str = "MIIZ-example-swr-token";

async fn sim() -> SimHandle {
    start(SimConfig {
        swr: Some(SwrSimConfig::new(PID, AK, SK).with_token(TOKEN)),
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn path() -> String {
    format!("/v2/{PID}/jobs")
}

async fn get(sim: &SimHandle, path_and_query: &str) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .get(format!("{}{path_and_query}", sim.base_url()))
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .unwrap();
    let st = resp.status();
    (st, resp.json().await.unwrap())
}

async fn get_signed(
    sim: &SimHandle,
    sk: &str,
    params: &[(&str, &str)],
    date: DateTime<Utc>,
) -> (StatusCode, Value) {
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
    let sig = huawei::sign(AK, sk, "GET", &path(), &params, &headers, b"");
    let url = format!(
        "{}{}",
        sim.base_url(),
        huawei::request_uri(&path(), &params)
    );
    let mut req = reqwest::Client::new()
        .get(url)
        .header("Authorization", sig.authorization);
    for (k, v) in headers.iter().filter(|(k, _)| k != "Host") {
        req = req.header(k, v);
    }
    let resp = req.send().await.unwrap();
    let st = resp.status();
    (st, resp.json().await.unwrap())
}

fn ids(body: &Value) -> Vec<String> {
    body["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn authentication_and_gateway_errors() {
    let sim = sim().await;
    let id = sim
        .swr()
        .create("CreateInstance", "test-public", status::RUNNING);
    let now = Utc::now();
    let params = [("status", "Running"), ("offset", "0"), ("limit", "100")];
    let (st, b) = get_signed(&sim, SK, &params, now).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(ids(&b), std::slice::from_ref(&id));
    let (st, b) = get(&sim, &path()).await;
    assert_eq!((st, ids(&b)), (StatusCode::OK, vec![id]));
    for (what, (st, b)) in [
        ("wrong secret", get_signed(&sim, "nope", &params, now).await),
        (
            "old date",
            get_signed(&sim, SK, &params, now - Duration::minutes(20)).await,
        ),
    ] {
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(b["error_code"], "APIGW.0301", "{what}");
    }
    let resp = reqwest::Client::new()
        .get(format!("{}{}", sim.base_url(), path()))
        .header("X-Auth-Token", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let (st, b) = get(&sim, "/v2/otherproject/jobs").await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (StatusCode::NOT_FOUND, Some("APIGW.0101"))
    );
    let (st, b) = get(&sim, &format!("{}?limit=0&offset=0", path())).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(b["error_code"], "SVCSTG.SWR.4000014");
    sim.stop().await;
}

#[tokio::test]
async fn faults_shift_and_stats() {
    let sim = sim().await;
    for i in 0..30 {
        sim.swr()
            .create("CreateNamespace", format!("ns-{i}"), status::SUCCESS);
    }
    let before = sim.stats();
    sim.faults()
        .push(Fault::TooManyRequests {
            retry_after_secs: Some(3),
        })
        .push(Fault::ServerError)
        .push(Fault::ErrorOn200)
        .push(Fault::WrongShape);
    let resp = reqwest::Client::new()
        .get(format!("{}{}", sim.base_url(), path()))
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "3");
    let (st, b) = get(&sim, &path()).await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("SVCSTG.SWR.5000008")
        )
    );
    let (st, b) = get(&sim, &path()).await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (StatusCode::OK, Some("SVCSTG.SWR.5000008"))
    );
    let (st, b) = get(&sim, &path()).await;
    assert_eq!(
        (st, &b["jobs"]),
        (StatusCode::OK, &Value::from("job-1,job-2,job-3"))
    );

    sim.faults().set_shift(Some(Shift {
        insert: 1,
        delete_before: 2,
    }));
    let (_, first) = get(&sim, &format!("{}?offset=0&limit=10", path())).await;
    assert_eq!(first["total"], 30, "no shift on the first page");
    let (_, second) = get(&sim, &format!("{}?offset=10&limit=10", path())).await;
    assert_eq!(second["total"], 29);
    let log = sim.faults().take_shift_log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].kind, KIND);
    assert_eq!(log[0].deleted, ids(&first)[8..10].to_vec());
    let cost = sim.stats().since(&before);
    assert_eq!(cost.list_requests(KIND), 6);
    assert_eq!(cost.kind_with_status(KIND, 200), 4);
    sim.stop().await;
}

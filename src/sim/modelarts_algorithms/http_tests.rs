//! HTTP-level tests of the simulated algorithm API: authentication, gateway
//! errors, the detail route, faults and statistics.

use super::{AlgorithmsSimConfig, KIND};
use crate::signing::huawei;
use crate::sim::{start, Fault, SimConfig, SimHandle};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::Value;

const PID: &str = "0123456789abcdef0123456789abcdef";
const AK: &str = "HPUAEXAMPLEAK0000003";
const SK: &str = "hwExampleSecretKey0000000000000000000003";
const TOKEN: &str = "MIIZ-example-algorithms-token";

async fn sim() -> SimHandle {
    start(SimConfig {
        algorithms: Some(AlgorithmsSimConfig::new(PID, AK, SK).with_token(TOKEN)),
        ..SimConfig::default()
    })
    .await
    .unwrap()
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
    path: &str,
    params: &[(&str, &str)],
) -> (StatusCode, Value) {
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let headers: Vec<(String, String)> = vec![
        ("Content-Type".into(), "application/json".into()),
        ("Host".into(), sim.addr().to_string()),
        ("X-Project-Id".into(), PID.into()),
        ("X-Sdk-Date".into(), huawei::sdk_date(Utc::now())),
    ];
    let sig = huawei::sign(AK, sk, "GET", path, &params, &headers, b"");
    let url = format!("{}{}", sim.base_url(), huawei::request_uri(path, &params));
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

#[tokio::test]
async fn routes_auth_and_errors() {
    let sim = sim().await;
    let id = sim.algorithms().create("TestModelArtsalgorithm");
    let list_path = format!("/v2/{PID}/algorithms");
    let (st, b) = get_signed(
        &sim,
        SK,
        &list_path,
        &[("limit", "1"), ("searches", "name:TestModelArts")],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["items"][0]["metadata"]["id"], id.as_str());
    let (st, b) = get_signed(&sim, "wrong", &list_path, &[]).await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("APIGW.0301"))
    );
    let detail = format!("{list_path}/{id}");
    let (st, b) = get_signed(&sim, SK, &detail, &[]).await;
    assert_eq!(
        (st, b["metadata"]["name"].as_str()),
        (StatusCode::OK, Some("TestModelArtsalgorithm"))
    );
    let (st, b) = get(&sim, &format!("{list_path}/unknown")).await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (StatusCode::NOT_FOUND, Some("ModelArts.0107"))
    );
    let (st, b) = get(&sim, "/v2/other/algorithms").await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (StatusCode::NOT_FOUND, Some("APIGW.0101"))
    );
    let (st, b) = get(&sim, &format!("{list_path}?limit=51")).await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ModelArts.0104"))
    );

    let before = sim.stats();
    sim.faults()
        .push(Fault::TooManyRequests {
            retry_after_secs: Some(2),
        })
        .push(Fault::ServerError)
        .push(Fault::ErrorOn200);
    let resp = reqwest::Client::new()
        .get(format!("{}{list_path}", sim.base_url()))
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "2");
    let (st, b) = get(&sim, &detail).await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("ModelArts.0001"))
    );
    let (st, b) = get(&sim, &list_path).await;
    assert_eq!(
        (st, b["error_code"].as_str()),
        (StatusCode::OK, Some("ModelArts.0001"))
    );
    let cost = sim.stats().since(&before);
    assert_eq!(cost.list_requests(KIND), 2);
    assert_eq!(cost.detail_requests(KIND), 1);
    sim.stop().await;
}

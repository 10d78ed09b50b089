//! HTTP-level tests of the simulated PAI-DLC API, with reqwest over loopback:
//! ACS3 and ROA v2 authentication, STS tokens, gateway errors, faults, shift mode.

use super::{PaiDlcSimConfig, KIND};
use crate::signing::alibaba;
use crate::sim::{start, Fault, Shift, SimConfig, SimHandle};
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::Value;

const AK: &str = "LTAI5tExampleAccessKey01";
const SK: &str = "ExampleSecretKey0000000000001";
const STS_AK: &str = "STS.NUexampleStsAccessKey";
const STS_SK: &str = "ExampleStsSecret000000000001";
const STS_TOKEN: &str = "CAIS+example+sts+token==";

async fn sim() -> SimHandle {
    start(SimConfig {
        pai_dlc: Some(PaiDlcSimConfig::new(AK, SK).with_sts(STS_AK, STS_SK, STS_TOKEN)),
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

struct Signed<'a> {
    ak: &'a str,
    sk: &'a str,
    token: Option<&'a str>,
    date: DateTime<Utc>,
    nonce: String,
    action: &'a str,
    version: &'a str,
}

impl Default for Signed<'_> {
    fn default() -> Self {
        Signed {
            ak: AK,
            sk: SK,
            token: None,
            date: Utc::now(),
            nonce: uuid::Uuid::new_v4().simple().to_string(),
            action: "ListJobs",
            version: "2020-12-03",
        }
    }
}

/// GET /api/v1/jobs signed with ACS3 as the SDK does (every sent header signed).
async fn get_acs3(sim: &SimHandle, params: &[(&str, &str)], s: Signed<'_>) -> reqwest::Response {
    let params = pairs(params);
    let mut headers = alibaba::client_headers(
        &sim.addr().to_string(),
        s.action,
        s.version,
        s.date,
        &s.nonce,
        s.token,
        s.ak,
    );
    headers.push(("user-agent".into(), "AlibabaCloud (test) Tea-SDK".into()));
    let sig = alibaba::sign_acs3(s.ak, s.sk, "GET", "/api/v1/jobs", &params, &headers, b"");
    let url = format!(
        "{}/api/v1/jobs?{}",
        sim.base_url(),
        alibaba::wire_query(&params)
    );
    let mut req = reqwest::Client::new()
        .get(url)
        .header("Authorization", sig.authorization);
    for (k, v) in headers.iter().filter(|(k, _)| k != "host") {
        req = req.header(k, v);
    }
    req.send().await.unwrap()
}

async fn body(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

fn ids(body: &Value) -> Vec<String> {
    body["Jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["JobId"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn acs3_signed_requests_are_answered() {
    let sim = sim().await;
    let id = sim.pai_dlc().create("tf-mnist test", "Running");
    // A space in a value: canonical %20, sent as %20 (our client) or + (Python SDK).
    let (st, b) = body(
        get_acs3(
            &sim,
            &[
                ("DisplayName", "mnist test"),
                ("StartTime", "2015-01-01T00:00:00Z"),
            ],
            Signed::default(),
        )
        .await,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(ids(&b), vec![id.clone()]);
    assert_eq!(b["TotalCount"], 1);
    // STS: the STS AccessKey with its token.
    let (st, b) = body(
        get_acs3(
            &sim,
            &[],
            Signed {
                ak: STS_AK,
                sk: STS_SK,
                token: Some(STS_TOKEN),
                ..Signed::default()
            },
        )
        .await,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(ids(&b), [id]);
    assert_eq!(sim.stats().list_requests(KIND), 2);
}

#[tokio::test]
async fn legacy_roa_v2_signatures_are_accepted() {
    let sim = sim().await;
    sim.pai_dlc().create("a", "Running");
    let params = pairs(&[("PageSize", "10"), ("StartTime", "2015-01-01T00:00:00Z")]);
    let headers = pairs(&[
        ("accept", "application/json"),
        (
            "date",
            &Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        ),
        ("x-acs-signature-method", "HMAC-SHA1"),
        ("x-acs-signature-version", "1.0"),
        ("x-acs-signature-nonce", "roa-nonce-1"),
        ("x-acs-version", "2020-12-03"),
    ]);
    let sig = alibaba::sign_roa_v2(AK, SK, "GET", "/api/v1/jobs", &params, &headers);
    let mut req = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/jobs?PageSize=10&StartTime=2015-01-01T00%3A00%3A00Z",
            sim.base_url()
        ))
        .header("authorization", sig.authorization);
    for (k, v) in &headers {
        req = req.header(k, v);
    }
    let (st, b) = body(req.send().await.unwrap()).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(ids(&b).len(), 1);
}

#[tokio::test]
async fn authentication_failures_get_alibaba_error_bodies() {
    let sim = sim().await;
    let check = |st: StatusCode, b: &Value, want_st: StatusCode, code: &str| {
        assert_eq!(st, want_st, "{b}");
        assert_eq!(b["Code"], code, "{b}");
        for key in ["RequestId", "HostId", "Message", "Recommend"] {
            assert!(b[key].is_string(), "{key}: {b}");
        }
    };
    let (st, b) = body(
        reqwest::get(format!("{}/api/v1/jobs", sim.base_url()))
            .await
            .unwrap(),
    )
    .await;
    check(st, &b, StatusCode::BAD_REQUEST, "MissingAuthorization");
    let cases: Vec<(Signed, StatusCode, &str)> = vec![
        (
            Signed {
                sk: "wrong-secret",
                ..Signed::default()
            },
            StatusCode::BAD_REQUEST,
            "SignatureDoesNotMatch",
        ),
        (
            Signed {
                ak: "LTAIunknown",
                ..Signed::default()
            },
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
        ),
        (
            Signed {
                date: Utc::now() - Duration::minutes(20),
                ..Signed::default()
            },
            StatusCode::BAD_REQUEST,
            "InvalidTimeStamp.Expired",
        ),
        (
            Signed {
                version: "2022-01-01",
                ..Signed::default()
            },
            StatusCode::BAD_REQUEST,
            "InvalidVersion",
        ),
        (
            Signed {
                action: "GetJob",
                ..Signed::default()
            },
            StatusCode::NOT_FOUND,
            "InvalidAction.NotFound",
        ),
        (
            Signed {
                ak: STS_AK,
                sk: STS_SK,
                ..Signed::default()
            },
            StatusCode::BAD_REQUEST,
            "MissingSecurityToken",
        ),
        (
            Signed {
                ak: STS_AK,
                sk: STS_SK,
                token: Some("forged"),
                ..Signed::default()
            },
            StatusCode::BAD_REQUEST,
            "InvalidSecurityToken.Mismatch",
        ),
        (
            Signed {
                token: Some(STS_TOKEN),
                ..Signed::default()
            },
            StatusCode::BAD_REQUEST,
            "InvalidSecurityToken.MismatchWithAccessKey",
        ),
    ];
    for (signed, want_st, code) in cases {
        let (st, b) = body(get_acs3(&sim, &[], signed).await).await;
        check(st, &b, want_st, code);
    }
    // A replayed nonce.
    let once = || Signed {
        nonce: "same-nonce".into(),
        ..Signed::default()
    };
    assert_eq!(get_acs3(&sim, &[], once()).await.status(), StatusCode::OK);
    let (st, b) = body(get_acs3(&sim, &[], once()).await).await;
    check(st, &b, StatusCode::BAD_REQUEST, "SignatureNonceUsed");
    // A tampered query no longer matches its signature.
    let params = pairs(&[("PageSize", "10")]);
    let headers = alibaba::client_headers(
        &sim.addr().to_string(),
        "ListJobs",
        "2020-12-03",
        Utc::now(),
        "n-tamper",
        None,
        AK,
    );
    let sig = alibaba::sign_acs3(AK, SK, "GET", "/api/v1/jobs", &params, &headers, b"");
    let mut req = reqwest::Client::new()
        .get(format!("{}/api/v1/jobs?PageSize=100", sim.base_url()))
        .header("Authorization", sig.authorization);
    for (k, v) in headers.iter().filter(|(k, _)| k != "host") {
        req = req.header(k, v);
    }
    let (st, b) = body(req.send().await.unwrap()).await;
    check(st, &b, StatusCode::BAD_REQUEST, "SignatureDoesNotMatch");
    // Rejected requests never reach the list (no fault consumed).
    sim.faults().push(Fault::ServerError);
    let _ = get_acs3(
        &sim,
        &[],
        Signed {
            sk: "wrong",
            ..Signed::default()
        },
    )
    .await;
    assert_eq!(sim.faults().queued(), 1);
}

#[tokio::test]
async fn bad_parameters_and_faults_in_alibaba_shapes() {
    let sim = sim().await;
    sim.pai_dlc().create("a", "Running");
    let (st, b) = body(get_acs3(&sim, &[("PageSize", "500")], Signed::default()).await).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(b["Code"], "InvalidParameter");
    assert!(b["Message"].as_str().unwrap().contains("PageSize"));

    sim.faults()
        .push(Fault::TooManyRequests {
            retry_after_secs: Some(2),
        })
        .push(Fault::TooManyRequests {
            retry_after_secs: None,
        })
        .push(Fault::ServerError)
        .push(Fault::ErrorOn200)
        .push(Fault::WrongShape)
        .push(Fault::Garbage)
        .push(Fault::BadGateway);
    let resp = get_acs3(&sim, &[], Signed::default()).await;
    assert_eq!(resp.headers()["x-acs-retry-after"], "2000");
    let (st, b) = body(resp).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(b["Code"], "Throttling.User");
    let resp = get_acs3(&sim, &[], Signed::default()).await;
    assert!(!resp.headers().contains_key("x-acs-retry-after"));
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let (st, b) = body(get_acs3(&sim, &[], Signed::default()).await).await;
    assert_eq!(
        (st, b["Code"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("InternalError"))
    );
    let (st, b) = body(get_acs3(&sim, &[], Signed::default()).await).await;
    assert_eq!(st, StatusCode::OK);
    assert!(b.get("Jobs").is_none() && b["Code"].is_string());
    let (_, b) = body(get_acs3(&sim, &[], Signed::default()).await).await;
    assert!(b["Jobs"].is_string());
    let resp = get_acs3(&sim, &[], Signed::default()).await;
    assert!(serde_json::from_slice::<Value>(&resp.bytes().await.unwrap()).is_err());
    assert_eq!(
        get_acs3(&sim, &[], Signed::default()).await.status(),
        StatusCode::BAD_GATEWAY
    );
    assert_eq!(
        get_acs3(&sim, &[], Signed::default()).await.status(),
        StatusCode::OK
    );
    let stats = sim.stats();
    assert_eq!(stats.kind_with_status(KIND, 429), 2);
    assert_eq!(stats.list_requests(KIND), 9);
}

#[tokio::test]
async fn shift_mode_applies_to_pages_after_the_first() {
    let sim = sim().await;
    for i in 0..20 {
        sim.pai_dlc().create(format!("j{i}"), "Succeeded");
    }
    sim.faults().set_shift(Some(Shift {
        insert: 1,
        delete_before: 1,
    }));
    let params = [("StartTime", "2015-01-01T00:00:00Z"), ("PageSize", "5")];
    assert_eq!(
        get_acs3(&sim, &params, Signed::default()).await.status(),
        StatusCode::OK
    );
    assert!(sim.faults().shift_log().is_empty());
    let mut p2 = params.to_vec();
    p2.push(("PageNumber", "2"));
    assert_eq!(
        get_acs3(&sim, &p2, Signed::default()).await.status(),
        StatusCode::OK
    );
    let log = sim.faults().take_shift_log();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].deleted.len(), log[0].created.len()), (1, 1));
    assert_eq!(sim.pai_dlc().len(), 20);
}

use super::*;
use crate::state::State;
use reqwest::header::{HeaderMap, HeaderValue};

fn resp(status: u16, body: &str) -> RawResponse {
    resp_with(status, body, &[])
}

fn resp_with(status: u16, body: &str, headers: &[(&'static str, &str)]) -> RawResponse {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    RawResponse {
        status,
        headers: map,
        body: bytes::Bytes::from(body.to_string()),
    }
}

/// A JobItem carrying every documented field (formats as the SDKs show them), plus
/// an undocumented one.
pub(crate) const FULL_JOB: &str = r#"{
  "Accessibility": "PRIVATE",
  "ClusterId": "cluster-a1b2c3",
  "CodeSource": {"Branch": "master", "CodeSourceId": "code-20210111103721-xxxxxxx", "Commit": "44da109b5", "MountPath": "/root/code/"},
  "CredentialConfig": {"EnableCredentialInject": true, "AliyunEnvRoleKey": "0", "CredentialConfigItems": []},
  "DataSources": [{"DataSourceId": "data-20210114104214-xxxxxxx", "MountPath": "/mnt/data"}],
  "DisplayName": "tf-mnist-test",
  "Duration": 3602,
  "ElasticSpec": {"AIMasterType": "", "EnableElasticTraining": false, "MinParallelism": 1, "MaxParallelism": 4},
  "EnablePreemptibleJob": false,
  "EnabledDebugger": false,
  "Envs": {"ENABLE_DEBUG": "false"},
  "GmtCreateTime": "2021-01-12T14:35:01Z",
  "GmtFailedTime": null,
  "GmtFinishTime": "2021-01-12T15:36:08Z",
  "GmtModifiedTime": "2021-01-12T15:36:08Z",
  "GmtRunningTime": "2021-01-12T14:36:01Z",
  "GmtStoppedTime": null,
  "GmtSubmittedTime": "2021-01-12T14:35:02Z",
  "GmtSuccessedTime": "2021-01-12T15:36:08Z",
  "IsDeleted": false,
  "JobId": "dlc-20210126170216-mtl37ge7gkvdz",
  "JobMaxRunningTimeMinutes": 1440,
  "JobReplicaStatuses": [{"Type": "Worker", "Active": 0, "Queuing": 0, "Dequeued": 1, "EstimatedPodCount": 1, "CurrentSpotInstanceType": null, "EstimatedResourceConfig": null, "EstimatedAutoScalingSpec": null}],
  "JobSpecs": [{"Type": "Worker", "Image": "registry.cn-hangzhou.aliyuncs.com/pai-dlc/tensorflow-training:1.15-cpu-py36-ubuntu18.04", "PodCount": 1, "EcsSpec": "ecs.c6.large", "ResourceConfig": {"CPU": "2", "GPU": "0", "GPUType": "", "Memory": "4Gi", "SharedMemory": "2Gi"}, "UseSpotInstance": false, "IsCheif": false, "RestartPolicy": "Never"}],
  "JobType": "TFJob",
  "NodeCount": "1",
  "NodeNames": ["lingjun-node-1"],
  "Pods": [{"PodId": "dlc-20210126170216-mtl37ge7gkvdz-worker-0", "PodUid": "7ae1e3b5-2c8e-4a9b-bf1a-8d4d1f7b3c21", "PodIp": "10.0.0.12", "Ip": "10.0.0.12", "PodIps": [{"InterfaceName": "eth0", "Ip": "10.0.0.12"}], "NodeName": "cn-hangzhou.10.0.0.5", "Type": "Worker", "Status": "Succeeded", "SubStatus": "Normal", "GmtCreateTime": "2021-01-12T14:35:05Z", "GmtStartTime": "2021-01-12T14:36:01Z", "GmtFinishTime": "2021-01-12T15:36:08Z", "HistoryPods": [], "supportedProfilingTypes": "cpu"}],
  "Priority": 1,
  "ReasonCode": "JobSucceeded",
  "ReasonMessage": "Job succeeded.",
  "RequestCPU": 2,
  "RequestGPU": "0",
  "RequestMemory": "4Gi",
  "ResourceId": "quotaaaaaaaaaaa",
  "ResourceLevel": "L0",
  "ResourceName": "my_resource_group",
  "ResourceQuotaName": "test",
  "ResourceType": "ECS",
  "RestartTimes": "0",
  "RetryCount": 0,
  "SchedulingStrategy": "Balance",
  "Settings": {"Tags": {"team": "ml platform", "env": "prod"}, "PipelineId": "flow-abc123", "BusinessUserId": "1610000", "Caller": "local", "JobReservedMinutes": 0, "JobReservedPolicy": "Never", "EnableRDMA": false, "EnableErrorMonitoringInAIMaster": false, "EnableSanityCheck": false, "OversoldType": "ForbiddenQuotaOverSold", "AdvancedSettings": {"ReplicaSpecs": "x"}},
  "Status": "Succeeded",
  "StatusHistory": [
    {"Status": "Creating", "StartTime": "2021-01-12T14:35:01Z", "EndTime": "2021-01-12T14:35:02Z", "ReasonCode": "", "ReasonMessage": ""},
    {"Status": "Queuing", "StartTime": "2021-01-12T14:35:02Z", "EndTime": "2021-01-12T14:36:01Z", "ReasonCode": "", "ReasonMessage": ""},
    {"Status": "Running", "StartTime": "2021-01-12T14:36:01Z", "EndTime": "2021-01-12T15:36:08Z", "ReasonCode": "", "ReasonMessage": ""},
    {"Status": "Succeeded", "StartTime": "2021-01-12T15:36:08Z", "EndTime": "", "ReasonCode": "JobSucceeded", "ReasonMessage": "Job succeeded."}
  ],
  "SubStatus": "",
  "SystemEnvs": {"PAI_REGION": "cn-hangzhou"},
  "TemplateId": "tmlabc123",
  "TemplateName": "mnist-template",
  "TenantId": "t-0001",
  "ThirdpartyLibDir": "/root/code/",
  "ThirdpartyLibs": ["numpy==1.16.1"],
  "UseOversoldResource": false,
  "UserCommand": "python /root/code/mnist.py",
  "UserId": "123456789",
  "UserScript": "ls",
  "UserVpc": {"VpcId": "vpc-abc", "SwitchId": "vsw-abc", "SecurityGroupId": "sg-abc", "DefaultRoute": "eth0", "ExtendedCidrs": ["192.168.0.0/16"]},
  "Username": "pai-dlc-role",
  "WorkingDir": "/mnt/data",
  "WorkspaceId": "268",
  "WorkspaceName": "dlc-workspace",
  "supportedProfilingTypes": "cpu,gpu",
  "SomethingNew": {"added": "later"}
}"#;

fn value_of<'a>(r: &'a Record, column: &str) -> &'a SqlValue {
    &r.values[column_index(column)]
}

fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.to_string())
}

#[test]
fn parses_a_job_with_every_documented_field() {
    let body = format!(
        r#"{{"Jobs": [{FULL_JOB}], "TotalCount": 1, "RequestId": "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E"}}"#
    );
    let page = parse_list(&resp(200, &body)).unwrap();
    assert_eq!(page.total, Some(1));
    let r = &page.records[0];
    assert_eq!(r.id, "dlc-20210126170216-mtl37ge7gkvdz");
    assert_eq!(r.status, "Succeeded");
    assert_eq!(r.state, State::Succeeded);
    assert_eq!(r.name.as_deref(), Some("tf-mnist-test"));
    // Every column took its field: none is NULL except the documented nulls.
    for (c, v) in TABLE.columns.iter().zip(&r.values) {
        let null_ok = ["gmt_failed_time", "gmt_stopped_time"].contains(&c.name);
        assert_eq!(*v == SqlValue::Null, null_ok, "{}: {v:?}", c.name);
    }
    assert_eq!(
        value_of(r, "gmt_create_time"),
        &text("2021-01-12T14:35:01Z")
    );
    assert_eq!(value_of(r, "duration"), &SqlValue::Int(3602));
    assert_eq!(value_of(r, "request_gpu"), &text("0"), "kept as text");
    assert_eq!(value_of(r, "node_count"), &text("1"));
    assert_eq!(value_of(r, "restart_times"), &text("0"));
    assert_eq!(value_of(r, "request_cpu"), &SqlValue::Int(2));
    assert_eq!(value_of(r, "is_deleted"), &SqlValue::Int(0));
    assert_eq!(value_of(r, "use_oversold_resource"), &SqlValue::Int(0));
    assert_eq!(value_of(r, "supported_profiling_types"), &text("cpu,gpu"));
    match value_of(r, "settings") {
        SqlValue::Text(s) => {
            let v: Value = serde_json::from_str(s).unwrap();
            assert_eq!(v["Tags"]["team"], "ml platform");
        }
        other => panic!("{other:?}"),
    }
    match value_of(r, "status_history") {
        SqlValue::Text(s) => assert!(s.starts_with("[{\"Status\":\"Creating\"")),
        other => panic!("{other:?}"),
    }
    assert!(r.raw.contains("\"SomethingNew\":{\"added\":\"later\"}"));
    assert_eq!(create_secs(r), Some(1_610_462_101));
    assert!(!is_deleted(r));
}

#[test]
fn nulls_missing_fields_and_unknown_statuses_are_accepted() {
    let page = parse_list(&resp(
        200,
        r#"{"RequestId": "R", "TotalCount": "2", "Jobs": [
            {"JobId": "dlcmin", "Status": "Queuing", "DisplayName": null, "Pods": null, "IsDeleted": null},
            {"JobId": "dlcnew", "Status": "Hibernating", "IsDeleted": true, "GmtCreateTime": "2024-05-01T00:00:00Z"}
        ]}"#,
    ))
    .unwrap();
    assert_eq!(page.total, Some(2));
    let (a, b) = (&page.records[0], &page.records[1]);
    assert_eq!(a.state, State::Pending);
    assert_eq!(a.name, None);
    assert!(a
        .values
        .iter()
        .enumerate()
        .all(|(i, v)| (*v == SqlValue::Null) != [0, 3].contains(&i)));
    assert_eq!(create_secs(a), None);
    assert_eq!(b.state, State::Unknown);
    assert!(is_deleted(b));
    // Alibaba leaves empty lists out.
    let empty = parse_list(&resp(200, r#"{"RequestId": "R", "TotalCount": 0}"#)).unwrap();
    assert!(empty.records.is_empty());
    assert_eq!(empty.total, Some(0));
}

#[test]
fn malformed_answers_are_malformed() {
    for body in [
        "{\"Jobs\": [",
        "[]",
        r#"{"Jobs": "dlc1,dlc2"}"#,
        r#"{"Jobs": [{"Status": "Running"}]}"#,
        r#"{"Jobs": [{"JobId": "dlc1"}]}"#,
        r#"{"Jobs": [{"JobId": "", "Status": "Running"}]}"#,
        r#"{"Jobs": [1]}"#,
        r#"{"Jobs": [], "TotalCount": "many"}"#,
    ] {
        assert!(
            matches!(
                parse_list(&resp(200, body)),
                Err(ResponseError::Malformed(_))
            ),
            "{body}"
        );
    }
}

fn provider(e: ResponseError) -> ProviderError {
    match e {
        ResponseError::Provider(p) => p,
        other => panic!("{other:?}"),
    }
}

#[test]
fn error_shapes_become_provider_errors() {
    // JSON, PascalCase, with x-acs-retry-after in milliseconds.
    let e = provider(
        parse_list(&resp_with(
            429,
            r#"{"RequestId": "5E3C-1", "HostId": "pai-dlc.cn-hangzhou.aliyuncs.com", "Code": "Throttling.User", "Message": "Request was denied due to user flow control.", "Recommend": "https://api.aliyun.com/troubleshoot?q=Throttling.User"}"#,
            &[("x-acs-retry-after", "1500"), ("content-type", "application/json")],
        ))
        .unwrap_err(),
    );
    assert_eq!(e.http_status, 429);
    assert_eq!(e.code.as_deref(), Some("Throttling.User"));
    assert_eq!(
        e.message,
        "Request was denied due to user flow control. (RequestId 5E3C-1)"
    );
    assert_eq!(e.retry_after, Some(Duration::from_millis(1500)));
    assert!(e.is_retryable());
    // lower-camel.
    let e = provider(
        parse_list(&resp(
            400,
            r#"{"requestId": "r2", "code": "InvalidParameter", "message": "PageSize is invalid"}"#,
        ))
        .unwrap_err(),
    );
    assert_eq!(e.code.as_deref(), Some("InvalidParameter"));
    assert_eq!(e.message, "PageSize is invalid (RequestId r2)");
    assert!(!e.is_retryable());
    assert_eq!(e.retry_after, None);
    // XML when the content type says so.
    let e = provider(
        parse_list(&resp_with(
            403,
            "<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>X-1</RequestId><HostId>pai-dlc.aliyuncs.com</HostId><Code>Forbidden.RAM</Code><Message>User not authorized &amp; denied</Message></Error>",
            &[("content-type", "text/xml;charset=utf-8")],
        ))
        .unwrap_err(),
    );
    assert_eq!(e.code.as_deref(), Some("Forbidden.RAM"));
    assert_eq!(e.message, "User not authorized & denied (RequestId X-1)");
    // An error body on 200 (no Jobs) is an error, retryable.
    let e = provider(
        parse_list(&resp(
            200,
            r#"{"RequestId": "r3", "Code": "InternalError", "Message": "boom"}"#,
        ))
        .unwrap_err(),
    );
    assert_eq!(e.http_status, 200);
    assert!(e.is_retryable());
    // A proxy's HTML page: the body, no code; Retry-After (seconds) is honoured too.
    let e = provider(
        parse_list(&resp_with(
            503,
            "<html>unavailable</html>",
            &[("retry-after", "2")],
        ))
        .unwrap_err(),
    );
    assert_eq!(e.code, None);
    assert!(e.message.contains("unavailable"));
    assert_eq!(e.retry_after, Some(Duration::from_secs(2)));
    // Zero or garbage x-acs-retry-after is ignored.
    let e = parse_error(
        429,
        &resp_with(429, "", &[("x-acs-retry-after", "0")]).headers,
        b"",
    );
    assert_eq!(e.retry_after, None);
    assert_eq!(e.message, "(empty body)");
}

#[test]
fn builds_requests_with_provider_names_and_action_headers() {
    let r = list_request(&ListParams {
        workspace_id: Some("268".into()),
        start: 1_420_070_400,
        end: Some(1_420_070_401),
        job_ids: vec!["dlc1".into(), "dlc2".into()],
        page_number: 2,
        page_size: 100,
    });
    assert_eq!(r.path, "/api/v1/jobs");
    let q: Vec<(&str, &str)> = r
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        q,
        vec![
            ("WorkspaceId", "268"),
            ("StartTime", "2015-01-01T00:00:00Z"),
            ("EndTime", "2015-01-01T00:00:01Z"),
            ("SortBy", "GmtCreateTime"),
            ("Order", "asc"),
            ("PageNumber", "2"),
            ("PageSize", "100"),
            ("JobIds", "dlc1,dlc2"),
        ]
    );
    assert!(!q.iter().any(|(k, _)| *k == "JobId"), "never JobId");
    assert_eq!(
        r.headers,
        vec![
            ("x-acs-action".to_string(), "ListJobs".to_string()),
            ("x-acs-version".to_string(), "2020-12-03".to_string())
        ]
    );
    let plain = list_request(&ListParams {
        workspace_id: None,
        start: 0,
        end: None,
        job_ids: vec![],
        page_number: 1,
        page_size: 50,
    });
    let keys: Vec<&str> = plain.query.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["StartTime", "SortBy", "Order", "PageNumber", "PageSize"]
    );
}

#[test]
fn times_round_trip() {
    assert_eq!(format_time(1_610_462_101), "2021-01-12T14:35:01Z");
    assert_eq!(parse_time("2021-01-12T14:35:01Z"), Some(1_610_462_101));
    assert_eq!(parse_time("2021-01-12T22:35:01+08:00"), Some(1_610_462_101));
    assert_eq!(parse_time("yesterday"), None);
}
